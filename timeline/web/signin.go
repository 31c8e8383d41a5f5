package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tourniquet/tourniquet/config"
)

// SigninStates remembers which sign-in states came back (the store's
// SigninStore), so that each is used once across replicas.
type SigninStates interface {
	UseSigninState(ctx context.Context, hash string, now, expires time.Time) (bool, error)
}

// OIDCOptions configure sign-in through an OpenID Connect provider: the
// authorization code flow with PKCE, state and nonce.
type OIDCOptions struct {
	Issuer       string
	ClientID     string
	ClientSecret config.Secret
	// PublicURL is Tourniquet's base URL: the provider sends the browser
	// back to PublicURL + "/auth/callback". An https URL makes the cookies
	// Secure.
	PublicURL string
	// GroupsClaim is the ID token claim listing the user's groups.
	GroupsClaim string
	Policy      Policy
	SessionKey  config.Secret
	SessionTTL  time.Duration
	States      SigninStates
	// HTTPClient talks to the provider (default: 10-second timeout).
	HTTPClient *http.Client
}

// Sign-in routes.
const (
	SigninPath   = "/auth/signin"
	loginPath    = "/auth/login"
	callbackPath = "/auth/callback"
	logoutPath   = "/auth/logout"
)

// signin runs the OpenID Connect flow and reads the session cookie.
type signin struct {
	o    OIDCOptions
	site *Site
	jar  *cookieJar
	log  *slog.Logger

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use, kept once found
}

func newSignin(o OIDCOptions, site *Site) (*signin, error) {
	if o.Issuer == "" || o.ClientID == "" || !o.SessionKey.IsSet() || o.States == nil {
		return nil, errors.New("sign-in needs an issuer, a client ID, a session key and a state store")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = config.DefaultSessionTTL
	}
	if o.GroupsClaim == "" {
		o.GroupsClaim = config.DefaultGroupsClaim
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	secure := strings.HasPrefix(o.PublicURL, "https://")
	return &signin{o: o, site: site, jar: newCookieJar(o.SessionKey, o.SessionTTL, secure),
		log: site.o.Logger.With("component", "signin")}, nil
}

// User reads the session cookie of r.
func (s *signin) User(r *http.Request) (User, bool) {
	u, ok := s.jar.user(r, s.site.o.Clock.Now())
	if !ok || !s.o.Policy.Allows(u.Email, u.EmailVerified, u.Groups) {
		// A session made before the policy changed no longer counts.
		return User{}, false
	}
	return u, true
}

func (s *signin) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+SigninPath, s.signinPage)
	mux.HandleFunc("GET "+loginPath, s.login)
	mux.HandleFunc("GET "+callbackPath, s.callback)
	mux.HandleFunc("POST "+logoutPath, s.logout)
}

// discover finds the provider's endpoints and keys once.
func (s *signin) discover(ctx context.Context) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.o.HTTPClient), s.o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the OpenID provider: %w", err)
	}
	s.provider = p
	return p, nil
}

func (s *signin) oauth(p *oidc.Provider) *oauth2.Config {
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if len(s.o.Policy.AllowedGroups) > 0 || len(s.o.Policy.PrivateGroups) > 0 {
		scopes = append(scopes, "groups")
	}
	return &oauth2.Config{ClientID: s.o.ClientID, ClientSecret: s.o.ClientSecret.Reveal(),
		Endpoint: p.Endpoint(), RedirectURL: s.o.PublicURL + callbackPath, Scopes: scopes}
}

// defaultNext is where a sign-in without a destination lands.
const defaultNext = "/incidents"

// safeNext returns next when it is a path of this site (never another
// origin: no scheme, no host, no "//" or "/\" that browsers read as one,
// no sign-in route), else the incident list.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\\\x00\r\n\t") {
		return defaultNext
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(u.Path, "/auth/") {
		return defaultNext
	}
	return u.RequestURI()
}

// signinURL is where an unauthenticated page request is sent.
func signinURL(r *http.Request) string {
	return SigninPath + "?" + url.Values{"next": {safeNext(r.URL.RequestURI())}}.Encode()
}

type signinView struct {
	page
	Provider  string
	LoginURL  string
	SignedOut bool
	Problem   string
}

func (s *signin) render(rw http.ResponseWriter, r *http.Request, status int, next, problem string) {
	now := s.site.o.Clock.Now()
	provider := s.o.Issuer
	if u, err := url.Parse(s.o.Issuer); err == nil && u.Host != "" {
		provider = u.Host
	}
	v := signinView{page: s.site.newPage(grant{}, "Sign in", "", now), Provider: provider,
		LoginURL:  loginPath + "?" + url.Values{"next": {next}}.Encode(),
		SignedOut: r.URL.Query().Get("signed_out") == "1", Problem: problem}
	s.site.render(rw, r, status, "signin", v)
}

