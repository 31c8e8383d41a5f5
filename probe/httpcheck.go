package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/redact"
)

// httpChecker is a synthetic check of a customer-facing URL (type http):
// one request per evaluation. A wrong status, a latency over max_latency,
// or no answer at all is a breach: that is what a customer would see. Its
// value is the latency in seconds.
type httpChecker struct {
	p      config.Probe
	client *http.Client
	auth   func(*http.Request)
	scrub  *redact.Redactor
}

func newHTTPChecker(p config.Probe, client *http.Client) *httpChecker {
	if client == nil {
		client = &http.Client{}
	}
	// A synthetic check judges the URL's own answer, not where it
	// redirects to: a redirect is a status like any other.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &httpChecker{p: p, client: &c, auth: authOf(p), scrub: scrubberOf(p)}
}

// Read requests the URL once.
func (c *httpChecker) Read(ctx context.Context, _ time.Time) Reading {
	ctx, cancel := context.WithTimeout(ctx, c.p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.p.Method, c.p.URL, nil)
	if err != nil {
		return Reading{Unknown: true, Message: "cannot build the request"}
	}
	c.auth(req)
	// Latency is measured on the real monotonic clock, even when the
	// bot's clock is a fake: it is the network's time, not the bot's.
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return Reading{Breached: true, Message: fmt.Sprintf("no answer within %s", c.p.Timeout)}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return Reading{Breached: true, Message: "no answer: " + c.scrub.Redact(err.Error())}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	took := time.Since(start)
	secs := took.Seconds()
	r := Reading{Value: &secs, Message: fmt.Sprintf("HTTP %d in %s", resp.StatusCode, latencyWords(took))}
	switch {
	case resp.StatusCode != c.p.ExpectStatus:
		r.Breached = true
		r.Message += fmt.Sprintf(", want %d", c.p.ExpectStatus)
	case c.p.MaxLatency > 0 && took > c.p.MaxLatency:
		r.Breached = true
		r.Message += fmt.Sprintf(", over %s", latencyWords(c.p.MaxLatency))
	}
	return r
}
