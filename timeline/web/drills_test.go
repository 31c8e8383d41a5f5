package web

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// TestDrillsMarkedAndLeftOutOfReports: a drill is marked DRILL on the
// list and its page, and the reports leave it out.
func TestDrillsMarkedAndLeftOutOfReports(t *testing.T) {
	s := storagetest.NewSQLite(t)
	f := newWebFixture(t, s, secured())
	sc := timelinetest.Declare(t, timelinetest.HM(9, 0), incident.Sev3, "DRILL: checkout <b>bad</b> deploy")
	sc.Events[0].Data["drill"] = true
	key := put(t, s, sc)
	inc, err := s.GetIncidentByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDrill(context.Background(), storage.Drill{IncidentID: inc.ID, Service: "checkout", StartedAt: inc.DeclaredAt}); err != nil {
		t.Fatal(err)
	}
	list := f.get("/incidents?state=open", bearerHdr(testToken)...)
	if list.status != 200 || !strings.Contains(list.body, `class="badge drill"`) || strings.Count(list.body, `class="badge drill"`) != 1 {
		t.Errorf("list: %d, want one DRILL badge", list.status)
	}
	if strings.Contains(list.body, "<b>bad</b>") {
		t.Error("a title was not escaped")
	}
	page := f.get("/incidents/"+key, bearerHdr(testToken)...)
	if page.status != 200 || !strings.Contains(page.body, `class="badge drill"`) {
		t.Errorf("incident page: %d, no DRILL badge", page.status)
	}
	if r := f.get("/reports", bearerHdr(testToken)...); r.status != 200 || !strings.Contains(r.body, `id="total-incidents">34<`) {
		t.Errorf("reports: %d; the drill was counted", r.status)
	}
}
