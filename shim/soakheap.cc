// libsoakheap.so: soak's allocation shim, preloaded into a native SUT
// (LD_PRELOAD) by `soak run --native-heap`. It counts live heap bytes and
// blocks exactly, publishes them on a shared page (shim/heap_page.h) and
// samples allocation stacks, Poisson by bytes, for the culprit report.
// docs/native-heap.md is the user-facing description.
//
// Constraints, because this code runs inside every malloc of someone else's
// program:
// - no libstdc++ runtime: no exceptions, RTTI, iostreams, std containers or
//   thread-safe statics (std::atomic is header-only);
// - no allocation of its own on the hot path, and no dlsym (which may
//   allocate and recurse): the real allocator is reached through glibc's
//   exported __libc_* entry points;
// - TLS in the initial-exec model (a preloaded library gets static TLS), so
//   reading it never calls __tls_get_addr, which may allocate;
// - a re-entrancy guard around stack sampling (the only part that calls into
//   other libraries: the libgcc unwinder);
// - fork: the child gets its own page, seeded with the parent's counts (the
//   heap it inherited); exec starts afresh with the new image.
//
// Sizes are malloc_usable_size() of the block, on allocation and on free, so
// the live total is exact whatever the alignment (glibc's memalign returns a
// real chunk, whose usable size is stable until it is freed or realloc'ed).
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include <atomic>

#include "shim/heap_page.h"

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* __libc_valloc(size_t);
void* __libc_pvalloc(size_t);
}

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))
#define TLS_IE __attribute__((tls_model("initial-exec")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace {

using soak::heap_page::Page;

// Per-thread batches reach the shared totals every kFlushBytes of net change
// or kFlushOps operations, and at thread exit.
constexpr int64_t kFlushBytes = 64 * 1024;
constexpr uint32_t kFlushOps = 256;

// Sampling tables (allocated on the first sample).
constexpr int kMaxFrames = 32;
constexpr uint32_t kStackBits = 14;  // distinct allocation stacks
constexpr uint32_t kStackCap = 1u << kStackBits;
constexpr uint32_t kLiveBits = 16;  // live sampled blocks, load kept <= 1/2
constexpr uint32_t kLiveCap = 1u << kLiveBits;

// ---------------------------------------------------------------------------
// Counters.

Page g_local_page;                     // until the shared page exists, or when none can be made
std::atomic<Page*> g_page{&g_local_page};

struct ThreadState {
  int64_t bytes;        // pending net bytes
  int64_t allocs;       // pending net blocks
  uint64_t new_allocs;  // pending allocations (counter)
  uint32_t ops;
  uint8_t reg;          // 0 = not registered for the exit flush, 1 = registered, 2 = exited
  bool in_sample;       // re-entrancy guard
  int64_t until_sample;  // bytes left before the next sample
  uint64_t rng;          // 0 = not seeded
};
__thread ThreadState t_state TLS_IE;

pthread_key_t g_key;
std::atomic<bool> g_key_ready{false};

void flush(ThreadState& s) {
  Page* p = g_page.load(std::memory_order_acquire);
  if (s.bytes) p->live_bytes.fetch_add(s.bytes, std::memory_order_relaxed);
  if (s.allocs) p->live_allocs.fetch_add(s.allocs, std::memory_order_relaxed);
  if (s.new_allocs) p->total_allocs.fetch_add(s.new_allocs, std::memory_order_relaxed);
  s.bytes = s.allocs = 0;
  s.new_allocs = 0;
  s.ops = 0;
}

// The pthread key's destructor runs when a thread exits: its batch must not
// be lost. Later operations of that thread (other TLS destructors) go
// straight to the totals.
void thread_exit(void*) {
  flush(t_state);
  t_state.reg = 2;
}

__attribute__((noinline)) void register_thread(ThreadState& s) {
  if (!g_key_ready.load(std::memory_order_acquire)) return;  // before the constructor: batch only
  s.reg = 1;  // before setspecific, which may itself allocate
  pthread_setspecific(g_key, reinterpret_cast<void*>(1));
}

inline void account(int64_t bytes, int64_t allocs, uint64_t new_allocs) {
  ThreadState& s = t_state;
  if (UNLIKELY(s.reg != 1)) {
    if (s.reg == 2) {
      s.bytes += bytes;
      s.allocs += allocs;
      s.new_allocs += new_allocs;
      flush(s);
      return;
    }
    register_thread(s);
  }
  s.bytes += bytes;
  s.allocs += allocs;
  s.new_allocs += new_allocs;
  if (UNLIKELY(++s.ops >= kFlushOps || s.bytes >= kFlushBytes || s.bytes <= -kFlushBytes)) flush(s);
}

