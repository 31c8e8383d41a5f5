package pagewebhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// System names the webhook in messages.
const System = "paging webhook"

// SignatureHeader carries the body's signature when a secret is set.
const SignatureHeader = "X-Tourniquet-Signature"

// Event is the JSON body of each call.
type Event struct {
	Action   string   `json:"action"`
	Incident string   `json:"incident"`
	Summary  string   `json:"summary,omitempty"`
	Severity string   `json:"severity,omitempty"`
	Message  string   `json:"message,omitempty"`
	URL      string   `json:"url,omitempty"`
	Services []string `json:"services,omitempty"`
}

// Client posts events to one URL.
type Client struct {
	http   *httpx.Client
	secret config.Secret
}

// New returns a client for the target's URL and secret.
func New(t config.PagingTarget, opts ...httpx.Option) (*Client, error) {
	c, err := httpx.New(httpx.Config{System: System, Options: httpx.Apply(httpx.Options{BaseURL: t.URL}, opts...),
		Secrets: []string{t.Secret.Reveal()}})
	if err != nil {
		return nil, err
	}
	return &Client{http: c, secret: t.Secret}, nil
}

// Page posts the event.
func (c *Client) Page(ctx context.Context, r actiontype.PageRequest) error {
	body, err := json.Marshal(Event{Action: string(r.Action), Incident: r.Key, Summary: r.Summary,
		Severity: string(r.Severity), Message: r.Message, URL: r.URL, Services: r.Services})
	if err != nil {
		return c.http.Fail("cannot encode the event: %v", err)
	}
	h := http.Header{}
	if c.secret.IsSet() {
		mac := hmac.New(sha256.New, []byte(c.secret.Reveal()))
		mac.Write(body)
		h.Set(SignatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	_, err = c.http.Do(ctx, httpx.Request{Method: "POST", Body: body, Header: h})
	return err
}
