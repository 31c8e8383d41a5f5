package flagsmith

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type in the configuration.
const Type = "flagsmith"

// System names Flagsmith in messages.
const System = "Flagsmith"

// Defaults for Flagsmith's hosted service.
const (
	DefaultURL    = "https://api.flagsmith.com"
	DefaultAppURL = "https://app.flagsmith.com"
)

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL is the API's base URL (DefaultURL when empty).
	URL string
	// Token is an Admin API token.
	Token config.Secret
	// AuthScheme precedes the token in Authorization: "Token" (default)
	// or "Api-Key".
	AuthScheme string
	// Environment is the default environment key for actions.
	Environment string
	// AppURL is the dashboard's URL (DefaultAppURL when empty), and
	// ProjectID the project's numeric ID, for links; no link without it.
	AppURL, ProjectID string
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"url", "auth_scheme", "environment", "app_url", "project_id", "timeout"},
	Secrets:  []string{"token"},
	Parse:    parse,
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	c.RequiredSecret("token", "a Flagsmith Admin API token")
	cfg := Config{
		URL:         c.URL("url"),
		Token:       in.Secret("token"),
		AuthScheme:  c.OneOf("auth_scheme", "Token", "Token", "Api-Key"),
		Environment: in.Get("environment"),
		AppURL:      c.URL("app_url"),
		ProjectID:   in.Get("project_id"),
		Timeout:     c.Duration("timeout", 0),
	}
	if cfg.ProjectID != "" {
		if _, err := strconv.ParseUint(cfg.ProjectID, 10, 64); err != nil {
			c.Add("project_id", "must be the project's numeric ID")
		}
	}
	return cfg
}

// Params are the action params the integration accepts: feature always;
// environment unless the integration sets it.
func Params(in config.Integration) spec.Params { return paramSpec(in.Get("environment")) }

func paramSpec(env string) spec.Params {
	return spec.Params{List: []spec.Param{
		{Name: "feature", Required: true, Doc: "the feature's name"},
		{Name: "environment", Required: env == "", Doc: "the environment key"},
	}}
}

// Client disables and enables Flagsmith features. It satisfies
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
	cfg.AuthScheme = cmp.Or(cfg.AuthScheme, "Token")
	cfg.AppURL = cmp.Or(cfg.AppURL, DefaultAppURL)
	hc, err := httpx.New(httpx.Config{
		System:     System,
		Options:    httpx.Apply(httpx.Options{BaseURL: cmp.Or(cfg.URL, DefaultURL), Timeout: cfg.Timeout}, opts...),
		Token:      cfg.Token.Reveal(),
		AuthScheme: cfg.AuthScheme,
		AuthHint:   "check token and auth_scheme",
	})
	if err != nil {
		return nil, err
	}
	return &Client{name: name, cfg: cfg, http: hc}, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// FeatureState is the part of a Flagsmith feature state the client reads.
type FeatureState struct {
	ID             int64           `json:"id"`
	Feature        int64           `json:"feature"`
	Enabled        bool            `json:"enabled"`
	Identity       json.RawMessage `json:"identity"`
	FeatureSegment json.RawMessage `json:"feature_segment"`
}

// isDefault reports whether fs is the environment default (not a segment
// override, not an identity override).
func (fs FeatureState) isDefault() bool { return isNull(fs.Identity) && isNull(fs.FeatureSegment) }

func isNull(m json.RawMessage) bool { return len(m) == 0 || string(m) == "null" }

// featureStates is the list answer, paginated or not.
type featureStates struct {
	Results []FeatureState `json:"results"`
}

// UnmarshalJSON accepts a bare array or a paginated {"results": […]}.
func (f *featureStates) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &f.Results)
	}
	type plain featureStates
	return json.Unmarshal(b, (*plain)(f))
}

func statesPath(env string) []string {
	return []string{"api", "v1", "environments", env, "featurestates"}
}

// defaults reads the feature's states in the environment (GET
// /api/v1/environments/{env}/featurestates/?feature_name=…) and returns
// the environment defaults among them: Run, Preflight and Verify all look
// at those.
func (c *Client) defaults(ctx context.Context, env, feature string) ([]FeatureState, error) {
	var list featureStates
	if _, err := c.http.Do(ctx, httpx.Request{
		Path:          statesPath(env),
		TrailingSlash: true,
		Query:         url.Values{"feature_name": {feature}},
		Out:           &list,
		What:          "environment " + env,
	}); err != nil {
		return nil, err
	}
	var found []FeatureState
	for _, fs := range list.Results {
		if fs.isDefault() {
			found = append(found, fs)
		}
	}
	return found, nil
}

// Run disables the feature in the environment, or enables it for an undo.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec(c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	feature := spec.Pick(req.Params, "feature", "")
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	found, err := c.defaults(ctx, env, feature)
	if err != nil {
		return actiontype.Result{}, err
	}
	switch len(found) {
	case 0:
		return actiontype.Result{}, c.http.Fail("feature %s not found in environment %s", feature, env)
	case 1:
	default:
		return actiontype.Result{}, c.http.Fail("%d feature states match %s in environment %s; refusing to guess", len(found), feature, env)
	}
	fs := found[0]

	enabled := req.Undo
	var got FeatureState
	if _, err := c.http.Do(ctx, httpx.Request{
		Method:        http.MethodPatch,
		Path:          append(statesPath(env), strconv.FormatInt(fs.ID, 10)),
		TrailingSlash: true,
		JSON:          map[string]bool{"enabled": enabled},
		Out:           &got,
		What:          "feature state of " + feature,
	}); err != nil {
		return actiontype.Result{}, err
	}
	if got.ID != 0 && got.Enabled != enabled {
		return actiontype.Result{}, c.http.Fail("the change was accepted but feature %s is still %s", feature, word(!enabled))
	}
	return actiontype.Result{
		Summary: c.http.Scrub("Flagsmith feature " + feature + " " + word(enabled) + " in environment " + env),
		URL:     c.link(env, fs.Feature),
	}, nil
}

func word(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

// link is the feature in the dashboard, when the project is known.
func (c *Client) link(env string, feature int64) string {
	if c.cfg.ProjectID == "" || feature == 0 {
		return ""
	}
	base, err := httpx.ParseBase(c.cfg.AppURL)
	if err != nil {
		return ""
	}
	u, err := httpx.Join(base, false, "project", c.cfg.ProjectID, "environment", env, "features")
	if err != nil {
		return ""
	}
	u.RawQuery = url.Values{"feature": {strconv.FormatInt(feature, 10)}}.Encode()
	return u.String()
}
