package app

import (
	"context"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// Readiness is one check of /readyz.
type Readiness func(ctx context.Context) error

// healthRoutes adds /healthz (the process answers) and /readyz (the store
// answers, migrations are current, and every extra check passes).
func healthRoutes(mux *http.ServeMux, store storage.Store, extra ...Readiness) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fail := func(what string) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + what + "\n"))
		}
		if err := store.Ping(ctx); err != nil {
			fail("store unreachable")
			return
		}
		if ok, err := store.MigrationsCurrent(ctx); err != nil || !ok {
			fail("migrations pending")
			return
		}
		for _, check := range extra {
			if err := check(ctx); err != nil {
				fail(err.Error())
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}
