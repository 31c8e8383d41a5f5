package web

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// User is who signed in to the pages (through OpenID Connect or an
// authenticating proxy).
type User struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// EmailVerified is what the provider said of the address.
	EmailVerified bool `json:"ev,omitempty"`
	// Groups are the provider's groups that matter to the Policy (the
	// others are not kept, so that a session cookie stays small).
	Groups []string `json:"groups,omitempty"`
}

// Display is the name the page header shows.
func (u User) Display() string {
	if u.Email != "" {
		return u.Email
	}
	return u.Name
}

// Authenticator tells who a page request comes from.
type Authenticator interface {
	// User returns the signed-in user of r, when there is one the Policy
	// lets in.
	User(r *http.Request) (User, bool)
}

// Policy says who may sign in, and who of them sees private incidents.
// Domains are lower-case e-mail domains; an address counts only when the
// provider says it is verified.
type Policy struct {
	AllowedDomains []string
	AllowedGroups  []string
	PrivateGroups  []string
	PrivateEmails  []string
}

// emailDomain is the lower-case domain of an address, "" for none.
func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 || i == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// Allows reports whether someone with this e-mail address (verified or
// not) and these groups may sign in.
func (p Policy) Allows(email string, verified bool, groups []string) bool {
	if verified && email != "" && slices.Contains(p.AllowedDomains, emailDomain(email)) {
		return true
	}
	for _, g := range groups {
		if slices.Contains(p.AllowedGroups, g) {
			return true
		}
	}
	return false
}

// SeesPrivate reports whether u may see private incidents.
func (p Policy) SeesPrivate(u User) bool {
	for _, e := range p.PrivateEmails {
		if strings.EqualFold(e, u.Email) {
			return true
		}
	}
	for _, g := range u.Groups {
		if slices.Contains(p.PrivateGroups, g) {
			return true
		}
	}
	return false
}

// relevant keeps of groups those the policy names.
func (p Policy) relevant(groups []string) []string {
	var out []string
	for _, g := range groups {
		if slices.Contains(p.AllowedGroups, g) || slices.Contains(p.PrivateGroups, g) {
			out = append(out, g)
		}
	}
	return out
}

// ProxyAuth believes the identity headers of an authenticating proxy
// (oauth2-proxy, an identity-aware proxy) on requests that come from one
// of its addresses, and on no other: anyone can send the headers.
type ProxyAuth struct {
	// EmailHeader and GroupsHeader name the headers (groups comma
	// separated).
	EmailHeader  string
	GroupsHeader string
	Trusted      []netip.Prefix
	Policy       Policy
}

// User returns the proxy's user of r.
func (p *ProxyAuth) User(r *http.Request) (User, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return User{}, false
	}
	addr := ap.Addr().Unmap()
	if !slices.ContainsFunc(p.Trusted, func(pr netip.Prefix) bool { return pr.Contains(addr) }) {
		return User{}, false
	}
	email := strings.TrimSpace(r.Header.Get(p.EmailHeader))
	if email == "" || strings.ContainsAny(email, " \t\r\n<>\"") {
		return User{}, false
	}
	var groups []string
	for g := range strings.SplitSeq(r.Header.Get(p.GroupsHeader), ",") {
		if g = strings.TrimSpace(g); g != "" {
			groups = append(groups, g)
		}
	}
	// The proxy has verified the address: that is what it is for.
	if !p.Policy.Allows(email, true, groups) {
		return User{}, false
	}
	return User{Email: email, EmailVerified: true, Groups: p.Policy.relevant(groups)}, true
}
