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

	"github.com/tourniquet/tourniquet/actions"
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

// FormatWait formats a wait for a message: "30s", "2m5s"; never below 1s.
func FormatWait(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Second {
		d = time.Second
	}
	return d.String()
}

// transportError classifies a failure with no HTTP answer.
func (c *Client) transportError(ctx context.Context, method string, limit time.Duration, err error, scrub *Scrubber) *actions.Error {
	e := &actions.Error{System: c.system, Retryable: true}
	inner := unwrapURLError(err)
	var ne net.Error
	mayHaveRun := ""
	if method != "GET" && method != "HEAD" {
		mayHaveRun = "; the change may or may not have been made"
	}
	var certErr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		e.Msg = "the request was canceled before an answer" + mayHaveRun
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		e.Msg = fmt.Sprintf("no answer within %s (timed out)%s", FormatWait(limit), mayHaveRun)
	case errors.As(err, &certErr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr):
		e.Retryable = false
		e.Msg = "TLS certificate not trusted (check the URL and CA): " + scrub.Scrub(inner.Error())
	default:
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			e.Msg = "could not connect: " + scrub.Scrub(inner.Error())
		} else {
			e.Msg = "the connection failed: " + scrub.Scrub(inner.Error()) + mayHaveRun
		}
	}
	return e
}
