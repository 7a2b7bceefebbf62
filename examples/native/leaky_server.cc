// leaky_server: a small native HTTP/1.1 service that leaks on purpose, used
// as the system under test by soak's demo and tests (contract:
// shared_contracts "Native example service", docs/probes-proc.md).
//
//   leaky_server [--host 127.0.0.1] [--port N] [--leak none|memory|threads|fds|sockets]
//                [--leak-bytes N] [--leak-per-s N] [--bursts] [--ready-delay S]
//                [--crash-after S] [--never-ready]
//
// Plain POSIX sockets and one thread per connection: the point is a SUT whose
// resource use is predictable, not a clever server. Signals are handled by
// the main thread with sigtimedwait so SIGTERM ends the process promptly
// whatever the connection threads are blocked in.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

enum class LeakMode { kNone, kMemory, kThreads, kFds, kSockets };

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  LeakMode leak = LeakMode::kNone;
  size_t leak_bytes = 65536;
  double leak_per_s = 0;
  bool bursts = false;  // /api parses a burst of small nodes, caching a few (no leak; fragments glibc's heap)
  double ready_delay_s = 0;
  std::optional<double> crash_after_s;
  bool never_ready = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "leaky_server: %s\n", message.c_str());
  std::fprintf(stderr,
               "usage: leaky_server [--host 127.0.0.1] [--port N] "
               "[--leak none|memory|threads|fds|sockets] [--leak-bytes N] [--leak-per-s N] [--bursts] "
               "[--ready-delay S] [--crash-after S] [--never-ready]\n");
  std::exit(2);
}

double parse_number(const std::string& flag, const std::string& text, double min) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v)) {
    usage_error(flag + " \"" + text + "\": not a number");
  }
  if (v < min) usage_error(flag + " \"" + text + "\": must be >= " + std::to_string(min));
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_inline = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= argc) usage_error(flag + ": missing value");
      return argv[++i];
    };
    if (flag == "--host") {
      o.host = next();
    } else if (flag == "--port") {
      double p = parse_number(flag, next(), 0);
      if (p > 65535 || p != std::floor(p)) usage_error("--port: must be an integer 0..65535");
      o.port = static_cast<int>(p);
    } else if (flag == "--leak") {
      std::string m = next();
      if (m == "none") o.leak = LeakMode::kNone;
      else if (m == "memory") o.leak = LeakMode::kMemory;
      else if (m == "threads") o.leak = LeakMode::kThreads;
      else if (m == "fds") o.leak = LeakMode::kFds;
      else if (m == "sockets") o.leak = LeakMode::kSockets;
      else usage_error("--leak \"" + m + "\": expected none, memory, threads, fds or sockets");
    } else if (flag == "--leak-bytes") {
      o.leak_bytes = static_cast<size_t>(parse_number(flag, next(), 0));
    } else if (flag == "--leak-per-s") {
      o.leak_per_s = parse_number(flag, next(), 0);
    } else if (flag == "--ready-delay") {
      o.ready_delay_s = parse_number(flag, next(), 0);
    } else if (flag == "--crash-after") {
      o.crash_after_s = parse_number(flag, next(), 0);
    } else if (flag == "--bursts" && !has_inline) {
      o.bursts = true;
    } else if (flag == "--never-ready" && !has_inline) {
      o.never_ready = true;
    } else if (flag == "--help" || flag == "-h") {
      usage_error("help requested");
    } else {
      usage_error("unknown argument \"" + std::string(argv[i]) + "\"");
    }
  }
  return o;
}

// ---------------------------------------------------------------------------
// Leaks. Each unit is kept forever on purpose. Threads, fds and sockets stop
// leaking near the process limits so the server itself keeps working (and the
// machine keeps its pids): the series then plateaus, which docs/ describe.

constexpr int kMaxLeakedThreads = 2000;
constexpr int kFdHeadroom = 128;  // fds kept free for connections

