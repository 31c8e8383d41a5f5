package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var managers = Policy{AllowedDomains: []string{"example.com"}, AllowedGroups: []string{"sre"}, PrivateGroups: []string{"security"}}

// Issue #19: a manager signs in through the OpenID provider and browses
// every page on a deployment with a token set; the API keeps its bearer
// token; signing out ends it.
func TestSigninFlow(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	b := f.browser()

	// The API answers a bare 401 and sends nobody anywhere.
	if r, at := b.get(f.srv.URL + "/api/v1/incidents"); r.status != 401 || r.body != "" || strings.Contains(at, "/auth/") {
		t.Fatalf("API signed out: %d at %s %q", r.status, at, r.body)
	}

	key := f.keys["textbook"]
	r, at := f.signIn(b, employee("ana@example.com"), "/incidents/"+key+"?x=1")
	if r.status != 200 || at != f.srv.URL+"/incidents/"+key+"?x=1" || !strings.Contains(r.body, "Checkout errors after deploy") {
		t.Fatalf("after sign-in: %d at %s", r.status, at)
	}
	if !strings.Contains(r.body, `id="signed-in-as">ana@example.com<`) || !strings.Contains(r.body, `action="/auth/logout"`) {
		t.Error("the page does not say who is signed in or offer to sign out")
	}
	// PKCE and nonce went to the provider.
	var authorize *url.URL
	for _, v := range b.visits {
		if strings.Contains(v, "/authorize") {
			authorize, _ = url.Parse(v)
		}
	}
	if authorize == nil {
		t.Fatalf("never sent to the provider: %v", b.visits)
	}
	q := authorize.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43 || q.Get("nonce") == "" || len(q.Get("state")) < 32 ||
		q.Get("redirect_uri") != f.srv.URL+"/auth/callback" {
		t.Errorf("authorization request: %v", q)
	}

	// The session cookie: HttpOnly, SameSite=Lax, not Secure on http.
	c := b.cookie(f.srv.URL, sessionCookie)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if strings.Contains(c.Value, "ana@example.com") {
		t.Error("the session cookie shows the address: it is not encrypted")
	}

	for _, p := range []string{"/incidents", "/reports", "/incidents/" + key + "/report.md"} {
		if r, at := b.get(f.srv.URL + p); r.status != 200 || at != f.srv.URL+p {
			t.Errorf("%s signed in: %d at %s", p, r.status, at)
		}
	}
	// Not in a group that sees private incidents: the list leaves it out
	// and its page is not found.
	list, _ := b.get(f.srv.URL + "/incidents")
	if strings.Contains(list.body, privateTitle) {
		t.Error("private incident listed to a user the policy does not let see it")
	}
	if r, _ := b.get(f.srv.URL + "/incidents/" + f.private); r.status != 404 || strings.Contains(r.body, privateTitle) {
		t.Errorf("private incident page: %d", r.status)
	}
	// Its own signed link still opens it.
	if r, _ := b.get(f.links.IncidentURL(f.private, f.clock.Now())); r.status != 200 || !strings.Contains(r.body, privateTitle) {
		t.Errorf("private incident's signed link: %d", r.status)
	}
	// The cookie does not open the API.
	if r, _ := b.get(f.srv.URL + "/api/v1/incidents"); r.status != 401 {
		t.Errorf("API with a session cookie: %d, want 401", r.status)
	}

	// Sign out: back to the sign-in page, and the pages ask again.
	r, at = b.do(http.MethodPost, f.srv.URL+"/auth/logout")
	if r.status != 200 || !strings.HasPrefix(at, f.srv.URL+SigninPath) || !strings.Contains(r.body, `id="signed-out"`) {
		t.Fatalf("sign out: %d at %s", r.status, at)
	}
	if r, at := b.get(f.srv.URL + "/reports"); !strings.HasPrefix(at, f.srv.URL+SigninPath+"?next=%2Freports") || r.status != 200 {
		t.Errorf("reports after signing out: %d at %s", r.status, at)
	}
}

// A member of a private group sees private incidents; a member of an
// allowed group signs in whatever the domain.
func TestSigninGroups(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	b := f.browser()
	if r, _ := f.signIn(b, employee("sam@contractor.test", "sre", "security"), "/incidents"); r.status != 200 || !strings.Contains(r.body, privateTitle) {
		t.Fatalf("a member of sre and security: %d, private listed %v", r.status, strings.Contains(r.body, privateTitle))
	}
	if r, _ := b.get(f.srv.URL + "/incidents/" + f.private); r.status != 200 {
		t.Errorf("private incident page for the security group: %d", r.status)
	}
}