// ---------------------------------------------------------------------------
// Sampling: Poisson by bytes, as tcmalloc and jemalloc do. Each thread counts
// down an exponentially distributed number of bytes (mean g_interval); the
// allocation that crosses zero is sampled. A block of size s is thus sampled
// with probability 1 - exp(-s/mean), and stands for s / (1 - exp(-s/mean))
// bytes (its weight).

uint64_t g_interval = 0;  // mean bytes between samples; 0 = off

struct Stack {
  uint64_t hash;
  uint32_t depth;
  uint32_t used;
  uintptr_t pcs[kMaxFrames];
};
struct Live {
  uintptr_t ptr;   // 0 = empty slot
  uint64_t size;   // usable bytes
  double weight;   // estimated bytes this sample stands for
  uint32_t stack;  // index + 1 into g_stacks; 0 = unknown (table full)
};

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;  // guards the tables below
Stack* g_stacks = nullptr;
uint32_t g_stack_count = 0;
Live* g_live = nullptr;
uint32_t g_live_count = 0;
// Live blocks per home slot, read without the lock by free(): a zero means
// the pointer is certainly not sampled, so free() costs one load.
std::atomic<uint8_t> g_filter[kLiveCap];
std::atomic<uint32_t> g_tracked{0};

inline uint32_t home_slot(uintptr_t p) {
  return static_cast<uint32_t>(((p >> 4) * 0x9E3779B97F4A7C15ULL) >> (64 - kLiveBits));
}

uint64_t next_random(ThreadState& s) {  // xorshift64*
  uint64_t x = s.rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s.rng = x;
  return x * 0x2545F4914F6CDD1DULL;
}

int64_t draw_interval(ThreadState& s) {
  double u = (static_cast<double>(next_random(s) >> 11) + 1.0) * (1.0 / 9007199254740992.0);  // (0, 1]
  return static_cast<int64_t>(-log(u) * static_cast<double>(g_interval)) + 1;
}

struct Unwind {
  uintptr_t* pcs;
  int n;
};
_Unwind_Reason_Code unwind_step(_Unwind_Context* ctx, void* arg) {
  auto* u = static_cast<Unwind*>(arg);
  uintptr_t ip = _Unwind_GetIP(ctx);
  if (ip == 0 || u->n >= kMaxFrames) return _URC_END_OF_STACK;
  u->pcs[u->n++] = ip;
  return _URC_NO_REASON;
}

void* map_anon(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// Under g_mu. 0 when the table is full.
uint32_t intern_stack(const uintptr_t* pcs, int depth) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < depth; ++i) h = (h ^ pcs[i]) * 1099511628211ULL;
  if (g_stack_count >= kStackCap * 3 / 4) {
    // Still find an existing one.
  }
  for (uint32_t i = static_cast<uint32_t>(h) & (kStackCap - 1), probes = 0; probes < kStackCap;
       i = (i + 1) & (kStackCap - 1), ++probes) {
    Stack& st = g_stacks[i];
    if (!st.used) {
      if (g_stack_count >= kStackCap * 3 / 4) return 0;
      st.hash = h;
      st.depth = static_cast<uint32_t>(depth);
      memcpy(st.pcs, pcs, sizeof(uintptr_t) * static_cast<size_t>(depth));
      st.used = 1;
      ++g_stack_count;
      return i + 1;
    }
    if (st.hash == h && st.depth == static_cast<uint32_t>(depth) &&
        memcmp(st.pcs, pcs, sizeof(uintptr_t) * static_cast<size_t>(depth)) == 0)
      return i + 1;
  }
  return 0;
}

void track(uintptr_t p, uint64_t size, double weight, const uintptr_t* pcs, int depth) {
  pthread_mutex_lock(&g_mu);
  if (!g_stacks) {
    g_stacks = static_cast<Stack*>(map_anon(sizeof(Stack) * kStackCap));
    g_live = static_cast<Live*>(map_anon(sizeof(Live) * kLiveCap));
  }
  Page* page = g_page.load(std::memory_order_acquire);
  uint32_t h = home_slot(p);
  if (!g_stacks || !g_live || g_live_count >= kLiveCap / 2 ||
      g_filter[h].load(std::memory_order_relaxed) == 255) {
    page->samples_dropped.fetch_add(1, std::memory_order_relaxed);
    pthread_mutex_unlock(&g_mu);
    return;
  }
  uint32_t i = h;
  while (g_live[i].ptr != 0) i = (i + 1) & (kLiveCap - 1);
  g_live[i] = Live{p, size, weight, intern_stack(pcs, depth)};
  ++g_live_count;
  g_filter[h].store(static_cast<uint8_t>(g_filter[h].load(std::memory_order_relaxed) + 1),
                    std::memory_order_release);
  g_tracked.fetch_add(1, std::memory_order_relaxed);
  page->samples.fetch_add(1, std::memory_order_relaxed);
  pthread_mutex_unlock(&g_mu);
}

