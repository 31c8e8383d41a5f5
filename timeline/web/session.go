package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/tourniquet/tourniquet/config"
)

// Cookie names. With an https public URL the session cookie takes the
// __Host- prefix, which browsers accept only Secure, on path / and
// without a Domain: no subdomain can plant or read it.
const (
	sessionCookie       = "tourniquet_session"
	secureSessionCookie = "__Host-tourniquet_session"
	signinCookie        = "tourniquet_signin"
	// signinTTL is how long a started sign-in may take at the provider.
	signinTTL = 10 * time.Minute
)

// session is what the session cookie holds, encrypted and signed.
type session struct {
	User    User  `json:"u"`
	Expires int64 `json:"exp"`
}

// pendingSignin is what the sign-in cookie holds between the redirect to
// the provider and its answer: it binds the answer to this browser.
type pendingSignin struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Expires  int64  `json:"exp"`
}

// cookieJar encrypts (AES-256) and authenticates (HMAC-SHA256) the
// cookies with keys derived from the configured session key, so that every
// replica configured alike reads the others' cookies.
type cookieJar struct {
	codec  *securecookie.SecureCookie
	secure bool
	ttl    time.Duration
}

func deriveKey(secret config.Secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret.Reveal()))
	m.Write([]byte("tourniquet session cookie v1: " + purpose))
	return m.Sum(nil)
}

func newCookieJar(key config.Secret, ttl time.Duration, secure bool) *cookieJar {
	c := securecookie.New(deriveKey(key, "mac"), deriveKey(key, "encryption"))
	c.SetSerializer(securecookie.JSONEncoder{})
	// The expiry inside is checked against the injected clock; the codec's
	// own timestamp check is a backstop against very old cookies.
	c.MaxAge(int((ttl + signinTTL).Seconds()) + 60)
	return &cookieJar{codec: c, secure: secure, ttl: ttl}
}

func (j *cookieJar) sessionName() string {
	if j.secure {
		return secureSessionCookie
	}
	return sessionCookie
}

func (j *cookieJar) set(w http.ResponseWriter, name, path string, v any, maxAge time.Duration) error {
	enc, err := j.codec.Encode(name, v)
	if err != nil {
		return fmt.Errorf("encode %s cookie: %w", name, err)
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: enc, Path: path, MaxAge: int(maxAge.Seconds()),
		Secure: j.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

func (j *cookieJar) clear(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		Secure: j.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// get decodes the cookie name of r into v; false when it is missing,
// tampered with, or not made with this key.
func (j *cookieJar) get(r *http.Request, name string, v any) bool {
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	return j.codec.Decode(name, c.Value, v) == nil
}

// user reads the session of r, valid at now.
func (j *cookieJar) user(r *http.Request, now time.Time) (User, bool) {
	var s session
	if !j.get(r, j.sessionName(), &s) || now.Unix() >= s.Expires || s.User.Email == "" {
		return User{}, false
	}
	return s.User, true
}