// signinPage offers the sign-in button (or goes on, when signed in).
func (s *signin) signinPage(rw http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := s.User(r); ok {
		http.Redirect(rw, r, next, http.StatusSeeOther)
		return
	}
	s.render(rw, r, http.StatusOK, next, "")
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login starts the flow: a fresh state, nonce and PKCE verifier in an
// encrypted cookie of this browser, then off to the provider.
func (s *signin) login(rw http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	p, err := s.discover(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign-in: provider unreachable", "issuer", s.o.Issuer, "err", err)
		s.render(rw, r, http.StatusBadGateway, next, "The sign-in provider did not answer. Try again in a moment.")
		return
	}
	now := s.site.o.Clock.Now()
	ps := pendingSignin{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Next: next, Expires: now.Add(signinTTL).Unix()}
	if err := s.jar.set(rw, signinCookie, "/auth/", ps, signinTTL); err != nil {
		s.log.ErrorContext(r.Context(), "sign-in: cookie", "err", err)
		http.Error(rw, "sign-in failed", http.StatusInternalServerError)
		return
	}
	u := s.oauth(p).AuthCodeURL(ps.State, oidc.Nonce(ps.Nonce), oauth2.S256ChallengeOption(ps.Verifier))
	s.site.headers(rw, "text/plain; charset=utf-8")
	http.Redirect(rw, r, u, http.StatusFound)
}

// stateHash is what the store keeps of a state: never the state itself.
func stateHash(state string) string {
	h := sha256.Sum256([]byte(state))
	return hex.EncodeToString(h[:])
}

// callback finishes the flow: the state must match this browser's cookie
// and be used for the first time, the code is exchanged with the PKCE
// verifier, the ID token verified (signature, issuer, audience, expiry,
// nonce) and the account checked against the policy.
func (s *signin) callback(rw http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.site.o.Clock.Now()
	q := r.URL.Query()
	var ps pendingSignin
	if !s.jar.get(r, signinCookie, &ps) || now.Unix() >= ps.Expires {
		s.render(rw, r, http.StatusBadRequest, defaultNext, "This sign-in has expired or was started in another browser. Sign in again.")
		return
	}
	s.jar.clear(rw, signinCookie, "/auth/")
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(ps.State)) != 1 {
		s.render(rw, r, http.StatusBadRequest, ps.Next, "The sign-in answer does not belong to this sign-in. Sign in again.")
		return
	}
	fresh, err := s.o.States.UseSigninState(ctx, stateHash(ps.State), now, time.Unix(ps.Expires, 0))
	if err != nil {
		s.log.ErrorContext(ctx, "sign-in: store", "err", err)
		s.render(rw, r, http.StatusServiceUnavailable, ps.Next, "Tourniquet could not record the sign-in just now. Try again in a moment.")
		return
	}
	if !fresh {
		s.log.WarnContext(ctx, "sign-in: a state came back a second time; refused")
		s.render(rw, r, http.StatusBadRequest, ps.Next, "This sign-in was already used. Sign in again.")
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.InfoContext(ctx, "sign-in: the provider refused", "error", e)
		s.render(rw, r, http.StatusForbidden, ps.Next, "The sign-in provider did not sign you in.")
		return
	}
	u, err := s.exchange(ctx, q.Get("code"), ps, now)
	if err != nil {
		s.log.WarnContext(ctx, "sign-in failed", "err", err)
		s.render(rw, r, http.StatusBadGateway, ps.Next, "Signing in with the provider failed. Sign in again.")
		return
	}
	if !u.allowed {
		s.log.InfoContext(ctx, "sign-in refused by policy", "email", u.Email)
		s.render(rw, r, http.StatusForbidden, ps.Next,
			"The account "+u.Email+" may not open Tourniquet's pages. Sign in with your work account, or ask an administrator.")
		return
	}
	sess := session{User: u.User, Expires: now.Add(s.o.SessionTTL).Unix()}
	if err := s.jar.set(rw, s.jar.sessionName(), "/", sess, s.o.SessionTTL); err != nil {
		s.log.ErrorContext(ctx, "sign-in: cookie", "err", err)
		http.Error(rw, "sign-in failed", http.StatusInternalServerError)
		return
	}
	s.log.InfoContext(ctx, "signed in", "email", u.Email)
	http.Redirect(rw, r, ps.Next, http.StatusSeeOther)
}

type checkedUser struct {
	User
	allowed bool
}

func (s *signin) exchange(ctx context.Context, code string, ps pendingSignin, now time.Time) (checkedUser, error) {
	if code == "" {
		return checkedUser{}, errors.New("no code in the answer")
	}
	p, err := s.discover(ctx)
	if err != nil {
		return checkedUser{}, err
	}
	ctx = oidc.ClientContext(ctx, s.o.HTTPClient)
	tok, err := s.oauth(p).Exchange(ctx, code, oauth2.VerifierOption(ps.Verifier))
	if err != nil {
		return checkedUser{}, fmt.Errorf("exchange the code: %w", redactOAuth(err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return checkedUser{}, errors.New("the token response has no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.o.ClientID, Now: s.site.o.Clock.Now}).Verify(ctx, raw)
	if err != nil {
		return checkedUser{}, fmt.Errorf("verify the ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ps.Nonce)) != 1 {
		return checkedUser{}, errors.New("the ID token's nonce is not this sign-in's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return checkedUser{}, fmt.Errorf("read the ID token's claims: %w", err)
	}
	email, _ := claims["email"].(string)
	verified, _ := claims["email_verified"].(bool)
	name, _ := claims["name"].(string)
	if name == "" {
		name, _ = claims["preferred_username"].(string)
	}
	groups := stringList(claims[s.o.GroupsClaim])
	u := User{Email: email, Name: name, EmailVerified: verified, Groups: s.o.Policy.relevant(groups)}
	if u.Email == "" {
		u.Email = idt.Subject
	}
	return checkedUser{User: u, allowed: email != "" && s.o.Policy.Allows(email, verified, groups)}, nil
}

// stringList reads a claim that is a list of strings or one string.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// redactOAuth keeps of a token endpoint error its status and error code:
// the body it quotes could echo what was sent.
func redactOAuth(err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		code := re.ErrorCode
		if code == "" {
			code = "no error code"
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("token endpoint answered %d (%s)", status, code)
	}
	return err
}

// logout forgets the session in this browser.
func (s *signin) logout(rw http.ResponseWriter, r *http.Request) {
	s.jar.clear(rw, s.jar.sessionName(), "/")
	http.Redirect(rw, r, SigninPath+"?signed_out=1", http.StatusSeeOther)
}
