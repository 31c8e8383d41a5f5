package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startServe runs Serve(ctx, o) and waits until it listens: it returns the
// server's host:port, and the channel that gets Serve's result when it
// stops. The test fails if Serve stops first or has not started in 20s.
func startServe(ctx context.Context, t *testing.T, o ServeOptions) (string, <-chan error) {
	t.Helper()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	o.Ready = func(a string) { addr <- a }
	go func() { done <- Serve(ctx, o) }()
	select {
	case a := <-addr:
		return a, done
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", done
}

// awaitStop waits up to 15s for Serve to return, as done tells, and
// returns its error; the test fails with why if it does not return.
func awaitStop(t *testing.T, done <-chan error, why string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal(why)
	}
	return nil
}

// serveWith runs Serve with o (Config, Limits, Logger…), without console
// input and output, until the test ends, and returns the server's
// host:port.
func serveWith(t *testing.T, o ServeOptions) string {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Stdout, o.NoConsoleInput = io.Discard, true
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, done := startServe(ctx, t, o)
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	return addr
}

func TestServeHealthMetricsAndShutdown(t *testing.T) {
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	in, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := startServe(ctx, t, ServeOptions{Config: cfg, Stdin: in, Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	base := "http://" + addr
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, `tourniquet_http_requests_total{route="GET /healthz",status="200"} 1`) {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	if !strings.Contains(body, "tourniquet_ack_latency_seconds") {
		t.Fatal("no ack latency histogram")
	}
	cancel()
	if err := awaitStop(t, done, "serve did not shut down"); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// downStore is a store whose database does not answer.
type downStore struct{ storage.Store }

func (downStore) Ping(context.Context) error { return errors.New("connection refused") }

func TestReadyzFailsWhileStoreIsDown(t *testing.T) {
	s := storagetest.NewSQLite(t)
	for _, tt := range []struct {
		store storage.Store
		code  int
	}{{s, 200}, {downStore{s}, 503}, {s, 200}} {
		mux := http.NewServeMux()
		healthRoutes(mux, tt.store)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != tt.code {
			t.Fatalf("/readyz = %d, want %d (%s)", rec.Code, tt.code, rec.Body)
		}
	}
}
