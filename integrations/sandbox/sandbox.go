// Package sandbox is an in-process stand-in for a deploy system and a flag
// service, for the no-configuration run of the README: a newcomer declares
// an incident in the terminal and clicks "Roll back demo-shop to v41" or
// "Kill switch: new-checkout" and sees the whole flow — confirmation,
// progress, outcome, the mitigation question — with nothing real touched.
// Every message it produces says "sandbox".
//
// It is never active when any action is configured: wiring uses
// [Actions] and [Integrations] only when the configuration has no actions,
// and check-config refuses an integration of type sandbox.
package sandbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type of the sandbox.
const Type = "sandbox"

// Name is the name of the sandbox integration instance.
const Name = "sandbox"

// System names the sandbox in messages.
const System = "sandbox"

// The demo's services, versions and flags.
const (
	DemoService  = "demo-shop"
	DemoCurrent  = "v42"
	DemoPrevious = "v41"
	DemoFlag     = "new-checkout"
)

// The demo's drill targets: a staging twin of the service and of the flag,
// which a drill's actions run against (their drill params).
const (
	DemoStagingService = "demo-shop-staging"
	DemoStagingFlag    = "new-checkout-staging"
)

// Actions are the demo actions: they apply to every incident, and the lead
// and whoever declared it may run them.
func Actions() []config.Action {
	yes := true
	return []config.Action{
		{ID: "rollback-demo-shop", Title: "Roll back " + DemoService + " to " + DemoPrevious, Kind: config.KindRollback,
			Integration: Name, Params: map[string]string{"service": DemoService, "version": DemoPrevious},
			Drill:   map[string]string{"service": DemoStagingService},
			Allowed: []string{config.RoleLead, config.RoleDeclarer}, Confirm: &yes, Timeout: 10 * time.Second},
		{ID: "kill-new-checkout", Title: "Kill switch: " + DemoFlag, Kind: config.KindKillSwitch,
			Integration: Name, Params: map[string]string{"flag": DemoFlag},
			Drill:   map[string]string{"flag": DemoStagingFlag},
			Allowed: []string{config.RoleLead, config.RoleDeclarer}, Confirm: &yes, Timeout: 10 * time.Second},
	}
}

// Integrations is the one integration the demo actions use.
func Integrations() map[string]config.Integration {
	return map[string]config.Integration{Name: {Type: Type, Settings: map[string]any{}, Secrets: map[string]config.Secret{}}}
}

// Descriptor describes the sandbox to wiring (cmd/internal/app): a demo-only
// type, built only for the run with nothing configured, refused by
// check-config, and left out of the types messages offer.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, DemoOnly: true,
	New: func(name string, _ config.Integration) (actiontype.Integration, error) { return New(name), nil }}

// Validate refuses a configured sandbox: it exists only for the run with
// no configuration.
func Validate(in config.Integration) []config.Problem {
	return []config.Problem{{Key: "type", Msg: "sandbox is only the demo of a run with no actions configured; configure a real integration (exec, webhook, launchdarkly, …)"}}
}

// Params are the action params the sandbox accepts: service and version
// for a rollback, or flag for a kill switch.
func Params(config.Integration) spec.Params {
	return spec.Params{List: []spec.Param{
		{Name: "service", Doc: "the service to roll back"},
		{Name: "version", Doc: "the version to roll back to"},
		{Name: "flag", Doc: "the flag to turn off"},
	}}
}

// Option adjusts the sandbox.
type Option func(*Client)

// WithDelay makes every call take d (default 1s), so that "Running…" can
// be seen.
func WithDelay(d time.Duration) Option { return func(c *Client) { c.delay = d } }

// Client is the sandbox: a deploy system that knows one service's
// versions and a flag service that knows one flag, in memory. It honours
// idempotency keys: a run ID seen before gets the first answer again and
// changes nothing. It satisfies actiontype.Integration.
type Client struct {
	name  string
	delay time.Duration

	mu       sync.Mutex
	versions map[string][]string // service → deployed versions, current last
	flags    map[string]bool
	seen     map[string]actiontype.Result
	calls    int
}

var _ actiontype.Integration = (*Client)(nil)

