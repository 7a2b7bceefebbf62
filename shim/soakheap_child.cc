// soakheap_child SCENARIO: exercises the allocation shim's edge cases in
// steps, for tests that run it with libsoakheap.so preloaded and read its
// page between the steps. After each step it makes its own batch exact (one
// large malloc/free pair crosses the flush threshold both ways), writes one
// line "step N bytes B allocs A [pid P]" to stdout with the change it made to
// the live heap, and stops itself (SIGSTOP) until the test sends SIGCONT.
//
// Scenarios:
//   api      every allocation function, then everything freed again
//            (including realloc(p, 0)); checks alignment and usable sizes
//   threads  8 threads each leave 40 small blocks behind and exit with their
//            batch unflushed; the exit must flush it
//   fork     the parent allocates; a forked child allocates more, then frees
//            what it inherited: each has its own page
//   sites    (no steps) says "waiting", waits for SIGUSR1, keeps 64 blocks of
//            16 KiB allocated in grow_here(), says "grown", waits for SIGUSR1
//            again and exits: running all along, so its shim answers dump
//            requests (tests of the native culprits)
//
// Output goes through write(2) with a stack buffer: stdio would allocate.
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <new>

namespace {

int g_step = 0;

void say(const char* text) {
  size_t n = strlen(text);
  while (n > 0) {
    ssize_t w = write(1, text, n);
    if (w <= 0) _exit(3);
    text += w;
    n -= static_cast<size_t>(w);
  }
}

[[noreturn]] void fail(const char* what) {
  char buf[256];
  snprintf(buf, sizeof buf, "FAIL %s\n", what);
  say(buf);
  _exit(1);
}

// Crosses the shim's 64 KiB flush threshold up and down: the calling
// thread's batch is empty afterwards.
void* volatile g_sink;  // keeps the compiler from eliding malloc/free pairs
void sync_counts() {
  g_sink = malloc(1 << 20);
  if (!g_sink) fail("malloc 1 MiB");
  free(g_sink);
}

void step(long long bytes, long long allocs, bool with_pid = false) {
  sync_counts();
  char buf[160];
  if (with_pid)
    snprintf(buf, sizeof buf, "step %d bytes %lld allocs %lld pid %d\n", ++g_step, bytes, allocs,
             static_cast<int>(getpid()));
  else
    snprintf(buf, sizeof buf, "step %d bytes %lld allocs %lld\n", ++g_step, bytes, allocs);
  say(buf);
  kill(getpid(), SIGSTOP);
}

long long usable(void* p) { return static_cast<long long>(malloc_usable_size(p)); }

void check_aligned(void* p, size_t alignment, size_t size, const char* what) {
  if (!p) fail(what);
  if (reinterpret_cast<uintptr_t>(p) % alignment != 0) fail(what);
  if (malloc_usable_size(p) < size) fail(what);
  memset(p, 0x5a, size);
}

int api() {
  step(0, 0);
  long long bytes = 0;
  void* m = malloc(100);
  check_aligned(m, 16, 100, "malloc");
  void* c = calloc(10, 33);
  check_aligned(c, 16, 330, "calloc");
  for (int i = 0; i < 330; ++i)
    if (static_cast<char*>(c)[i] != 0x5a) fail("calloc contents");
  void* r = realloc(nullptr, 10);  // realloc(NULL, n) is malloc
  check_aligned(r, 16, 10, "realloc(NULL)");
  r = realloc(r, 5000);  // grows (moves)
  check_aligned(r, 16, 5000, "realloc grow");
  r = realloc(r, 40);  // shrinks in place
  check_aligned(r, 16, 40, "realloc shrink");
  void* pm = nullptr;
  if (posix_memalign(&pm, 64, 1000) != 0) fail("posix_memalign");
  check_aligned(pm, 64, 1000, "posix_memalign");
  void* bad = nullptr;
  if (posix_memalign(&bad, 24, 10) != EINVAL || bad) fail("posix_memalign(24) must be EINVAL");
  void* aa = aligned_alloc(4096, 5000);
  check_aligned(aa, 4096, 5000, "aligned_alloc");
  void* ma = memalign(256, 300);
  check_aligned(ma, 256, 300, "memalign");
  void* va = valloc(100);
  check_aligned(va, 4096, 100, "valloc");
  void* pv = pvalloc(100);
  check_aligned(pv, 4096, 4096, "pvalloc");
  void* ra = reallocarray(nullptr, 7, 9);
  check_aligned(ra, 16, 63, "reallocarray");
  if (reallocarray(nullptr, SIZE_MAX / 2, 3) != nullptr) fail("reallocarray overflow");
  int* arr = new int[50];
  struct alignas(128) Over {
    char x[200];
  };
  Over* over = new Over;
  check_aligned(over, 128, sizeof(Over), "aligned new");
  void* blocks[] = {m, c, r, pm, aa, ma, va, pv, ra, arr, over};
  for (void* b : blocks) bytes += usable(b);
  step(bytes, 11);

  // realloc(p, 0) frees p and returns NULL (glibc).
  long long m_size = usable(m);
  if (realloc(m, 0) != nullptr) fail("realloc(p, 0) must return NULL");
  step(-m_size, -1);
  long long rest = bytes - m_size;
  free(c);
  free(r);
  free(pm);
  free(aa);
  free(ma);
  free(va);
  free(pv);
  free(ra);
  delete[] arr;
  delete over;
  free(nullptr);
  step(-rest, -10);
  return 0;
}

constexpr int kThreads = 8;
constexpr int kBlocksPerThread = 40;  // 40 ops, ~2.5 KiB: far below the flush thresholds
void* g_blocks[kThreads][kBlocksPerThread];
long long g_thread_bytes[kThreads];

void* leave_blocks(void* arg) {
  long i = reinterpret_cast<long>(arg);
  for (int k = 0; k < kBlocksPerThread; ++k) {
    g_blocks[i][k] = malloc(static_cast<size_t>(16 + 8 * k));
    g_thread_bytes[i] += usable(g_blocks[i][k]);
  }
  return nullptr;
}

void run_threads(bool leave) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t th[kThreads];
  for (long i = 0; i < kThreads; ++i)
    if (pthread_create(&th[i], &attr, leave ? leave_blocks : [](void*) -> void* { return nullptr; },
                       reinterpret_cast<void*>(i)) != 0)
      fail("pthread_create");
  for (auto& t : th) pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

int threads() {
  // A first round fills glibc's stack cache (and allocates the threads'
  // TLS vectors), so the measured round reuses them and allocates nothing
  // but the blocks.
  run_threads(false);
  step(0, 0);
  run_threads(true);
  long long bytes = 0;
  for (long long b : g_thread_bytes) bytes += b;
  step(bytes, kThreads * kBlocksPerThread);
  return 0;
}

int fork_scenario() {
  step(0, 0, true);
  void* inherited = malloc(50000);
  memset(inherited, 1, 50000);
  long long inherited_bytes = usable(inherited);
  step(inherited_bytes, 1, true);  // parent: before the fork
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    void* own = malloc(30000);
    memset(own, 2, 30000);
    step(usable(own), 1, true);  // child: its own allocation (page starts at the parent's figure)
    long long b = usable(inherited);
    free(inherited);
    step(-b, -1, true);  // child frees the inherited block: the parent's page must not move
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("fork child");
  g_step = 4;  // the child's two steps were 3 and 4
  step(0, 0, true);  // parent: unchanged by what the child did
  return 0;
}

void* volatile g_kept[64];  // volatile: the stores (and so the mallocs) must stay

__attribute__((noinline)) void grow_here(int n) {
  for (int i = 0; i < n; ++i) g_kept[i] = malloc(16384);  // the growing site the tests look for
}

void wait_usr1() {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  int sig = 0;
  while (sigwait(&usr1, &sig) != 0) {
  }
}

int sites() {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
  say("waiting\n");
  wait_usr1();
  grow_here(64);
  say("grown\n");
  wait_usr1();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    say("usage: soakheap_child api|threads|fork|sites\n");
    return 2;
  }
  if (strcmp(argv[1], "api") == 0) return api();
  if (strcmp(argv[1], "threads") == 0) return threads();
  if (strcmp(argv[1], "fork") == 0) return fork_scenario();
  if (strcmp(argv[1], "sites") == 0) return sites();
  say("soakheap_child: unknown scenario\n");
  return 2;
}
