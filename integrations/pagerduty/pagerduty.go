package pagerduty

import (
	"cmp"
	"context"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names PagerDuty in messages.
const System = "PagerDuty"

// DefaultURL is the Events API v2 endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

// Client sends events to one PagerDuty service (its routing key).
type Client struct {
	http       *httpx.Client
	routingKey config.Secret
}

// New returns a client for the target's routing key; t.URL, when set,
// replaces the events endpoint.
func New(t config.PagingTarget, opts ...httpx.Option) (*Client, error) {
	o := httpx.Apply(httpx.Options{BaseURL: cmp.Or(t.URL, DefaultURL)}, opts...)
	c, err := httpx.New(httpx.Config{System: System, Options: o, Secrets: []string{t.RoutingKey.Reveal()},
		AuthHint: "check paging.targets routing_key: the Events API v2 integration key"})
	if err != nil {
		return nil, err
	}
	return &Client{http: c, routingKey: t.RoutingKey}, nil
}

// event is an Events API v2 event.
type event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key"`
	Payload     *payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
	Links       []link   `json:"links,omitempty"`
}

type payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Component     string         `json:"component,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

type link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// answer is the Events API's answer, on success and on a 400.
type answer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key"`
	Errors   []string `json:"errors"`
}

// Page sends the event. A 202 is success; 400 (an invalid event) is
// permanent; 429 and 5xx are retryable, as PagerDuty documents.
func (c *Client) Page(ctx context.Context, r actiontype.PageRequest) error {
	ev := event{RoutingKey: c.routingKey.Reveal(), EventAction: string(r.Action), DedupKey: r.Key}
	if r.Action == actiontype.PageTrigger {
		summary := r.Summary
		if r.Message != "" {
			summary += " — " + r.Message
		}
		details := map[string]any{"incident": r.Key, "severity": string(r.Severity)}
		if len(r.Services) > 0 {
			details["services"] = r.Services
		}
		if r.Message != "" {
			details["message"] = r.Message
		}
		ev.Payload = &payload{Summary: cut(summary, 1024), Source: "tourniquet", Severity: severity(r.Severity),
			Component: strings.Join(r.Services, ","), CustomDetails: details}
		ev.Client = "Tourniquet"
		if r.URL != "" {
			ev.ClientURL = r.URL
			ev.Links = []link{{Href: r.URL, Text: r.Key + " in Tourniquet"}}
		}
	}
	var a answer
	_, err := c.http.Do(ctx, httpx.Request{Method: "POST", JSON: ev, Out: &a})
	if err != nil {
		return err
	}
	if a.Status != "" && a.Status != "success" {
		return &actiontype.Error{System: System, Status: 202, Msg: c.http.Scrub("unexpected answer: " + a.Status + " " + a.Message)}
	}
	return nil
}

// severity maps an incident's severity to PagerDuty's.
func severity(s incident.Severity) string {
	switch s {
	case incident.Sev1:
		return "critical"
	case incident.Sev2:
		return "error"
	case incident.Sev3:
		return "warning"
	}
	return "info"
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
