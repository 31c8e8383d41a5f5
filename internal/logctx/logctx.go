// Package logctx carries log attributes in a context — the request ID, the
// platform, the incident key — so that every line logged with that context
// has them, whichever package logs it.
//
// It is a leaf utility: like every package under internal/, it imports the
// standard library, third-party modules and at most other leaves under
// internal/, never a package of the product (incident, bot, storage…), so
// that any package may import it.
package logctx

import (
	"context"
	"log/slog"
	"time"
)

type key struct{}

// With returns a context whose log lines carry args (slog key/value pairs)
// besides those ctx already carries. A later value for a key wins.
func With(ctx context.Context, args ...any) context.Context {
	if len(args) == 0 {
		return ctx
	}
	prev, _ := ctx.Value(key{}).([]slog.Attr)
	r := slog.NewRecord(time.Time{}, 0, "", 0)
	r.Add(args...)
	attrs := make([]slog.Attr, 0, len(prev)+r.NumAttrs())
	attrs = append(attrs, prev...)
	r.Attrs(func(a slog.Attr) bool {
		for i := range attrs {
			if attrs[i].Key == a.Key {
				attrs[i] = a
				return true
			}
		}
		attrs = append(attrs, a)
		return true
	})
	return context.WithValue(ctx, key{}, attrs)
}

// Handler adds the attributes of the record's context to every record.
type Handler struct{ slog.Handler }

// New wraps h.
func New(h slog.Handler) Handler { return Handler{h} }

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(key{}).([]slog.Attr); ok {
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Handler.WithGroup(name)} }
