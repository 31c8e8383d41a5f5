package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// SlackCall is one Web API call a client made.
type SlackCall struct {
	// Method is the API method: "chat.postMessage".
	Method string
	// HTTPMethod is GET or POST.
	HTTPMethod string
	// Form holds the arguments of a form or query call.
	Form url.Values
	// JSON holds the arguments of a JSON call.
	JSON map[string]any
	// Bearer is true when the token travelled in the Authorization header.
	Bearer bool
}

func (c SlackCall) name() string { return c.HTTPMethod + " " + c.Method }

// SlackSpec is Slack's Web API description (Swagger 2.0), ready to check
// calls against: the method exists, every argument is known, required ones
// are there, and each has the declared type.
type SlackSpec struct {
	methods map[string]slackMethod
}

type slackMethod struct {
	params   map[string]string // name → type
	required []string
	token    bool // the method declares a token
}

// slackNewer are Web API methods and arguments that post-date the
// description (2021-09): each is documented on api.slack.com today.
var slackNewer = map[string][]string{
	// Socket Mode's connection URL, with the app-level token.
	"apps.connections.open": {},
	// Message metadata (2022).
	"chat.postMessage": {"metadata"},
	"chat.update":      {"metadata"},
	// include_all_metadata returns message metadata (2022).
	"conversations.history": {"include_all_metadata"},
	"conversations.replies": {"include_all_metadata"},
	// force: invite the users who can be invited when some cannot (2023).
	"conversations.invite": {"force"},
}

func newSlackSpec(b []byte) (*SlackSpec, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Type     string `json:"type"`
				Required bool   `json:"required"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("slack spec: %w", err)
	}
	if len(doc.Paths) == 0 {
		return nil, errors.New("slack spec: no paths")
	}
	s := &SlackSpec{methods: map[string]slackMethod{}}
	for path, verbs := range doc.Paths {
		m := slackMethod{params: map[string]string{}}
		for _, op := range verbs {
			for _, p := range op.Parameters {
				if p.Name == "token" {
					m.token = true
					continue
				}
				m.params[p.Name] = p.Type
				if p.Required {
					m.required = append(m.required, p.Name)
				}
			}
		}
		s.methods[strings.TrimPrefix(path, "/")] = m
	}
	for method, args := range slackNewer {
		m, ok := s.methods[method]
		if !ok {
			m = slackMethod{params: map[string]string{}, token: true}
		}
		for _, a := range args {
			m.params[a] = "string"
		}
		s.methods[method] = m
	}
	return s, nil
}

// Check returns every way the call breaks Slack's Web API description and
// the documented limits of what it carries (Block Kit in blocks and views,
// see blockkit.go).
func (s *SlackSpec) Check(c SlackCall) []Violation {
	m, ok := s.methods[c.Method]
	if !ok {
		return []Violation{{c.name(), "no such Web API method"}}
	}
	var out []Violation
	fail := func(format string, args ...any) { out = append(out, Violation{c.name(), fmt.Sprintf(format, args...)}) }
	if c.HTTPMethod != "GET" && c.HTTPMethod != "POST" {
		fail("the Web API takes GET or POST, not %s", c.HTTPMethod)
	}
	if m.token && !c.Bearer {
		fail("no bearer token in the Authorization header")
	}
	args := map[string]any{}
	for k, vs := range c.Form {
		if len(vs) != 1 {
			fail("argument %s given %d times", k, len(vs))
		}
		if len(vs) > 0 {
			args[k] = vs[0]
		}
	}
	for k, v := range c.JSON {
		args[k] = v
	}
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "token" {
			fail("the token travels in the request body (it belongs in the Authorization header)")
			continue
		}
		typ, known := m.params[k]
		if !known {
			fail("unknown argument %s", k)
			continue
		}
		if problem := slackType(typ, args[k], c.JSON != nil); problem != "" {
			fail("argument %s: %s", k, problem)
		}
	}
	for _, k := range m.required {
		if _, ok := args[k]; !ok {
			fail("required argument %s is missing", k)
		}
	}
	for _, p := range slackLimits(c.Method, args) {
		fail("%s", p)
	}
	return out
}

// slackType checks a value against a declared type. Form values are
// strings; in a JSON body a structured argument (blocks, view) may be the
// JSON value itself, as Slack documents for JSON calls.
func slackType(typ string, v any, jsonBody bool) string {
	if s, ok := v.(string); ok {
		switch typ {
		case "boolean":
			if s != "true" && s != "false" && s != "1" && s != "0" {
				return fmt.Sprintf("%q is not a boolean", s)
			}
		case "integer":
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				return fmt.Sprintf("%q is not an integer", s)
			}
		case "number":
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				return fmt.Sprintf("%q is not a number", s)
			}
		}
		return ""
	}
	if !jsonBody {
		return fmt.Sprintf("%s is not a form value", compact(v))
	}
	switch x := v.(type) {
	case bool:
		if typ == "boolean" {
			return ""
		}
	case float64:
		if typ == "number" || (typ == "integer" && x == float64(int64(x))) {
			return ""
		}
	case map[string]any, []any:
		if typ == "string" {
			return ""
		}
	}
	return fmt.Sprintf("%s is not a %s", compact(v), typ)
}
