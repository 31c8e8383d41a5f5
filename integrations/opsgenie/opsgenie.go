package opsgenie

import (
	"cmp"
	"context"
	"net/url"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names Opsgenie in messages.
const System = "Opsgenie"

// DefaultURL is Opsgenie's API (https://api.eu.opsgenie.com in the EU).
const DefaultURL = "https://api.opsgenie.com"

// Client creates and closes alerts with one API integration key.
type Client struct{ http *httpx.Client }

// New returns a client for the target's API key; t.URL, when set,
// replaces the API base.
func New(t config.PagingTarget, opts ...httpx.Option) (*Client, error) {
	c, err := httpx.New(httpx.Config{System: System,
		Options: httpx.Apply(httpx.Options{BaseURL: cmp.Or(t.URL, DefaultURL)}, opts...),
		Token:   t.APIKey.Reveal(), AuthScheme: "GenieKey",
		AuthHint: "check paging.targets api_key: an Opsgenie API integration key"})
	if err != nil {
		return nil, err
	}
	return &Client{http: c}, nil
}

// createAlert is the body of POST /v2/alerts.
type createAlert struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description,omitempty"`
	Priority    string            `json:"priority"`
	Source      string            `json:"source"`
	Tags        []string          `json:"tags,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

// note is the body of the acknowledge and close requests.
type note struct {
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

// Page creates (trigger), acknowledges or closes (resolve) the alert of
// r.Key. Opsgenie answers 202 to each; 429 and 5xx are retryable, 4xx
// permanent.
func (c *Client) Page(ctx context.Context, r actiontype.PageRequest) error {
	alias := []string{"v2", "alerts", r.Key}
	byAlias := url.Values{"identifierType": {"alias"}}
	var req httpx.Request
	switch r.Action {
	case actiontype.PageTrigger:
		desc := r.Message
		if r.URL != "" {
			desc += "\n\n" + r.URL
		}
		details := map[string]string{"incident": r.Key, "severity": string(r.Severity)}
		if r.URL != "" {
			details["url"] = r.URL
		}
		req = httpx.Request{Method: "POST", Path: []string{"v2", "alerts"}, JSON: createAlert{
			Message: cut(r.Summary, 130), Alias: r.Key, Description: cut(desc, 15000), Priority: priority(r.Severity),
			Source: "Tourniquet", Tags: r.Services, Details: details}}
	case actiontype.PageAcknowledge:
		req = httpx.Request{Method: "POST", Path: append(alias, "acknowledge"), Query: byAlias,
			JSON: note{Source: "Tourniquet", Note: r.Message}, What: "alert " + r.Key}
	default:
		req = httpx.Request{Method: "POST", Path: append(alias, "close"), Query: byAlias,
			JSON: note{Source: "Tourniquet", Note: cmp.Or(r.Message, "Resolved in Tourniquet")}, What: "alert " + r.Key}
	}
	_, err := c.http.Do(ctx, req)
	return err
}

// priority maps an incident's severity to Opsgenie's P1..P4.
func priority(s incident.Severity) string {
	if r := s.Rank(); r >= 1 && r <= 4 {
		return "P" + string(rune('0'+r))
	}
	return "P3"
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
