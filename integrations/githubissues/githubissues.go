// Package githubissues creates follow-up tickets as GitHub issues
// (POST /repos/{owner}/{repo}/issues) and reads whether they are closed.
// It imports only the contract's error type, config and the kit.
package githubissues

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names GitHub in messages.
const System = "GitHub"

// DefaultURL is GitHub's REST API.
const DefaultURL = "https://api.github.com"

// APIVersion is the REST API version the client speaks.
const APIVersion = "2022-11-28"

// Config is where issues go.
type Config struct {
	// URL is the REST API's base URL (DefaultURL when empty; GitHub
	// Enterprise Server: https://host/api/v3).
	URL string
	// Token is a token with issues:write on the repository.
	Token config.Secret
	// Repo is owner/name.
	Repo string
	// Labels are added to every issue.
	Labels []string
}

// Client creates and reads issues of one repository.
type Client struct {
	cfg         Config
	owner, repo string
	http        *httpx.Client
}

// New returns a client for cfg.
func New(cfg Config, opts ...httpx.Option) (*Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repo, "/")
	if !ok || owner == "" || repo == "" {
		return nil, fmt.Errorf("github issues: repo %q is not owner/name", cfg.Repo)
	}
	base := cfg.URL
	if base == "" {
		base = DefaultURL
	}
	o := httpx.Apply(httpx.Options{BaseURL: base}, opts...)
	hc, err := httpx.New(httpx.Config{System: System, Options: o, Token: cfg.Token.Reveal(), AuthScheme: "Bearer",
		AuthHint: "check follow_ups.tracker.token: it needs issues:write on " + cfg.Repo,
		Header:   http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {APIVersion}}})
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, owner: owner, repo: repo, http: hc}, nil
}

type issue struct {
	Number  int    `json:"number"`
	HTMLURL string `json:"html_url"`
	State   string `json:"state"`
}

// CreateTicket opens an issue titled title with body (Markdown) and
// returns its key (owner/repo#number) and link. Errors are
// *actiontype.Error, classified by the kit.
func (c *Client) CreateTicket(ctx context.Context, title, body string) (key, link string, err error) {
	in := map[string]any{"title": title, "body": body}
	if len(c.cfg.Labels) > 0 {
		in["labels"] = c.cfg.Labels
	}
	var out issue
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: []string{"repos", c.owner, c.repo, "issues"},
		JSON: in, Out: &out, What: "repository " + c.cfg.Repo}); err != nil {
		return "", "", err
	}
	if out.Number == 0 {
		return "", "", mayHaveRun(c.http.Fail("the answer names no issue number"))
	}
	return c.cfg.Repo + "#" + strconv.Itoa(out.Number), out.HTMLURL, nil
}

// TicketDone reports whether the issue key (owner/repo#number) is closed.
func (c *Client) TicketDone(ctx context.Context, key string) (bool, error) {
	_, num, ok := strings.Cut(key, "#")
	if !ok {
		return false, c.http.Fail("%q is not an issue of %s", key, c.cfg.Repo)
	}
	var out issue
	if _, err := c.http.Do(ctx, httpx.Request{Path: []string{"repos", c.owner, c.repo, "issues", num}, Out: &out, What: "issue " + key}); err != nil {
		return false, err
	}
	return out.State == "closed", nil
}
