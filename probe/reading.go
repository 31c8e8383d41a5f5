package probe

import (
	"context"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/config"
)

// Reading is what one evaluation of a probe saw.
type Reading struct {
	// Value is the number read (a Prometheus value; a synthetic check's
	// latency in seconds); nil when there is none.
	Value *float64
	// Breached says the value (or the synthetic check) is past the
	// threshold.
	Breached bool
	// Unknown says the probe could not tell; Message says why.
	Unknown bool
	// Message says why the probe could not tell, or what a synthetic check
	// saw ("HTTP 503 in 120ms, want 200"). It never holds a secret.
	Message string
}

// Checker evaluates one probe.
type Checker interface {
	// Read evaluates the probe at now.
	Read(ctx context.Context, now time.Time) Reading
}

// Looker finds, in the probe's history, when a breach began: the probes
// that can look back (Prometheus).
type Looker interface {
	// BreachStart returns the start of the breach that still ran at end,
	// looking back to start; nil when there was none at end.
	BreachStart(ctx context.Context, start, end time.Time, step time.Duration) (*time.Time, error)
}

// prometheusChecker is a probe of type prometheus.
type prometheusChecker struct {
	p   config.Probe
	api *Prometheus
}

// Read evaluates the query at now: a number, or unknown with why.
func (c prometheusChecker) Read(ctx context.Context, now time.Time) Reading {
	v, err := c.api.Query(ctx, c.p.Query, now)
	if err != nil {
		return Reading{Unknown: true, Message: err.Error()}
	}
	return Reading{Value: &v, Breached: c.p.ImpactingWhen.Breached(v)}
}

// BreachStart walks back over the range from its end while the value
// breaches: the first point of that run is when the breach began.
func (c prometheusChecker) BreachStart(ctx context.Context, start, end time.Time, step time.Duration) (*time.Time, error) {
	pts, err := c.api.QueryRange(ctx, c.p.Query, start, end, step)
	if err != nil {
		return nil, err
	}
	var since *time.Time
	for i := len(pts) - 1; i >= 0; i-- {
		if !c.p.ImpactingWhen.Breached(pts[i].Value) {
			break
		}
		if i < len(pts)-1 && pts[i+1].At.Sub(pts[i].At) > 2*step {
			break // a gap in the data ends the run
		}
		at := pts[i].At
		since = &at
	}
	if since != nil && end.Sub(pts[len(pts)-1].At) > 2*step {
		return nil, nil // the run ended well before the end
	}
	return since, nil
}

// newChecker is the checker of p's type.
func newChecker(p config.Probe, client *http.Client) (Checker, error) {
	if p.Type == config.ProbeHTTP {
		return newHTTPChecker(p, client), nil
	}
	api, err := NewPrometheus(p, client)
	if err != nil {
		return nil, err
	}
	return prometheusChecker{p: p, api: api}, nil
}
