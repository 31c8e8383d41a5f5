// Package linear creates follow-up tickets as Linear issues (the GraphQL
// mutation issueCreate) and reads whether they are completed. It imports
// only the contract's error type, config and the kit.
package linear

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names Linear in messages.
const System = "Linear"

// DefaultURL is Linear's GraphQL endpoint.
const DefaultURL = "https://api.linear.app/graphql"

// Config is where issues go.
type Config struct {
	// URL is the GraphQL endpoint (DefaultURL when empty).
	URL string
	// Token is a personal API key, sent as Authorization: <key>.
	Token config.Secret
	// Team is the team's ID.
	Team string
}

// Client creates and reads issues of one team.
type Client struct {
	cfg  Config
	http *httpx.Client
}

// New returns a client for cfg.
func New(cfg Config, opts ...httpx.Option) (*Client, error) {
	base := cfg.URL
	if base == "" {
		base = DefaultURL
	}
	o := httpx.Apply(httpx.Options{BaseURL: base}, opts...)
	hc, err := httpx.New(httpx.Config{System: System, Options: o, Token: cfg.Token.Reveal(),
		AuthHint: "check follow_ups.tracker.token: a Linear API key"})
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, http: hc}, nil
}

// gqlError is one error of a GraphQL answer.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// errorOf turns GraphQL errors into the contract's error: rate limited
// (nothing done, try later) or refused.
func (c *Client) errorOf(errs []gqlError) *actiontype.Error {
	e := c.http.Fail("%s", errs[0].Message)
	for _, ge := range errs {
		if ge.Extensions.Code == "RATELIMITED" {
			e.Status, e.Retryable = http.StatusTooManyRequests, true
		}
	}
	return e
}

// call posts one GraphQL operation and decodes its data into out.
func (c *Client) call(ctx context.Context, query string, vars map[string]any, out any) error {
	var res struct {
		Data   any        `json:"data"`
		Errors []gqlError `json:"errors"`
	}
	res.Data = out
	_, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, JSON: map[string]any{"query": query, "variables": vars}, Out: &res})
	if e, ok := errors.AsType[*actiontype.Error](err); ok && e.Status == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(e.Msg), "rate limit") {
		// Linear answers a rate-limited request 400 with RATELIMITED.
		e.Status, e.Retryable = http.StatusTooManyRequests, true
		return e
	}
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return c.errorOf(res.Errors)
	}
	return nil
}

const createMutation = `mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}`

// CreateTicket creates an issue titled title with description body
// (Markdown) and returns its identifier (OPS-7) and link.
func (c *Client) CreateTicket(ctx context.Context, title, body string) (key, link string, err error) {
	var out struct {
		IssueCreate struct {
			Success bool `json:"success"`
			Issue   struct {
				ID         string `json:"id"`
				Identifier string `json:"identifier"`
				URL        string `json:"url"`
			} `json:"issue"`
		} `json:"issueCreate"`
	}
	in := map[string]any{"teamId": c.cfg.Team, "title": title, "description": body}
	if err := c.call(ctx, createMutation, map[string]any{"input": in}, &out); err != nil {
		return "", "", err
	}
	if !out.IssueCreate.Success || out.IssueCreate.Issue.Identifier == "" {
		e := c.http.Fail("issueCreate did not say it created an issue")
		e.MayHaveRun = out.IssueCreate.Success
		return "", "", e
	}
	return out.IssueCreate.Issue.Identifier, out.IssueCreate.Issue.URL, nil
}

const stateQuery = `query IssueState($id: String!) { issue(id: $id) { state { type } } }`

// TicketDone reports whether issue key (its identifier) is completed or
// canceled.
func (c *Client) TicketDone(ctx context.Context, key string) (bool, error) {
	var out struct {
		Issue struct {
			State struct {
				Type string `json:"type"`
			} `json:"state"`
		} `json:"issue"`
	}
	if err := c.call(ctx, stateQuery, map[string]any{"id": key}, &out); err != nil {
		return false, err
	}
	t := out.Issue.State.Type
	return t == "completed" || t == "canceled", nil
}
