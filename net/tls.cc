#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/error.hpp>

namespace soak {

namespace ssl = boost::asio::ssl;

ssl::context& tls_client_context() {
  static ssl::context* ctx = [] {
    auto* c = new ssl::context(ssl::context::tls_client);  // never freed: used until exit
    c->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ignored;  // no CA store: every verification fails, with a message
    c->set_default_verify_paths(ignored);
    c->set_verify_mode(ssl::verify_peer);
    // Keep sessions for resumption when a load connection is reopened.
    SSL_CTX_set_session_cache_mode(c->native_handle(), SSL_SESS_CACHE_CLIENT);
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
