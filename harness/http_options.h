// The HTTP client options of a run (and of `soak fleet`): --header,
// --token-file, --insecure, or the config's "http_client" object. They apply
// to every request soak makes: --metrics, --go, http(s):// readiness, the
// built-in load and the Prometheus API of `soak fleet`.
//
// Secrets stay out of the run directory: run.json records the token file's
// path, never the token, and the values of credential-like headers
// (Authorization, Cookie, X-Api-Key, ...) as "<redacted>".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "net/http_client.h"

namespace CLI {
class App;
}

namespace soak {

/// As given by flags or config; turned into HttpSettings by
/// resolve_http_settings (which reads the token file).
struct HttpClientConfig {
  std::vector<HttpHeader> headers;                  // --header "K: V" (repeatable), http_client.headers
  std::optional<std::filesystem::path> token_file;  // --token-file FILE, http_client.token_file
  std::string token_origin = "--token-file";        // what set token_file, for messages
  bool insecure = false;                            // --insecure, http_client.insecure

  bool empty() const { return headers.empty() && !token_file && !insecure; }
};

/// Raw flag values, filled by CLI11.
struct HttpClientFlags {
  std::vector<std::string> headers;
  std::string token_file;
  bool insecure = false;
};

/// Adds --header, --token-file and --insecure to a subcommand.
void add_http_client_options(CLI::App& app, HttpClientFlags& flags);
/// Applies the flags that were given over `config` (flag headers add to
/// config headers; a flag header replaces a config header of the same name).
/// Errors: `--header "X-Org t1": expected "Name: value" ...`.
Status apply_http_client_flags(const HttpClientFlags& flags, const CLI::App& app, HttpClientConfig& config);

/// The config's "http_client" object: {"headers": {"K": "V"}, "token_file":
/// "FILE", "insecure": false}. Errors name the key path.
Status apply_http_client_json(const nlohmann::json& j, HttpClientConfig& config);
/// For run.json: the token file's path (never the token) and the headers,
/// credential-like ones (is_secret_header) as "<redacted>". Read back by
/// apply_http_client_json it gives the same configuration except for those
/// values.
nlohmann::json http_client_to_json(const HttpClientConfig& config);
/// True for headers that carry credentials: Authorization,
/// Proxy-Authorization, Cookie, and any name with "auth", "token", "key",
/// "secret", "password", "session", "cookie" or "credential" in it (any case).
bool is_secret_header(std::string_view name);

/// Reads the token file (relative paths from the current directory; surrounding
/// whitespace, such as the trailing newline, dropped) and gives the settings
/// every request uses: the headers, then "Authorization: Bearer TOKEN". Errors
/// name --token-file (or http_client.token_file) and the reason (missing, not
/// a file, unreadable, empty, more than one line, or an Authorization header
/// given as well); they never hold the token.
Result<HttpSettings> resolve_http_settings(const HttpClientConfig& config);

/// The warning a run with --insecure prints and records, or nothing.
std::optional<std::string> insecure_warning(const HttpClientConfig& config);

}  // namespace soak
