package httpx

import (
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/internal/clock"
)

// DefaultTimeout bounds one HTTP call when neither the configuration nor an
// option sets a timeout.
const DefaultTimeout = 10 * time.Second

// Options are the transport settings every integration client accepts.
type Options struct {
	// BaseURL replaces the configured or default API URL (tests,
	// self-hosted instances).
	BaseURL string
	// Timeout bounds each HTTP call; 0 means the configured value or
	// DefaultTimeout.
	Timeout time.Duration
	// HTTPClient replaces the client built by the integration. Its
	// CheckRedirect is replaced so that redirects are not followed.
	HTTPClient *http.Client
	// Clock tells the time (Retry-After dates, signature timestamps).
	Clock clock.Clock
}

// Option adjusts Options.
type Option func(*Options)

// WithBaseURL points the client at another base URL.
func WithBaseURL(u string) Option { return func(o *Options) { o.BaseURL = u } }

// WithTimeout sets the per-call timeout.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// WithHTTPClient sets the HTTP client (its transport, TLS settings).
func WithHTTPClient(c *http.Client) Option { return func(o *Options) { o.HTTPClient = c } }

// WithClock sets the clock.
func WithClock(c clock.Clock) Option { return func(o *Options) { o.Clock = c } }

// Apply returns base with opts applied in order.
func Apply(base Options, opts ...Option) Options {
	for _, opt := range opts {
		if opt != nil {
			opt(&base)
		}
	}
	return base
}
