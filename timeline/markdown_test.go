package timeline

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, name, got)
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
