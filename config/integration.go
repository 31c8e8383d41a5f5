package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Integration is one entry of the integrations map: a type plus
// type-specific keys this package does not interpret.
//
// Secret keys (see [IsSecretKey]) land in Secrets; a key ending in "_file"
// is read and its content lands in Secrets under the name without "_file"
// (secret_file → Secrets["secret"]). Everything else lands in Settings as
// decoded YAML (string, int, bool, float64, []any, map[string]any).
type Integration struct {
	Type     string
	Settings map[string]any
	Secrets  map[string]Secret
	// Line is the line of the integration's name in the file (0 if none).
	Line int

	files    map[string]string // secret name → file path
	keyLines map[string]int    // key as written → line
	invalid  bool              // not a mapping; already reported
}

// IsSecretKey reports whether an integration key holds a secret inline:
// token, secret, password, api_key, api_token, private_key, or a name
// ending in _token, _secret or _password.
func IsSecretKey(key string) bool {
	switch key {
	case "token", "secret", "password", "api_key", "api_token", "private_key":
		return true
	}
	return strings.HasSuffix(key, "_token") || strings.HasSuffix(key, "_secret") ||
		strings.HasSuffix(key, "_password")
}

// Get returns a setting as a string ("" when absent). Non-string values are
// formatted with fmt.Sprint.
func (in Integration) Get(key string) string {
	v, ok := in.Settings[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Secret returns the named secret (inline or from name_file), empty when
// absent.
func (in Integration) Secret(name string) Secret { return in.Secrets[name] }

// Keys returns every key as written in the file, including type and *_file
// keys, in no particular order.
func (in Integration) Keys() []string {
	out := make([]string, 0, len(in.keyLines))
	for k := range in.keyLines {
		out = append(out, k)
	}
	return out
}

// KeyLine returns the line a key (as written, e.g. "secret_file") was on, or
// the integration's own line when unknown.
func (in Integration) KeyLine(key string) int {
	if l, ok := in.keyLines[key]; ok {
		return l
	}
	return in.Line
}

// flat is the integration as one map, secrets redacted.
func (in Integration) flat() map[string]any {
	m := make(map[string]any, len(in.Settings)+len(in.Secrets)+len(in.files)+1)
	maps.Copy(m, in.Settings)
	for k, p := range in.files {
		m[k+"_file"] = p
	}
	for k, s := range in.Secrets {
		if _, fromFile := in.files[k]; !fromFile {
			m[k] = s
		}
	}
	m["type"] = in.Type
	return m
}

// MarshalYAML writes the integration as one flat mapping with secrets
// redacted.
func (in Integration) MarshalYAML() (any, error) { return in.flat(), nil }

// MarshalJSON writes the integration as one flat object with secrets
// redacted.
func (in Integration) MarshalJSON() ([]byte, error) { return json.Marshal(in.flat()) }
