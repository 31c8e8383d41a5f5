package slack

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The token leaves the form for the Authorization header; every other
// field reaches Slack exactly as slack-go encoded it, escapes and order
// included, and requests to other hosts (response URLs) are not touched.
func TestBearerTransportMovesOnlyTheToken(t *testing.T) {
	var got []*http.Request
	var bodies []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, string(b))
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Header: http.Header{}}, nil
	})
	tr := newBearerTransport(base, "https://slack.example/api/")
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"a & b = c; 100% <ok>"}}]`
	form := "channel=C1&token=" + url.QueryEscape("xoxb-1/2+3") + "&blocks=" + url.QueryEscape(blocks) + "&text=%F0%9F%93%9D+note"
	send := func(u, body string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	send("https://slack.example/api/chat.postMessage", form)
	want := "channel=C1&blocks=" + url.QueryEscape(blocks) + "&text=%F0%9F%93%9D+note"
	if bodies[0] != want {
		t.Errorf("body sent\n%s\nwant\n%s", bodies[0], want)
	}
	if h := got[0].Header.Get("Authorization"); h != "Bearer xoxb-1/2+3" {
		t.Errorf("Authorization = %q", h)
	}
	if got[0].ContentLength != int64(len(want)) {
		t.Errorf("Content-Length %d, body %d bytes", got[0].ContentLength, len(want))
	}
	v, err := url.ParseQuery(bodies[0])
	if err != nil || v.Get("blocks") != blocks || v.Has("token") {
		t.Errorf("form Slack reads: %v, %v", v, err)
	}

	// A response URL gets its body as it was, token field and all.
	send("https://hooks.example/actions/1", form)
	if bodies[1] != form || got[1].Header.Get("Authorization") != "" {
		t.Errorf("response URL got %q, Authorization %q", bodies[1], got[1].Header.Get("Authorization"))
	}
	// A body without a token, or with a token that is no valid escape,
	// passes as it was.
	send("https://slack.example/api/auth.test", "a=1&b=%zz")
	send("https://slack.example/api/auth.test", "token=%zz&a=1")
	if bodies[2] != "a=1&b=%zz" || bodies[3] != "token=%zz&a=1" || got[2].Header.Get("Authorization") != "" {
		t.Errorf("bodies %q %q", bodies[2], bodies[3])
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
