package githubactions

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

// Type is the integration type in the configuration.
const Type = "githubactions"

// System names GitHub Actions in messages.
const System = "GitHub Actions"

// DefaultURL is GitHub's REST API.
const DefaultURL = "https://api.github.com"

// APIVersion is the REST API version the client speaks.
const APIVersion = "2022-11-28"

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL is the REST API's base URL (DefaultURL when empty).
	URL string
	// WebURL is GitHub's web UI, for links (derived from URL when empty).
	WebURL string
	// Token is a token with actions:write on the repository.
	Token config.Secret
	// Owner and Repo name the repository.
	Owner, Repo string
	// Workflow and Ref are the defaults for actions.
	Workflow, Ref string
	// UndoWorkflow is what an undo dispatches ("" refuses undos).
	UndoWorkflow string
	// Inputs are input templates (see package tmpl).
	Inputs map[string]string
	// RunIDInput names the input that receives the run ID.
	RunIDInput string
	// ReturnRunDetails asks GitHub for the run's ID and link.
	ReturnRunDetails bool
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type: Type,
	Settings: []string{"url", "web_url", "owner", "repo", "workflow", "ref", "undo_workflow", "inputs",
		"run_id_input", "return_run_details", "timeout"},
	Secrets: []string{"token"},
	Parse:   parse,
}

// reserved are the params that are not inputs.
var reserved = []string{"workflow", "ref", "undo_workflow"}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	c.RequiredSecret("token", "a GitHub token with actions:write")
	cfg := Config{
		URL:              c.URL("url"),
		WebURL:           c.URL("web_url"),
		Token:            in.Secret("token"),
		Owner:            c.Required("owner", "the repository's owner"),
		Repo:             c.Required("repo", "the repository's name"),
		Workflow:         in.Get("workflow"),
		Ref:              in.Get("ref"),
		UndoWorkflow:     in.Get("undo_workflow"),
		Inputs:           c.StringMap("inputs"),
		RunIDInput:       in.Get("run_id_input"),
		ReturnRunDetails: c.Bool("return_run_details", false),
		Timeout:          c.Duration("timeout", 0),
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Inputs)) {
		t, err := tmpl.Parse("inputs."+k, cfg.Inputs[k])
		if err == nil {
			err = t.Check()
		}
		if err != nil {
			c.Add("inputs."+k, "%v", err)
		}
	}
	return cfg
}

// Params are the action params the integration accepts: workflow and ref
// (required unless the integration sets them), undo_workflow, and any
// other name, which becomes a workflow input.
func Params(in config.Integration) spec.Params { return paramSpec(in.Get("workflow"), in.Get("ref")) }

func paramSpec(workflow, ref string) spec.Params {
	return spec.Params{Open: true, List: []spec.Param{
		{Name: "workflow", Required: workflow == "", Doc: "the workflow's file name or ID"},
		{Name: "ref", Required: ref == "", Doc: "the branch or tag to run the workflow on"},
		{Name: "undo_workflow", Doc: "the workflow an undo dispatches"},
	}}
}

// Client dispatches GitHub Actions workflows. It satisfies
// actiontype.Integration.
type Client struct {
	name   string
	cfg    Config
	http   *httpx.Client
	web    string
	inputs map[string]*tmpl.Template
	// usedByInputs are the params the input templates refer to.
	usedByInputs map[string]bool
}

var _ actiontype.Integration = (*Client)(nil)

// New returns the client for the integration named name.
func New(name string, in config.Integration, opts ...Option) (*Client, error) {
	return spec.Build(parser, NewClient, name, in, opts...)
}

