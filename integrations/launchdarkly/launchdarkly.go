package launchdarkly

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type in the configuration.
const Type = "launchdarkly"

// System names LaunchDarkly in messages.
const System = "LaunchDarkly"

// DefaultURL is LaunchDarkly's API (and app) URL.
const DefaultURL = "https://app.launchdarkly.com"

// SemanticPatch is the content type of a semantic patch.
const SemanticPatch = "application/json; domain-model=launchdarkly.semanticpatch"

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL is the API base URL (DefaultURL when empty).
	URL string
	// Token is an API access token.
	Token config.Secret
	// Project and Environment are the defaults for actions.
	Project, Environment string
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"url", "project", "environment", "timeout"},
	Secrets:  []string{"api_token"},
	Parse:    parse,
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	c.RequiredSecret("api_token", "a LaunchDarkly API access token")
	return Config{
		URL:         c.URL("url"),
		Token:       in.Secret("api_token"),
		Project:     in.Get("project"),
		Environment: in.Get("environment"),
		Timeout:     c.Duration("timeout", 0),
	}
}

// Params are the action params the integration accepts: flag always;
// project and environment unless the integration sets them.
func Params(in config.Integration) spec.Params {
	return paramSpec(in.Get("project"), in.Get("environment"))
}

func paramSpec(project, env string) spec.Params {
	return spec.Params{List: []spec.Param{
		{Name: "flag", Required: true, Doc: "the flag key"},
		{Name: "project", Required: project == "", Doc: "the project key"},
		{Name: "environment", Required: env == "", Doc: "the environment key"},
	}}
}

// Client turns LaunchDarkly flags off and on. It satisfies
// actiontype.Integration.
type Client struct {
	name string
	cfg  Config
	http *httpx.Client
}

var _ actiontype.Integration = (*Client)(nil)

// New returns the client for the integration named name.
func New(name string, in config.Integration, opts ...Option) (*Client, error) {
	return spec.Build(parser, NewClient, name, in, opts...)
}

// NewClient returns a client for cfg.
func NewClient(name string, cfg Config, opts ...Option) (*Client, error) {
	hc, err := httpx.New(httpx.Config{
		System:   System,
		Options:  httpx.Apply(httpx.Options{BaseURL: cmp.Or(cfg.URL, DefaultURL), Timeout: cfg.Timeout}, opts...),
		Token:    cfg.Token.Reveal(), // sent bare, without a scheme
		AuthHint: "check api_token",
	})
	if err != nil {
		return nil, err
	}
	return &Client{name: name, cfg: cfg, http: hc}, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// Patch is a semantic patch of a flag.
type Patch struct {
	EnvironmentKey string        `json:"environmentKey"`
	Instructions   []Instruction `json:"instructions"`
	Comment        string        `json:"comment,omitempty"`
}

// Instruction is one semantic patch instruction.
type Instruction struct {
	Kind string `json:"kind"`
}

// Flag is the part of LaunchDarkly's flag representation the client reads.
type Flag struct {
	Key          string                 `json:"key"`
	Name         string                 `json:"name"`
	Environments map[string]Environment `json:"environments"`
}

// Environment is a flag's state in one environment.
type Environment struct {
	On bool `json:"on"`
}

// flagRef is the flag an action's params name, in its project and
// environment.
type flagRef struct{ flag, project, env string }

func (c *Client) ref(params map[string]string) flagRef {
	return flagRef{
		flag:    spec.Pick(params, "flag", ""),
		project: spec.Pick(params, "project", c.cfg.Project),
		env:     spec.Pick(params, "environment", c.cfg.Environment),
	}
}

// readFlag reads the flag as its environment sees it (GET
// /api/v2/flags/{project}/{flag}?env=…), for Preflight and Verify.
func (c *Client) readFlag(ctx context.Context, r flagRef) (Flag, error) {
	var got Flag
	_, err := c.http.Do(ctx, httpx.Request{
		Path:  []string{"api", "v2", "flags", r.project, r.flag},
		Query: url.Values{"env": {r.env}},
		Out:   &got,
		What:  "flag " + r.flag + " in project " + r.project,
	})
	return got, err
}

// Run turns the flag off in the environment, or on for an undo.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec(c.cfg.Project, c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	r := c.ref(req.Params)
	flag, project, env := r.flag, r.project, r.env
	kind, state := "turnFlagOff", "off"
	if req.Undo {
		kind, state = "turnFlagOn", "on"
	}
	var got Flag
	_, err := c.http.Do(ctx, httpx.Request{
		Method:      http.MethodPatch,
		Path:        []string{"api", "v2", "flags", project, flag},
		JSON:        Patch{EnvironmentKey: env, Instructions: []Instruction{{Kind: kind}}, Comment: spec.Note(req)},
		ContentType: SemanticPatch,
		Out:         &got,
		What:        "flag " + flag + " in project " + project,
	})
	if err != nil {
		return actiontype.Result{}, err
	}
	if e, ok := got.Environments[env]; ok && e.On != req.Undo {
		return actiontype.Result{}, c.http.Fail("the change was accepted but flag %s is still not %s in %s", flag, state, env)
	}
	return actiontype.Result{
		Summary: c.http.Scrub("LaunchDarkly flag " + flag + " turned " + state + " in " + env + " (project " + project + ")"),
		URL:     c.link(project, flag, env),
	}, nil
}

// link is the flag's targeting page for env in the LaunchDarkly app.
func (c *Client) link(project, flag, env string) string {
	u, err := httpx.Join(c.http.BaseURL(), false, "projects", project, "flags", flag, "targeting")
	if err != nil {
		return ""
	}
	u.RawQuery = url.Values{"env": {env}, "selected-env": {env}}.Encode()
	return u.String()
}
