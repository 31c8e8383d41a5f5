package readiness_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestDrillOpenedAndGraded: a drill opens a DRILL incident in a drill-
// channel with the banner on its card; someone refused a command is in
// the grade, posted and stored at resolve.
func TestDrillOpenedAndGraded(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, 1)
		if r := h.do(alice, lobby, "/incident drill a,b"); !r.Error || !strings.Contains(r.Message.PlainText(), "one service at a time") {
			t.Errorf("two services: %+v", r)
		}
		inc, ch := h.declare(alice, "/incident drill checkout <b>bad</b> deploy")
		if inc.Title != "DRILL: checkout — <b>bad</b> deploy" || strings.Join(inc.Services, ",") != "checkout" || inc.Severity != incident.Sev3 {
			t.Errorf("drill incident %q %v %s", inc.Title, inc.Services, inc.Severity)
		}
		opens := h.rec.Ops("open")
		if len(opens) != 1 || !strings.HasPrefix(opens[0].Open.Name, "drill-1-checkout") {
			t.Errorf("channel opened: %+v", opens)
		}
		d, err := s.GetDrill(context.Background(), inc.ID)
		if err != nil || d.Service != "checkout" || d.Scenario != "<b>bad</b> deploy" {
			t.Fatalf("drill %+v %v", d, err)
		}
		if got := h.posts("DRILL of checkout"); len(got) == 0 && len(h.updates("DRILL of checkout")) == 0 {
			t.Error("no card shows the drill's banner")
		}

		h.clock.Advance(2 * time.Minute)
		if r := h.do(bob, ch, "/incident sev 1"); !r.Error {
			t.Errorf("bob changed the severity: %+v", r)
		}
		h.clock.Advance(3 * time.Minute)
		h.do(alice, ch, "/incident mitigated rolled back staging")
		h.do(alice, ch, "/incident resolve drill over")

		d, _ = s.GetDrill(context.Background(), inc.ID)
		var g readiness.Grade
		if d.GradedAt == nil || json.Unmarshal(d.Grade, &g) != nil {
			t.Fatalf("not graded: %+v", d)
		}
		if g.TimeToFirstAction != nil || g.TimeToMitigation == nil || *g.TimeToMitigation != 300 || len(g.FailedActions) != 0 ||
			len(g.Denied) != 1 || !strings.HasPrefix(g.Denied[0], "bob: ") {
			t.Errorf("grade %+v", g)
		}
		msgs := h.posts("Drill graded: INC-1")
		if len(msgs) != 1 {
			t.Fatalf("grade message %d", len(msgs))
		}
		fields := ""
		for _, b := range msgs[0].Blocks {
			for _, f := range b.Fields {
				fields += f.Label + "=" + f.Value.String() + ";"
			}
		}
		if !strings.Contains(fields, "Time to first action=no action was run") || !strings.Contains(fields, "Time to mitigation=5m") || !strings.Contains(fields, "People refused what they needed=bob: ") {
			t.Errorf("grade fields %s", fields)
		}
	})
}

// TestResolvingARealIncidentGradesNothing: only drills are graded.
func TestResolvingARealIncidentGradesNothing(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), 1)
	_, ch := h.declare(alice, "/incident declare sev2 Checkout errors")
	h.do(alice, ch, "/incident resolve fixed")
	if len(h.posts("Drill graded")) != 0 {
		t.Error("a real incident was graded as a drill")
	}
}
