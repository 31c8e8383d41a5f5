package app

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/internal/logctx"
)

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts every request by route pattern and status, times it,
// and tags it with a request ID (X-Request-Id, echoed back) for the logs.
// The route label is the mux pattern, never the raw path, so it stays
// bounded and carries no IDs or tokens; next must pass the request on to
// the mux unchanged, which records the pattern in it.
func instrument(next http.Handler, m *metrics.Metrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		// Every line logged while handling the request carries its ID.
		r = r.WithContext(logctx.With(r.Context(), "request_id", id))
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.Request(route, sw.status, time.Since(start))
		if sw.status >= 500 {
			log.WarnContext(r.Context(), "request failed", "route", route, "status", sw.status)
		} else {
			log.DebugContext(r.Context(), "request", "route", route, "status", sw.status, "took", time.Since(start))
		}
	})
}
