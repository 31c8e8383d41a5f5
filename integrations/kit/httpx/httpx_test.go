package httpx_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/internal/clock"
)

const secret = "s3cr3t-T0KEN/with+chars"

var t0 = time.Date(2026, 3, 1, 14, 32, 0, 0, time.UTC)

func newClient(t *testing.T, base string, opts ...httpx.Option) *httpx.Client {
	t.Helper()
	c, err := httpx.New(httpx.Config{
		System:  "Example",
		Options: httpx.Apply(httpx.Options{BaseURL: base, Clock: clock.NewFake(t0)}, opts...),
		Header:  http.Header{"Authorization": {"Bearer " + secret}},
		Secrets: []string{secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJoinKeepsPrefixAndEscapesSegments(t *testing.T) {
	base, err := httpx.ParseBase("https://host.example/prefix/")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		segs  []string
		slash bool
		want  string
	}{
		{[]string{"api", "v2", "flags", "p", "a/b?c#d"}, false, "https://host.example/prefix/api/v2/flags/p/a%2Fb%3Fc%23d"},
		{[]string{"api", "x"}, true, "https://host.example/prefix/api/x/"},
		{[]string{"with space", "ünï"}, false, "https://host.example/prefix/with%20space/%C3%BCn%C3%AF"},
	} {
		u, err := httpx.Join(base, tc.slash, tc.segs...)
		if err != nil || u.String() != tc.want {
			t.Errorf("Join(%q) = %v, %v; want %s", tc.segs, u, err, tc.want)
		}
	}
	for _, bad := range []string{"..", ".", ""} {
		if _, err := httpx.Join(base, false, "api", bad); err == nil {
			t.Errorf("segment %q accepted", bad)
		}
	}
}

func TestParseBaseNeverRepeatsTheURL(t *testing.T) {
	for _, raw := range []string{"https://user:" + secret + "@host", "ftp://host/" + secret, "https://host/?key=" + secret, "/" + secret} {
		_, err := httpx.ParseBase(raw)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		httpxtest.AssertNoSecret(t, []string{secret}, err.Error())
	}
}

func TestSummarize(t *testing.T) {
	long := strings.Repeat("x", 400)
	for _, tc := range []struct{ name, ct, body, want string }{
		{"launchdarkly", "application/json", `{"code":"unauthorized","message":"Invalid access token"}`, "Invalid access token"},
		{"github 422", "application/json", `{"message":"Validation Failed","errors":[{"resource":"x","code":"custom","message":"No ref found for: nope"}],"documentation_url":"https://docs"}`, "Validation Failed: No ref found for: nope"},
		{"unleash details", "application/json", `{"id":"1","name":"BadDataError","message":"Request validation failed","details":[{"message":"\"enabled\" must be a boolean"}]}`, `Request validation failed: "enabled" must be a boolean`},
		{"argo", "application/json", `{"error":"rollback cannot be initiated when auto-sync is enabled","code":9,"message":"rollback cannot be initiated when auto-sync is enabled"}`, "rollback cannot be initiated when auto-sync is enabled"},
		{"nested error", "application/json", `{"error":{"code":"x","message":"quota exceeded"}}`, "quota exceeded"},
		{"drf detail", "application/json", `{"detail":"Not found."}`, "Not found."},
		{"drf fields", "application/json", `{"enabled":["Must be a valid boolean."],"name":["Too long."]}`, "enabled: Must be a valid boolean.; name: Too long."},
		{"unknown json", "application/json", `{"ok":false}`, `{"ok":false}`},
		{"html", "text/html", "<html><head><title>502 Bad\n Gateway</title></head><body>…</body></html>", "an HTML page: 502 Bad Gateway"},
		{"text", "text/plain", "\n\n  upstream connect error  \nreset reason: overflow", "upstream connect error"},
		{"empty", "", "  ", ""},
		{"long", "text/plain", long, strings.Repeat("x", httpx.MaxSummary-1) + "…"},
	} {
		if got := httpx.Summarize(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestScrubber(t *testing.T) {
	s := httpx.NewScrubber(secret, "abc", "")
	for _, in := range []string{
		"token " + secret + " rejected",
		"token " + strings.ToUpper(secret) + " rejected",
		"url ?t=" + url.QueryEscape(secret),
		"path /" + url.PathEscape(secret),
	} {
		out := s.Scrub(in)
		if strings.Contains(strings.ToLower(out), "t0ken") || !strings.Contains(out, httpx.Redacted) {
			t.Errorf("Scrub(%q) = %q", in, out)
		}
	}
	if got := s.Scrub("abc is too short to be a secret"); got != "abc is too short to be a secret" {
		t.Errorf("short secret scrubbed: %q", got)
	}
}

// A secret read from a binary file (not UTF-8) used to make the scrubber
// panic when the client was built; it is scrubbed like any other.
func TestScrubberBinarySecret(t *testing.T) {
	const bin = "k\xe5y-\xff-binary-token"
	if got := httpx.NewScrubber(bin).Scrub("sent " + bin); got != "sent "+httpx.Redacted {
		t.Fatalf("got %q", got)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status    int
		header    http.Header
		retryable bool
		note      string
	}{
		{400, nil, false, ""},
		{401, nil, false, ""},
		{403, nil, false, ""},
		{404, nil, false, ""},
		{409, nil, false, ""},
		{422, nil, false, ""},
		{408, nil, true, ""},
		{429, nil, true, "rate limited"},
		{429, http.Header{"Retry-After": {"7"}}, true, "rate limited, retry after 7s"},
		{429, http.Header{"Retry-After": {t0.Add(2 * time.Minute).Format(http.TimeFormat)}}, true, "rate limited, retry after 2m0s"},
		{429, http.Header{"X-Ratelimit-Reset": {"1772375580000"}}, true, "rate limited, retry after 1m0s"}, // ms, LaunchDarkly
		{403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1772375535"}}, true, "rate limited, retry after 15s"},
		{500, nil, true, ""},
		{502, nil, true, ""},
		{503, http.Header{"Retry-After": {"120"}}, true, "retry after 2m0s"},
	} {
		r, note := httpx.Classify(tc.status, tc.header, t0)
		if r != tc.retryable || note != tc.note {
			t.Errorf("Classify(%d, %v) = %v %q, want %v %q", tc.status, tc.header, r, note, tc.retryable, tc.note)
		}
	}
}

func TestDoSendsJSONAndDecodes(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"key":"k","on":false}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/base")
	var out struct {
		Key string
		On  bool
	}
	res, err := c.Do(context.Background(), httpx.Request{
		Method: "PATCH", Path: []string{"a", "b c"}, Query: url.Values{"q": {"1 2"}},
		JSON: map[string]any{"x": 1}, ContentType: "application/json; domain-model=x",
		Header: http.Header{"X-Extra": {"yes"}}, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "PATCH" || got.URL.EscapedPath() != "/base/a/b%20c" || got.URL.RawQuery != "q=1+2" {
		t.Errorf("%s %s?%s", got.Method, got.URL.EscapedPath(), got.URL.RawQuery)
	}
	for h, want := range map[string]string{
		"Authorization": "Bearer " + secret, "Content-Type": "application/json; domain-model=x",
		"Accept": "application/json", "User-Agent": "tourniquet", "X-Extra": "yes",
	} {
		if got.Header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, got.Header.Get(h), want)
		}
	}
	if body != `{"x":1}` || out.Key != "k" || res.Status != 200 {
		t.Errorf("body %s, out %+v, status %d", body, out, res.Status)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var hit atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Store(true) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/login?token="+url.QueryEscape(secret), http.StatusFound)
	}))
	defer srv.Close()
	_, err := newClient(t, srv.URL).Do(context.Background(), httpx.Request{Method: "POST", Path: []string{"x"}, JSON: 1})
	httpxtest.AssertFailure(t, err, "Example", 302, false, []string{secret}, "unexpected redirect to "+target.URL, "check the base URL")
	if hit.Load() {
		t.Error("the redirect was followed")
	}
}

func TestNotJSONSuccessIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><title>Sign in</title></html>")
	}))
	defer srv.Close()
	var out map[string]any
	_, err := newClient(t, srv.URL).Do(context.Background(), httpx.Request{Out: &out})
	httpxtest.AssertFailure(t, err, "Example", 200, false, []string{secret}, "not the JSON expected", "Sign in")
	httpxtest.AssertMayHaveRun(t, err, false)
	_, err = newClient(t, srv.URL).Do(context.Background(), httpx.Request{Method: "PATCH", JSON: 1, Out: &out})
	httpxtest.AssertMayHaveRun(t, err, true) // a 2xx to a write: something accepted it
}

