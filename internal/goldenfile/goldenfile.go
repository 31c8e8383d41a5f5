// Package goldenfile compares test output with files under testdata, the one
// way every package's golden renders are checked: `go test -update`
// rewrites them after a person has looked at the change.
//
// Only tests import it: its -update flag is registered on the test binary.
package goldenfile

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Updating reports whether this run rewrites golden files (-update).
func Updating() bool { return *update }

// Assert compares got with testdata/name (name carries its own extension,
// e.g. "card.golden"), or with -update writes got there.
func Assert(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update rewrites it once the change is checked)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}
