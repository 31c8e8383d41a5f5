package integrations_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tourniquet/tourniquet"

// forbidden are the parts of Tourniquet an integration must never compile:
// the runner, the chat engine and its adapters, the other features, the
// stores, the report, and the wiring.
var forbidden = []string{"actions", "bot", "checkin", "postmortem", "storage", "timeline", "internal/app", "cmd"}

// allowed are the packages of Tourniquet an integration or the kit may
// import directly (besides the kit itself): the contract, the domain, the
// settings, and two standard-library-only helpers the kit uses.
var allowed = []string{"actiontype", "incident", "config", "internal/clock", "internal/redact"}

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// goList is `go list -deps`'s view (imports, transitive dependencies) of
// patterns, without tests, as the binary links them.
func goList(t *testing.T, patterns ...string) map[string]listed {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to list packages with: %v", err)
	}
	args := append([]string{"list", "-e", "-json=ImportPath,Imports,Deps,Error"}, patterns...)
	var stderr bytes.Buffer
	cmd := exec.Command(gobin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// ours returns the packages of Tourniquet among paths, relative to the
// module ("config", "integrations/kit/spec").
func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

func under(rel string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return rel == r || strings.HasPrefix(rel, r+"/") })
}

// TestIntegrationsCompileOnTheirOwn: no integration, and no kit package,
// depends on the runner, the chat engine or an adapter, storage or the
// timeline, even indirectly; each imports nothing of Tourniquet but the
// contract (actiontype), incident, config and the kit.
func TestIntegrationsCompileOnTheirOwn(t *testing.T) {
	pkgs := goList(t, module+"/integrations/...")
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages under integrations/; the pattern is wrong", len(pkgs))
	}
	for _, path := range slices.Sorted(maps.Keys(pkgs)) {
		p, rel := pkgs[path], strings.TrimPrefix(path, module+"/")
		if rel == "integrations" {
			continue
		}
		for _, dep := range ours(p.Deps) {
			if under(dep, forbidden) {
				t.Errorf("%s depends on %s: an integration must compile without the runner, the chat engine, storage or the timeline (use actiontype, not actions)", rel, dep)
			}
		}
		for _, imp := range ours(p.Imports) {
			if !under(imp, allowed) && !under(imp, []string{"integrations/kit"}) {
				t.Errorf("%s imports %s; an integration may import only %s and integrations/kit", rel, imp, strings.Join(allowed, ", "))
			}
		}
	}
}

// TestActiontypeIsALeaf: the contract imports nothing of Tourniquet but
// incident, so that implementing it costs nothing else.
func TestActiontypeIsALeaf(t *testing.T) {
	p := goList(t, module+"/actiontype")[module+"/actiontype"]
	if got := ours(p.Deps); !slices.Equal(got, []string{"incident"}) {
		t.Errorf("actiontype depends on %v of Tourniquet; want only incident", got)
	}
}
