package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

// Type is the integration type in the configuration.
const Type = "webhook"

// Header names.
const (
	// HeaderIdempotencyKey carries the run ID.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderSignature carries "sha256=<hex HMAC-SHA256(secret, body)>".
	HeaderSignature = "X-Tourniquet-Signature"
	// HeaderTimestamp carries the Unix time the request was sent.
	HeaderTimestamp = "X-Tourniquet-Timestamp"
)

// MaxOutput is the longest response body kept in a Result, in runes.
const MaxOutput = 1000

// Option adjusts the client (base URL, timeout, HTTP client, clock). A base
// URL option is ignored: the url template is the whole URL.
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// URL, Body and Link are templates (Body "" is the default body, Link
	// "" no link).
	URL, Body, Link string
	// Method is the HTTP method (POST when empty).
	Method string
	// Secret signs the body ("" sends no signature).
	Secret config.Secret
	// Token is sent in AuthHeader ("" sends none).
	Token config.Secret
	// AuthHeader is the header for Token: "Authorization" (the default)
	// with "Bearer ", or another header with the token as is.
	AuthHeader string
	// Headers are sent with every request.
	Headers map[string]string
	// Preflight is a URL that answers a GET with 2xx when the endpoint is
	// ready (readiness checks it; "" checks nothing).
	Preflight string
	// Timeout bounds the call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"url", "method", "body", "link", "auth_header", "headers", "timeout", "preflight"},
	Secrets:  []string{"secret", "token"},
	Parse:    parse,
}

var (
	methods = []string{"POST", "PUT", "PATCH", "DELETE", "GET"}
	// ownHeaders may not be set through headers.
	ownHeaders = []string{"Authorization", "Content-Type", "Content-Length", "Host",
		HeaderIdempotencyKey, HeaderSignature, HeaderTimestamp}
)

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config: the
// templates parse and render, and the URL renders as an http(s) URL.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	cfg := Config{
		URL:        c.Required("url", "the endpoint's URL (a template)"),
		Method:     strings.ToUpper(strings.TrimSpace(in.Get("method"))),
		Body:       in.Get("body"),
		Link:       in.Get("link"),
		Secret:     in.Secret("secret"),
		Token:      in.Secret("token"),
		AuthHeader: in.Get("auth_header"),
		Headers:    c.StringMap("headers"),
		Timeout:    c.Duration("timeout", 0),
		Preflight:  c.URL("preflight"),
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodPost
	} else if !slices.Contains(methods, cfg.Method) {
		c.Add("method", "must be one of %s, not %q", strings.Join(methods, ", "), in.Get("method"))
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Headers)) {
		if slices.ContainsFunc(ownHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			c.Add("headers."+k, "is set by Tourniquet; put a credential in token (with auth_header)")
		}
	}
	if cfg.AuthHeader != "" && slices.ContainsFunc(ownHeaders[1:], func(h string) bool { return strings.EqualFold(h, cfg.AuthHeader) }) {
		c.Add("auth_header", "cannot be %s", cfg.AuthHeader)
	}
	if cfg.AuthHeader != "" && !cfg.Token.IsSet() {
		c.Add("auth_header", "is set but token is not")
	}
	for _, t := range []struct{ key, text string }{{"url", cfg.URL}, {"body", cfg.Body}, {"link", cfg.Link}} {
		if t.text == "" {
			continue
		}
		parsed, err := tmpl.Parse(t.key, t.text)
		if err == nil {
			err = parsed.Check()
		}
		if err != nil {
			c.Add(t.key, "%v", err)
			continue
		}
		v := tmpl.Sample
		v.Params = map[string]string{}
		for _, p := range parsed.Params() {
			v.Params[p] = "sample"
		}
		out, _ := parsed.Render(v)
		switch t.key {
		case "url", "link":
			if err := spec.CheckURL(strings.TrimSpace(out)); err != nil {
				c.Add(t.key, "renders an invalid URL: %v", err)
			}
		case "body":
			if !json.Valid([]byte(out)) {
				c.Add("body", "does not render valid JSON (quote values with {{json .Params.x}})")
			}
		}
	}
	return cfg
}

// Params are the action params the integration accepts: any (templates may
// refer to any), and those the templates refer to are required.
func Params(in config.Integration) spec.Params {
	p := spec.Params{Open: true}
	seen := map[string]bool{}
	for _, key := range []string{"url", "body", "link"} {
		t, err := tmpl.Parse(key, in.Get(key))
		if err != nil {
			continue
		}
		for _, name := range t.Params() {
			if !seen[name] {
				seen[name] = true
				p.List = append(p.List, spec.Param{Name: name, Required: true, Doc: "used by the " + key + " template"})
			}
		}
	}
	return p
}

