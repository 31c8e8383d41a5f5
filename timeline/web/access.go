package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/config"
)

// DefaultLinkTTL is how long a signed report link works: long enough to
// write the postmortem with it.
const DefaultLinkTTL = 30 * 24 * time.Hour

// signingContext separates the link key from any other use of the secret
// it is derived from.
const signingContext = "tourniquet report links v1"

// Signer signs and verifies report links: an HMAC-SHA256 over the scope
// (an incident key, or a page name) and the expiry, with a key derived
// from a configured secret, so that every replica signing with the same
// secret accepts the others' links.
type Signer struct{ key []byte }

// NewSigner derives a link key from secret; nil when secret is empty.
func NewSigner(secret config.Secret) *Signer {
	if !secret.IsSet() {
		return nil
	}
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write([]byte(signingContext))
	return &Signer{key: mac.Sum(nil)}
}

func (s *Signer) mac(scope string, exp int64) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(exp, 10)))
	return m.Sum(nil)
}

// Sign returns the query ("exp=…&sig=…") that grants scope until exp.
func (s *Signer) Sign(scope string, exp time.Time) url.Values {
	e := exp.Unix()
	return url.Values{"exp": {strconv.FormatInt(e, 10)}, "sig": {base64.RawURLEncoding.EncodeToString(s.mac(scope, e))}}
}

// Link verification errors.
var (
	ErrLinkExpired  = errors.New("link expired")
	ErrLinkTampered = errors.New("link signature does not match")
)

// Verify checks the exp and sig of q for scope at now.
func (s *Signer) Verify(scope string, q url.Values, now time.Time) error {
	if s == nil {
		return ErrLinkTampered
	}
	e, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return ErrLinkTampered
	}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, s.mac(scope, e)) {
		return ErrLinkTampered
	}
	if now.Unix() >= e {
		return ErrLinkExpired
	}
	return nil
}

// Links makes the report links the bot posts (it implements bot.Links):
// signed when a Signer is configured, plain otherwise (open local mode).
type Links struct {
	// Base is the public URL, without a trailing slash.
	Base   string
	Signer *Signer
	// TTL is how long a link works (DefaultLinkTTL when 0).
	TTL time.Duration
}

// IncidentURL is the link to an incident's report page, valid from now
// for TTL.
func (l Links) IncidentURL(key string, now time.Time) string {
	if l.Base == "" {
		return ""
	}
	return l.url("/incidents/"+url.PathEscape(key), key, now)
}

// PageURL is a signed link to the incident list ("incidents") or the
// reports ("reports").
func (l Links) PageURL(page string, now time.Time) string {
	return l.url("/"+page, page, now)
}

func (l Links) url(path, scope string, now time.Time) string {
	u := strings.TrimRight(l.Base, "/") + path
	if l.Signer == nil {
		return u
	}
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return u + "?" + l.Signer.Sign(scope, now.Add(ttl)).Encode()
}

// Access decides who may see the pages and the API.
type Access struct {
	// Token is the API token; a request with "Authorization: Bearer
	// <token>" may see everything.
	Token config.Secret
	// Signer verifies signed links; nil accepts none.
	Signer *Signer
	// signIn: refused page requests go to the sign-in page (set by New
	// when Options.SignIn is).
	signIn bool
	// Open lets anyone see the pages (not the API): set only with no token
	// configured and a loopback listen address. The pages say so.
	Open bool
	// Users tell who signed in (an authenticating proxy's headers); the
	// OpenID Connect sign-in of Options.SignIn is added by New. A signed-in
	// user sees every page, and private incidents when Policy.SeesPrivate.
	Users []UserSource
}

// UserSource is an Authenticator with the policy it applies.
type UserSource struct {
	Auth   Authenticator
	Policy Policy
}

// IsLoopback reports whether a listen address (host:port) accepts
// connections from this machine only.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// grant is what a request may see.
type grant struct {
	// all: the token, open mode or a signed-in user; scope: only what the
	// link signed; private: private incidents too.
	all     bool
	open    bool
	private bool
	scope   string
	// user is who signed in, nil for the token, a link or open mode.
	user *User
	// signin: refused, but the person can sign in (the status is 303).
	// linkQuery carries the signature on to links within the page.
	linkQuery string
}

// signInStatus is what page returns when the request should be sent to
// the sign-in page.
const signInStatus = http.StatusSeeOther

// bearer returns the token of an Authorization: Bearer header, and
// whether the header was there at all.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// page decides on a request for a page of the given scope: a bearer
// token is checked first (a wrong one is 401), then a signed link (a bad
// or expired one is 403), then open mode; with none of them it is 401.
func (a Access) page(r *http.Request, scope string, now time.Time) (grant, int) {
	if tok, ok := bearer(r); ok {
		if a.Token.Matches(tok) {
			return grant{all: true, private: true}, 0
		}
		return grant{}, http.StatusUnauthorized
	}
	q := r.URL.Query()
	if q.Has("sig") || q.Has("exp") {
		if err := a.Signer.Verify(scope, q, now); err != nil {
			return grant{}, http.StatusForbidden
		}
		return grant{scope: scope, linkQuery: url.Values{"exp": {q.Get("exp")}, "sig": {q.Get("sig")}}.Encode()}, 0
	}
	for _, src := range a.Users {
		if u, ok := src.Auth.User(r); ok {
			return grant{all: true, private: src.Policy.SeesPrivate(u), user: &u}, 0
		}
	}
	if a.Open {
		return grant{all: true, open: true, private: true}, 0
	}
	if a.signIn {
		return grant{}, signInStatus
	}
	return grant{}, http.StatusUnauthorized
}

// api decides on a request to /api/v1: only the bearer token opens it.
func (a Access) api(r *http.Request) bool {
	tok, ok := bearer(r)
	return ok && a.Token.Matches(tok)
}

// unauthorized is the bare 401 of the house rules: no body.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="tourniquet"`)
	w.WriteHeader(http.StatusUnauthorized)
}

// hidePrivate says whether a view opened with g leaves private incidents
// out. Only the API token's holder, open local mode (this machine, no
// token configured) and signed-in users the policy names see them in
// lists and reports; a signed link to the list or the reports does not,
// since the list would sign a link to each row it shows.
func hidePrivate(g grant) bool { return !g.private }

// seesIncident says whether g opens an incident's own page: a private one
// needs a link signed for it or a grant that sees private incidents.
func seesIncident(g grant, key string, private bool) bool {
	return !private || g.private || g.scope == key
}