std::mutex g_leak_mu;
std::vector<void*> g_leaked_blocks;  // reachable, so leak checkers call it "still reachable"
std::atomic<int> g_leaked_threads{0};
std::atomic<int> g_leaked_fds{0};
int g_fd_limit = 1024;

void* parked_thread(void*) {
  // Every signal is blocked in this thread (inherited mask), so pause() never
  // returns; the thread is only ever ended by process exit.
  for (;;) pause();
  return nullptr;
}

void leak_one(const Options& o) {
  switch (o.leak) {
    case LeakMode::kNone:
      return;
    case LeakMode::kMemory: {
      if (o.leak_bytes == 0) return;
      void* p = std::malloc(o.leak_bytes);
      if (p == nullptr) return;
      std::memset(p, 0xA5, o.leak_bytes);  // touch every page so RSS grows
      std::lock_guard<std::mutex> lock(g_leak_mu);
      g_leaked_blocks.push_back(p);
      return;
    }
    case LeakMode::kThreads: {
      if (g_leaked_threads.fetch_add(1) >= kMaxLeakedThreads) {
        g_leaked_threads.fetch_sub(1);
        return;
      }
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setstacksize(&attr, 64 * 1024);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      pthread_t t;
      if (pthread_create(&t, &attr, parked_thread, nullptr) != 0) g_leaked_threads.fetch_sub(1);
      pthread_attr_destroy(&attr);
      return;
    }
    case LeakMode::kFds:
    case LeakMode::kSockets: {
      if (g_leaked_fds.fetch_add(1) >= g_fd_limit - kFdHeadroom) {
        g_leaked_fds.fetch_sub(1);
        return;
      }
      int fd = o.leak == LeakMode::kFds ? ::open("/dev/null", O_RDONLY | O_CLOEXEC)
                                        : ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) g_leaked_fds.fetch_sub(1);
      return;
    }
  }
}

void background_leaker(const Options& o) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto period = std::chrono::duration<double>(1.0 / o.leak_per_s);
  for (long k = 1;; ++k) {
    std::this_thread::sleep_until(
        start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(k)));
    leak_one(o);
  }
}

// ---------------------------------------------------------------------------
// --bursts: a healthy service whose allocation pattern fragments glibc's
// heap. Each /api request parses a "document" into small nodes (16-512 B
// each; how many is heavy-tailed, as request sizes are: 100 / u for u
// uniform in (0, 1], at most 20,000) and keeps one node in 100 in a cache
// bounded by bytes (1 MiB, filled at start, the oldest entries evicted); the
// other nodes are freed when the request ends. The live heap stays flat
// (the cache, plus one request's nodes while it runs), but the survivors
// are scattered over the pages each burst used, so glibc can give little
// back: RSS climbs to several times the live heap, stepping up with each
// larger burst. No allocation here is a leak.

constexpr size_t kCacheBytes = 1 << 20;
constexpr size_t kCacheSlots = 1 << 16;  // >= kCacheBytes / smallest node
constexpr size_t kMaxNodes = 20000;
constexpr unsigned kKeepOneIn = 100;

struct CacheEntry {
  char* node;
  size_t size;
};
struct BurstCache {
  std::mutex mu;
  std::vector<CacheEntry> ring;  // kCacheSlots, never resized after start
  size_t oldest = 0, count = 0, bytes = 0;
};
BurstCache g_cache;

size_t node_size(std::mt19937_64& rng) { return 16 + rng() % 497; }

char* new_node(size_t size) {
  auto* node = static_cast<char*>(std::malloc(size));
  if (node) std::memset(node, 0x5A, size);
  return node;
}

// Under g_cache.mu.
void cache_insert(char* node, size_t size) {
  while (g_cache.count > 0 && (g_cache.bytes + size > kCacheBytes || g_cache.count == kCacheSlots)) {
    CacheEntry& e = g_cache.ring[g_cache.oldest];
    std::free(e.node);
    g_cache.bytes -= e.size;
    g_cache.oldest = (g_cache.oldest + 1) % kCacheSlots;
    --g_cache.count;
  }
  g_cache.ring[(g_cache.oldest + g_cache.count) % kCacheSlots] = {node, size};
  ++g_cache.count;
  g_cache.bytes += size;
}

