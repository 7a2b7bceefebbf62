#include "harness/http_options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace soak {

namespace {

// Replaces a header of the same name (any case), else appends.
void set_header(std::vector<HttpHeader>& headers, HttpHeader h) {
  auto it = std::find_if(headers.begin(), headers.end(),
                         [&](const HttpHeader& x) { return same_header_name(x.first, h.first); });
  if (it != headers.end()) *it = std::move(h);
  else headers.push_back(std::move(h));
}

constexpr const char* kRedacted = "<redacted>";

}  // namespace

void add_http_client_options(CLI::App& app, HttpClientFlags& f) {
  app.add_option("--header", f.headers,
                 "repeatable: an HTTP header for every request soak makes, e.g. 'X-Scope-OrgID: t1'")
      ->type_name("'K: V'")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--token-file", f.token_file,
                 "send 'Authorization: Bearer TOKEN' with every request, TOKEN read from FILE (never recorded)")
      ->type_name("FILE");
  app.add_flag("--insecure", f.insecure, "https: do not check certificates or host names (a warning is recorded)");
}

Status apply_http_client_flags(const HttpClientFlags& f, const CLI::App& app, HttpClientConfig& c) {
  for (const auto& text : f.headers) {
    auto h = parse_header(text);
    if (!h) return make_error(fmt::format("--header \"{}\": {}", text, h.message()));
    set_header(c.headers, std::move(*h));
  }
  if (app.count("--token-file") > 0) {
    if (f.token_file.empty()) return make_error("--token-file \"\": empty path (expected a file holding the token)");
    c.token_file = f.token_file;
    c.token_origin = "--token-file";
  }
  if (f.insecure) c.insecure = true;
  return Status::Ok();
}

Status apply_http_client_json(const nlohmann::json& j, HttpClientConfig& c) {
  if (!j.is_object())
    return make_error(fmt::format(
        "http_client: expected an object like {{\"headers\": {{\"X-Scope-OrgID\": \"t1\"}}}}, got {}", j.dump()));
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (key == "headers") {
      if (!v.is_object())
        return make_error(fmt::format(
            "http_client.headers: expected an object like {{\"X-Scope-OrgID\": \"t1\"}}, got {}", v.dump()));
      for (auto h = v.begin(); h != v.end(); ++h) {
        if (!h.value().is_string())
          return make_error(
              fmt::format("http_client.headers.{}: expected a string, got {}", h.key(), h.value().dump()));
        auto st = check_header(h.key(), h.value().get<std::string>());
        if (!st) return make_error(fmt::format("http_client.headers.{}: {}", h.key(), st.message()));
        set_header(c.headers, {h.key(), h.value().get<std::string>()});
      }
    } else if (key == "token_file") {
      if (!v.is_string() || v.get<std::string>().empty())
        return make_error(
            fmt::format("http_client.token_file: expected a file name like \"token.txt\", got {}", v.dump()));
      c.token_file = v.get<std::string>();
      c.token_origin = "http_client.token_file";
    } else if (key == "insecure") {
      if (!v.is_boolean())
        return make_error(fmt::format("http_client.insecure: expected true or false, got {}", v.dump()));
      c.insecure = v.get<bool>();
    } else {
      return make_error(
          fmt::format("http_client.{}: unknown key (expected one of: headers, token_file, insecure)", key));
    }
  }
  return Status::Ok();
}

bool is_secret_header(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (std::string_view part : {"auth", "token", "key", "secret", "password", "session", "cookie", "credential"})
    if (n.find(part) != std::string::npos) return true;
  return false;
}

nlohmann::json http_client_to_json(const HttpClientConfig& c) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [k, v] : c.headers) headers[k] = is_secret_header(k) ? kRedacted : v;
  nlohmann::json j{{"headers", headers}, {"insecure", c.insecure}};
  if (c.token_file) j["token_file"] = c.token_file->string();
  return j;
}

Result<HttpSettings> resolve_http_settings(const HttpClientConfig& c) {
  HttpSettings s;
  s.headers = c.headers;
  s.insecure = c.insecure;
  if (!c.token_file) return s;
  const std::string file = c.token_file->string();
  auto err = [&](std::string_view why) { return make_error(fmt::format("{} \"{}\": {}", c.token_origin, file, why)); };
  if (std::any_of(c.headers.begin(), c.headers.end(),
                  [](const HttpHeader& h) { return same_header_name(h.first, "Authorization"); }))
    return err("an Authorization header is given as well (--header or http_client.headers); give one or the other");
  std::error_code ec;
  auto st = std::filesystem::status(*c.token_file, ec);
  if (ec || !std::filesystem::exists(st)) return err("no such file");
  if (!std::filesystem::is_regular_file(st)) return err("not a regular file (expected a file holding the token)");
  errno = 0;
  std::ifstream in(*c.token_file, std::ios::binary);
  if (!in) return err(fmt::format("cannot be read: {}", errno ? std::strerror(errno) : "open failed"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return err("cannot be read: read error");
  std::string token = ss.str();
  auto space = [](unsigned char ch) { return std::isspace(ch) != 0; };
  token.erase(token.begin(), std::find_if_not(token.begin(), token.end(), space));
  token.erase(std::find_if_not(token.rbegin(), token.rend(), space).base(), token.end());
  if (token.empty()) return err("the file is empty (expected the token on one line)");
  if (token.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    return err("the token spans more than one line (expected the token on one line)");
  s.headers.emplace_back("Authorization", "Bearer " + token);
  return s;
}

std::optional<std::string> insecure_warning(const HttpClientConfig& c) {
  if (!c.insecure) return std::nullopt;
  return "--insecure: TLS certificates and host names are not checked for https:// endpoints; anyone on the path "
         "could read or alter what soak fetches";
}

}  // namespace soak
