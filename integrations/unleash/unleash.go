package unleash

import (
	"context"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type in the configuration.
const Type = "unleash"

// System names Unleash in messages.
const System = "Unleash"

// DefaultProject is Unleash's default project ID.
const DefaultProject = "default"

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL is the instance's base URL, path prefix included.
	URL string
	// Token is an admin API token or a personal access token.
	Token config.Secret
	// Project is the default project ID (DefaultProject when empty).
	Project string
	// Environment is the default environment for actions.
	Environment string
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"url", "project", "environment", "timeout"},
	Secrets:  []string{"token"},
	Parse:    parse,
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	c.Required("url", "the Unleash instance's URL")
	c.RequiredSecret("token", "an Unleash admin API token or personal access token")
	return Config{
		URL:         c.URL("url"),
		Token:       in.Secret("token"),
		Project:     in.Get("project"),
		Environment: in.Get("environment"),
		Timeout:     c.Duration("timeout", 0),
	}
}

// Params are the action params the integration accepts: feature always;
// environment unless the integration sets it; project optionally.
func Params(in config.Integration) spec.Params { return paramSpec(in.Get("environment")) }

func paramSpec(env string) spec.Params {
	return spec.Params{List: []spec.Param{
		{Name: "feature", Required: true, Doc: "the feature flag's name"},
		{Name: "environment", Required: env == "", Doc: "the environment"},
		{Name: "project", Doc: "the project ID (default: the integration's, else \"default\")"},
	}}
}

// Client turns Unleash feature flags off and on. It satisfies
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
	if cfg.Project == "" {
		cfg.Project = DefaultProject
	}
	hc, err := httpx.New(httpx.Config{
		System:   System,
		Options:  httpx.Apply(httpx.Options{BaseURL: cfg.URL, Timeout: cfg.Timeout}, opts...),
		Token:    cfg.Token.Reveal(), // sent bare, without a scheme
		AuthHint: "check token",
	})
	if err != nil {
		return nil, err
	}
	return &Client{name: name, cfg: cfg, http: hc}, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// featureRef is the feature an action's params name, in its project and
// environment.
type featureRef struct{ feature, project, env string }

func (c *Client) ref(params map[string]string) featureRef {
	return featureRef{
		feature: spec.Pick(params, "feature", ""),
		project: spec.Pick(params, "project", c.cfg.Project),
		env:     spec.Pick(params, "environment", c.cfg.Environment),
	}
}

// feature is the part of Unleash's feature answer Preflight and Verify
// read.
type feature struct {
	Name         string `json:"name"`
	Environments []struct {
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
	} `json:"environments"`
}

// environment reports whether the feature is enabled in env, and whether
// it has env at all.
func (f feature) environment(env string) (enabled, ok bool) {
	for _, e := range f.Environments {
		if e.Name == env {
			return e.Enabled, true
		}
	}
	return false, false
}

// readFeature reads the feature (GET
// /api/admin/projects/{project}/features/{feature}), for Preflight and
// Verify.
func (c *Client) readFeature(ctx context.Context, r featureRef) (feature, error) {
	var got feature
	_, err := c.http.Do(ctx, httpx.Request{
		Path: []string{"api", "admin", "projects", r.project, "features", r.feature},
		Out:  &got,
		What: "feature " + r.feature + " in project " + r.project,
	})
	return got, err
}

// Run turns the feature off in the environment, or on for an undo.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec(c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	r := c.ref(req.Params)
	feature, project, env := r.feature, r.project, r.env
	state := "off"
	if req.Undo {
		state = "on"
	}
	_, err := c.http.Do(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   []string{"api", "admin", "projects", project, "features", feature, "environments", env, state},
		What:   "feature " + feature + " or environment " + env + " in project " + project,
	})
	if err != nil {
		return actiontype.Result{}, err
	}
	return actiontype.Result{
		Summary: c.http.Scrub("Unleash feature " + feature + " turned " + state + " in " + env + " (project " + project + ")"),
		URL:     httpx.MustJoin(c.http.BaseURL(), "projects", project, "features", feature),
	}, nil
}
