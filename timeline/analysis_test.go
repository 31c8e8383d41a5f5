package timeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

func mins(n int64) int64 { return n * 60 }

func wantSecs(t *testing.T, name string, got *int64, want int64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %s", name, FormatSeconds(want))
		return
	}
	if *got != want {
		t.Errorf("%s = %s, want %s", name, FormatSeconds(*got), FormatSeconds(want))
	}
}

func phasesOf(x Export) map[incident.Kind][]Phase {
	out := map[incident.Kind][]Phase{}
	for _, ev := range x.Events {
		out[ev.Kind] = append(out[ev.Kind], ev.Phase)
	}
	return out
}

func TestTextbookMetricsAndFlags(t *testing.T) {
	x := build(timelinetest.Textbook(t), timelinetest.HM(18, 0))
	m := x.Metrics
	wantSecs(t, "time_to_mitigate", m.TimeToMitigate, mins(20)) // 13:55 → 14:15
	wantSecs(t, "time_to_diagnose", m.TimeToDiagnose, mins(45))
	wantSecs(t, "time_to_resolve", m.TimeToResolve, mins(95))
	if m.CustomerImpact != mins(20) || m.Regressions != 0 {
		t.Errorf("customer_impact %d, regressions %d; want 20m, 0", m.CustomerImpact, m.Regressions)
	}
	if m.MitigatedBeforeDiagnosed == nil || !*m.MitigatedBeforeDiagnosed {
		t.Errorf("mitigated_before_diagnosed = %v, want true", m.MitigatedBeforeDiagnosed)
	}
	a := x.Analysis
	if a.DiagnosedBeforeMitigated || len(a.FailForward) != 0 || len(a.Instrumentation) != 0 ||
		len(a.Regressions) != 0 || len(a.EscalatedCheckins) != 0 {
		t.Errorf("a textbook incident raised flags: %+v", a)
	}
	// Actions were one click away from the declaration at 14:00; the
	// rollback started at 14:12.
	d := a.MitigationDelay
	if d.AvailableAt == nil || !d.AvailableAt.Equal(timelinetest.HM(14, 0)) || d.UsedAt == nil || !d.UsedAt.Equal(timelinetest.HM(14, 12)) {
		t.Errorf("mitigation delay %+v, want available 14:00 used 14:12", d)
	}
	wantSecs(t, "mitigation delay", d.Seconds, mins(12))
	if d.Action != "Roll back checkout to v41" {
		t.Errorf("first action %q", d.Action)
	}
	if len(a.Actions) != 1 || a.Actions[0].Outcome != "succeeded" || a.Actions[0].StartedAt == nil ||
		a.Actions[0].FinishedAt == nil || a.Actions[0].Phase != PhaseDuringImpact || a.Actions[0].Kind != "rollback" {
		t.Errorf("actions %+v, want one succeeded rollback run during impact", a.Actions)
	}
	ph := phasesOf(x)
	for kind, want := range map[incident.Kind]Phase{
		incident.KindDeclared: PhaseDuringImpact, incident.KindCheckinSent: PhaseDuringImpact,
		incident.KindActionSucceeded: PhaseDuringImpact, incident.KindMitigated: PhaseAfterMitigation,
		incident.KindStatusUpdate: PhaseAfterMitigation, incident.KindDiagnosed: PhaseAfterMitigation,
		incident.KindResolved: PhaseAfterMitigation,
	} {
		if got := ph[kind]; len(got) != 1 || got[0] != want {
			t.Errorf("%s phase %v, want %s", kind, got, want)
		}
	}
}

