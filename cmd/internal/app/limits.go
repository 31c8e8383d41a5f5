package app

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// ServerLimits bound what one HTTP client may hold of the server: how
// long it may take to send a request, to read an answer or to sit idle,
// how big its headers may be, and how many connections may be open at
// once. Slack and Discord give the bot 3 seconds to acknowledge; a request
// that has not arrived well within that is worth nothing, so the limits
// cut slow clients early instead of letting them pile up. A zero field
// takes the default given on it.
type ServerLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers (5s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body (10s).
	// Slack and Discord send their few kilobytes at once; a body trickled
	// slower than that is cut off.
	ReadTimeout time.Duration
	// WriteTimeout bounds answering a request that is not a GET or HEAD,
	// counted from the end of its headers (15s): a chat acknowledgement
	// is due within 3 seconds and is small.
	WriteTimeout time.Duration
	// StreamWriteTimeout replaces WriteTimeout for GET and HEAD (2m): web
	// pages and the timeline JSON export of a long incident may be large
	// and read over a slow network.
	StreamWriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no new request
	// (75s: longer than the 60s idle timeout of common load balancers and
	// proxies, so that they close first and never reuse a connection the
	// bot is closing).
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers (64 KiB; Slack's and
	// Discord's are well under 4 KiB, and the pages use no cookies).
	MaxHeaderBytes int
	// MaxConns caps the connections open at once (1024); more wait to be
	// accepted. It keeps a flood of slow clients from exhausting memory
	// and file descriptors that the database and the chat APIs need,
	// while leaving room for legitimate requests.
	MaxConns int
}

// DefaultServerLimits are the limits of a zero ServerLimits.
var DefaultServerLimits = ServerLimits{
	ReadHeaderTimeout:  5 * time.Second,
	ReadTimeout:        10 * time.Second,
	WriteTimeout:       15 * time.Second,
	StreamWriteTimeout: 2 * time.Minute,
	IdleTimeout:        75 * time.Second,
	MaxHeaderBytes:     64 << 10,
	MaxConns:           1024,
}

// withDefaults fills in every zero field from DefaultServerLimits.
func (l ServerLimits) withDefaults() ServerLimits {
	d := DefaultServerLimits
	l.ReadHeaderTimeout = or(l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	l.ReadTimeout = or(l.ReadTimeout, d.ReadTimeout)
	l.WriteTimeout = or(l.WriteTimeout, d.WriteTimeout)
	l.StreamWriteTimeout = or(l.StreamWriteTimeout, d.StreamWriteTimeout)
	l.IdleTimeout = or(l.IdleTimeout, d.IdleTimeout)
	l.MaxHeaderBytes = or(l.MaxHeaderBytes, d.MaxHeaderBytes)
	l.MaxConns = or(l.MaxConns, d.MaxConns)
	// Headers are part of the request: their timeout cannot exceed it.
	l.ReadHeaderTimeout = min(l.ReadHeaderTimeout, l.ReadTimeout)
	return l
}

// or is v, or def when v is zero.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// newServer returns the HTTP server for h with limits l (defaults filled
// in). GET and HEAD answers get StreamWriteTimeout instead of
// WriteTimeout.
func newServer(h http.Handler, l ServerLimits) *http.Server {
	return &http.Server{
		Handler:           streamDeadline(h, l.StreamWriteTimeout),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// streamDeadline gives GET and HEAD requests, which may stream a large
// page or export, a write deadline of d from now instead of the server's
// WriteTimeout.
func streamDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// Only a writer that cannot take deadlines (none in net/http)
			// refuses; the server's WriteTimeout then stays.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		}
		next.ServeHTTP(w, r)
	})
}

// limitListener caps the connections ln hands out at once at l.MaxConns;
// past it, new connections wait in the kernel's backlog until one closes.
func limitListener(ln net.Listener, l ServerLimits) net.Listener {
	return netutil.LimitListener(ln, l.MaxConns)
}
