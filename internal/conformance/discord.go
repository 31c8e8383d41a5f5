package conformance

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DiscordRequest is one request a client sent to Discord's REST API.
type DiscordRequest struct {
	Method string
	// Path is relative to the API base: "channels/1/messages".
	Path string
	// Query is the raw query string.
	Query string
	// Body is the JSON body, empty for none.
	Body []byte
}

func (r DiscordRequest) name(template string) string {
	if template == "" {
		template = r.Path
	}
	return r.Method + " " + strings.TrimPrefix(template, "/")
}

// DiscordSpec is Discord's OpenAPI description, ready to check requests
// against: the route and method exist and are not deprecated, query
// parameters are known and well typed, and the JSON body validates against
// the operation's request schema, with no property the schema does not
// name (the description leaves additionalProperties unset almost
// everywhere; Discord ignores or refuses unknown fields, so the checks
// treat every object schema with properties as closed).
type DiscordSpec struct {
	base   string
	routes []discordRoute

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

type discordRoute struct {
	template string
	segs     []string
	literals int
	ops      map[string]discordOp // by lower-case HTTP method
}

type discordOp struct {
	id         string
	deprecated bool
	// body is the JSON pointer of the application/json request schema.
	body         string
	bodyRequired bool
	// query maps each query parameter to the pointer of its schema.
	query    map[string]string
	required []string
}

const discordSpecURL = "https://discord.com/api/v10/openapi.json"

func newDiscordSpec(b []byte) (*DiscordSpec, error) {
	doc, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("discord spec: %w", err)
	}
	root, _ := doc.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, errors.New("discord spec: no paths")
	}
	closeObjects(root)
	s := &DiscordSpec{base: discordSpecURL, schemas: map[string]*jsonschema.Schema{}}
	for tmpl, v := range paths {
		item, _ := v.(map[string]any)
		r := discordRoute{template: tmpl, segs: strings.Split(strings.Trim(tmpl, "/"), "/"), ops: map[string]discordOp{}}
		for _, seg := range r.segs {
			if !strings.HasPrefix(seg, "{") {
				r.literals++
			}
		}
		shared, _ := item["parameters"].([]any)
		for method, o := range item {
			op, ok := o.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			r.ops[method] = parseOp(tmpl, method, op, shared)
		}
		s.routes = append(s.routes, r)
	}
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].template < s.routes[j].template })
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(s.base, root); err != nil {
		return nil, fmt.Errorf("discord spec: %w", err)
	}
	s.compiler = c
	return s, nil
}

func parseOp(tmpl, method string, op map[string]any, shared []any) discordOp {
	d := discordOp{query: map[string]string{}}
	d.id, _ = op["operationId"].(string)
	dep, _ := op["deprecated"].(bool)
	d.deprecated = dep || strings.HasPrefix(d.id, "deprecated_")
	own, _ := op["parameters"].([]any)
	for i, p := range append(append([]any(nil), shared...), own...) {
		pm, _ := p.(map[string]any)
		if pm["in"] != "query" {
			continue
		}
		name, _ := pm["name"].(string)
		where := pointer("paths", tmpl, method, "parameters")
		if i < len(shared) {
			where = pointer("paths", tmpl, "parameters")
		} else {
			i -= len(shared)
		}
		d.query[name] = where + fmt.Sprintf("/%d/schema", i)
		if req, _ := pm["required"].(bool); req {
			d.required = append(d.required, name)
		}
	}
	if rb, ok := op["requestBody"].(map[string]any); ok {
		if content, ok := rb["content"].(map[string]any); ok && content["application/json"] != nil {
			d.body = pointer("paths", tmpl, method, "requestBody", "content", "application/json", "schema")
		}
		d.bodyRequired, _ = rb["required"].(bool)
	}
	return d
}

// closeObjects sets additionalProperties: false on every object schema
// that names its properties and says nothing about others.
func closeObjects(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["properties"].(map[string]any); ok && isObjectType(x["type"]) {
			_, a := x["additionalProperties"]
			_, u := x["unevaluatedProperties"]
			if !a && !u {
				x["additionalProperties"] = false
			}
		}
		for _, c := range x {
			closeObjects(c)
		}
	case []any:
		for _, c := range x {
			closeObjects(c)
		}
	}
}

func isObjectType(t any) bool {
	switch x := t.(type) {
	case string:
		return x == "object"
	case []any:
		for _, s := range x {
			if s == "object" {
				return true
			}
		}
	}
	return false
}

// route finds the route of a path: the template that matches it with the
// most literal segments ("messages/pins/{id}" before "messages/{id}/…").
func (s *DiscordSpec) route(path string) (discordRoute, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, found := discordRoute{}, false
	for _, r := range s.routes {
		if len(r.segs) != len(segs) || (found && r.literals <= best.literals) {
			continue
		}
		ok := true
		for i, seg := range r.segs {
			if !strings.HasPrefix(seg, "{") && seg != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			best, found = r, true
		}
	}
	return best, found
}

// schema compiles the schema at a pointer of the description, once.
func (s *DiscordSpec) schema(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(s.base + "#" + ptr)
	if err != nil {
		return nil, err
	}
	s.schemas[ptr] = sch
	return sch, nil
}

// Check returns every way the request breaks Discord's API description and
// its documented limits (see discordlimits.go).
func (s *DiscordSpec) Check(req DiscordRequest) []Violation {
	r, ok := s.route(req.Path)
	if !ok {
		return []Violation{{req.name(""), "no such route in Discord's API"}}
	}
	name := req.name(r.template)
	op, ok := r.ops[strings.ToLower(req.Method)]
	if !ok {
		return []Violation{{name, "Discord's API has no " + req.Method + " on this route"}}
	}
	var out []Violation
	fail := func(format string, args ...any) { out = append(out, Violation{name, fmt.Sprintf(format, args...)}) }
	if op.deprecated {
		fail("deprecated operation %s", op.id)
	}
	q, err := url.ParseQuery(req.Query)
	if err != nil {
		fail("query %q does not parse", req.Query)
	}
	for _, k := range op.required {
		if !q.Has(k) {
			fail("query parameter %s is required", k)
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := q[k]
		ptr, known := op.query[k]
		if !known {
			fail("unknown query parameter %s", k)
			continue
		}
		sch, err := s.schema(ptr)
		if err != nil {
			fail("query parameter %s: schema: %v", k, err)
			continue
		}
		for _, v := range vs {
			if err := sch.Validate(queryValue(v)); err != nil {
				fail("query parameter %s=%q: %s", k, v, leafErrors(err))
			}
		}
	}
	if len(req.Body) == 0 {
		if op.bodyRequired {
			fail("a JSON body is required")
		}
		return out
	}
	if op.body == "" {
		fail("this operation takes no JSON body")
		return out
	}
	body, err := decodeJSON(req.Body)
	if err != nil {
		fail("body is not JSON: %v", err)
		return out
	}
	sch, err := s.schema(op.body)
	if err != nil {
		fail("request schema: %v", err)
		return out
	}
	if err := sch.Validate(body); err != nil {
		fail("body: %s", leafErrors(err))
	}
	for _, p := range discordLimits(op.id, body) {
		fail("%s", p)
	}
	return out
}

// queryValue reads a query value as the schema types it: a number or a
// boolean when it is one, else a string.
func queryValue(v string) any {
	if x, err := decodeJSON([]byte(v)); err == nil {
		switch x.(type) {
		case bool, jsonNumber:
			return x
		}
	}
	return v
}