// Wrong domain, unverified address, a group not allowed: refused, with
// no session.
func TestSigninRefusesOthers(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	unverified := employee("eve@example.com")
	unverified.EmailVerified = false
	for name, u := range map[string]*mockoidc.MockUser{
		"wrong domain":        employee("eve@evil.test"),
		"unverified address":  unverified,
		"group not allowed":   employee("eve@evil.test", "marketing"),
		"lookalike subdomain": employee("eve@example.com.evil.test"),
	} {
		t.Run(name, func(t *testing.T) {
			b := f.browser()
			r, at := f.signIn(b, u, "/incidents")
			if r.status != http.StatusForbidden || !strings.Contains(at, "/auth/callback") || !strings.Contains(r.body, "may not open") {
				t.Fatalf("%d at %s", r.status, at)
			}
			if c := b.cookie(f.srv.URL, sessionCookie); c != nil {
				t.Error("a refused account got a session cookie")
			}
			if _, at := b.get(f.srv.URL + "/incidents"); !strings.Contains(at, SigninPath) {
				t.Errorf("after a refusal /incidents is at %s", at)
			}
		})
	}
}

// The provider's answer is good once, in the browser that asked: a
// replayed callback (same state, same sign-in cookie) is refused before
// the code is even exchanged, and so is an answer without this browser's
// sign-in cookie or with another state.
func TestSigninStateOnce(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	b := f.browser()
	var callback string
	b.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/auth/callback" {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	f.idp.QueueUser(employee("ana@example.com"))
	r, _ := b.get(f.srv.URL + SigninPath + "?next=/reports")
	login := strings.ReplaceAll(between(r.body, `id="signin" href="`, `"`), "&amp;", "&")
	b.get(f.srv.URL + login)
	if callback == "" {
		t.Fatal("the provider did not send the browser back")
	}
	pending := b.cookie(f.srv.URL+"/auth/callback", signinCookie)
	if pending == nil {
		t.Fatal("no sign-in cookie")
	}
	send := func(u string, cookies ...*http.Cookie) resp {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body := new(strings.Builder)
		_, _ = io.Copy(body, res.Body)
		return resp{status: res.StatusCode, body: body.String(), header: res.Header}
	}
	// Without the browser's sign-in cookie: refused (login CSRF).
	if r := send(callback); r.status != 400 || r.header.Get("Set-Cookie") != "" && strings.Contains(r.header.Get("Set-Cookie"), sessionCookie+"=") {
		t.Errorf("callback without the sign-in cookie: %d", r.status)
	}
	// Another state with the cookie: refused.
	u, _ := url.Parse(callback)
	q := u.Query()
	q.Set("state", "not-the-state-"+strings.Repeat("x", 30))
	u.RawQuery = q.Encode()
	if r := send(u.String(), pending); r.status != 400 || !strings.Contains(r.body, "does not belong") {
		t.Errorf("callback with another state: %d", r.status)
	}
	// The real answer: signed in, sent on to /reports.
	first := send(callback, pending)
	if first.status != http.StatusSeeOther || first.header.Get("Location") != "/reports" || !strings.Contains(strings.Join(first.header.Values("Set-Cookie"), "\n"), sessionCookie+"=") {
		t.Fatalf("first callback: %d to %q", first.status, first.header.Get("Location"))
	}
	// Replayed: refused, no session.
	again := send(callback, pending)
	if again.status != 400 || !strings.Contains(again.body, "already used") || strings.Contains(strings.Join(again.header.Values("Set-Cookie"), "\n"), sessionCookie+"=M") {
		t.Errorf("replayed callback: %d %s", again.status, between(again.body, "<p class=\"error\"", "</p>"))
	}
}

