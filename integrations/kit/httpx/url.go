package httpx

import (
	"fmt"
	"net/url"
	"strings"
)

// ParseBase parses an API base URL: absolute http(s), with a host, without
// user info, query or fragment. A trailing slash is optional. The error
// never repeats the URL.
func ParseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("base URL is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("base URL must be an http:// or https:// URL")
	case u.Host == "":
		return nil, fmt.Errorf("base URL must include a host")
	case u.User != nil:
		return nil, fmt.Errorf("base URL must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base URL must not have a query or fragment")
	}
	return u, nil
}

// Join appends path segments to base, keeping base's own path (a proxy
// prefix such as https://host/argocd). Each segment is escaped as one path
// segment, so a slash or "?" inside a flag name cannot change the route;
// empty, "." and ".." segments are refused. With trailingSlash the path
// ends in "/" (Django REST APIs such as Flagsmith want it).
func Join(base *url.URL, trailingSlash bool, segments ...string) (*url.URL, error) {
	u := *base
	u.RawQuery, u.Fragment = "", ""
	var b strings.Builder
	b.WriteString(strings.TrimRight(base.EscapedPath(), "/"))
	for _, s := range segments {
		if s == "" || s == "." || s == ".." {
			return nil, fmt.Errorf("invalid path segment %q", s)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	if trailingSlash || b.Len() == 0 {
		b.WriteByte('/')
	}
	raw := b.String()
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid path: %w", err)
	}
	u.Path, u.RawPath = p, raw
	return &u, nil
}

// MustJoin is Join for segments known to be valid; it returns base's
// string form on error, for links.
func MustJoin(base *url.URL, segments ...string) string {
	u, err := Join(base, false, segments...)
	if err != nil {
		return base.String()
	}
	return u.String()
}