func TestMicroscopeFlags(t *testing.T) {
	x := build(timelinetest.Microscope(t), timelinetest.HM(18, 0))
	m, a := x.Metrics, x.Analysis
	wantSecs(t, "time_to_mitigate", m.TimeToMitigate, mins(50))
	wantSecs(t, "time_to_diagnose", m.TimeToDiagnose, mins(30))
	if m.CustomerImpact != mins(60) || m.Regressions != 1 { // 10:00–10:50 + 11:00–11:10
		t.Errorf("customer_impact %s, regressions %d; want 1h, 1", FormatSeconds(m.CustomerImpact), m.Regressions)
	}
	if m.MitigatedBeforeDiagnosed == nil || *m.MitigatedBeforeDiagnosed {
		t.Errorf("mitigated_before_diagnosed = %v, want false", m.MitigatedBeforeDiagnosed)
	}
	if !a.DiagnosedBeforeMitigated {
		t.Error("diagnosed before mitigated is not flagged")
	}
	if len(a.FailForward) != 1 || a.FailForward[0].Reason != "hotfix is building, rollback would lose the new index" ||
		!a.FailForward[0].By.Same(timelinetest.Alice) || a.FailForward[0].ImpactAfter != mins(40) {
		t.Errorf("fail-forward %+v, want alice's decision with impact going on 40m after", a.FailForward)
	}
	// The instrumentation run during impact is flagged once (not once per
	// event of its run); the note the actions engineer marked is flagged;
	// the same instrumentation after mitigation is not.
	if len(a.Instrumentation) != 2 || !a.Instrumentation[0].At.Equal(timelinetest.HM(10, 5)) ||
		a.Instrumentation[0].Action != "Enable debug logging on search" || !a.Instrumentation[1].At.Equal(timelinetest.HM(10, 7)) {
		t.Errorf("instrumentation %+v, want the 10:05 run and the 10:07 marked event", a.Instrumentation)
	}
	if len(a.Regressions) != 1 || !a.Regressions[0].At.Equal(timelinetest.HM(11, 0)) || a.Regressions[0].Lasted != mins(10) ||
		a.Regressions[0].MitigatedAgainAt == nil || !a.Regressions[0].MitigatedAgainAt.Equal(timelinetest.HM(11, 10)) ||
		a.Regressions[0].Text != "empty results again in eu-west" {
		t.Errorf("regressions %+v", a.Regressions)
	}
	if len(a.EscalatedCheckins) != 1 || !a.EscalatedCheckins[0].At.Equal(timelinetest.HM(10, 25)) {
		t.Errorf("escalated check-ins %+v", a.EscalatedCheckins)
	}
	// Instrumentation is not a mitigation action: the first one is the
	// route-away at 11:05, 65m after the declaration offered actions.
	wantSecs(t, "mitigation delay", a.MitigationDelay.Seconds, mins(65))
	if a.MitigationDelay.Action != "Route search traffic to us-east" {
		t.Errorf("first mitigation action %q", a.MitigationDelay.Action)
	}
	if len(a.Actions) != 3 || a.Actions[2].Outcome != "failed" || a.Actions[1].Phase != PhaseAfterMitigation {
		t.Errorf("actions %+v", a.Actions)
	}
	ph := phasesOf(x)
	if got := ph[incident.KindMitigated]; len(got) != 2 || got[0] != PhaseAfterMitigation || got[1] != PhaseAfterMitigation {
		t.Errorf("mitigated phases %v", got)
	}
	if got := ph[incident.KindRegressed]; len(got) != 1 || got[0] != PhaseDuringImpact {
		t.Errorf("regressed phase %v, want during impact (it opens a window)", got)
	}
	if got := ph[incident.KindNote]; len(got) != 2 || got[0] != PhaseDuringImpact || got[1] != PhaseAfterResolution {
		t.Errorf("note phases %v", got)
	}
}

func TestUnmitigatedAndOngoing(t *testing.T) {
	x := build(timelinetest.Unmitigated(t), timelinetest.HM(23, 0))
	if x.Metrics.CustomerImpact != mins(60) || x.Metrics.TimeToMitigate != nil || x.Metrics.MitigatedBeforeDiagnosed != nil {
		t.Errorf("unmitigated metrics %+v: impact counts up to the resolution", x.Metrics)
	}
	if !x.Analysis.DiagnosedBeforeMitigated {
		t.Error("a diagnosis with no mitigation at all is diagnosed before mitigated")
	}
	if ph := phasesOf(x)[incident.KindResolved]; len(ph) != 1 || ph[0] != PhaseDuringImpact {
		t.Errorf("resolution of a never-mitigated incident: phase %v, want during impact", ph)
	}
	if x.Analysis.MitigationDelay.UsedAt != nil || x.Analysis.MitigationDelay.Seconds != nil {
		t.Errorf("no action ran, delay %+v", x.Analysis.MitigationDelay)
	}

	o := build(timelinetest.Ongoing(t), timelinetest.HM(16, 45))
	if o.Metrics.CustomerImpact != mins(45) || o.ImpactWindows[0].End == nil || !o.ImpactWindows[0].End.Equal(timelinetest.HM(16, 45)) {
		t.Errorf("open incident: impact %s, windows %+v; want counted to now", FormatSeconds(o.Metrics.CustomerImpact), o.ImpactWindows)
	}
	if o.Analysis.DiagnosedBeforeMitigated {
		t.Error("nothing diagnosed, nothing to flag")
	}
}

