#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/error.hpp>

namespace soak {

namespace ssl = boost::asio::ssl;

namespace {
int sink_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
}  // namespace

void tls_set_session_sink(SSL* ssl, TlsSessionSink* sink) { SSL_set_ex_data(ssl, sink_index(), sink); }

ssl::context& tls_client_context() {
  static ssl::context* ctx = [] {
    auto* c = new ssl::context(ssl::context::tls_client);  // never freed: used until exit
    c->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ignored;  // no CA store: every verification fails, with a message
    c->set_default_verify_paths(ignored);
    c->set_verify_mode(ssl::verify_peer);
    // New sessions go to the connection's TlsSessionSink (the built-in load
    // resumes them when it reconnects); OpenSSL's own cache keeps none.
    SSL_CTX_set_session_cache_mode(c->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c->native_handle(), [](SSL* ssl, SSL_SESSION* session) -> int {
      auto* sink = static_cast<TlsSessionSink*>(SSL_get_ex_data(ssl, sink_index()));
      // A copy: closing the connection without close_notify marks its own
      // session object as not resumable.
      if (sink && SSL_SESSION_is_resumable(session))
        if (SSL_SESSION* copy = SSL_SESSION_dup(session)) sink->keep(copy);
      return 0;  // the original stays OpenSSL's
    });
    return c;
  }();
  return *ctx;
}

boost::system::error_code tls_prepare(SSL* ssl, const Url& url, bool insecure) {
  boost::system::error_code ec;
  auto openssl_error = [] {
    return boost::system::error_code(static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category());
  };
  // SNI carries names only (RFC 6066), never IP addresses.
  if (!url.host_is_ip() && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1) return openssl_error();
  if (insecure) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    return ec;
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = url.host_is_ip() ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                            : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
  if (ok != 1) return openssl_error();
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return ec;
}

std::string tls_error_text(SSL* ssl, const boost::system::error_code& ec) {
  long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK)
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  if (ec == ssl::error::stream_truncated) return "the server closed the connection during the handshake";
  return ec.message();
}

}  // namespace soak
