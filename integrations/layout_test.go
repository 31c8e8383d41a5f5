package integrations_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/internal/golist"
)

// forbidden are the parts of Tourniquet an integration must never compile:
// the runner, the chat engine and its adapters, the other features, the
// stores, the report, and the wiring.
var forbidden = []string{"actions", "bot", "checkin", "postmortem", "storage", "timeline", "cmd"}

// allowed are the packages of Tourniquet an integration or the kit may
// import directly (besides the kit itself): the contract, the domain, the
// settings, and two standard-library-only helpers the kit uses.
var allowed = []string{"actiontype", "incident", "config", "internal/clock", "internal/redact"}

// TestIntegrationsCompileOnTheirOwn: no integration, and no kit package,
// depends on the runner, the chat engine or an adapter, storage or the
// timeline, even indirectly; each imports nothing of Tourniquet but the
// contract (actiontype), incident, config and the kit.
func TestIntegrationsCompileOnTheirOwn(t *testing.T) {
	pkgs := golist.List(t, golist.Module+"/integrations/...")
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages under integrations/; the pattern is wrong", len(pkgs))
	}
	for _, rel := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[rel]
		if rel == "integrations" {
			continue
		}
		for _, dep := range p.Deps {
			if golist.Under(dep, forbidden...) {
				t.Errorf("%s depends on %s: an integration must compile without the runner, the chat engine, storage or the timeline (use actiontype, not actions)", rel, dep)
			}
		}
		for _, imp := range p.Imports {
			if !golist.Under(imp, allowed...) && !golist.Under(imp, "integrations/kit") {
				t.Errorf("%s imports %s; an integration may import only %s and integrations/kit", rel, imp, strings.Join(allowed, ", "))
			}
		}
	}
}

// TestActiontypeIsALeaf: the contract imports nothing of Tourniquet but
// incident, so that implementing it costs nothing else.
func TestActiontypeIsALeaf(t *testing.T) {
	p := golist.List(t, golist.Module+"/actiontype")["actiontype"]
	if got := p.Deps; !slices.Equal(got, []string{"incident"}) {
		t.Errorf("actiontype depends on %v of Tourniquet; want only incident", got)
	}
}
