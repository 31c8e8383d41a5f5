package loadgen

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report summarizes a run.
type Report struct {
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	// Achieved is the requests per second actually sent.
	Achieved float64 `json:"achieved"`
	Sent     int     `json:"sent"`
	OK       int     `json:"ok"`
	// Errors counts failed requests by reason ("503", "timeout", …).
	Errors map[string]int `json:"errors"`
	// Ack is the acknowledgement latency: from when a request was due to
	// its answer.
	Ack Percentiles `json:"ack"`
	// Delivery is from when a request was due to when its message reached
	// the fake Slack.
	Delivery Percentiles `json:"delivery"`
	// Missing acknowledged requests whose message never arrived;
	// Duplicates those whose message arrived more than once.
	Missing    int `json:"missing"`
	Duplicates int `json:"duplicates"`
	// PeakRSS is the server's VmHWM in bytes (0 when unknown).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// CPUServer and CPUDatabase are the CPU time (user+system) the server
	// process and its database backends (Postgres only) spent from the
	// first request to the end of the settle wait; 0 when unknown.
	CPUServer   time.Duration `json:"cpu_server_ns"`
	CPUDatabase time.Duration `json:"cpu_database_ns"`
	// LoadAvg is the machine's 1-minute load average at the end of the run.
	LoadAvg float64 `json:"loadavg"`
}

// CPUPerCommand is the server's and its database's CPU time per
// acknowledged request (0 when unknown).
func (r Report) CPUPerCommand() time.Duration {
	if r.OK == 0 {
		return 0
	}
	return (r.CPUServer + r.CPUDatabase) / time.Duration(r.OK)
}

// Percentiles of a latency distribution.
type Percentiles struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// percentiles uses the nearest rank.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return Percentiles{N: len(ds), P50: rank(0.50), P99: rank(0.99), Max: ds[len(ds)-1]}
}

// Summarize reports on the requests sent by Run.
func (d *Driver) Summarize() Report {
	rep := Report{Rate: d.o.Rate, Duration: d.o.Duration, Errors: map[string]int{}}
	var acks, dels []time.Duration
	var first, last time.Time
	for _, o := range d.Outcomes() {
		rep.Sent++
		if first.IsZero() || o.Due.Before(first) {
			first = o.Due
		}
		if o.Due.After(last) {
			last = o.Due
		}
		if o.Err != nil || o.Status != http.StatusOK {
			rep.Errors[reason(o.Status, o.Err)]++
			continue
		}
		rep.OK++
		acks = append(acks, o.Done.Sub(o.Due))
		switch {
		case len(o.Deliveries) == 0:
			rep.Missing++
		default:
			if len(o.Deliveries) > 1 {
				rep.Duplicates++
			}
			dels = append(dels, o.Deliveries[0].Sub(o.Due))
		}
	}
	if span := last.Sub(first); span > 0 && rep.Sent > 1 {
		rep.Achieved = float64(rep.Sent-1) / span.Seconds()
	}
	rep.Ack, rep.Delivery = percentiles(acks), percentiles(dels)
	return rep
}

// reason names why a request failed.
func reason(status int, err error) string {
	switch {
	case err == nil:
		return strconv.Itoa(status)
	case isConnRefused(err):
		return "connection refused"
	case errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return "timeout"
	}
	return "transport error"
}

// Held reports whether the server kept up: no errors, nothing missing,
// p99 acknowledgement under limit, and the rate was actually sent.
func (r Report) Held(limit time.Duration) bool {
	return len(r.Errors) == 0 && r.Missing == 0 && r.Ack.P99 < limit && r.Achieved >= 0.95*r.Rate
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// String is a human summary.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rate %.0f/s for %s: sent %d (%.1f/s), ok %d", r.Rate, r.Duration, r.Sent, r.Achieved, r.OK)
	if len(r.Errors) > 0 {
		var keys []string
		for k := range r.Errors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s×%d", k, r.Errors[k]))
		}
		fmt.Fprintf(&b, ", errors %s", strings.Join(parts, " "))
	}
	fmt.Fprintf(&b, "\n  ack      p50 %s ms  p99 %s ms  max %s ms", ms(r.Ack.P50), ms(r.Ack.P99), ms(r.Ack.Max))
	fmt.Fprintf(&b, "\n  delivery p50 %s ms  p99 %s ms  max %s ms  (n=%d, missing %d, duplicates %d)",
		ms(r.Delivery.P50), ms(r.Delivery.P99), ms(r.Delivery.Max), r.Delivery.N, r.Missing, r.Duplicates)
	if r.PeakRSS > 0 {
		fmt.Fprintf(&b, "\n  server peak RSS %.1f MiB", float64(r.PeakRSS)/(1<<20))
	}
	if c := r.CPUPerCommand(); c > 0 {
		fmt.Fprintf(&b, "\n  cpu per command %.2f ms (server %.2f s, database %.2f s)",
			float64(c)/float64(time.Millisecond), r.CPUServer.Seconds(), r.CPUDatabase.Seconds())
	}
	fmt.Fprintf(&b, "\n  load average %.2f", r.LoadAvg)
	return b.String()
}

// MarkdownRow is one row of the BENCHMARKS.md table:
// | store | rate | achieved | sent | errors | ack p50/p99/max | delivery p50/p99/max | missing/dup | RSS | CPU/command | load |.
func (r Report) MarkdownRow(store string) string {
	errs := r.Sent - r.OK
	rss := "–"
	if r.PeakRSS > 0 {
		rss = fmt.Sprintf("%.0f MiB", float64(r.PeakRSS)/(1<<20))
	}
	cpu := "–"
	if c := r.CPUPerCommand(); c > 0 {
		cpu = strconv.FormatFloat(float64(c)/float64(time.Millisecond), 'f', 2, 64) + " ms"
	}
	return fmt.Sprintf("| %s | %.0f | %.0f | %d | %d | %s / %s / %s | %s / %s / %s | %d / %d | %s | %s | %.1f |",
		store, r.Rate, r.Achieved, r.Sent, errs, ms(r.Ack.P50), ms(r.Ack.P99), ms(r.Ack.Max),
		ms(r.Delivery.P50), ms(r.Delivery.P99), ms(r.Delivery.Max), r.Missing, r.Duplicates, rss, cpu, r.LoadAvg)
}
