package slack

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// bearerTransport sends the Web API token in the Authorization header,
// as Slack recommends, instead of the form body where slack-go puts it
// for most methods: a token in a body is one proxy debug log away from a
// leak. Requests to any other host (response URLs) pass through untouched.
type bearerTransport struct {
	base http.RoundTripper
	// host is the Web API's scheme://host; only requests to it are changed.
	host string
}

func newBearerTransport(base http.RoundTripper, apiURL string) *bearerTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	u, err := url.Parse(apiURL)
	host := ""
	if err == nil {
		host = u.Scheme + "://" + u.Host
	}
	return &bearerTransport{base: base, host: host}
}

// RoundTrip implements http.RoundTripper.
func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.URL.Scheme+"://"+req.URL.Host != t.host {
		return t.base.RoundTrip(req)
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	values, err := url.ParseQuery(string(body))
	if err != nil || !values.Has("token") {
		return t.base.RoundTrip(withBody(req, body))
	}
	token := values.Get("token")
	values.Del("token")
	out := withBody(req, []byte(values.Encode()))
	if out.Header.Get("Authorization") == "" && token != "" {
		out.Header.Set("Authorization", "Bearer "+token)
	}
	return t.base.RoundTrip(out)
}

// withBody clones req (a RoundTripper must not change its request) with
// body as its body.
func withBody(req *http.Request, body []byte) *http.Request {
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	out.ContentLength = int64(len(body))
	if strings.TrimSpace(out.Header.Get("Content-Type")) == "" {
		out.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return out
}
