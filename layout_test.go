package tourniquet_test

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/internal/golist"
)

// The chat adapters: the only packages that speak a platform's protocol.
var adapters = []string{"bot/slack", "bot/discord", "bot/console"}

// scenario is the one package under internal/ that is not a leaf: test
// support that drives the engine and the features.
const scenario = "internal/conformance/scenario"

var listing struct {
	once sync.Once
	pkgs map[string]golist.Package
}

// everything is the module's packages as the binaries link them (tests
// are not listed: a test may import what it needs), listed once.
func everything(t *testing.T) map[string]golist.Package {
	t.Helper()
	listing.once.Do(func() { listing.pkgs = golist.List(t, golist.Module+"/...") })
	pkgs := listing.pkgs
	for _, want := range []string{"cmd/internal/app", "timeline", "timeline/web", "postmortem", "checkin", "internal/clock"} {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list found no %s among %d packages; the pattern is wrong", want, len(pkgs))
		}
	}
	return pkgs
}

// sorted is pkgs' paths in order, so that failures read the same each run.
func sorted(pkgs map[string]golist.Package) []string { return slices.Sorted(maps.Keys(pkgs)) }

// TestOnlyTheCompositionRootWiresAdaptersToStorage: outside cmd/, no
// package imports both a chat adapter and storage; and nothing but an
// adapter's own packages depends on an adapter at all, even indirectly:
// the engine and the features know the message model, never a platform.
func TestOnlyTheCompositionRootWiresAdaptersToStorage(t *testing.T) {
	pkgs := everything(t)
	for _, path := range sorted(pkgs) {
		p := pkgs[path]
		if golist.Under(path, "cmd") || golist.Under(path, adapters...) {
			continue
		}
		var adapter, store string
		for _, imp := range p.Imports {
			switch {
			case golist.Under(imp, adapters...):
				adapter = imp
			case golist.Under(imp, "storage"):
				store = imp
			}
		}
		if adapter != "" && store != "" {
			t.Errorf("%s imports both %s and %s: only the composition root (cmd/internal/app) wires an adapter to storage", path, adapter, store)
		}
		for _, dep := range p.Deps {
			if golist.Under(dep, adapters...) {
				t.Errorf("%s depends on the adapter %s: only cmd/ (and the adapter's own packages) may", path, dep)
			}
		}
	}
}

// TestTimelineIsPure: the report imports the domain and the standard
// library, nothing else: no net/http, no storage, no chat engine. Its test
// scenarios likewise, so that its own tests can use them.
func TestTimelineIsPure(t *testing.T) {
	pkgs := everything(t)
	for _, path := range []string{"timeline", "timeline/timelinetest"} {
		p := pkgs[path]
		if !slices.Equal(p.Deps, []string{"incident"}) {
			t.Errorf("%s depends on %v of Tourniquet; want only incident", path, p.Deps)
		}
		for _, std := range []string{"net/http", "net", "database/sql", "os/exec"} {
			if slices.Contains(p.Std, std) {
				t.Errorf("%s depends on %s: the report does no I/O", path, std)
			}
		}
		if len(p.Others) > 0 {
			t.Errorf("%s depends on %v: the report needs nothing but the standard library", path, p.Others)
		}
	}
}

// TestInternalHoldsLeaves: every package under internal/ imports, of
// Tourniquet, at most other leaves under internal/, even indirectly, so
// that any package may import one; the test support there (and scenario,
// the one package that drives the engine) is imported by tests only.
func TestInternalHoldsLeaves(t *testing.T) {
	pkgs := everything(t)
	testSupport := []string{"internal/termtest", "internal/conformance", "internal/golist"}
	leaves := 0
	for _, path := range sorted(pkgs) {
		p := pkgs[path]
		if golist.Under(path, "internal") && path != scenario {
			leaves++
			for _, dep := range p.Deps {
				if !golist.Under(dep, "internal") || dep == scenario {
					t.Errorf("%s depends on %s: a package under internal/ is a leaf, importing only other leaves", path, dep)
				}
			}
		}
		for _, imp := range p.Imports {
			if golist.Under(imp, testSupport...) {
				t.Errorf("%s imports %s, which is test support: only tests may", path, imp)
			}
		}
	}
	if leaves < 5 {
		t.Errorf("found %d leaves under internal/; the pattern is wrong", leaves)
	}
	for _, dep := range pkgs[scenario].Deps {
		if golist.Under(dep, adapters...) || golist.Under(dep, "cmd") {
			t.Errorf("%s depends on %s: it drives the engine and the features, never an adapter or the composition root", scenario, dep)
		}
	}
}

// TestFeaturesReportThroughCallbacks: only the composition root knows
// Prometheus; the features and the engine declare callbacks (OnResult,
// OnOutcome, OnSent, OnAnswered) that it fills.
func TestFeaturesReportThroughCallbacks(t *testing.T) {
	pkgs := everything(t)
	for _, path := range sorted(pkgs) {
		if golist.Under(path, "cmd") {
			continue
		}
		for _, dep := range pkgs[path].Others {
			if strings.HasPrefix(dep, "github.com/prometheus/") {
				t.Errorf("%s depends on %s: report metrics through a callback the package declares, wired in cmd/internal/app", path, dep)
				break
			}
		}
	}
}