// Called before the block goes back to the allocator (another thread may
// get the same address right after).
__attribute__((noinline)) void untrack(uintptr_t p) {
  uint32_t h = home_slot(p);
  pthread_mutex_lock(&g_mu);
  if (!g_live) {
    pthread_mutex_unlock(&g_mu);
    return;
  }
  uint32_t i = h;
  while (g_live[i].ptr != 0 && g_live[i].ptr != p) i = (i + 1) & (kLiveCap - 1);
  if (g_live[i].ptr == p) {
    // Backward-shift deletion keeps linear probing correct without tombstones.
    uint32_t j = i;
    for (;;) {
      j = (j + 1) & (kLiveCap - 1);
      if (g_live[j].ptr == 0) break;
      uint32_t k = home_slot(g_live[j].ptr);
      bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        g_live[i] = g_live[j];
        i = j;
      }
    }
    g_live[i].ptr = 0;
    --g_live_count;
    g_filter[h].store(static_cast<uint8_t>(g_filter[h].load(std::memory_order_relaxed) - 1),
                      std::memory_order_release);
    g_tracked.fetch_sub(1, std::memory_order_relaxed);
  }
  pthread_mutex_unlock(&g_mu);
}

inline void maybe_untrack(void* p) {
  if (UNLIKELY(g_tracked.load(std::memory_order_relaxed) != 0)) {
    uintptr_t u = reinterpret_cast<uintptr_t>(p);
    if (g_filter[home_slot(u)].load(std::memory_order_acquire) != 0) untrack(u);
  }
}

__attribute__((noinline)) void sample_slow(void* p, size_t size) {
  ThreadState& s = t_state;
  if (s.in_sample) return;  // an allocation made while sampling (by the unwinder)
  s.in_sample = true;
  if (s.rng == 0) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s.rng = (static_cast<uint64_t>(ts.tv_nsec) ^ (reinterpret_cast<uintptr_t>(&s) << 16) ^
             static_cast<uint64_t>(syscall(SYS_gettid)) * 0x9E3779B97F4A7C15ULL) |
            1;
    s.until_sample += draw_interval(s);  // the first countdown of this thread
    if (s.until_sample >= 0) {
      s.in_sample = false;
      return;
    }
  }
  s.until_sample = draw_interval(s);
  uintptr_t pcs[kMaxFrames];
  Unwind u{pcs, 0};
  _Unwind_Backtrace(unwind_step, &u);
  double mean = static_cast<double>(g_interval);
  double sz = static_cast<double>(size);
  double weight = sz / -expm1(-sz / mean);
  track(reinterpret_cast<uintptr_t>(p), size, weight, pcs, u.n);
  s.in_sample = false;
}

inline void on_alloc(void* p) {
  size_t size = malloc_usable_size(p);
  account(static_cast<int64_t>(size), 1, 1);
  if (g_interval != 0) {
    ThreadState& s = t_state;
    s.until_sample -= static_cast<int64_t>(size);
    if (UNLIKELY(s.until_sample < 0)) sample_slow(p, size);
  }
}

// ---------------------------------------------------------------------------
// The shared page and dumps. Small hand-written formatting: no stdio (it
// allocates), no locale.

char g_dir[512];  // SOAK_HEAP_DIR, copied at start-up
bool g_dumper_running = false;

