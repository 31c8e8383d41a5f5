package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// yamlKeys lists every key path of t: "slack.bot_token", "checkins.cadence.sev1".
// Fields of list elements are listed as "actions[].id"; maps as "groups".
func yamlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Secret{}) && ft.PkgPath() == t.PkgPath():
			out = append(out, yamlKeys(ft, path+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, yamlKeys(ft.Elem(), path+"[].")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// documented expands the README's shorthand: `x(_file)` documents x and
// x_file, `a.sev1..sev4` documents sev1 to sev4, and `a.b`, `a.c` rows list
// siblings.
func documented(readme string) map[string]bool {
	toks := map[string]bool{}
	readme = regexp.MustCompile("(?s)```.*?```").ReplaceAllString(readme, "")
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(readme, -1) {
		tok := m[1]
		if base, ok := strings.CutSuffix(tok, "(_file)"); ok {
			toks[base], toks[base+"_file"] = true, true
			continue
		}
		if i := strings.Index(tok, "sev1..sev4"); i >= 0 {
			for _, n := range []string{"sev1", "sev2", "sev3", "sev4"} {
				toks[tok[:i]+n] = true
			}
			continue
		}
		toks[tok] = true
	}
	return toks
}

func TestREADMEDocumentsEveryConfigKey(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	toks := documented(string(b))
	for _, key := range yamlKeys(reflect.TypeOf(Config{}), "") {
		if toks[key] {
			continue
		}
		// A list element's fields are listed on the list's row by name.
		if list, field, ok := strings.Cut(key, "[]."); ok && toks[list+"[]"] && toks[field] {
			continue
		}
		// A map is documented as map.<name>.
		if toks[key+".<name>"] {
			continue
		}
		t.Errorf("README's configuration reference does not mention %q", key)
	}
}