// The JSON keeps DESIGN §4's field names; phases and the analysis are
// additions.
func TestExportJSONShape(t *testing.T) {
	b, err := build(timelinetest.Microscope(t), timelinetest.HM(18, 0)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"incident", "impact_started_at", "declared_at", "mitigated_at", "diagnosed_at", "resolved_at", "metrics", "events"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	inc := doc["incident"].(map[string]any)
	for _, k := range []string{"key", "title", "severity", "impact", "cause", "state", "lead", "services"} {
		if _, ok := inc[k]; !ok {
			t.Errorf("missing incident.%s", k)
		}
	}
	metrics := doc["metrics"].(map[string]any)
	for _, k := range []string{"time_to_mitigate", "time_to_diagnose", "time_to_resolve", "customer_impact", "regressions", "mitigated_before_diagnosed"} {
		if _, ok := metrics[k]; !ok {
			t.Errorf("missing metrics.%s", k)
		}
	}
	ev := doc["events"].([]any)[0].(map[string]any)
	for _, k := range []string{"at", "kind", "actor", "text", "source", "data", "phase"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("missing events[0].%s", k)
		}
	}
	if ev["phase"] != "during impact" || ev["kind"] != "declared" {
		t.Errorf("first event %v", ev)
	}
	if metrics["time_to_mitigate"] != float64(3000) || metrics["mitigated_before_diagnosed"] != false {
		t.Errorf("metrics %v", metrics)
	}
	if !strings.Contains(string(b), `"fail_forward": [`) {
		t.Error("analysis.fail_forward missing")
	}
}

func TestTemplateSummaryKeepsClocksApart(t *testing.T) {
	x := build(timelinetest.Textbook(t), timelinetest.HM(18, 0))
	s := TemplateSummary(FactsOf(x, nil))
	paras := strings.Split(s, "\n\n")
	if len(paras) != 3 {
		t.Fatalf("want 3 paragraphs (impact, diagnosis, resolution), got %d:\n%s", len(paras), s)
	}
	// What mitigated is what the person said, not the rollback that had
	// merely succeeded before it.
	if !strings.Contains(paras[0], "first mitigated 20m later") || !strings.Contains(paras[0], "rollback to v41 brought errors to zero") ||
		strings.Contains(paras[0], "after running") || strings.Contains(paras[0], "cause") {
		t.Errorf("impact paragraph: %s", paras[0])
	}
	if !strings.Contains(paras[1], "identified 45m after impact started") || !strings.Contains(paras[1], "Mitigation came first") ||
		!strings.Contains(paras[1], "locked the orders table") {
		t.Errorf("diagnosis paragraph: %s", paras[1])
	}
	m := TemplateSummary(FactsOf(build(timelinetest.Microscope(t), timelinetest.HM(18, 0)), nil))
	for _, want := range []string{"decided to fix forward", "instrumentation was run", "The diagnosis came first", "came back once", "went unanswered"} {
		if !strings.Contains(m, want) {
			t.Errorf("microscope summary lacks %q:\n%s", want, m)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	for s, want := range map[int64]string{0: "0s", 45: "45s", 60: "1m", 750: "12m 30s", 3600: "1h 00m", 7500: "2h 05m", 90000: "1d 01h"} {
		if got := FormatSeconds(s); got != want {
			t.Errorf("FormatSeconds(%d) = %q, want %q", s, got, want)
		}
	}
}

// build is the export of a scenario as of now.
func build(s *timelinetest.Scenario, now time.Time) Export { return Build(s.Incident, s.Events, now) }
