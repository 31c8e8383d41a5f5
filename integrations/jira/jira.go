// Package jira creates follow-up tickets as Jira Cloud issues (REST v3,
// POST /rest/api/3/issue, the description in Atlassian Document Format)
// and reads whether they are done. It imports only the contract's error
// type, config and the kit.
package jira

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names Jira in messages.
const System = "Jira"

// Config is where issues go.
type Config struct {
	// URL is the Jira Cloud site, https://<name>.atlassian.net.
	URL string
	// Email and Token are the account and its API token (basic auth).
	Email string
	Token config.Secret
	// Project is the project key (OPS); IssueType its issue type (Task).
	Project   string
	IssueType string
	Labels    []string
}

// Client creates and reads issues of one project.
type Client struct {
	cfg  Config
	site string
	http *httpx.Client
}

// New returns a client for cfg.
func New(cfg Config, opts ...httpx.Option) (*Client, error) {
	if cfg.IssueType == "" {
		cfg.IssueType = "Task"
	}
	o := httpx.Apply(httpx.Options{BaseURL: cfg.URL}, opts...)
	basic := base64.StdEncoding.EncodeToString([]byte(cfg.Email + ":" + cfg.Token.Reveal()))
	hc, err := httpx.New(httpx.Config{System: System, Options: o, Token: basic, AuthScheme: "Basic",
		Secrets:  []string{cfg.Token.Reveal()},
		AuthHint: "check follow_ups.tracker.email and token (an API token of that account)"})
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, site: strings.TrimRight(o.BaseURL, "/"), http: hc}, nil
}

// ADF is a node of the Atlassian Document Format.
type ADF struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Marks   []ADF          `json:"marks,omitempty"`
	Content []ADF          `json:"content,omitempty"`
}

// Document is body as a document: a paragraph per non-empty line, and a
// line that is only a URL a link to it. Nothing in body is read as markup.
func Document(body string) ADF {
	doc := ADF{Type: "doc", Version: 1, Content: []ADF{}}
	for line := range strings.SplitSeq(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		text := ADF{Type: "text", Text: line}
		if u, err := url.Parse(line); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(line, " \t") {
			text.Marks = []ADF{{Type: "link", Attrs: map[string]any{"href": line}}}
		}
		doc.Content = append(doc.Content, ADF{Type: "paragraph", Content: []ADF{text}})
	}
	return doc
}

// CreateTicket creates an issue with summary title and description body
// and returns its key (OPS-7) and link. Errors are *actiontype.Error,
// classified by the kit.
func (c *Client) CreateTicket(ctx context.Context, title, body string) (key, link string, err error) {
	fields := map[string]any{
		"project":     map[string]string{"key": c.cfg.Project},
		"summary":     title,
		"issuetype":   map[string]string{"name": c.cfg.IssueType},
		"description": Document(body),
	}
	if len(c.cfg.Labels) > 0 {
		fields["labels"] = c.cfg.Labels
	}
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: []string{"rest", "api", "3", "issue"},
		JSON: map[string]any{"fields": fields}, Out: &out, What: "project " + c.cfg.Project}); err != nil {
		return "", "", err
	}
	if out.Key == "" {
		e := c.http.Fail("the answer names no issue key")
		e.MayHaveRun = true
		return "", "", e
	}
	return out.Key, c.site + "/browse/" + url.PathEscape(out.Key), nil
}

// TicketDone reports whether issue key is in a status of the done
// category.
func (c *Client) TicketDone(ctx context.Context, key string) (bool, error) {
	var out struct {
		Fields struct {
			Status struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	}
	if _, err := c.http.Do(ctx, httpx.Request{Path: []string{"rest", "api", "3", "issue", key},
		Query: url.Values{"fields": {"status"}}, Out: &out, What: "issue " + key}); err != nil {
		return false, err
	}
	return out.Fields.Status.StatusCategory.Key == "done", nil
}
