package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// BenchmarkAckPath measures how fast Slack is answered in HTTP mode, on
// Postgres: signed slash commands (/incident note …, a write) and button
// clicks ("status", which claims its dedupe key and reads), half each,
// sent open-loop at a fixed rate to the adapter's routes over a real
// loopback HTTP server. The latency of a request runs from the moment it
// was due to be sent to its answer, so a server that falls behind is not
// hidden (no coordinated omission). Each rate runs for
// TQ_BENCH_SECONDS (default 3); TQ_BENCH_RATES overrides the rates
// (default 200,400,600,800,1000,1300,1600). Reported per rate: p50_ms,
// p99_ms, errors; the rate=… run whose p99 is under 100 ms with no errors
// is the highest rate held.
//
//	TOURNIQUET_TEST_DATABASE_URL=postgres://… go test -run '^$' -bench BenchmarkAckPath -benchtime 1x ./bot/slack
func BenchmarkAckPath(b *testing.B) {
	store := storagetest.NewPostgres(b) // skipped without a database
	secret := "bench-signing-secret"
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/users.info") {
			_, _ = io.WriteString(w, `{"ok":true,"user":{"id":"U1","name":"alice","profile":{"display_name":"Alice"}}}`)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer sink.Close()
	engine := bottest.NewEngine(b, bot.Options{Commands: bot.Commands(), Store: store, Clock: clock.Real{}})
	ad, err := New(Options{
		Engine: engine, Incidents: store, BotToken: config.NewSecret("xoxb-bench"), SigningSecret: config.NewSecret(secret),
		APIURL: sink.URL + "/api/", Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	ad.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer ad.Wait()
	ctx := context.Background()
	r, err := engine.Handle(ctx, bot.Invocation{Channel: channelRef("CBENCH"), Actor: alice, Text: "declare here sev2 Benchmark"})
	if err != nil || r.Error {
		b.Fatalf("declare: %v %+v", err, r)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}}

	rates := []int{200, 400, 600, 800, 1000, 1300, 1600}
	if s := os.Getenv("TQ_BENCH_RATES"); s != "" {
		rates = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("TQ_BENCH_RATES: %v", err)
			}
			rates = append(rates, n)
		}
	}
	dur := 3 * time.Second
	if s := os.Getenv("TQ_BENCH_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("TQ_BENCH_SECONDS: %v", err)
		}
		dur = time.Duration(n) * time.Second
	}
	var seq atomic.Int64
	request := func(i int) *http.Request {
		n := seq.Add(1)
		var route string
		var body []byte
		if i%2 == 0 {
			route = RouteCommands
			body = []byte(url.Values{"team_id": {"T1"}, "channel_id": {"CBENCH"}, "user_id": {"U1"}, "user_name": {"alice"},
				"command": {"/incident"}, "text": {"note bench " + strconv.FormatInt(n, 10)}, "trigger_id": {"bench." + strconv.FormatInt(n, 10)},
				"response_url": {sink.URL + "/hooks/cmd"}}.Encode())
		} else {
			route = RouteInteractions
			js, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U2", "name": "bob"},
				"channel": map[string]any{"id": "CBENCH"}, "response_url": sink.URL + "/hooks/click",
				"actions": []any{map[string]any{"type": "button", "block_id": "b", "action_id": "tq:1", "value": "status",
					"action_ts": fmt.Sprintf("1772373600.%09d", n)}}})
			body = []byte(url.Values{"payload": {string(js)}}.Encode())
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+route, bytes.NewReader(body))
		ts, sig := Sign(secret, time.Now(), body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(headerTimestamp, ts)
		req.Header.Set(headerSignature, sig)
		return req
	}
	best := 0
	for _, rate := range rates {
		b.Run("rate="+strconv.Itoa(rate), func(b *testing.B) {
			lat, errs := runAtRate(client, rate, dur, request)
			p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(errs), "errors")
			b.ReportMetric(float64(len(lat))/dur.Seconds(), "req/s")
			if p99 < 100*time.Millisecond && errs == 0 {
				best = max(best, rate)
			}
		})
	}
	b.Logf("highest rate held with p99 under 100 ms: %d requests/s", best)
}

// runAtRate sends requests open-loop at rate per second for dur and
// returns each one's latency from when it was due, and the failures.
func runAtRate(client *http.Client, rate int, dur time.Duration, request func(i int) *http.Request) ([]time.Duration, int) {
	n := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now().Add(10 * time.Millisecond)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := client.Do(request(i))
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", res.StatusCode)
				}
			}
			lat[i] = time.Since(due)
			if err != nil {
				errs.Add(1)
			}
		}()
	}
	wg.Wait()
	return lat, int(errs.Load())
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
