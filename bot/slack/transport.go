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

// BearerTransport is the transport Tourniquet's Slack client sends through:
// requests to apiURL's host travel with the token in the Authorization
// header, not the form. Exported for the load tool's Go app, so that it
// posts through the same client stack as the bot it is compared with.
func BearerTransport(base http.RoundTripper, apiURL string) http.RoundTripper {
	return newBearerTransport(base, apiURL)
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
	rest, token, found := cutToken(body)
	if !found {
		return t.base.RoundTrip(withBody(req, body))
	}
	out := withBody(req, rest)
	if out.Header.Get("Authorization") == "" && token != "" {
		out.Header.Set("Authorization", "Bearer "+token)
	}
	return t.base.RoundTrip(out)
}

// cutToken removes every token field from a form-encoded body and returns
// the rest, byte for byte as it was, with the first token's value. The
// other fields are not decoded and encoded again: a message's blocks are
// kilobytes of escaped JSON, and that round trip was a tenth of what the
// sender allocated per message. A body that is not a valid form is
// returned whole, found false, as url.ParseQuery would have refused it.
func cutToken(body []byte) (rest []byte, token string, found bool) {
	rest = make([]byte, 0, len(body))
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		key, value, _ := bytes.Cut(pair, []byte("="))
		if string(key) != "token" {
			if len(rest) > 0 {
				rest = append(rest, '&')
			}
			rest = append(rest, pair...)
			continue
		}
		v, err := url.QueryUnescape(string(value))
		if err != nil {
			return body, "", false
		}
		if !found {
			token, found = v, true
		}
	}
	return rest, token, found
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
