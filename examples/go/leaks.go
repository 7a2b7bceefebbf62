package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// --- goroutine blocked forever on a channel ---------------------------------

func leakBlockedGoroutine() {
	results := make(chan int) // unbuffered, and nobody ever receives
	go blockedSender(results)
}

func blockedSender(results chan int) {
	results <- 42 // blocks forever: the caller returned without receiving
}

func fixedBlockedGoroutine() {
	results := make(chan int, 1) // the send can complete even if nobody waits
	go blockedSender(results)
}

// --- background loop without exit -------------------------------------------

func leakPollLoop() {
	go pollForever()
}

func pollForever() {
	for {
		time.Sleep(50 * time.Millisecond) // polls something; never told to stop
	}
}

func fixedPollLoop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	pollUntilDone(ctx)
}

func pollUntilDone(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// --- ticker never stopped -----------------------------------------------------

func leakTicker() {
	t := time.NewTicker(time.Second)
	go tickForever(t)
}

func tickForever(t *time.Ticker) {
	for range t.C { // nobody calls t.Stop(), and range never ends
	}
}

func fixedTicker() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for i := 0; i < 2; i++ {
		<-t.C
	}
}

// --- HTTP response body never closed ----------------------------------------

// Each request dials a fresh connection because the previous one is never
// returned to the pool: a transport goroutine pair and an fd per request.
// No Client.Timeout, as in much real code: a timeout would cancel the
// unread body and bound the leak.
var client = &http.Client{}

func leakUnclosedBody() {
	resp, err := client.Get(selfURL + "/payload")
	if err != nil {
		return
	}
	_ = resp.StatusCode // the body is never read nor closed
}

func fixedClosedBody() {
	resp, err := client.Get(selfURL + "/payload")
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// --- rows never closed ----------------------------------------------------------

// db stands in for database/sql: a query returns rows that hold a resource
// (here an open file) and stay registered with the pool until Close.
type db struct {
	mu   sync.Mutex
	open map[*rows]struct{}
}

type rows struct {
	f   *os.File
	buf []byte
	db  *db
}

var theDB = &db{open: map[*rows]struct{}{}}

func (d *db) query() (*rows, error) {
	f, err := os.Open("/proc/self/stat")
	if err != nil {
		return nil, err
	}
	r := &rows{f: f, buf: make([]byte, 4096), db: d}
	d.mu.Lock()
	d.open[r] = struct{}{}
	d.mu.Unlock()
	return r, nil
}

func (r *rows) Close() {
	r.db.mu.Lock()
	delete(r.db.open, r)
	r.db.mu.Unlock()
	r.f.Close()
}

func leakUnclosedRows() {
	r, err := theDB.query()
	if err != nil {
		return
	}
	r.f.Read(r.buf) // reads the first row and forgets rows.Close()
}

func fixedClosedRows() {
	r, err := theDB.query()
	if err != nil {
		return
	}
	defer r.Close()
	r.f.Read(r.buf)
}

// --- unbounded global cache -------------------------------------------------

var (
	cacheMu sync.Mutex
	cache   = map[int64][]byte{}
	cacheN  int64
)

func leakUnboundedCache() {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	cacheN++
	cache[cacheN] = cacheValue() // every key is new, nothing is evicted
}

func cacheValue() []byte {
	b := make([]byte, *leakBytes)
	doWork(b)
	return b
}

func boundedCache() {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	cacheN++
	key := cacheN % 256 // at most 256 entries: fills, then stays flat
	if _, ok := cache[key]; !ok {
		cache[key] = cacheValue()
	}
}

// --- small slices pinning large arrays ----------------------------------------

var (
	headersMu sync.Mutex
	headers   [][]byte
)

func readRecord() []byte {
	b := make([]byte, *leakBytes)
	doWork(b)
	return b
}

func leakPinningSlices() {
	rec := readRecord()
	headersMu.Lock()
	headers = append(headers, rec[:16]) // 16 bytes kept, the whole array pinned
	if len(headers) > 1<<20 {
		headers = headers[:0]
	}
	headersMu.Unlock()
}

func fixedPinningSlices() {
	rec := readRecord()
	h := make([]byte, 16)
	copy(h, rec[:16])
	headersMu.Lock()
	headers = append(headers, h)
	if len(headers) > 1024 { // bounded as well: the fixed twin stays flat
		headers = headers[:0]
	}
	headersMu.Unlock()
}

// --- closures holding big buffers ---------------------------------------------

var (
	callbacksMu sync.Mutex
	callbacks   []func() int
)

func leakClosures() {
	buf := make([]byte, *leakBytes)
	doWork(buf)
	callbacksMu.Lock()
	callbacks = append(callbacks, func() int { return len(buf) }) // captures buf
	callbacksMu.Unlock()
}

func fixedClosures() {
	buf := make([]byte, *leakBytes)
	doWork(buf)
	n := len(buf) // capture the length, not the buffer
	callbacksMu.Lock()
	callbacks = append(callbacks, func() int { return n })
	if len(callbacks) > 1024 {
		callbacks = callbacks[:0]
	}
	callbacksMu.Unlock()
}

// --- GC sawtooth ------------------------------------------------------------------

var sink []byte

func sawtooth() {
	for i := 0; i < 16; i++ {
		b := make([]byte, 64*1024)
		doWork(b)
		sink = b
	}
}
