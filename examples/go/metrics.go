package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// startTime is when the process started, for process_start_time_seconds
// (a scraper sees a restart as a new value).
var startTime = time.Now()

// metricsHandler serves a few of client_golang's default metrics in the
// Prometheus text format 0.0.4, by hand (standard library only), so soak's
// --metrics probe has a real Go endpoint to scrape.
func metricsHandler(w http.ResponseWriter, r *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", float64(ms.HeapAlloc))
	gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", float64(ms.HeapInuse))
	gauge("go_memstats_heap_objects", "Number of allocated objects.", float64(ms.HeapObjects))
	gauge("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", float64(ms.NextGC))
	threads, _ := runtime.ThreadCreateProfile(nil)
	gauge("go_threads", "Number of OS threads created.", float64(threads))
	fmt.Fprintf(w, "# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.\n# TYPE go_gc_duration_seconds summary\n")
	var total float64
	for i := uint32(0); i < ms.NumGC && i < 256; i++ {
		total += float64(ms.PauseNs[i]) / 1e9
	}
	fmt.Fprintf(w, "go_gc_duration_seconds_sum %g\ngo_gc_duration_seconds_count %d\n", total, ms.NumGC)
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		gauge("process_open_fds", "Number of open file descriptors.", float64(len(fds)))
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseFloat(f[1], 64)
			gauge("process_resident_memory_bytes", "Resident memory size in bytes.", pages*float64(os.Getpagesize()))
		}
	}
	gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", float64(startTime.UnixNano())/1e9)
	fmt.Fprintf(w, "# HELP soak_example_requests_total Requests to /work by mode.\n# TYPE soak_example_requests_total counter\n")
	fmt.Fprintf(w, "soak_example_requests_total{mode=%q} %d\n", currentMode, requests.Value())
}
