package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// signinFixture is the pages behind OpenID Connect sign-in, with a real
// OpenID provider (mockoidc: discovery, JWKS, token endpoint, RS256-signed
// ID tokens, PKCE) running in the test process.
type signinFixture struct {
	*webFixture
	idp     *mockoidc.MockOIDC
	private string // key of a private incident
	// callbacks are where the provider sent browsers back, in order.
	mu        sync.Mutex
	callbacks []string
}

// lastCallback is the provider's last answer (the callback URL).
func (f *signinFixture) lastCallback() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.callbacks) == 0 {
		return ""
	}
	return f.callbacks[len(f.callbacks)-1]
}

// recordCallbacks wraps the provider's endpoints to note where its
// authorization endpoint sends the browser.
func (f *signinFixture) recordCallbacks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if loc := rec.Header().Get("Location"); strings.Contains(loc, "/auth/callback") {
			f.mu.Lock()
			f.callbacks = append(f.callbacks, loc)
			f.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

const sessionKeyForTests = "session-key-for-tests-0123456789abcdef"

// newSigninFixture serves the fixture's incidents with sign-in for policy.
// The provider and the pages share the fake clock.
// Middleware, if any, wraps the provider's endpoints.
func newSigninFixture(t *testing.T, s storage.Store, policy Policy, middleware ...func(http.Handler) http.Handler) *signinFixture {
	t.Helper()
	idp, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sf := &signinFixture{idp: idp}
	middleware = append(middleware, sf.recordCallbacks)
	for _, mw := range middleware {
		if err := idp.AddMiddleware(mw); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := idp.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })

	f := &webFixture{t: t, store: s, clock: clock.NewFake(timelinetest.HM(18, 0)), keys: map[string]string{}}
	prevNow := mockoidc.NowFunc
	mockoidc.NowFunc = f.clock.Now
	t.Cleanup(func() { mockoidc.NowFunc = prevNow })
	f.keys["textbook"] = put(t, s, timelinetest.Textbook(t))
	addFollowUps(t, s, f.keys["textbook"])
	f.keys["microscope"] = put(t, s, timelinetest.Microscope(t))
	history(t, s, 5)
	sf.webFixture = f
	sf.private = sf.putPrivate()

	var handler http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)
	access := secured()
	cfg := idp.Config()
	site, err := New(Options{Store: s, Clock: f.clock, Access: access, Listen: "127.0.0.1:8080", FollowUps: s,
		SignIn: &OIDCOptions{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: config.NewSecret(cfg.ClientSecret),
			PublicURL: f.srv.URL, Policy: policy, SessionKey: config.NewSecret(sessionKeyForTests),
			SessionTTL: config.DefaultSessionTTL, States: s}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	handler = mux
	f.signer = access.Signer
	f.links = Links{Base: f.srv.URL, Signer: access.Signer}
	return sf
}

// browser is an HTTP client with cookies, following redirects as a
// browser does, and remembering where it was sent.
type browser struct {
	t      *testing.T
	c      *http.Client
	visits []string
}

func (f *signinFixture) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	b := &browser{t: f.t}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.visits = append(b.visits, req.URL.String())
		return nil
	}}
	return b
}

// do sends a request and returns the final response.
func (b *browser) do(method, u string) (resp, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(body), header: res.Header}, res.Request.URL.String()
}

func (b *browser) get(u string) (resp, string) { return b.do(http.MethodGet, u) }

// cookie returns the named cookie the browser holds for u.
func (b *browser) cookie(u, name string) *http.Cookie {
	pu, _ := url.Parse(u)
	for _, c := range b.c.Jar.Cookies(pu) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookie replaces a cookie's value in the browser.
func (b *browser) setCookie(u, name, value string) {
	pu, _ := url.Parse(u)
	b.c.Jar.SetCookies(pu, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// signIn goes through the whole flow as a person clicking the button would
// and returns the page landed on.
func (f *signinFixture) signIn(b *browser, user *mockoidc.MockUser, path string) (resp, string) {
	f.t.Helper()
	if user != nil {
		f.idp.QueueUser(user)
	}
	r, at := b.get(f.srv.URL + path)
	if !strings.Contains(at, SigninPath) || r.status != 200 {
		f.t.Fatalf("%s signed out: landed on %s (%d), want the sign-in page", path, at, r.status)
	}
	login := between(r.body, `id="signin" href="`, `"`)
	if login == "" {
		f.t.Fatalf("no sign-in button on the sign-in page:\n%s", r.body)
	}
	return b.get(f.srv.URL + strings.ReplaceAll(login, "&amp;", "&"))
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func employee(email string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: true,
		PreferredUsername: strings.Split(email, "@")[0], Groups: groups}
}

// addFollowUps gives incident key two follow-ups, one with a ticket done.
func addFollowUps(t *testing.T, s storage.Store, key string) {
	t.Helper()
	ctx := context.Background()
	id, _ := incident.ParseKey(key)
	for _, text := range []string{"Alert on checkout error rate above 2% for 5 minutes", "Make the new-checkout flag default off in staging first"} {
		fu := storage.FollowUp{IncidentID: id, Text: text, Owner: timelinetest.Alice, CreatedBy: timelinetest.Alice,
			CreatedAt: timelinetest.HM(15, 0), Tracker: "jira", TicketStatus: storage.TicketPending}
		if err := s.AddFollowUp(ctx, &fu); err != nil {
			t.Fatal(err)
		}
	}
	c, _, err := s.ClaimTicket(ctx, timelinetest.HM(15, 1), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishTicket(ctx, c.ID, c.Attempts, storage.TicketOutcome{Status: storage.TicketCreated, Key: "OPS-41",
		URL: "https://acme.atlassian.net/browse/OPS-41"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTicketState(ctx, c.ID, storage.TicketDone, timelinetest.HM(17, 0)); err != nil {
		t.Fatal(err)
	}
}