// NewClient returns a client for cfg.
func NewClient(name string, cfg Config, opts ...Option) (*Client, error) {
	hc, err := httpx.New(httpx.Config{
		System:  System,
		Options: httpx.Apply(httpx.Options{BaseURL: cmp.Or(cfg.URL, DefaultURL), Timeout: cfg.Timeout}, opts...),
		Header: http.Header{
			"Accept":               {"application/vnd.github+json"},
			"X-Github-Api-Version": {APIVersion},
		},
		Token:      cfg.Token.Reveal(),
		AuthScheme: "Bearer",
		AuthHint:   "check token and its actions:write permission",
	})
	if err != nil {
		return nil, err
	}
	c := &Client{name: name, cfg: cfg, http: hc, web: webURL(cfg.WebURL, hc.BaseURL()), inputs: map[string]*tmpl.Template{}, usedByInputs: map[string]bool{}}
	for k, v := range cfg.Inputs {
		t, err := tmpl.Parse("inputs."+k, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Type, err)
		}
		c.inputs[k] = t
		for _, p := range t.Params() {
			c.usedByInputs[p] = true
		}
	}
	return c, nil
}

// webURL derives the web UI's URL from the API's: api.github.com →
// github.com; https://ghe/api/v3 → https://ghe.
func webURL(configured string, api *url.URL) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	u := *api
	if u.Host == "api.github.com" {
		u.Host = "github.com"
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v3")
	u.RawPath = ""
	return strings.TrimRight(u.String(), "/")
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// Dispatch is the body of a workflow dispatch.
type Dispatch struct {
	Ref              string            `json:"ref"`
	Inputs           map[string]string `json:"inputs,omitempty"`
	ReturnRunDetails bool              `json:"return_run_details,omitempty"`
}

// RunDetails is GitHub's answer when return_run_details is set.
type RunDetails struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

// Run dispatches the workflow (undo_workflow for an undo) with its inputs.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec(c.cfg.Workflow, c.cfg.Ref).Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	workflow := spec.Pick(req.Params, "workflow", c.cfg.Workflow)
	if req.Undo {
		workflow = spec.Pick(req.Params, "undo_workflow", c.cfg.UndoWorkflow)
		if workflow == "" {
			return actiontype.Result{}, c.http.Fail("no undo_workflow is configured, and a workflow dispatch has no inverse")
		}
	}
	ref := spec.Pick(req.Params, "ref", c.cfg.Ref)
	inputs, err := c.renderInputs(req)
	if err != nil {
		return actiontype.Result{}, err
	}

	var details RunDetails
	res, err := c.http.Do(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   []string{"repos", c.cfg.Owner, c.cfg.Repo, "actions", "workflows", workflow, "dispatches"},
		JSON:   Dispatch{Ref: ref, Inputs: inputs, ReturnRunDetails: c.cfg.ReturnRunDetails},
		Out:    &details,
		What:   "repository " + c.cfg.Owner + "/" + c.cfg.Repo + " or workflow " + workflow,
	})
	if err != nil {
		return actiontype.Result{}, err
	}
	link := c.web + "/" + url.PathEscape(c.cfg.Owner) + "/" + url.PathEscape(c.cfg.Repo) + "/actions/workflows/" + url.PathEscape(workflow)
	summary := fmt.Sprintf("GitHub Actions workflow %s dispatched on %s in %s/%s", workflow, ref, c.cfg.Owner, c.cfg.Repo)
	if res.Status == http.StatusOK && details.HTMLURL != "" {
		link = details.HTMLURL
		summary += fmt.Sprintf(" (run %d)", details.WorkflowRunID)
	}
	return actiontype.Result{Summary: c.http.Scrub(summary), URL: link}, nil
}

// renderInputs renders the integration's input templates, then the action
// params that are inputs (which win; a param an input template refers to
// is that template's source, not an input), then the run ID input.
func (c *Client) renderInputs(req actiontype.Request) (map[string]string, error) {
	vars := tmpl.FromRequest(req)
	out := map[string]string{}
	for k, t := range c.inputs {
		v, err := t.Render(vars)
		if err != nil {
			return nil, c.http.Fail("%v", err)
		}
		out[k] = v
	}
	for k, v := range req.Params {
		if slices.Contains(reserved, k) || c.usedByInputs[k] {
			continue // not an input, or the source of one
		}
		t, err := tmpl.Parse("params."+k, v)
		if err == nil {
			v, err = t.Render(vars)
		}
		if err != nil {
			return nil, c.http.Fail("%v", err)
		}
		out[k] = v
	}
	if c.cfg.RunIDInput != "" {
		out[c.cfg.RunIDInput] = req.RunID
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
