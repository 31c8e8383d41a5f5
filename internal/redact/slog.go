package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler is a slog.Handler that removes secrets from every record before
// passing it on: the message, and every attribute's value — strings,
// errors, anything printed with fmt, inside groups at any depth, and the
// attributes added with Logger.With. Numbers, booleans, times and
// durations pass unchanged.
type Handler struct {
	next slog.Handler
	r    *Redactor
}

// NewHandler wraps next with r. With an empty r it returns next itself.
func NewHandler(next slog.Handler, r *Redactor) slog.Handler {
	if r.Empty() {
		return next
	}
	return Handler{next: next, r: r}
}

// Enabled implements slog.Handler.
func (h Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{next: h.next.WithAttrs(h.attrs(attrs)), r: h.r}
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler {
	return Handler{next: h.next.WithGroup(name), r: h.r}
}

func (h Handler) attrs(as []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return out
}

// attr returns a with its value redacted. A LogValuer is resolved first,
// so a config.Secret is already "<secret>".
func (h Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(h.attrs(v.Group())...)}
	case slog.KindAny:
		return slog.Attr{Key: a.Key, Value: h.any(v)}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// any redacts a value of any other type: an error by its text, bytes as
// text (a JSON handler would print them base64, where no secret can be
// seen), anything else by how fmt prints it. A value without a secret is
// passed on as it is, so handlers still format it their way.
func (h Handler) any(v slog.Value) slog.Value {
	var text string
	switch x := v.Any().(type) {
	case error:
		text = x.Error()
	case []byte:
		text = string(x)
	default:
		text = fmt.Sprintf("%+v", x)
	}
	if red := h.r.Redact(text); red != text {
		return slog.StringValue(red)
	}
	return v
}
