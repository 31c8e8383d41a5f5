package timeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
	. "github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// TestFailForwardDeadlineHeldOrMissed: the report shows each decision's
// deadline and whether it held, in the JSON, the findings and Markdown.
func TestFailForwardDeadlineHeldOrMissed(t *testing.T) {
	s := Declare(t, HM(10, 0), incident.Sev2, "Checkout errors")
	s.Do(s.Incident.FailForwardWithin(HM(10, 5), Alice, "hotfix is building", 30*time.Minute))
	s.Do(s.Incident.Mitigate(HM(10, 20), Bob, "hotfix out"))
	s.Do(s.Incident.Regress(HM(11, 0), Bob, "errors back"))
	s.Do(s.Incident.FailForwardWithin(HM(11, 2), Alice, "second hotfix", 15*time.Minute))
	s.Do(s.Incident.FailForward(HM(11, 3), Bob, "no deadline"))

	x := timeline.Build(s.Incident, s.Events, HM(11, 10))
	ds := x.Analysis.FailForward
	if len(ds) != 3 {
		t.Fatalf("%d decisions, want 3", len(ds))
	}
	if ds[0].Deadline == nil || !ds[0].Deadline.Equal(HM(10, 35)) || ds[0].Held != timeline.DeadlineHeld {
		t.Errorf("first decision: deadline %v held %q, want 10:35 held", ds[0].Deadline, ds[0].Held)
	}
	if ds[1].Held != timeline.DeadlinePending {
		t.Errorf("second decision before its deadline: %q, want pending", ds[1].Held)
	}
	if ds[2].Deadline != nil || ds[2].Held != "" {
		t.Errorf("a decision without a deadline: %+v", ds[2])
	}

	later := timeline.Build(s.Incident, s.Events, HM(11, 30))
	if got := later.Analysis.FailForward[1].Held; got != timeline.DeadlineMissed {
		t.Errorf("second decision past its deadline with impact ongoing: %q, want missed", got)
	}
	md := later.Markdown()
	for _, want := range []string{"deadline 10:35 UTC: held", "deadline 11:17 UTC: missed"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}