void fill_cache() {
  std::mt19937_64 rng(1);
  g_cache.ring.resize(kCacheSlots);
  std::lock_guard<std::mutex> lock(g_cache.mu);
  for (;;) {
    size_t size = node_size(rng);
    if (g_cache.bytes + size > kCacheBytes) break;
    if (char* node = new_node(size)) cache_insert(node, size);
  }
}

void parse_burst() {
  thread_local std::mt19937_64 rng(std::hash<std::thread::id>()(std::this_thread::get_id()));
  double u = (static_cast<double>(rng() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  size_t n = std::min(kMaxNodes, static_cast<size_t>(100.0 / u));
  std::vector<CacheEntry> nodes;
  nodes.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    size_t size = node_size(rng);
    nodes.push_back({new_node(size), size});
  }
  for (const CacheEntry& e : nodes) {
    if (e.node && rng() % kKeepOneIn == 0) {
      std::lock_guard<std::mutex> lock(g_cache.mu);
      cache_insert(e.node, e.size);
    } else {
      std::free(e.node);
    }
  }
}

// ---------------------------------------------------------------------------
// HTTP/1.1, just enough: request line, Content-Length bodies, keep-alive,
// pipelining.

const char* reason_phrase(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

void append_response(std::string& out, int code, std::string_view body, bool close) {
  out += "HTTP/1.1 ";
  out += std::to_string(code);
  out += ' ';
  out += reason_phrase(code);
  out += "\r\nContent-Type: text/plain\r\n";
  bool no_body = code == 204 || code == 304;
  out += "Content-Length: ";
  out += std::to_string(no_body ? 0 : body.size());
  out += "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!no_body) out += body;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<long> parse_long(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Routes one request; returns the status and body.
std::pair<int, std::string_view> route(const Options& o, std::string_view method,
                                       std::string_view target) {
  std::string_view path = target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (path == "/healthz") return {200, "ok\n"};
  if (path == "/api") {
    if (method != "GET" && method != "POST") return {405, "method not allowed\n"};
    leak_one(o);
    if (o.bursts) parse_burst();
    return {200, "{\"ok\":true}\n"};
  }
  if (path == "/slow") {
    long ms = 0;
    for (size_t pos = 0; pos < query.size();) {
      size_t amp = query.find('&', pos);
      std::string_view kv = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
      if (kv.rfind("ms=", 0) == 0) {
        auto v = parse_long(kv.substr(3));
        if (!v) return {400, "bad ms\n"};
        ms = *v;
      }
      if (amp == std::string_view::npos) break;
      pos = amp + 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return {200, "slow\n"};
  }
  if (path.rfind("/status/", 0) == 0) {
    auto code = parse_long(path.substr(8));
    if (code && *code >= 200 && *code <= 599) return {static_cast<int>(*code), "status\n"};
  }
  return {404, "not found\n"};
}

void serve_connection(const Options& o, int fd) {
  constexpr size_t kMaxHeader = 64 * 1024;
  constexpr size_t kMaxBody = 16 * 1024 * 1024;
  std::string in;
  std::string out;
  char chunk[16 * 1024];
  bool open = true;
  while (open) {
    // Handle every complete request in the buffer (pipelining), then reply
    // with one write.
    out.clear();
    size_t consumed = 0;
    for (;;) {
      std::string_view rest(in.data() + consumed, in.size() - consumed);
      size_t hdr_end = rest.find("\r\n\r\n");
      if (hdr_end == std::string_view::npos) {
        if (rest.size() > kMaxHeader) {
          append_response(out, 431, "headers too large\n", true);
          open = false;
        }
        break;
      }
      std::string_view head = rest.substr(0, hdr_end);
      size_t line_end = head.find("\r\n");
      std::string_view request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' ');
      size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos) {
        append_response(out, 400, "bad request line\n", true);
        open = false;
        break;
      }
      std::string_view method = request_line.substr(0, sp1);
      std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string_view version = request_line.substr(sp2 + 1);
      bool keep_alive = version == "HTTP/1.1";
      size_t body_len = 0;
      bool bad = false;
      std::string_view headers =
          line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
      while (!headers.empty()) {
        size_t e = headers.find("\r\n");
        std::string_view line = headers.substr(0, e);
        headers = e == std::string_view::npos ? std::string_view() : headers.substr(e + 2);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
          auto v = parse_long(value);
          if (!v || static_cast<size_t>(*v) > kMaxBody) bad = true;
          else body_len = static_cast<size_t>(*v);
        } else if (iequals(name, "connection")) {
          if (iequals(value, "close")) keep_alive = false;
          else if (iequals(value, "keep-alive")) keep_alive = true;
        } else if (iequals(name, "transfer-encoding")) {
          bad = true;  // chunked request bodies are not supported
        }
      }
      if (bad) {
        append_response(out, 400, "bad headers\n", true);
        open = false;
        break;
      }
      if (rest.size() < hdr_end + 4 + body_len) break;  // body not complete yet
      auto [code, body] = route(o, method, target);
      append_response(out, code, body, !keep_alive);
      consumed += hdr_end + 4 + body_len;
      if (!keep_alive) {
        open = false;
        break;
      }
    }
    in.erase(0, consumed);
    if (!out.empty() && !send_all(fd, out)) break;
    if (!open) break;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
}

void serve(const Options& o) {
  if (o.ready_delay_s > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.ready_delay_s));
  }
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) {
    std::fprintf(stderr, "leaky_server: socket: %s\n", std::strerror(errno));
    std::fflush(stderr);
    std::_Exit(1);
  }
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "leaky_server: --host \"%s\": not an IPv4 address\n", o.host.c_str());
    std::fflush(stderr);
    std::_Exit(2);
  }
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(lfd, 1024) != 0) {
    std::fprintf(stderr, "leaky_server: cannot listen on %s:%d: %s\n", o.host.c_str(), o.port,
                 std::strerror(errno));
    std::fflush(stderr);
    std::_Exit(1);
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening on %s:%d\n", o.host.c_str(), ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EMFILE/ENFILE (e.g. the fd leak reached the limit): back off, retry.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    try {
      std::thread(serve_connection, std::cref(o), fd).detach();
    } catch (const std::system_error&) {
      ::close(fd);  // out of threads: drop the connection, keep serving
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  static const Options options = parse_args(argc, argv);

  // A non-interactive shell starts background children with SIGINT ignored;
  // restore the defaults so sigtimedwait below sees them, then block them in
  // every thread (the mask is inherited by threads created after this).
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    g_fd_limit = static_cast<int>(rl.rlim_cur);
  }

  if (options.bursts) fill_cache();
  if (!options.never_ready) {
    std::thread(serve, std::cref(options)).detach();
  } else {
    std::printf("never ready: no port bound\n");  // so a test knows it got this far
    std::fflush(stdout);
  }
  if (options.leak != LeakMode::kNone && options.leak_per_s > 0) {
    std::thread(background_leaker, std::cref(options)).detach();
  }

  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> crash_at;
  if (options.crash_after_s) {
    crash_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(*options.crash_after_s));
  }
  for (;;) {
    timespec wait{1, 0};
    if (crash_at) {
      auto left = *crash_at - Clock::now();
      if (left <= Clock::duration::zero()) {
        std::fprintf(stderr, "leaky_server: crashing on purpose (--crash-after)\n");
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(42);
      }
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      if (ns < 1'000'000'000) wait = {0, static_cast<long>(ns)};
    }
    int sig = ::sigtimedwait(&stop_signals, nullptr, &wait);
    if (sig > 0) {
      // Exit without unwinding: connection threads may be blocked in recv().
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(0);
    }
  }
}
