package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// OIDC configures sign-in to the web pages through an OpenID Connect
// provider (authorization code flow with PKCE). It is enabled when Issuer
// is set. The API keeps its bearer token; signed links keep working.
type OIDC struct {
	// Issuer is the provider's issuer URL (its discovery document is at
	// Issuer + "/.well-known/openid-configuration").
	Issuer       string `yaml:"issuer" json:"issuer"`
	ClientID     string `yaml:"client_id" json:"client_id"`
	ClientSecret Secret `yaml:"client_secret" json:"client_secret"`
	// ClientSecretFile holds the client secret (an *_file variant).
	ClientSecretFile string `yaml:"client_secret_file" json:"client_secret_file"`
	// AllowedDomains are the e-mail domains whose verified addresses may
	// sign in ("example.com"); AllowedGroups the provider groups (read from
	// GroupsClaim). Someone matching either may sign in; with both empty
	// nobody may, so that a forgotten list does not open the pages to every
	// account the provider knows.
	AllowedDomains []string `yaml:"allowed_domains" json:"allowed_domains"`
	AllowedGroups  []string `yaml:"allowed_groups" json:"allowed_groups"`
	// GroupsClaim is the ID token claim listing the user's groups
	// ("groups" by default).
	GroupsClaim string `yaml:"groups_claim" json:"groups_claim"`
	// PrivateGroups and PrivateEmails say who among the signed-in users may
	// see private incidents; nobody when both are empty (a private
	// incident's own signed link still opens it).
	PrivateGroups []string `yaml:"private_groups" json:"private_groups"`
	PrivateEmails []string `yaml:"private_emails" json:"private_emails"`
	// SessionKey encrypts and signs the session cookie. Every replica needs
	// the same one; changing it signs everybody out.
	SessionKey     Secret `yaml:"session_key" json:"session_key"`
	SessionKeyFile string `yaml:"session_key_file" json:"session_key_file"`
	// SessionTTL is how long a sign-in lasts (12h by default).
	SessionTTL time.Duration `yaml:"session_ttl" json:"session_ttl"`
}

// Enabled reports whether OIDC sign-in is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// ProxyAuth configures sign-in by an authenticating proxy in front of
// Tourniquet (oauth2-proxy, an identity-aware proxy): the proxy's
// identity headers are believed only on connections from TrustedProxies.
// Enabled when TrustedProxies is set.
type ProxyAuth struct {
	// EmailHeader names the header carrying the signed-in user's e-mail
	// address (X-Forwarded-Email by default; oauth2-proxy's nginx mode sends
	// X-Auth-Request-Email).
	EmailHeader string `yaml:"email_header" json:"email_header"`
	// GroupsHeader names the header listing the user's groups, comma
	// separated (X-Forwarded-Groups by default).
	GroupsHeader string `yaml:"groups_header" json:"groups_header"`
	// TrustedProxies are the addresses or CIDR ranges the proxy connects
	// from; a request from anywhere else is not believed.
	TrustedProxies []string `yaml:"trusted_proxies" json:"trusted_proxies"`
	// AllowedDomains, AllowedGroups, PrivateGroups and PrivateEmails mean
	// what they mean under oidc.
	AllowedDomains []string `yaml:"allowed_domains" json:"allowed_domains"`
	AllowedGroups  []string `yaml:"allowed_groups" json:"allowed_groups"`
	PrivateGroups  []string `yaml:"private_groups" json:"private_groups"`
	PrivateEmails  []string `yaml:"private_emails" json:"private_emails"`
}

// Enabled reports whether identity headers are accepted.
func (p ProxyAuth) Enabled() bool { return len(p.TrustedProxies) > 0 }

// Prefixes parses TrustedProxies (valid after Load).
func (p ProxyAuth) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range p.TrustedProxies {
		if pr, err := parsePrefix(s); err == nil {
			out = append(out, pr)
		}
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// Defaults of the sign-in settings.
const (
	DefaultSessionTTL   = 12 * time.Hour
	DefaultGroupsClaim  = "groups"
	DefaultEmailHeader  = "X-Forwarded-Email"
	DefaultGroupsHeader = "X-Forwarded-Groups"
	// minSessionKey is the shortest session key accepted: it keys the
	// cookie's cipher and MAC.
	minSessionKey = 32
)

// validateSignin fills in the sign-in defaults and checks oidc and
// proxy_auth.
func (l *loader) validateSignin(c *Config) {
	o := &c.OIDC
	for i, d := range o.AllowedDomains {
		o.AllowedDomains[i] = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
	}
	if o.Enabled() {
		l.checkURL("oidc.issuer", o.Issuer)
		if o.ClientID == "" {
			l.fail("oidc.client_id", "required when oidc.issuer is set")
		}
		if !o.ClientSecret.IsSet() {
			l.fail("oidc.client_secret", "required when oidc.issuer is set (or client_secret_file)")
		}
		switch {
		case !o.SessionKey.IsSet():
			l.fail("oidc.session_key", fmt.Sprintf("required when oidc.issuer is set: at least %d random characters, the same on every replica (openssl rand -hex 32)", minSessionKey))
		case len(o.SessionKey.Reveal()) < minSessionKey:
			l.fail("oidc.session_key", fmt.Sprintf("too short: use at least %d random characters (openssl rand -hex 32)", minSessionKey))
		}
		if o.SessionTTL < time.Minute {
			l.fail("oidc.session_ttl", "must be at least 1m")
		}
		if len(o.AllowedDomains) == 0 && len(o.AllowedGroups) == 0 {
			l.warn("oidc.allowed_domains", "neither allowed_domains nor allowed_groups is set: nobody can sign in")
		}
		if !strings.HasPrefix(c.PublicURL, "https://") && !isLoopbackURL(c.PublicURL) {
			l.warn("public_url", "sign-in over plain http: the session cookie can be read on the way; use an https public_url")
		}
	}
	p := &c.ProxyAuth
	if p.EmailHeader == "" || p.GroupsHeader == "" {
		l.fail("proxy_auth.email_header", "header names must not be empty")
	}
	for i, d := range p.AllowedDomains {
		p.AllowedDomains[i] = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
	}
	for i, s := range p.TrustedProxies {
		if _, err := parsePrefix(strings.TrimSpace(s)); err != nil {
			l.fail(fmt.Sprintf("proxy_auth.trusted_proxies[%d]", i), fmt.Sprintf("%q: want an address or a CIDR range (10.0.0.0/8)", s))
		}
	}
	if p.Enabled() && len(p.AllowedDomains) == 0 && len(p.AllowedGroups) == 0 {
		l.warn("proxy_auth.allowed_domains", "neither allowed_domains nor allowed_groups is set: nobody is let in by the proxy's headers")
	}
}

func isLoopbackURL(raw string) bool {
	host := strings.TrimPrefix(raw, "http://")
	host, _, _ = strings.Cut(host, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