// A session cookie changed by one character, made with another key, or
// past its expiry opens nothing: the pages send the browser to sign in.
func TestSigninCookieRefused(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	b := f.browser()
	if r, _ := f.signIn(b, employee("ana@example.com"), "/incidents"); r.status != 200 {
		t.Fatalf("sign in: %d", r.status)
	}
	good := b.cookie(f.srv.URL, sessionCookie).Value
	mustAsk := func(what string) {
		t.Helper()
		if r, at := b.get(f.srv.URL + "/incidents"); !strings.Contains(at, SigninPath) || strings.Contains(r.body, "Checkout errors") {
			t.Errorf("%s: /incidents answered %d at %s", what, r.status, at)
		}
	}
	tampered := []byte(good)
	tampered[len(tampered)/2] ^= 1
	b.setCookie(f.srv.URL, sessionCookie, string(tampered))
	mustAsk("tampered cookie")

	other := newCookieJar(config.NewSecret("another-session-key-0123456789abcdef"), time.Hour, false)
	forged, err := other.codec.Encode(sessionCookie, session{User: User{Email: "mallory@example.com", EmailVerified: true}, Expires: f.clock.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	b.setCookie(f.srv.URL, sessionCookie, forged)
	mustAsk("cookie made with another key")

	b.setCookie(f.srv.URL, sessionCookie, good)
	if _, at := b.get(f.srv.URL + "/incidents"); at != f.srv.URL+"/incidents" {
		t.Fatalf("the good cookie put back does not work: at %s", at)
	}
	f.clock.Advance(config.DefaultSessionTTL + time.Second)
	mustAsk("expired session")
}

// Where a sign-in sends the browser afterwards is a path of this site,
// never another origin.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/incidents/INC-7?x=1":        "/incidents/INC-7?x=1",
		"/reports":                    "/reports",
		"":                            defaultNext,
		"https://evil.test/":          defaultNext,
		"//evil.test/x":               defaultNext,
		"/\\evil.test":                defaultNext,
		"/\\/evil.test":               defaultNext,
		"javascript:alert(1)":         defaultNext,
		"incidents":                   defaultNext,
		"/auth/logout":                defaultNext,
		"/incidents\r\nSet-Cookie: x": defaultNext,
		"/%2F%2Fevil.test":            "/%2F%2Fevil.test",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	b := f.browser()
	r, _ := b.get(f.srv.URL + SigninPath + "?next=" + url.QueryEscape("https://evil.test/phish"))
	if login := between(r.body, `id="signin" href="`, `"`); !strings.Contains(login, "next=%2Fincidents") || strings.Contains(r.body, "evil.test") {
		t.Errorf("sign-in page with a foreign next: button %q", login)
	}
	f.idp.QueueUser(employee("ana@example.com"))
	if _, at := b.get(f.srv.URL + "/auth/login?next=" + url.QueryEscape("//evil.test/x")); at != f.srv.URL+"/incidents" {
		t.Errorf("signed in with next=//evil.test: landed at %s", at)
	}
}

// With an https public URL the session cookie is Secure, HttpOnly,
// SameSite=Lax and __Host- prefixed.
func TestSigninCookieAttributes(t *testing.T) {
	j := newCookieJar(config.NewSecret(sessionKeyForTests), time.Hour, true)
	rec := httptest.NewRecorder()
	if err := j.set(rec, j.sessionName(), "/", session{User: User{Email: "a@example.com"}, Expires: 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	c := rec.Result().Cookies()[0]
	if c.Name != "__Host-tourniquet_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie %+v", c)
	}
}

// Behind oauth2-proxy: the identity headers count only from a trusted
// proxy address, and only for an allowed account.
func TestProxyHeaders(t *testing.T) {
	for name, tc := range map[string]struct {
		trusted string
		email   string
		want    int
	}{
		"trusted proxy, allowed":      {"127.0.0.0/8", "ana@example.com", 200},
		"trusted proxy, other domain": {"127.0.0.0/8", "eve@evil.test", 401},
		"untrusted address":           {"10.0.0.0/8", "ana@example.com", 401},
	} {
		t.Run(name, func(t *testing.T) {
			access := secured()
			access.Users = []UserSource{{Auth: &ProxyAuth{EmailHeader: "X-Forwarded-Email", GroupsHeader: "X-Forwarded-Groups",
				Trusted: []netip.Prefix{netip.MustParsePrefix(tc.trusted)}, Policy: managers}, Policy: managers}}
			f := newWebFixture(t, storagetest.NewSQLite(t), access)
			r := f.get("/incidents", "X-Forwarded-Email", tc.email)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if tc.want == 200 && !strings.Contains(r.body, `id="signed-in-as">`+tc.email+`<`) {
				t.Error("the page does not say who is signed in")
			}
			if r := f.get("/api/v1/incidents", "X-Forwarded-Email", tc.email); r.status != 401 {
				t.Errorf("API with proxy headers: %d", r.status)
			}
		})
	}
}

// An ID token whose nonce is not the one this sign-in sent (a token
// minted for another sign-in, injected) is refused.
func TestSigninNonceChecked(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/authorize") {
				q := r.URL.Query()
				q.Set("nonce", "a-nonce-of-another-sign-in")
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	})
	b := f.browser()
	r, at := f.signIn(b, employee("ana@example.com"), "/incidents")
	if r.status != http.StatusBadGateway || !strings.Contains(at, "/auth/callback") || b.cookie(f.srv.URL, sessionCookie) != nil {
		t.Fatalf("foreign nonce: %d at %s", r.status, at)
	}
}