struct Out {
  int fd;
  char buf[8192];
  size_t n;
  bool failed;
};
void out_flush(Out& o) {
  size_t off = 0;
  while (off < o.n) {
    ssize_t w = write(o.fd, o.buf + off, o.n - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      o.failed = true;
      break;
    }
    off += static_cast<size_t>(w);
  }
  o.n = 0;
}
void out_str(Out& o, const char* s, size_t len) {
  while (len > 0) {
    if (o.n == sizeof o.buf) out_flush(o);
    size_t k = sizeof o.buf - o.n < len ? sizeof o.buf - o.n : len;
    memcpy(o.buf + o.n, s, k);
    o.n += k;
    s += k;
    len -= k;
  }
}
void out_cstr(Out& o, const char* s) { out_str(o, s, strlen(s)); }
void out_u64(Out& o, uint64_t v, int base = 10) {
  char tmp[24];
  int k = 0;
  do {
    unsigned d = static_cast<unsigned>(v % static_cast<unsigned>(base));
    tmp[k++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    v /= static_cast<unsigned>(base);
  } while (v);
  char rev[24];
  for (int i = 0; i < k; ++i) rev[i] = tmp[k - 1 - i];
  out_str(o, rev, static_cast<size_t>(k));
}
void out_hex(Out& o, uint64_t v) {
  out_str(o, "0x", 2);
  out_u64(o, v, 16);
}

// "<dir>/<pid><suffix>" into buf.
bool page_path(char* buf, size_t cap, int pid, const char* suffix) {
  size_t n = strlen(g_dir);
  char num[16];
  int k = 0;
  unsigned v = static_cast<unsigned>(pid);
  do {
    num[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  size_t need = n + 1 + static_cast<size_t>(k) + strlen(suffix) + 1;
  if (need > cap) return false;
  memcpy(buf, g_dir, n);
  buf[n++] = '/';
  for (int i = k - 1; i >= 0; --i) buf[n++] = num[i];
  strcpy(buf + n, suffix);
  return true;
}

uint64_t read_start_ticks() {
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char* p = strrchr(buf, ')');
  if (!p) return 0;
  // Fields after the command: 3 (state) ... 22 (starttime).
  int field = 2;
  for (++p; *p && field < 22; ++p)
    if (*p == ' ') ++field;
  uint64_t v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
  return v;
}

// Makes this process's page, seeded with `from`'s counts, and publishes it
// with a rename (a reader never sees a half-made page). False when it cannot.
bool create_page(const Page* from, int parent_pid) {
  if (!g_dir[0]) return false;
  int pid = static_cast<int>(getpid());
  char tmp[600], final_path[600];
  if (!page_path(tmp, sizeof tmp, pid, ".page.tmp") || !page_path(final_path, sizeof final_path, pid, ".page"))
    return false;
  int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  if (ftruncate(fd, soak::heap_page::kPageSize) != 0) {
    close(fd);
    unlink(tmp);
    return false;
  }
  void* m = mmap(nullptr, soak::heap_page::kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) {
    unlink(tmp);
    return false;
  }
  Page* page = static_cast<Page*>(m);  // zero-filled by ftruncate
  page->version = soak::heap_page::kVersion;
  page->pid = pid;
  page->parent_pid = parent_pid;
  page->start_ticks = read_start_ticks();
  page->sample_interval = g_interval;
  page->live_bytes.store(from->live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
  page->live_allocs.store(from->live_allocs.load(std::memory_order_relaxed), std::memory_order_relaxed);
  page->magic = soak::heap_page::kMagic;
  if (rename(tmp, final_path) != 0) {
    munmap(m, soak::heap_page::kPageSize);
    unlink(tmp);
    return false;
  }
  g_page.store(page, std::memory_order_release);
  return true;
}

struct ModuleWriter {
  Out* out;
};
int write_module(dl_phdr_info* info, size_t, void* arg) {
  Out& o = *static_cast<ModuleWriter*>(arg)->out;
  const char* name = info->dlpi_name;
  char exe[512];
  if (!name || !name[0]) {  // the main program
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = 0;
    name = exe;
  }
  if (strncmp(name, "linux-vdso", 10) == 0) return 0;
  out_cstr(o, "module ");
  out_hex(o, info->dlpi_addr);
  out_cstr(o, " ");
  out_cstr(o, name);
  out_cstr(o, "\n");
  return 0;
}

// Writes the live sampled blocks, summed per stack, to "<dump_path>.<pid>".
int dump(Page* page) {
  char base[soak::heap_page::kDumpPathMax];
  memcpy(base, page->dump_path, sizeof base);
  base[sizeof base - 1] = 0;
  if (!base[0]) return EINVAL;
  char path[soak::heap_page::kDumpPathMax + 32], tmp[soak::heap_page::kDumpPathMax + 40];
  size_t n = strlen(base);
  memcpy(path, base, n);
  path[n] = '.';
  {
    char num[16];
    int k = 0;
    unsigned v = static_cast<unsigned>(getpid());
    do {
      num[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    size_t j = n + 1;
    for (int i = k - 1; i >= 0; --i) path[j++] = num[i];
    path[j] = 0;
  }
  strcpy(tmp, path);
  strcat(tmp, ".tmp");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  auto* o = static_cast<Out*>(map_anon(sizeof(Out)));
  if (!o) {
    close(fd);
    unlink(tmp);
    return ENOMEM;
  }
  o->fd = fd;
  out_cstr(*o, "soakheap 1\npid ");
  out_u64(*o, static_cast<uint64_t>(getpid()));
  out_cstr(*o, "\nsample_interval ");
  out_u64(*o, g_interval);
  out_cstr(*o, "\nlive_bytes ");
  out_u64(*o, static_cast<uint64_t>(page->live_bytes.load(std::memory_order_relaxed)));
  out_cstr(*o, "\n");
  ModuleWriter mw{o};
  dl_iterate_phdr(write_module, &mw);

  // Sum the live samples per stack under the lock, write outside it (stacks
  // never change once interned).
  struct Agg {
    uint64_t count, bytes;
    double weight;
  };
  auto* agg = static_cast<Agg*>(map_anon(sizeof(Agg) * (kStackCap + 1)));
  if (agg) {
    pthread_mutex_lock(&g_mu);
    if (g_live)
      for (uint32_t i = 0; i < kLiveCap; ++i)
        if (g_live[i].ptr) {
          Agg& a = agg[g_live[i].stack];
          ++a.count;
          a.bytes += g_live[i].size;
          a.weight += g_live[i].weight;
        }
    pthread_mutex_unlock(&g_mu);
    for (uint32_t id = 0; id <= kStackCap; ++id) {
      if (!agg[id].count) continue;
      // site <samples> <estimated bytes> <sampled bytes> <pc>...
      out_cstr(*o, "site ");
      out_u64(*o, agg[id].count);
      out_cstr(*o, " ");
      out_u64(*o, static_cast<uint64_t>(agg[id].weight + 0.5));
      out_cstr(*o, " ");
      out_u64(*o, agg[id].bytes);
      if (id > 0) {
        const Stack& st = g_stacks[id - 1];
        for (uint32_t f = 0; f < st.depth; ++f) {
          out_cstr(*o, " ");
          out_hex(*o, st.pcs[f]);
        }
      }
      out_cstr(*o, "\n");
    }
    munmap(agg, sizeof(Agg) * (kStackCap + 1));
  }
  out_cstr(*o, "end\n");
  out_flush(*o);
  bool failed = o->failed || !agg;
  munmap(o, sizeof(Out));
  if (close(fd) != 0) failed = true;
  if (failed || rename(tmp, path) != 0) {
    unlink(tmp);
    return failed ? EIO : errno;
  }
  return 0;
}

long futex(std::atomic<uint32_t>* word, int op, uint32_t val, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, timeout, nullptr, 0);
}

// Waits for dump requests on the page (a shared futex: no signal reaches the
// SUT). Wakes once a second anyway, so a page swapped by fork is noticed.
void* dumper(void*) {
  prctl(PR_SET_NAME, "soakheap", 0, 0, 0);
  for (;;) {
    Page* page = g_page.load(std::memory_order_acquire);
    uint32_t req = page->request_seq.load(std::memory_order_acquire);
    if (req != page->done_seq.load(std::memory_order_acquire)) {
      page->dump_errno.store(dump(page), std::memory_order_relaxed);
      page->done_seq.store(req, std::memory_order_release);
      futex(&page->done_seq, FUTEX_WAKE, INT32_MAX, nullptr);
      continue;
    }
    timespec one_s{1, 0};
    futex(&page->request_seq, FUTEX_WAIT, req, &one_s);
  }
  return nullptr;
}

void start_dumper() {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return;
  pthread_attr_setstacksize(&attr, 128 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  // No signal may be delivered to this thread: the SUT's own handling (e.g.
  // sigwait in its main thread) must see every signal as if we were absent.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t th;
  g_dumper_running = pthread_create(&th, &attr, dumper, nullptr) == 0;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
}

void before_fork() {
  flush(t_state);  // the forking thread's batch belongs to the parent's page
  pthread_mutex_lock(&g_mu);
}
void after_fork_parent() { pthread_mutex_unlock(&g_mu); }
void after_fork_child() {
  pthread_mutex_unlock(&g_mu);
  // The child's heap is a copy of the parent's: its own page starts from the
  // parent's counts. (Batches pending in the parent's other threads at the
  // fork, at most 64 KiB each, are not in the copy: those threads do not
  // exist in the child.)
  Page* parent = g_page.load(std::memory_order_acquire);
  int parent_pid = parent == &g_local_page ? 0 : parent->pid;
  if (parent != &g_local_page) {
    g_local_page.live_bytes.store(parent->live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
    g_local_page.live_allocs.store(parent->live_allocs.load(std::memory_order_relaxed), std::memory_order_relaxed);
    g_page.store(&g_local_page, std::memory_order_release);
    munmap(parent, soak::heap_page::kPageSize);  // the child must not write the parent's page
  }
  if (create_page(&g_local_page, parent_pid) && g_dumper_running) start_dumper();
}

__attribute__((constructor(101))) void shim_init() {
  if (pthread_key_create(&g_key, thread_exit) == 0) g_key_ready.store(true, std::memory_order_release);
  const char* dir = getenv(soak::heap_page::kDirEnv);
  if (!dir || !dir[0] || strlen(dir) >= sizeof g_dir - 32) return;  // counts stay in-process
  strcpy(g_dir, dir);
  if (const char* s = getenv(soak::heap_page::kSampleEnv)) {
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<uint64_t>(*s - '0');
    g_interval = v;
  }
  flush(t_state);
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  if (!create_page(&g_local_page, 0)) return;
  start_dumper();
}

__attribute__((destructor)) void shim_fini() {
  flush(t_state);
  // A process that exits normally has no heap left: its page goes (the
  // harness also drops pages of processes that died without exiting).
  Page* page = g_page.load(std::memory_order_acquire);
  if (page != &g_local_page && page->pid == static_cast<int>(getpid())) {
    char path[600];
    if (page_path(path, sizeof path, page->pid, ".page")) unlink(path);
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// The allocation API. operator new/delete of libstdc++ call malloc/free (and
// aligned_alloc for over-aligned types), so they are counted through these.

SHIM_EXPORT void* malloc(size_t n) {
  void* p = __libc_malloc(n);
  if (LIKELY(p != nullptr)) on_alloc(p);
  return p;
}

SHIM_EXPORT void free(void* p) {
  if (!p) return;
  size_t size = malloc_usable_size(p);
  account(-static_cast<int64_t>(size), -1, 0);
  maybe_untrack(p);
  __libc_free(p);
}

SHIM_EXPORT void* calloc(size_t n, size_t size) {
  void* p = __libc_calloc(n, size);
  if (LIKELY(p != nullptr)) on_alloc(p);
  return p;
}

SHIM_EXPORT void* realloc(void* p, size_t n) {
  if (!p) return malloc(n);
  size_t old = malloc_usable_size(p);
  maybe_untrack(p);  // before the block may go back to the allocator
  void* q = __libc_realloc(p, n);
  if (q) {
    size_t now = malloc_usable_size(q);
    account(static_cast<int64_t>(now) - static_cast<int64_t>(old), 0, 0);
    if (g_interval != 0) {
      ThreadState& s = t_state;
      s.until_sample -= static_cast<int64_t>(now);
      if (UNLIKELY(s.until_sample < 0)) sample_slow(q, now);
    }
  } else if (n == 0) {
    account(-static_cast<int64_t>(old), -1, 0);  // glibc: realloc(p, 0) frees p, returns NULL
  }
  return q;
}

SHIM_EXPORT void* reallocarray(void* p, size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, bytes);
}

SHIM_EXPORT void* memalign(size_t alignment, size_t n) {
  void* p = __libc_memalign(alignment, n);
  if (LIKELY(p != nullptr)) on_alloc(p);
  return p;
}

// glibc 2.36: aligned_alloc is memalign (any alignment is rounded up to a
// power of two).
SHIM_EXPORT void* aligned_alloc(size_t alignment, size_t n) { return memalign(alignment, n); }

SHIM_EXPORT int posix_memalign(void** out, size_t alignment, size_t n) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
  int saved = errno;
  void* p = __libc_memalign(alignment, n);
  errno = saved;
  if (!p) return ENOMEM;
  on_alloc(p);
  *out = p;
  return 0;
}

SHIM_EXPORT void* valloc(size_t n) {
  void* p = __libc_valloc(n);
  if (LIKELY(p != nullptr)) on_alloc(p);
  return p;
}

SHIM_EXPORT void* pvalloc(size_t n) {
  void* p = __libc_pvalloc(n);
  if (LIKELY(p != nullptr)) on_alloc(p);
  return p;
}
// malloc_usable_size is not replaced: glibc's own answers correctly for every
// block, since every block is glibc's.
