package timeline

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./timeline -run Markdown -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; diff it with go test ./timeline -run Markdown -update && git diff %s\n--- got ---\n%s", name, path, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	cases := []struct {
		name string
		s    func(testing.TB) *timelinetest.Scenario
		now  time.Time
	}{
		{"textbook.md", timelinetest.Textbook, timelinetest.HM(18, 0)},
		{"microscope.md", timelinetest.Microscope, timelinetest.HM(18, 0)},
		{"unmitigated.md", timelinetest.Unmitigated, timelinetest.HM(18, 0)},
		{"ongoing.md", timelinetest.Ongoing, timelinetest.HM(16, 45)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, build(tc.s(t), tc.now).Markdown())
		})
	}
}
