package config

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Probe types.
const (
	ProbePrometheus = "prometheus"
	ProbeHTTP       = "http"
)

// ProbeTypes are the probe types, in the order errors list them.
var ProbeTypes = []string{ProbePrometheus, ProbeHTTP}

// Probe units: how a probe's value reads in the chat.
const (
	// UnitNumber shows the value as a plain number (the default).
	UnitNumber = "number"
	// UnitRatio shows a ratio as a percentage (0.382 reads 38.2%).
	UnitRatio = "ratio"
	// UnitSeconds shows the value as a duration (0.25 reads 250ms).
	UnitSeconds = "seconds"
)

// ProbeUnits are the probe units.
var ProbeUnits = []string{UnitNumber, UnitRatio, UnitSeconds}

// Probe defaults.
const (
	DefaultProbeInterval   = 30 * time.Second
	DefaultProbeVerifyHold = 5 * time.Minute
	DefaultProbeLookback   = time.Hour
	DefaultProbeTimeout    = 10 * time.Second
)

// Probe watches one customer-facing signal of a service while the
// service's incidents are open: a PromQL query that returns one number
// (type prometheus) or a synthetic request to a customer-facing URL (type
// http). Its verdict (impacting, clear or unknown) checks what people say
// about impact.
type Probe struct {
	// ID names the probe in buttons and on the timeline: the characters
	// of an action ID.
	ID string `yaml:"id" json:"id"`
	// Name is how the chat calls it ("checkout error ratio"); the ID when
	// empty.
	Name string `yaml:"name" json:"name"`
	// Service is the service whose incidents it watches.
	Service string `yaml:"service" json:"service"`
	// Type is prometheus or http.
	Type string `yaml:"type" json:"type"`
	// URL is the Prometheus-compatible API base (type prometheus) or the
	// URL requested (type http).
	URL string `yaml:"url" json:"url"`
	// BearerToken, or BasicAuth, authenticates the requests.
	BearerToken     Secret         `yaml:"bearer_token" json:"bearer_token"`
	BearerTokenFile string         `yaml:"bearer_token_file" json:"bearer_token_file"`
	BasicAuth       ProbeBasicAuth `yaml:"basic_auth" json:"basic_auth"`
	// Query is the PromQL expression (type prometheus); it must return
	// one number.
	Query string `yaml:"query" json:"query"`
	// ImpactingWhen is the threshold a Prometheus value breaches.
	ImpactingWhen Threshold `yaml:"impacting_when" json:"impacting_when"`
	// Unit says how the value reads: number, ratio or seconds (default
	// number; seconds for type http, whose value is the latency).
	Unit string `yaml:"unit" json:"unit"`
	// For is how long a breach must last before the probe says impacting.
	For time.Duration `yaml:"for" json:"for"`
	// Interval is how often it is evaluated (DefaultProbeInterval).
	Interval time.Duration `yaml:"interval" json:"interval"`
	// VerifyHold is how long it must stay clear after someone says
	// mitigated for the mitigation to count as verified
	// (DefaultProbeVerifyHold).
	VerifyHold time.Duration `yaml:"verify_hold" json:"verify_hold"`
	// Auto lets the probe change the impact state itself (mitigated after
	// the hold, regressed on a breach), with source probe; otherwise it
	// only asks.
	Auto bool `yaml:"auto" json:"auto"`
	// Lookback is how far before the declaration the probe looks for when
	// the breach began (DefaultProbeLookback; a negative one turns the
	// look back off).
	Lookback time.Duration `yaml:"lookback" json:"lookback"`
	// Timeout bounds one evaluation (DefaultProbeTimeout).
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Method, ExpectStatus and MaxLatency are the synthetic check (type
	// http): GET, 200 and no latency limit by default.
	Method       string        `yaml:"method" json:"method"`
	ExpectStatus int           `yaml:"expect_status" json:"expect_status"`
	MaxLatency   time.Duration `yaml:"max_latency" json:"max_latency"`
}

// ProbeBasicAuth is HTTP basic authentication.
type ProbeBasicAuth struct {
	Username     string `yaml:"username" json:"username"`
	Password     Secret `yaml:"password" json:"password"`
	PasswordFile string `yaml:"password_file" json:"password_file"`
}

// Threshold is where a value starts to mean impact: above it, or below it.
// Exactly one is set.
type Threshold struct {
	Above *float64 `yaml:"above" json:"above,omitempty"`
	Below *float64 `yaml:"below" json:"below,omitempty"`
}

// Breached reports whether v is past the threshold.
func (t Threshold) Breached(v float64) bool {
	switch {
	case t.Above != nil:
		return v > *t.Above
	case t.Below != nil:
		return v < *t.Below
	}
	return false
}

// Title is the probe's name, its ID when it has none.
func (p Probe) Title() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// probeSecretValues are the probes' credentials, for redaction.
func (c *Config) probeSecretValues() []string {
	var out []string
	for _, p := range c.Probes {
		for _, s := range []Secret{p.BearerToken, p.BasicAuth.Password} {
			if s.IsSet() {
				out = append(out, s.Reveal())
			}
		}
	}
	return out
}

// validateProbes reads the probes' secret files, fills their defaults and
// checks them, each problem naming the key.
func (l *loader) validateProbes(probes []Probe) {
	ids := map[string]int{}
	for i := range probes {
		p := &probes[i]
		key := fmt.Sprintf("probes[%d]", i)
		l.probeSecrets(key, p)
		probeDefaults(p)
		if msg := probeIDProblem(p.ID); msg != "" {
			l.fail(key+".id", msg)
		} else if first, dup := ids[p.ID]; dup {
			l.fail(key+".id", fmt.Sprintf("duplicate probe id %q (also probes[%d])", p.ID, first))
		} else {
			ids[p.ID] = i
		}
		if strings.TrimSpace(p.Service) == "" {
			l.fail(key+".service", "required: the service whose incidents the probe watches")
		}
		switch p.Type {
		case ProbePrometheus:
			l.validatePrometheusProbe(key, p)
		case ProbeHTTP:
			l.validateHTTPProbe(key, p)
		case "":
			l.fail(key+".type", "required: one of "+strings.Join(ProbeTypes, ", "))
		default:
			l.fail(key+".type", fmt.Sprintf("unknown type %q (want one of %s)", p.Type, strings.Join(ProbeTypes, ", ")))
		}
		if !slices.Contains(ProbeUnits, p.Unit) {
			l.fail(key+".unit", fmt.Sprintf("unknown unit %q (want one of %s)", p.Unit, strings.Join(ProbeUnits, ", ")))
		}
		if p.For < 0 {
			l.fail(key+".for", "must not be negative")
		}
		if p.Interval <= 0 {
			l.fail(key+".interval", "must be positive")
		}
		if p.VerifyHold <= 0 {
			l.fail(key+".verify_hold", "must be positive")
		}
		if p.Timeout <= 0 {
			l.fail(key+".timeout", "must be positive")
		}
	}
}

// probeSecrets reads the probe's *_file secrets and refuses one set both
// inline and as a file, or two kinds of authentication at once.
func (l *loader) probeSecrets(key string, p *Probe) {
	if p.BearerToken.IsSet() && p.BearerTokenFile != "" {
		l.fail(key+".bearer_token_file", "set either bearer_token or bearer_token_file, not both")
	} else if p.BearerTokenFile != "" {
		if s, ok := l.readSecret(key+".bearer_token_file", p.BearerTokenFile); ok {
			p.BearerToken = s
		}
	}
	ba := &p.BasicAuth
	if ba.Password.IsSet() && ba.PasswordFile != "" {
		l.fail(key+".basic_auth.password_file", "set either password or password_file, not both")
	} else if ba.PasswordFile != "" {
		if s, ok := l.readSecret(key+".basic_auth.password_file", ba.PasswordFile); ok {
			ba.Password = s
		}
	}
	basic := ba.Username != "" || ba.Password.IsSet() || ba.PasswordFile != ""
	if basic && ba.Username == "" {
		l.fail(key+".basic_auth.username", "required with a basic_auth password")
	}
	if basic && (p.BearerToken.IsSet() || p.BearerTokenFile != "") {
		l.fail(key+".basic_auth", "set either bearer_token or basic_auth, not both")
	}
}

func probeDefaults(p *Probe) {
	if p.Interval == 0 {
		p.Interval = DefaultProbeInterval
	}
	if p.VerifyHold == 0 {
		p.VerifyHold = DefaultProbeVerifyHold
	}
	if p.Lookback == 0 {
		p.Lookback = DefaultProbeLookback
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultProbeTimeout
	}
	if p.Unit == "" {
		p.Unit = UnitNumber
		if p.Type == ProbeHTTP {
			p.Unit = UnitSeconds
		}
	}
	if p.Type == ProbeHTTP {
		if p.Method == "" {
			p.Method = http.MethodGet
		}
		p.Method = strings.ToUpper(p.Method)
		if p.ExpectStatus == 0 {
			p.ExpectStatus = http.StatusOK
		}
	}
}

func (l *loader) validatePrometheusProbe(key string, p *Probe) {
	l.checkProbeURL(key, p.URL)
	if strings.TrimSpace(p.Query) == "" {
		l.fail(key+".query", "required: a PromQL expression that returns one number")
	}
	switch w := p.ImpactingWhen; {
	case w.Above == nil && w.Below == nil:
		l.fail(key+".impacting_when", "required: {above: N} or {below: N}")
	case w.Above != nil && w.Below != nil:
		l.fail(key+".impacting_when", "set either above or below, not both")
	}
	for _, k := range []string{"method", "expect_status", "max_latency"} {
		if _, set := l.lines[key+"."+k]; set {
			l.fail(key+"."+k, "only for type http")
		}
	}
}

func (l *loader) validateHTTPProbe(key string, p *Probe) {
	l.checkProbeURL(key, p.URL)
	if p.Query != "" {
		l.fail(key+".query", "only for type prometheus")
	}
	if p.ImpactingWhen.Above != nil || p.ImpactingWhen.Below != nil {
		l.fail(key+".impacting_when", "only for type prometheus (an http probe is impacting on a wrong status or max_latency)")
	}
	switch p.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions:
	default:
		l.fail(key+".method", fmt.Sprintf("unsupported method %q (want GET, HEAD, POST or OPTIONS)", p.Method))
	}
	if p.ExpectStatus < 100 || p.ExpectStatus > 599 {
		l.fail(key+".expect_status", "must be an HTTP status from 100 to 599")
	}
	if p.MaxLatency < 0 {
		l.fail(key+".max_latency", "must not be negative")
	}
}

// checkProbeURL checks the URL without quoting it: it may carry
// credentials.
func (l *loader) checkProbeURL(key, raw string) {
	if raw == "" {
		l.fail(key+".url", "required")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.fail(key+".url", "want an absolute http:// or https:// URL")
	}
}

// probeIDProblem is actionIDProblem for a probe: its ID travels in buttons.
func probeIDProblem(id string) string {
	if id == "" {
		return "required: every probe needs an id"
	}
	return strings.ReplaceAll(actionIDProblem(id), "/incident run <id>", "the probe's buttons")
}