// Client calls one configured endpoint. It satisfies actiontype.Integration.
type Client struct {
	name   string
	cfg    Config
	http   *httpx.Client
	url    *tmpl.Template
	body   *tmpl.Template
	link   *tmpl.Template
	header http.Header
}

var _ actiontype.Integration = (*Client)(nil)

// New returns the client for the integration named name.
func New(name string, in config.Integration, opts ...Option) (*Client, error) {
	return spec.Build(parser, NewClient, name, in, opts...)
}

// NewClient returns a client for cfg.
func NewClient(name string, cfg Config, opts ...Option) (*Client, error) {
	if cfg.Method == "" {
		cfg.Method = http.MethodPost
	}
	c := &Client{name: name, cfg: cfg, header: http.Header{}}
	var err error
	if c.url, err = tmpl.Parse("url", cfg.URL); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", name, err)
	}
	if cfg.Body != "" {
		if c.body, err = tmpl.Parse("body", cfg.Body); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", name, err)
		}
	}
	if cfg.Link != "" {
		if c.link, err = tmpl.Parse("link", cfg.Link); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", name, err)
		}
	}
	for k, v := range cfg.Headers {
		c.header.Set(k, v)
	}
	if tok := cfg.Token.Reveal(); tok != "" {
		if cfg.AuthHeader == "" || strings.EqualFold(cfg.AuthHeader, "Authorization") {
			c.header.Set("Authorization", "Bearer "+tok)
		} else {
			c.header.Set(cfg.AuthHeader, tok)
		}
	}
	// The base URL only satisfies httpx; every call passes its own URL.
	o := httpx.Apply(httpx.Options{BaseURL: "http://webhook.invalid", Timeout: cfg.Timeout}, opts...)
	o.BaseURL = "http://webhook.invalid"
	c.http, err = httpx.New(httpx.Config{
		System:   "webhook " + name,
		Options:  o,
		Header:   c.header,
		Secrets:  []string{cfg.Secret.Reveal(), cfg.Token.Reveal()},
		AuthHint: "check token and secret",
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// Payload is the default body.
type Payload struct {
	IncidentKey string            `json:"incident_key"`
	ActionID    string            `json:"action_id"`
	RunID       string            `json:"run_id"`
	Actor       PayloadActor      `json:"actor"`
	Params      map[string]string `json:"params"`
	Undo        bool              `json:"undo"`
}

// PayloadActor is who started the run.
type PayloadActor struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
}

// Sign returns the signature header's value for body: "sha256=<hex>".
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Run renders the request and sends it once.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	vars := tmpl.FromRequest(req)
	rawURL, err := c.url.Render(vars)
	if err != nil {
		return actiontype.Result{}, c.http.Fail("%v", err)
	}
	rawURL = strings.TrimSpace(rawURL)
	if err := spec.CheckURL(rawURL); err != nil {
		return actiontype.Result{}, c.http.Fail("the url template rendered an invalid URL: %v", err)
	}
	u, _ := url.Parse(rawURL)

	var body []byte
	switch {
	case c.body != nil:
		s, err := c.body.Render(vars)
		if err != nil {
			return actiontype.Result{}, c.http.Fail("%v", err)
		}
		if !json.Valid([]byte(s)) {
			return actiontype.Result{}, c.http.Fail("the body template did not render valid JSON (quote values with {{json .Params.x}})")
		}
		body = []byte(s)
	case c.cfg.Method != http.MethodGet && c.cfg.Method != http.MethodDelete:
		body, _ = json.Marshal(Payload{
			IncidentKey: vars.IncidentKey, ActionID: vars.ActionID, RunID: vars.RunID,
			Actor: PayloadActor{Ref: vars.Actor.Ref, Name: vars.Actor.Name}, Params: vars.Params, Undo: vars.Undo,
		})
	}

	h := http.Header{}
	if req.RunID != "" {
		h.Set(HeaderIdempotencyKey, req.RunID)
	}
	h.Set(HeaderTimestamp, strconv.FormatInt(c.http.Now().Unix(), 10))
	if c.cfg.Secret.IsSet() {
		h.Set(HeaderSignature, Sign([]byte(c.cfg.Secret.Reveal()), body))
	}
	res, err := c.http.Do(ctx, httpx.Request{Method: c.cfg.Method, URL: u, Header: h, Body: body})
	if err != nil {
		return actiontype.Result{}, err
	}
	out := actiontype.Result{
		Summary: fmt.Sprintf("webhook %s: %s %s answered %d", c.name, c.cfg.Method, u.Host, res.Status),
		Output:  c.http.Scrub(httpx.Truncate(strings.TrimSpace(string(res.Body)), MaxOutput)),
	}
	if c.link != nil {
		if l, err := c.link.Render(vars); err == nil && spec.CheckURL(strings.TrimSpace(l)) == nil {
			out.URL = strings.TrimSpace(l)
		}
	}
	return out, nil
}
