package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
)

// RetryAfter reads how long to wait from Retry-After (seconds or an HTTP
// date) or, when rateLimited, from X-RateLimit-Reset (a Unix time in
// seconds, as GitHub sends, or milliseconds, as LaunchDarkly does). It
// returns 0 when the answer does not say.
func RetryAfter(h http.Header, now time.Time, rateLimited bool) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if !rateLimited {
		return 0
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			t := time.Unix(n, 0)
			if n > 1e12 {
				t = time.UnixMilli(n)
			}
			if t.After(now) {
				return t.Sub(now)
			}
		}
	}
	return 0
}

// FormatWait formats a wait or a limit for a message: "30s", "2m5s",
// "150ms".
func FormatWait(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// transportError classifies a failure with no HTTP answer. A request that
// changes something (not GET or HEAD) and may have reached the server — a
// timeout, a cancellation, a connection cut after it was sent — is marked
// MayHaveRun, and its message says so; one that could not connect is not.
func (c *Client) transportError(ctx context.Context, method string, limit time.Duration, err error, scrub *Scrubber) *actiontype.Error {
	e := &actiontype.Error{System: c.system, Retryable: true}
	inner := unwrapURLError(err)
	writes := method != http.MethodGet && method != http.MethodHead
	maybe := func(msg string) {
		e.Msg, e.MayHaveRun = msg, writes
		if writes {
			e.Msg += "; the change may or may not have been made"
		}
	}
	var ne net.Error
	var certErr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	var op *net.OpError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		maybe("the request was canceled before an answer")
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		maybe(fmt.Sprintf("no answer within %s (timed out)", FormatWait(limit)))
	case errors.As(err, &certErr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr):
		e.Retryable = false
		e.Msg = "TLS certificate not trusted (check the URL and CA): " + scrub.Scrub(inner.Error())
	case errors.As(err, &op) && op.Op == "dial":
		e.Msg = "could not connect: " + scrub.Scrub(inner.Error())
	default:
		maybe("the connection failed: " + scrub.Scrub(inner.Error()))
	}
	return e
}
