package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var errNotString = errors.New("must be a string")

var (
	secretType      = reflect.TypeFor[Secret]()
	durationType    = reflect.TypeFor[time.Duration]()
	integrationType = reflect.TypeFor[Integration]()
)

// decoder walks a yaml.Node tree against the Config structs, decoding what
// it can and recording a Problem, with key path and line, for everything it
// cannot: unknown and duplicate keys, wrong shapes, unparseable values. It
// never stops at the first problem.
type decoder struct {
	problems []Problem
	lines    map[string]int // key path → line of its value
}

func (d *decoder) add(key string, line int, format string, args ...any) {
	d.problems = append(d.problems, Problem{Key: key, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads one YAML document. It returns a nil node for an empty one.
func parse(data []byte) (*yaml.Node, []Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, []Problem{syntaxProblem(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, []Problem{syntaxProblem(err)}
		}
		return nil, []Problem{{Line: extra.Line, Msg: "only one YAML document is allowed"}}
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

func syntaxProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return Problem{Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type pair struct{ key, val *yaml.Node }

// pairs returns a mapping's entries with "<<" merge keys expanded (keys
// written in the mapping win over merged ones). With report set it records
// duplicate and non-string keys.
func (d *decoder) pairs(path string, n *yaml.Node, report bool) []pair {
	var out, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(path, resolve(v), report)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			if report {
				d.add(path, k.Line, "keys must be plain strings, not %s", kindName(k))
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			if report {
				d.add(join(path, k.Value), k.Line, "duplicate key (first at line %d)", first)
			}
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, pair{k, v})
	}
	for _, p := range merged {
		if _, ok := seen[p.key.Value]; !ok {
			seen[p.key.Value] = p.key.Line
			out = append(out, p)
		}
	}
	return out
}

func (d *decoder) merge(path string, v *yaml.Node, report bool) []pair {
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(path, v, false)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			if item = resolve(item); item.Kind == yaml.MappingNode {
				out = append(out, d.pairs(path, item, false)...)
			} else if report {
				d.add(path, item.Line, "<< must merge a mapping, not %s", kindName(item))
			}
		}
		return out
	}
	if report {
		d.add(path, v.Line, "<< must merge a mapping, not %s", kindName(v))
	}
	return nil
}

// value decodes n into v, which is addressable. A null leaves v as it is,
// so defaults survive "key:" with nothing after it.
func (d *decoder) value(path string, n *yaml.Node, v reflect.Value) {
	n = resolve(n)
	if n == nil {
		return
	}
	d.lines[path] = n.Line
	if isNull(n) {
		return
	}
	switch v.Type() {
	case secretType:
		if n.Kind != yaml.ScalarNode {
			d.add(path, n.Line, "must be a string, not %s", kindName(n)) // never the value
			return
		}
		v.Set(reflect.ValueOf(NewSecret(n.Value)))
		return
	case durationType:
		if n.Kind != yaml.ScalarNode {
			d.add(path, n.Line, "must be a duration such as 30s, not %s", kindName(n))
			return
		}
		dur, err := time.ParseDuration(strings.TrimSpace(n.Value))
		if err != nil {
			d.add(path, n.Line, "invalid duration %q (use Go syntax such as 30s, 5m or 1h30m)", n.Value)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.add(path, n.Line, "must be a string, not %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.add(path, n.Line, "must be true or false")
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.add(path, n.Line, "must be a whole number")
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&f) != nil {
			d.add(path, n.Line, "must be a number")
			return
		}
		v.SetFloat(f)
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		before := len(d.problems)
		d.value(path, n, e.Elem())
		if len(d.problems) == before {
			v.Set(e)
		}
	case reflect.Struct:
		d.structure(path, n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(path, n.Line, "must be a list, not %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.add(path, n.Line, "must be a mapping, not %s", kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for _, p := range d.pairs(path, n, true) {
			sub := join(path, p.key.Value)
			e := reflect.New(v.Type().Elem()).Elem()
			if v.Type().Elem() == integrationType {
				d.lines[sub] = p.key.Line
				e.Set(reflect.ValueOf(d.integration(sub, p.key.Line, p.val)))
			} else {
				d.value(sub, p.val, e)
			}
			m.SetMapIndex(reflect.ValueOf(p.key.Value), e)
		}
		v.Set(m)
	default:
		panic("config: no decoder for " + v.Type().String())
	}
}

func (d *decoder) structure(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.add(path, n.Line, "must be a mapping, not %s", kindName(n))
		return
	}
	fields, names := yamlFields(v.Type())
	for _, p := range d.pairs(path, n, true) {
		key := p.key.Value
		i, ok := fields[key]
		if !ok {
			d.add(join(path, key), p.key.Line, "unknown key%s", suggest(key, names))
			continue
		}
		d.value(join(path, key), p.val, v.Field(i))
	}
}

// yamlFields maps a struct's yaml key names to field indexes.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// integration decodes one entry of the integrations map; see [Integration].
func (d *decoder) integration(path string, line int, n *yaml.Node) Integration {
	in := Integration{
		Line:     line,
		Settings: map[string]any{},
		Secrets:  map[string]Secret{},
		files:    map[string]string{},
		keyLines: map[string]int{},
	}
	n = resolve(n)
	if isNull(n) {
		return in
	}
	if n.Kind != yaml.MappingNode {
		d.add(path, n.Line, "must be a mapping with at least a type, not %s", kindName(n))
		in.invalid = true
		return in
	}
	for _, p := range d.pairs(path, n, true) {
		k, sub, val := p.key.Value, join(path, p.key.Value), resolve(p.val)
		in.keyLines[k] = p.key.Line
		d.lines[sub] = val.Line
		if isNull(val) {
			continue
		}
		base, isFile := strings.CutSuffix(k, "_file")
		switch {
		case k == "type":
			if val.Kind != yaml.ScalarNode {
				d.add(sub, val.Line, "must be a string, not %s", kindName(val))
				continue
			}
			in.Type = val.Value
		case isFile && base != "":
			if val.Kind != yaml.ScalarNode {
				d.add(sub, val.Line, "must be a file path, not %s", kindName(val))
				continue
			}
			in.files[base] = val.Value
		case IsSecretKey(k):
			if val.Kind != yaml.ScalarNode {
				d.add(sub, val.Line, "must be a string, not %s", kindName(val))
				continue
			}
			in.Secrets[k] = NewSecret(val.Value)
		default:
			var x any
			if err := val.Decode(&x); err != nil {
				d.add(sub, val.Line, "cannot decode: %v", err)
				continue
			}
			in.Settings[k] = x
		}
	}
	for base := range in.files {
		if _, inline := in.keyLines[base]; inline {
			d.add(join(path, base+"_file"), in.keyLines[base+"_file"], "set either %s or %s_file, not both", base, base)
		}
	}
	return in
}

// suggest returns " (did you mean x?)" for the closest known name, if close.
func suggest(key string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := levenshtein(key, n); dist < bestDist && dist <= max(len(n), len(key))/3+1 {
			best, bestDist = n, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
