package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/internal/clock"
)

const (
	// maxBody bounds a successful response read into memory.
	maxBody = 16 << 20
	// maxErrorBody bounds an error response read for its message.
	maxErrorBody = 64 << 10
	userAgent    = "tourniquet"
)

// Config configures a Client.
type Config struct {
	// System names the external system in every message ("LaunchDarkly").
	System string
	// Options carry the base URL (required), timeout, HTTP client and
	// clock, already resolved by the integration.
	Options Options
	// Header is sent with every request (authorization, Accept, API
	// version). Request headers override it.
	Header http.Header
	// Secrets are scrubbed from every message the client produces.
	Secrets []string
	// Token, when not empty, is sent with every request as Authorization:
	// AuthScheme, a space and Token ("Bearer eyJ…"), or Token alone when
	// AuthScheme is empty. It replaces an Authorization in Header and is
	// scrubbed like Secrets.
	Token string
	// AuthScheme precedes Token in Authorization ("Bearer", "Token").
	AuthScheme string
	// AuthHint is added to 401 and 403 messages ("check api_token").
	AuthHint string
}

// Client calls one external system's HTTP API. It is safe for concurrent
// use.
type Client struct {
	system   string
	base     *url.URL
	hc       *http.Client
	timeout  time.Duration
	header   http.Header
	secrets  []string
	scrub    *Scrubber
	clock    clock.Clock
	authHint string
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.System == "" {
		return nil, errors.New("httpx: System is required")
	}
	base, err := ParseBase(cfg.Options.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.System, err)
	}
	o := cfg.Options
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	hc := &http.Client{}
	if o.HTTPClient != nil {
		c := *o.HTTPClient // a copy: the caller's client keeps its redirect policy
		hc = &c
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	header, secrets := cfg.Header.Clone(), slices.Clone(cfg.Secrets)
	if cfg.Token != "" {
		auth := cfg.Token
		if cfg.AuthScheme != "" {
			auth = cfg.AuthScheme + " " + cfg.Token
		}
		if header == nil {
			header = http.Header{}
		}
		header.Set("Authorization", auth)
		secrets = append(secrets, cfg.Token)
	}
	hint := cfg.AuthHint
	if hint == "" {
		hint = "check the credentials"
	}
	return &Client{
		system:   cfg.System,
		base:     base,
		hc:       hc,
		timeout:  o.Timeout,
		header:   header,
		secrets:  secrets,
		scrub:    NewScrubber(secrets...),
		clock:    o.Clock,
		authHint: hint,
	}, nil
}

// System returns the system's name.
func (c *Client) System() string { return c.system }

// BaseURL returns a copy of the base URL.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Timeout returns the per-call timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Now returns the client's clock's time.
func (c *Client) Now() time.Time { return c.clock.Now() }

// Scrub removes the client's secrets from s.
func (c *Client) Scrub(s string) string { return c.scrub.Scrub(s) }

// Fail returns a permanent failure with no HTTP status, for mistakes found
// before or after a call (a missing param, an unexpected answer).
func (c *Client) Fail(format string, args ...any) *actiontype.Error {
	return &actiontype.Error{System: c.system, Msg: c.Scrub(fmt.Sprintf(format, args...))}
}

// Request is one HTTP call.
type Request struct {
	// Method is the HTTP method; "" is GET.
	Method string
	// Path are segments appended to the base URL, each escaped.
	Path []string
	// TrailingSlash ends the path with "/".
	TrailingSlash bool
	// URL, when set, is called instead of the base URL plus Path. It must
	// be absolute (the webhook's templated URL).
	URL *url.URL
	// Query is added to the URL.
	Query url.Values
	// Header adds to and overrides the client's headers.
	Header http.Header
	// JSON, when not nil, is marshaled as the body.
	JSON any
	// Body is the raw body, when JSON is nil.
	Body []byte
	// ContentType defaults to application/json when there is a body.
	ContentType string
	// Out, when not nil, receives the decoded JSON of a 2xx answer.
	Out any
	// Secrets are scrubbed from this call's messages, besides the
	// client's (a token read for this call).
	Secrets []string
	// What names the target for a 404 ("flag default/new-checkout"),
	// giving "… (flag default/new-checkout not found)".
	What string
}

// Response is a successful (2xx) answer.
type Response struct {
	Status int
	Header http.Header
	// Body is the raw body (at most 16 MiB).
	Body []byte
}

