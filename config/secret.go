package config

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Redacted is what a non-empty [Secret] prints, marshals and logs as.
const Redacted = "<secret>"

// Secret holds a credential (token, signing secret, API key, password). Every
// way of printing it — fmt with any verb, JSON, text, YAML, slog — yields
// "<secret>" ("" when empty); only [Secret.Reveal] gives the value.
//
// The value sits behind a pointer so that even reflection-based printing of
// a Secret reached through an unexported field (where fmt cannot call its
// methods) shows an address, not the value. Secret is deliberately not
// comparable with ==; use [Secret.Matches] or [Secret.Equal].
type Secret struct {
	_ [0]func() // not comparable: compare with Matches or Equal
	v *string
}

// NewSecret wraps v.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{v: &v}
}

// Reveal returns the secret's value. Call it only where the value is handed
// to the system that needs it (an Authorization header, an HMAC key).
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.v != nil && *s.v != "" }

// Matches reports, in constant time for equal lengths, whether candidate is
// the secret's value. An empty secret matches nothing.
func (s Secret) Matches(candidate string) bool {
	if !s.IsSet() {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(*s.v), []byte(candidate)) == 1
}

// Equal reports whether s and o hold the same value.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

func (s Secret) redacted() string {
	if !s.IsSet() {
		return ""
	}
	return Redacted
}

// String returns "<secret>", or "" for an empty secret.
func (s Secret) String() string { return s.redacted() }

// GoString returns "<secret>", or "" for an empty secret.
func (s Secret) GoString() string { return s.redacted() }

// Format prints "<secret>" (quoted for %q) whatever the verb, honouring width
// and the '-' flag.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.redacted()
	if verb == 'q' {
		out = strconv.Quote(out)
	}
	if w, ok := f.Width(); ok && len(out) < w {
		pad := strings.Repeat(" ", w-len(out))
		if f.Flag('-') {
			out += pad
		} else {
			out = pad + out
		}
	}
	_, _ = io.WriteString(f, out)
}

// MarshalJSON encodes the secret as "<secret>" (or "").
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.redacted())), nil }

// MarshalText encodes the secret as "<secret>" (or "").
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.redacted()), nil }

// MarshalYAML encodes the secret as "<secret>" (or "").
func (s Secret) MarshalYAML() (any, error) { return s.redacted(), nil }

// LogValue makes slog record "<secret>" (or "").
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

// UnmarshalYAML reads a secret from a YAML scalar. Errors never contain the
// value.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errNotString
	}
	if n.Tag == "!!null" {
		*s = Secret{}
		return nil
	}
	*s = NewSecret(n.Value)
	return nil
}

var (
	_ fmt.Formatter    = Secret{}
	_ fmt.Stringer     = Secret{}
	_ fmt.GoStringer   = Secret{}
	_ slog.LogValuer   = Secret{}
	_ yaml.Marshaler   = Secret{}
	_ yaml.Unmarshaler = (*Secret)(nil)
)
