// TLS for the HTTP client and the built-in load: one client context per
// process (system CA store, TLS 1.2 or later) and the per-connection set-up
// (SNI, host name or IP check, or no checks with --insecure).
#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "net/url.h"

namespace soak {

/// The process's TLS client context, made on first use: peer verification
/// against the system's default CA store (OpenSSL's default paths, i.e.
/// /etc/ssl/certs on Debian), TLS 1.2 or later. Thread-safe.
boost::asio::ssl::context& tls_client_context();

/// Prepares a new connection's SSL object for `url`: SNI for a host name,
/// verification of the certificate against the name or IP address, or no
/// verification at all when `insecure`. Call before the handshake.
boost::system::error_code tls_prepare(SSL* ssl, const Url& url, bool insecure);

/// Where a connection's new sessions (TLS 1.3 tickets, or a TLS 1.2 session)
/// go as the server issues them, for a later connection to resume.
class TlsSessionSink {
 public:
  virtual ~TlsSessionSink() = default;
  /// `session` is a copy the sink owns (SSL_SESSION_free it); called on the
  /// thread that reads the connection.
  virtual void keep(SSL_SESSION* session) = 0;
};
/// Routes `ssl`'s new sessions to `sink` (which must outlive `ssl`).
void tls_set_session_sink(SSL* ssl, TlsSessionSink* sink);

/// A failed handshake in words: OpenSSL's verification result when the
/// certificate was refused ("certificate verify failed: self-signed
/// certificate"), else the error's message.
std::string tls_error_text(SSL* ssl, const boost::system::error_code& ec);

}  // namespace soak
