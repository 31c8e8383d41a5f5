package spec

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/config"
)

// Checker collects the problems of one integration's settings. Keys in
// problems are relative to the integration ("url"), as
// [config.IntegrationValidator] wants them.
type Checker struct {
	in       config.Integration
	problems []config.Problem
}

// Check starts checking in.
func Check(in config.Integration) *Checker { return &Checker{in: in} }

// Problems returns what was found, nil when nothing.
func (c *Checker) Problems() []config.Problem { return c.problems }

// Add records a problem with key.
func (c *Checker) Add(key, format string, args ...any) {
	c.problems = append(c.problems, config.Problem{Key: key, Line: c.line(key), Msg: fmt.Sprintf(format, args...)})
}

func (c *Checker) line(key string) int {
	if key == "" {
		return c.in.Line
	}
	if l := c.in.KeyLine(key); l != c.in.Line {
		return l
	}
	return c.in.KeyLine(key + "_file") // a secret written as name_file, or the integration's line
}

// Known reports every key that is neither "type", one of settings, nor one
// of secrets (written inline or as name_file).
func (c *Checker) Known(settings, secrets []string) {
	known := map[string]bool{"type": true}
	for _, k := range settings {
		known[k] = true
	}
	for _, k := range secrets {
		known[k], known[k+"_file"] = true, true
	}
	written := c.in.Keys()
	if len(written) == 0 { // built in code, not loaded from a file
		for k := range c.in.Settings {
			written = append(written, k)
		}
		for k := range c.in.Secrets {
			written = append(written, k)
		}
	}
	slices.Sort(written)
	all := append(slices.Clone(settings), secrets...)
	slices.Sort(all)
	for _, k := range written {
		if !known[k] {
			c.Add(k, "unknown key for type %s (known: %s)", c.in.Type, strings.Join(all, ", "))
		}
	}
}

// Required reports key when it is absent or blank and returns its value.
func (c *Checker) Required(key, what string) string {
	v := strings.TrimSpace(c.in.Get(key))
	if v == "" {
		c.Add(key, "required: %s", what)
	}
	return v
}

// RequiredSecret reports the secret name when it is absent or empty.
func (c *Checker) RequiredSecret(name, what string) {
	if !c.in.Secret(name).IsSet() {
		c.Add(name, "required: %s (set %s or %s_file)", what, name, name)
	}
}

// URL reports key when it is set but not an absolute http(s) URL, and
// returns its value.
func (c *Checker) URL(key string) string {
	v := strings.TrimSpace(c.in.Get(key))
	if v == "" {
		return ""
	}
	if err := CheckURL(v); err != nil {
		c.Add(key, "%v", err)
	}
	return v
}

// CheckURL returns an error unless s is an absolute http or https URL with a
// host. The error does not repeat the URL (it may hold a credential).
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http:// or https:// URL")
	}
	if u.Host == "" {
		return fmt.Errorf("must include a host")
	}
	if u.User != nil {
		return fmt.Errorf("must not carry credentials; use the token setting")
	}
	return nil
}

// Duration reports key when it is set but not a positive duration, and
// returns it (def when unset or invalid).
func (c *Checker) Duration(key string, def time.Duration) time.Duration {
	d, err := ParseDuration(c.in.Get(key), def)
	if err != nil {
		c.Add(key, "%v", err)
		return def
	}
	return d
}

// ParseDuration parses a positive Go duration ("10s", "1m30s"); "" gives def.
func ParseDuration(s string, def time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return def, fmt.Errorf("must be a positive duration like 10s or 1m, not %q", s)
	}
	return d, nil
}

// Bool reports key when it is set but not a boolean, and returns it (def
// when unset or invalid).
func (c *Checker) Bool(key string, def bool) bool {
	b, err := ParseBool(c.in.Get(key), def)
	if err != nil {
		c.Add(key, "%v", err)
		return def
	}
	return b
}

// ParseBool parses true/false (and the forms strconv accepts); "" gives def.
func ParseBool(s string, def bool) (bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def, fmt.Errorf("must be true or false, not %q", s)
	}
	return b, nil
}

// OneOf reports key when it is set to none of values, and returns its
// value (def when unset).
func (c *Checker) OneOf(key, def string, values ...string) string {
	v := strings.TrimSpace(c.in.Get(key))
	if v == "" {
		return def
	}
	if !slices.Contains(values, v) {
		c.Add(key, "must be one of %s, not %q", strings.Join(values, ", "), v)
	}
	return v
}

// StringMap returns key as a map of strings, reporting it when it is set
// but is not a mapping of scalars.
func (c *Checker) StringMap(key string) map[string]string {
	raw, ok := c.in.Settings[key]
	if !ok || raw == nil {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		c.Add(key, "must be a mapping of names to strings")
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case map[string]any, []any:
			c.Add(key+"."+k, "must be a string")
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Err joins problems into one error, nil when there are none.
func Err(kind string, problems []config.Problem) error {
	if len(problems) == 0 {
		return nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return fmt.Errorf("%s integration: %s", kind, strings.Join(lines, "; "))
}
