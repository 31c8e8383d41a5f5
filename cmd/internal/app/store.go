// Package app wires Tourniquet together: the store, the engine, the chat
// adapters, the outbox sender and the HTTP server. cmd/tourniquet parses
// flags and calls it; everything here is explicit (no init registries).
//
// It is the composition root, the one package that may import everything:
// the adapters (bot/slack, bot/discord, bot/console), the storage drivers,
// the features (actions, checkin, postmortem, timeline/web), the
// integrations and the metrics, and it turns what the features report
// through their callbacks into Prometheus metrics. It lives under cmd/
// because only the commands may use it (Go's internal rule enforces it):
// cmd/tourniquet, and the load tool's tests. No other package imports both
// an adapter and storage; layout_test.go at the module root checks that.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/sqlite"
)

// OpenStore opens the store a database URL names: postgres://… or
// postgresql://… for Postgres, sqlite:PATH for the embedded store. It gives
// up within timeout with an error that names the host but never a password.
func OpenStore(ctx context.Context, url string, timeout time.Duration, log *slog.Logger) (storage.Store, error) {
	return openStore(ctx, url, timeout, log)
}

// OpenStoreReadOnly is OpenStore for commands that only read (export): a
// SQLite file is opened read-only and never created (a missing one is
// sqlite.ErrNoDatabase). Neither kind is migrated.
func OpenStoreReadOnly(ctx context.Context, url string, timeout time.Duration, log *slog.Logger) (storage.Store, error) {
	return openStore(ctx, url, timeout, log, sqlite.ReadOnly())
}

func openStore(ctx context.Context, url string, timeout time.Duration, log *slog.Logger, sqliteOpts ...sqlite.Option) (storage.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err := postgres.Open(ctx, url, postgres.WithLogger(log), postgres.WithConnectTimeout(timeout))
		if err != nil {
			return nil, err
		}
		return s, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("database url %q names no file: use sqlite:PATH", url)
		}
		s, err := sqlite.Open(ctx, path, append([]sqlite.Option{sqlite.WithLogger(log)}, sqliteOpts...)...)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("database url must start with postgres://, postgresql:// or sqlite: (got %q)", redactURL(url))
}

// redactURL drops everything after the scheme of a URL we cannot parse,
// since it might hold a password.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[:i+3] + "…"
	}
	if len(u) > 12 {
		return u[:12] + "…"
	}
	return u
}
