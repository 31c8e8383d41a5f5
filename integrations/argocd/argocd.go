package argocd

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type in the configuration.
const Type = "argocd"

// System names Argo CD in messages.
const System = "Argo CD"

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL is the Argo CD server's base URL.
	URL string
	// Token is a bearer token (an account's API token).
	Token config.Secret
	// AppNamespace is the default namespace of applications ("" is Argo
	// CD's own).
	AppNamespace string
	// Prune deletes resources absent from the rolled-back target.
	Prune bool
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"url", "app_namespace", "prune", "timeout"},
	Secrets:  []string{"token"},
	Parse:    parse,
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	c.Required("url", "the Argo CD server's URL")
	c.RequiredSecret("token", "an Argo CD API token")
	return Config{
		URL:          c.URL("url"),
		Token:        in.Secret("token"),
		AppNamespace: in.Get("app_namespace"),
		Prune:        c.Bool("prune", false),
		Timeout:      c.Duration("timeout", 0),
	}
}

// Params are the action params the integration accepts.
func Params(config.Integration) spec.Params { return paramSpec }

var paramSpec = spec.Params{List: []spec.Param{
	{Name: "application", Required: true, Doc: "the application's name"},
	{Name: "app_namespace", Doc: "the application's namespace, when not Argo CD's own"},
	{Name: "revision", Doc: "roll back to the latest deployment of this revision (a commit ID or its prefix, a tag) instead of the previous one; for undo_for: \"{{ .Change.PreviousVersion }}\""},
}}

// Client rolls Argo CD applications back. It satisfies actiontype.Integration.
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
		System:     System,
		Options:    httpx.Apply(httpx.Options{BaseURL: cfg.URL, Timeout: cfg.Timeout}, opts...),
		Token:      cfg.Token.Reveal(),
		AuthScheme: "Bearer",
		AuthHint:   "check token",
	})
	if err != nil {
		return nil, err
	}
	return &Client{name: name, cfg: cfg, http: hc}, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// Application is the part of an Argo CD application the client reads.
type Application struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Source *struct {
			TargetRevision string `json:"targetRevision"`
		} `json:"source"`
	} `json:"spec"`
	Status struct {
		History []History `json:"history"`
	} `json:"status"`
}

// History is one deployment of an application.
type History struct {
	ID         ID        `json:"id"`
	Revision   string    `json:"revision"`
	Revisions  []string  `json:"revisions"`
	DeployedAt time.Time `json:"deployedAt"`
}

// ID is a history ID, read from a JSON number or string (protobuf's JSON
// form of int64).
type ID int64

// UnmarshalJSON accepts 41 and "41".
func (id *ID) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("history id %s is not a number", b)
	}
	*id = ID(n)
	return nil
}

// RollbackRequest is the body of POST …/rollback.
type RollbackRequest struct {
	Name         string `json:"name"`
	ID           int64  `json:"id"`
	Prune        bool   `json:"prune"`
	DryRun       bool   `json:"dryRun"`
	AppNamespace string `json:"appNamespace,omitempty"`
}

// SyncRequest is the body of POST …/sync.
type SyncRequest struct {
	Name         string `json:"name"`
	Prune        bool   `json:"prune"`
	AppNamespace string `json:"appNamespace,omitempty"`
}

// Run rolls the application back to its previous deployment, or, for an
// undo, syncs it to its target revision.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec.Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "application", "")
	ns := spec.Pick(req.Params, "app_namespace", c.cfg.AppNamespace)
	var query url.Values
	if ns != "" {
		query = url.Values{"appNamespace": {ns}}
	}
	path := []string{"api", "v1", "applications", name}
	var app Application
	if _, err := c.http.Do(ctx, httpx.Request{Path: path, Query: query, Out: &app, What: "application " + name}); err != nil {
		return actiontype.Result{}, err
	}
	link := c.link(name, app.Metadata.Namespace)

	if req.Undo {
		if _, err := c.http.Do(ctx, httpx.Request{
			Method: http.MethodPost,
			Path:   []string{"api", "v1", "applications", name, "sync"},
			JSON:   SyncRequest{Name: name, Prune: c.cfg.Prune, AppNamespace: ns},
			What:   "application " + name,
		}); err != nil {
			return actiontype.Result{}, err
		}
		target := "its target revision"
		if app.Spec.Source != nil && app.Spec.Source.TargetRevision != "" {
			target += " " + app.Spec.Source.TargetRevision
		}
		return actiontype.Result{Summary: c.http.Scrub("Argo CD application " + name + " synced to " + target), URL: link}, nil
	}

	h := app.Status.History
	if len(h) < 2 {
		return actiontype.Result{}, c.http.Fail("application %s has %d deployment(s) in its history; a rollback needs at least two", name, len(h))
	}
	prev, cur := h[len(h)-2], h[len(h)-1]
	if want := req.Params["revision"]; want != "" {
		var ok bool
		if prev, ok = deploymentOf(h[:len(h)-1], want); !ok {
			return actiontype.Result{}, c.http.Fail("application %s has no earlier deployment of revision %s in its history", name, want)
		}
	}
	if _, err := c.http.Do(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   []string{"api", "v1", "applications", name, "rollback"},
		JSON:   RollbackRequest{Name: name, ID: int64(prev.ID), Prune: c.cfg.Prune, AppNamespace: ns},
		What:   "application " + name,
	}); err != nil {
		return actiontype.Result{}, err
	}
	return actiontype.Result{
		Summary: c.http.Scrub(fmt.Sprintf("Argo CD application %s rolled back from %s to %s", name, describe(cur), describe(prev))),
		URL:     link,
	}, nil
}

var sha = regexp.MustCompile(`^[0-9a-f]{40}$`)

// describe names a deployment: "history 41 (revision 1a2b3c4)".
func describe(h History) string {
	revs := h.Revisions
	if h.Revision != "" {
		revs = []string{h.Revision}
	}
	short := make([]string, len(revs))
	for i, r := range revs {
		if sha.MatchString(r) {
			r = r[:7]
		}
		short[i] = r
	}
	if len(short) == 0 {
		return fmt.Sprintf("history %d", h.ID)
	}
	return fmt.Sprintf("history %d (revision %s)", h.ID, strings.Join(short, ", "))
}

// link is the application's page in the Argo CD UI.
func (c *Client) link(name, ns string) string {
	if ns == "" {
		return httpx.MustJoin(c.http.BaseURL(), "applications", name)
	}
	return httpx.MustJoin(c.http.BaseURL(), "applications", ns, name)
}