// Do performs req. A 2xx answer returns a Response (and fills req.Out);
// anything else returns an [*actiontype.Error] classified as the package doc
// says, whose text names the system and the status and holds no secret.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	scrub := c.scrub
	if len(req.Secrets) > 0 {
		scrub = NewScrubber(append(slices.Clone(c.secrets), req.Secrets...)...)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u := req.URL
	if u == nil {
		var err error
		if u, err = Join(c.base, req.TrailingSlash, req.Path...); err != nil {
			return nil, &actiontype.Error{System: c.system, Msg: scrub.Scrub(err.Error())}
		}
	}
	if len(req.Query) > 0 {
		u2 := *u
		u2.RawQuery = req.Query.Encode()
		u = &u2
	}
	body := req.Body
	if req.JSON != nil {
		b, err := json.Marshal(req.JSON)
		if err != nil {
			return nil, &actiontype.Error{System: c.system, Msg: "cannot encode the request: " + scrub.Scrub(err.Error())}
		}
		body = b
	}

	limit := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < limit {
			limit = max(left, 0)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(cctx, method, u.String(), rdr)
	if err != nil {
		return nil, &actiontype.Error{System: c.system, Msg: "cannot build the request: " + scrub.Scrub(unwrapURLError(err).Error())}
	}
	for k, vs := range c.header {
		hr.Header[k] = slices.Clone(vs)
	}
	for k, vs := range req.Header {
		hr.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		ct := req.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", userAgent)
	}

	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, c.transportError(ctx, method, limit, err, scrub)
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limitBody := int64(maxErrorBody)
	if ok {
		limitBody = maxBody
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limitBody+1))
	if err != nil {
		return nil, c.transportError(ctx, method, limit, err, scrub)
	}
	if !ok {
		return nil, c.statusError(resp, data, req.What, scrub)
	}
	// A 2xx answer to a write whose body cannot be read as expected says
	// the change was accepted, by something: it may have been made.
	writes := method != http.MethodGet && method != http.MethodHead
	if int64(len(data)) > limitBody {
		if req.Out == nil {
			data = data[:limitBody]
		} else {
			return nil, &actiontype.Error{System: c.system, Status: resp.StatusCode, MayHaveRun: writes,
				Msg: fmt.Sprintf("the answer is larger than %d MiB", maxBody>>20)}
		}
	}
	if req.Out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, req.Out); err != nil {
			return nil, &actiontype.Error{System: c.system, Status: resp.StatusCode, MayHaveRun: writes,
				Msg: "unexpected answer (not the JSON expected): " + scrub.Scrub(Summarize(resp.Header.Get("Content-Type"), data))}
		}
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// unwrapURLError drops the *url.Error wrapper, whose text holds the
// request URL (which may hold a credential).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusError classifies a non-2xx answer.
func (c *Client) statusError(resp *http.Response, body []byte, what string, scrub *Scrubber) *actiontype.Error {
	status := resp.StatusCode
	retryable, note := Classify(status, resp.Header, c.clock.Now())
	switch {
	case status == http.StatusUnauthorized:
		note = c.authHint
	case status == http.StatusForbidden && !retryable:
		note = "permission denied; " + c.authHint
		if strings.Contains(strings.ToLower(string(body)), "permission") {
			note = c.authHint
		}
	case status == http.StatusNotFound && what != "":
		note = what + " not found"
	case status >= 300 && status < 400:
		note = "unexpected redirect; check the base URL"
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && loc.Host != "" {
			note = fmt.Sprintf("unexpected redirect to %s://%s; check the base URL", loc.Scheme, loc.Host)
		}
	}
	words := Summarize(resp.Header.Get("Content-Type"), body)
	if words == "" {
		words = strings.ToLower(http.StatusText(status))
	}
	if words == "" {
		words = "unexpected status"
	}
	msg := words
	if note != "" {
		msg += " (" + note + ")"
	}
	return &actiontype.Error{System: c.system, Status: status, Retryable: retryable, Msg: scrub.Scrub(msg)}
}

// Classify says whether a non-2xx status is worth retrying and, for
// retryable ones, when ("rate limited, retry after 30s").
func Classify(status int, h http.Header, now time.Time) (retryable bool, note string) {
	rateLimited := status == http.StatusTooManyRequests ||
		(status == http.StatusForbidden && h.Get("X-RateLimit-Remaining") == "0")
	wait := RetryAfter(h, now, rateLimited)
	switch {
	case rateLimited:
		note = "rate limited"
		if wait > 0 {
			note += ", retry after " + FormatWait(wait)
		}
		return true, note
	case status == http.StatusRequestTimeout || status >= 500:
		if wait > 0 {
			note = "retry after " + FormatWait(wait)
		}
		return true, note
	}
	return false, ""
}