func TestTimeoutsAndCancellation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(httpxtest.Hang))
	defer srv.Close()

	_, err := newClient(t, srv.URL, httpx.WithTimeout(100*time.Millisecond)).Do(context.Background(), httpx.Request{Path: []string{"x"}})
	e := httpxtest.AssertFailure(t, err, "Example", 0, true, []string{secret}, "no answer within 100ms (timed out)")
	if strings.Contains(e.Msg, "may or may not") {
		t.Errorf("a GET changes nothing: %q", e.Msg)
	}
	httpxtest.AssertMayHaveRun(t, err, false)

	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	_, err = newClient(t, srv.URL).Do(ctx, httpx.Request{Method: "POST", Path: []string{"x"}, JSON: 1})
	httpxtest.AssertFailure(t, err, "Example", 0, true, []string{secret}, "timed out", "may or may not have been made")
	httpxtest.AssertMayHaveRun(t, err, true)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = newClient(t, srv.URL).Do(ctx, httpx.Request{Method: "POST", Path: []string{"x"}, JSON: 1})
	httpxtest.AssertFailure(t, err, "Example", 0, true, []string{secret}, "canceled")
	httpxtest.AssertMayHaveRun(t, err, true)
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Error("context not canceled")
	}
}

func TestConnectionErrorsNeverShowTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	u, _ := url.Parse(srv.URL + "/hooks/" + url.PathEscape(secret) + "?sig=abcdef0123")
	_, err := newClient(t, srv.URL).Do(context.Background(), httpx.Request{Method: "POST", URL: u, Body: []byte("{}")})
	httpxtest.AssertFailure(t, err, "Example", 0, true, []string{secret, "/hooks/", "abcdef0123"}, "could not connect")
	httpxtest.AssertMayHaveRun(t, err, false)
}

func TestPerCallSecretsAreScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		io.WriteString(w, "bad token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	_, err := c.Do(context.Background(), httpx.Request{Header: http.Header{"Authorization": {"Bearer rotated-token-42"}}, Secrets: []string{"rotated-token-42"}})
	httpxtest.AssertFailure(t, err, "Example", 401, false, []string{secret, "rotated-token-42"}, "bad token <secret>", "check the credentials")
}

func TestErrorTextFormat(t *testing.T) {
	var e error = &actiontype.Error{System: "Example", Status: 404, Msg: "gone"}
	if e.Error() != "Example answered 404: gone" {
		t.Errorf("%v", e)
	}
}

func TestTokenIsSentInAuthorizationAndScrubbed(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Values("Authorization"))
		w.WriteHeader(401)
		io.WriteString(w, "bad credentials "+r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	for _, tc := range []struct{ token, scheme, want string }{
		{secret, "Bearer", "Bearer " + secret},
		{secret, "", secret},
		{"", "Bearer", ""},
	} {
		c, err := httpx.New(httpx.Config{
			System:     "Example",
			Options:    httpx.Options{BaseURL: srv.URL},
			Header:     http.Header{"Authorization": {"Basic replaced"}, "X-Other": {"kept"}},
			Token:      tc.token,
			AuthScheme: tc.scheme,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(context.Background(), httpx.Request{})
		want := []string{tc.want}
		if tc.token == "" {
			want = []string{"Basic replaced"} // no token: Header's stands
		}
		if v := got.Load().([]string); strings.Join(v, "|") != strings.Join(want, "|") {
			t.Errorf("token %q scheme %q: Authorization = %q, want %q", tc.token, tc.scheme, v, want)
		}
		httpxtest.AssertFailure(t, err, "Example", 401, false, []string{secret}, "bad credentials")
	}
}