// New returns a fresh sandbox: demo-shop runs v42 (v41 before it), the
// flag new-checkout is on, and so do their staging twins, the drills'
// targets.
func New(name string, opts ...Option) *Client {
	c := &Client{
		name:     name,
		delay:    time.Second,
		versions: map[string][]string{DemoService: {DemoPrevious, DemoCurrent}, DemoStagingService: {DemoPrevious, DemoCurrent}},
		flags:    map[string]bool{DemoFlag: true, DemoStagingFlag: true},
		seen:     map[string]actiontype.Result{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Calls says how many calls changed something (a repeated run ID does not
// count).
func (c *Client) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// Version is the version of service running now ("" if unknown).
func (c *Client) Version(service string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs := c.versions[service]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// Flag reports whether flag is on.
func (c *Client) Flag(flag string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flags[flag]
}

func fail(format string, args ...any) *actiontype.Error {
	return &actiontype.Error{System: System, Msg: fmt.Sprintf(format, args...)}
}

// Run rolls a service back (params service, version) or turns a flag off
// (param flag); an undo turns the flag back on or rolls forward again.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if c.delay > 0 {
		t := time.NewTimer(c.delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return actiontype.Result{}, &actiontype.Error{System: System, Msg: "interrupted before it finished", MayHaveRun: true}
		case <-t.C:
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.seen[req.RunID]; ok && req.RunID != "" {
		res.Summary += " (sandbox: run " + req.RunID + " was seen before, so nothing was done twice)"
		return res, nil
	}
	var (
		res actiontype.Result
		err error
	)
	switch {
	case req.Params["flag"] != "":
		res, err = c.flag(req.Params["flag"], req.Undo)
	case req.Params["service"] != "":
		res, err = c.rollback(req.Params["service"], req.Params["version"], req.Undo)
	default:
		err = fail("say what to do: params service and version (a rollback) or flag (a kill switch)")
	}
	if err != nil {
		return actiontype.Result{}, err
	}
	c.calls++
	if req.RunID != "" {
		c.seen[req.RunID] = res
	}
	return res, nil
}

func (c *Client) rollback(service, version string, undo bool) (actiontype.Result, error) {
	vs, ok := c.versions[service]
	if !ok {
		return actiontype.Result{}, fail("the sandbox deploy system has no service %q (it has %s)", service, DemoService)
	}
	cur := vs[len(vs)-1]
	if undo {
		if len(vs) < 2 {
			return actiontype.Result{}, fail("%s has no later version to roll forward to", service)
		}
		c.versions[service] = vs[:len(vs)-1]
		return actiontype.Result{Summary: fmt.Sprintf("sandbox: %s rolled forward from %s to %s (nothing real was touched)", service, cur, vs[len(vs)-2])}, nil
	}
	if version == "" || version == cur {
		if version == cur {
			return actiontype.Result{Summary: fmt.Sprintf("sandbox: %s already runs %s; nothing to roll back (nothing real was touched)", service, cur)}, nil
		}
		return actiontype.Result{}, fail("say which version to roll %s back to (param version)", service)
	}
	c.versions[service] = append(c.versions[service], version)
	return actiontype.Result{Summary: fmt.Sprintf("sandbox: %s rolled back from %s to %s (nothing real was touched)", service, cur, version)}, nil
}

func (c *Client) flag(flag string, undo bool) (actiontype.Result, error) {
	on, ok := c.flags[flag]
	if !ok {
		return actiontype.Result{}, fail("the sandbox flag service has no flag %q (it has %s)", flag, DemoFlag)
	}
	want, word := false, "off"
	if undo {
		want, word = true, "on"
	}
	c.flags[flag] = want
	if on == want {
		return actiontype.Result{Summary: fmt.Sprintf("sandbox: flag %s was already %s (nothing real was touched)", flag, word)}, nil
	}
	return actiontype.Result{Summary: fmt.Sprintf("sandbox: flag %s turned %s for everyone (nothing real was touched)", flag, word)}, nil
}

// Snapshot describes the sandbox's state, for the demo and tests.
func (c *Client) Snapshot() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for s, vs := range c.versions {
		out["service "+s] = vs[len(vs)-1]
	}
	for f, on := range c.flags {
		out["flag "+f] = map[bool]string{true: "on", false: "off"}[on]
	}
	return out
}
