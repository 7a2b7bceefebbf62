// soak-go-example: a small Go service with one leak per common Go leak
// pattern and a healthy twin of each, for soak's Go probes and tests.
//
//	soak-go-example --addr 127.0.0.1:8080 --mode MODE [--leak-per-s N] [--leak-bytes N]
//
// GET /work runs the mode's per-request action; /healthz answers "ok";
// /debug/pprof/* (net/http/pprof), /debug/vars (expvar) and /metrics
// (Prometheus text) are served on the same mux. Prints "listening on ADDR" once accepting. Standard library only.
package main

import (
	"context"
	"expvar"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	leakBytes    = flag.Int("leak-bytes", 16384, "bytes retained per leaked unit (heap modes)")
	garbageBytes = flag.Int("garbage-bytes", 65536, "short-lived bytes every /work request allocates, as a real handler does (keeps the GC cycling)")
	requests  = expvar.NewInt("requests")
)

// mode is one per-request action.
type mode struct {
	leak bool
	desc string
	act  func()
}

var modes = map[string]mode{
	"none": {false, "no per-request work", func() {}},
	// goroutine blocked forever on a channel nobody sends on
	"goroutine":       {true, "goroutine blocked forever on a channel send nobody receives", leakBlockedGoroutine},
	"goroutine-fixed": {false, "the goroutine's channel is answered", fixedBlockedGoroutine},
	// background loop without an exit condition
	"loop":       {true, "background polling loop without exit", leakPollLoop},
	"loop-fixed": {false, "polling loop stopped by its context", fixedPollLoop},
	// ticker never stopped (and its goroutine never ends)
	"ticker":       {true, "time.Ticker never stopped, its goroutine never ends", leakTicker},
	"ticker-fixed": {false, "ticker stopped when the work is done", fixedTicker},
	// HTTP response body never closed
	"body":       {true, "HTTP client response body never closed", leakUnclosedBody},
	"body-fixed": {false, "response body drained and closed", fixedClosedBody},
	// database rows never closed (stdlib stand-in: a query holds an open file)
	"rows":       {true, "query rows never closed (each holds an open file)", leakUnclosedRows},
	"rows-fixed": {false, "rows closed after the query", fixedClosedRows},
	// unbounded global cache
	"cache":         {true, "unbounded global cache", leakUnboundedCache},
	"bounded-cache": {false, "cache bounded to 256 entries: fills, then flat", boundedCache},
	// small slices pinning large arrays
	"slices":       {true, "small sub-slices keep their large arrays alive", leakPinningSlices},
	"slices-fixed": {false, "small slices copied out of the large array", fixedPinningSlices},
	// closures holding big buffers
	"closures":       {true, "registered closures capture big buffers", leakClosures},
	"closures-fixed": {false, "closures capture only what they need", fixedClosures},
	// heavy short-lived allocation: a GC sawtooth without growth
	"sawtooth": {false, "heavy short-lived allocation (GC sawtooth)", sawtooth},
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	modeName := flag.String("mode", "none", "per-request action (see --list)")
	perS := flag.Float64("leak-per-s", 0, "also run the mode's action N times per second in the background")
	profileRate := flag.Int("mem-profile-rate", 4096, "runtime.MemProfileRate (bytes per heap profile sample)")
	list := flag.Bool("list", false, "list the modes and exit")
	flag.Parse()
	if *list {
		names := make([]string, 0, len(modes))
		for n := range modes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			kind := "healthy"
			if modes[n].leak {
				kind = "leak"
			}
			fmt.Printf("%-15s %-7s %s\n", n, kind, modes[n].desc)
		}
		return
	}
	m, ok := modes[*modeName]
	if !ok {
		fmt.Fprintf(os.Stderr, "--mode %q: unknown mode (try --list)\n", *modeName)
		os.Exit(2)
	}
	// A finer heap profile than the 512 KiB default so that culprit ranking
	// sees the per-request allocations within seconds.
	runtime.MemProfileRate = *profileRate

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "--addr %q: %v\n", *addr, err)
		os.Exit(1)
	}
	selfURL = "http://" + ln.Addr().String()
	currentMode = *modeName
	http.HandleFunc("/metrics", metricsHandler)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/payload", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 512)))
	})
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		// Real handlers decode, build and encode: garbage on every request.
		// It keeps the GC cycling while a leak grows the heap, as in
		// production, so the live heap after each GC is sampled often.
		if *garbageBytes > 0 {
			g := make([]byte, *garbageBytes)
			doWork(g)
		}
		m.act()
		requests.Add(1)
		fmt.Fprintln(w, "done")
	})
	if *perS > 0 {
		go func() {
			t := time.NewTicker(time.Duration(float64(time.Second) / *perS))
			defer t.Stop()
			for range t.C {
				m.act()
			}
		}()
	}
	srv := &http.Server{Handler: http.DefaultServeMux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var selfURL, currentMode string

var workDone atomic.Int64

func doWork(b []byte) {
	for i := range b {
		b[i] = byte(i)
	}
	workDone.Add(int64(len(b)))
}
