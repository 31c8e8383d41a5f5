// Package timelinetest builds incidents and their timelines for tests of
// the report (timeline) and its pages (timeline/web): four scenarios a
// reader can picture (textbook, microscope, unmitigated, ongoing) and the
// builder they are made with, which goes through the domain's own
// transitions the way the engine would. It imports only incident, so that
// timeline's own tests can use it.
package timelinetest

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// The day the scenarios happen on, and the people in them.
var (
	Day   = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	Alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	Bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	Carol = incident.Actor{Platform: "discord", ID: "81234567890123456", Name: "carol"}
)

// HM is 2026-03-02 (Day) at hh:mm UTC.
func HM(h, m int) time.Time {
	return Day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// Scenario builds an incident and its timeline step by step, through the
// domain's own transitions, the way the engine would. Build the export
// with timeline.Build(s.Incident, s.Events, now).
type Scenario struct {
	t testing.TB
	// Incident is INC-7 as the steps so far left it.
	Incident *incident.Incident
	// Events are its timeline, numbered from 1.
	Events []incident.Event
}

// Declare starts a scenario: Alice declares INC-7 at at.
func Declare(t testing.TB, at time.Time, sev incident.Severity, title string) *Scenario {
	t.Helper()
	inc, ev, err := incident.Declare(at, Alice, sev, title)
	if err != nil {
		t.Fatal(err)
	}
	inc.ID, inc.Key = 7, "INC-7"
	s := &Scenario{t: t, Incident: inc}
	s.Add(ev, incident.SourceTyped)
	return s
}

// Add appends ev, from src unless it says where it came from.
func (s *Scenario) Add(ev incident.Event, src incident.Source) *Scenario {
	if ev.Source == "" {
		ev.Source = src
	}
	ev.Seq = int64(len(s.Events) + 1)
	s.Events = append(s.Events, ev)
	return s
}

// Do appends the event of a typed transition, failing the test if the
// transition failed: s.Do(s.Incident.Mitigate(at, by, how)).
func (s *Scenario) Do(ev incident.Event, err error) *Scenario {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("step %d: %v", len(s.Events)+1, err)
	}
	return s.Add(ev, incident.SourceTyped)
}

// Raw records an event no transition makes (check-ins, actions).
func (s *Scenario) Raw(at time.Time, kind incident.Kind, by incident.Actor, text string, src incident.Source, data map[string]any) *Scenario {
	return s.Add(incident.NewEvent(at, kind, by, text, data), src)
}

// Action records a whole run: requested, started, and its outcome.
func (s *Scenario) Action(run, id, kind string, by incident.Actor, start time.Time, took time.Duration, outcome incident.Kind, text string) *Scenario {
	d := func() map[string]any {
		return map[string]any{"run_id": run, "action_id": id, "title": id, "kind": kind}
	}
	s.Raw(start, incident.KindActionRequested, by, id, incident.SourceButton, d())
	s.Raw(start, incident.KindActionStarted, by, id, incident.SourceAction, d())
	return s.Raw(start.Add(took), outcome, incident.System, text, incident.SourceAction, d())
}

// Textbook: impact noticed late, a rollback one click away used quickly,
// mitigation well before the diagnosis.
func Textbook(t testing.TB) *Scenario {
	s := Declare(t, HM(14, 0), incident.Sev1, "Checkout errors after deploy")
	s.Do(s.Incident.MoveImpactStart(HM(14, 2), Alice, HM(13, 55)))
	s.Do(s.Incident.SetServices(HM(14, 3), Alice, []string{"checkout", "payments"}))
	s.Raw(HM(14, 10), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, map[string]any{"checkin": "c1"})
	s.Action("r1", "Roll back checkout to v41", "rollback", Bob, HM(14, 12), 40*time.Second, incident.KindActionSucceeded, "checkout rolled back to v41")
	s.Raw(HM(14, 15), incident.KindCheckinAnswered, Bob, "yes", incident.SourceButton, map[string]any{"answer": "yes"})
	s.Do(s.Incident.Mitigate(HM(14, 15), Bob, "rollback to v41 brought errors to zero"))
	s.Do(s.Incident.Update(HM(14, 20), Alice, "Checkout is working again; we are looking for the cause."))
	s.Do(s.Incident.Diagnose(HM(14, 40), Carol, "v42 shipped a migration that locked the orders table"))
	s.Do(s.Incident.Resolve(HM(15, 30), Alice, "Migration rewritten to run online; v43 deployed"))
	return s
}

// Microscope: instrumentation and a fail-forward while customers wait,
// the diagnosis first, an unanswered check-in, and a regression.
func Microscope(t testing.TB) *Scenario {
	s := Declare(t, HM(10, 0), incident.Sev2, "Search returns empty results")
	s.Action("i1", "Enable debug logging on search", "instrumentation", Bob, HM(10, 5), time.Minute, incident.KindActionSucceeded, "debug logging on")
	s.Raw(HM(10, 7), incident.KindNote, Bob, "deployed an extra trace build", incident.SourceTyped, map[string]any{"instrumentation_during_impact": true})
	s.Do(s.Incident.FailForward(HM(10, 10), Alice, "hotfix is building, rollback would lose the new index"))
	s.Raw(HM(10, 15), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, nil)
	s.Raw(HM(10, 25), incident.KindCheckinEscalated, incident.System, "no answer after 2 check-ins; paging the lead", incident.SourceCheckin, nil)
	s.Do(s.Incident.Diagnose(HM(10, 30), Bob, "index alias pointed at an empty index"))
	s.Do(s.Incident.Mitigate(HM(10, 50), Alice, "hotfix deployed"))
	s.Action("i2", "Enable debug logging on search", "instrumentation", Bob, HM(10, 55), time.Minute, incident.KindActionSucceeded, "debug logging on")
	s.Do(s.Incident.Regress(HM(11, 0), Carol, "empty results again in eu-west"))
	s.Action("r2", "Route search traffic to us-east", "route-away", Alice, HM(11, 5), 2*time.Minute, incident.KindActionFailed, "traffic manager answered 409")
	s.Do(s.Incident.Mitigate(HM(11, 10), Alice, "alias fixed by hand"))
	s.Do(s.Incident.Resolve(HM(11, 30), Alice, ""))
	s.Do(s.Incident.Note(HM(11, 45), Bob, "remember to add an alert on empty result rate"))
	return s
}

// Unmitigated: diagnosed, never mitigated, resolved.
func Unmitigated(t testing.TB) *Scenario {
	s := Declare(t, HM(9, 0), incident.Sev3, "Slow image uploads")
	s.Do(s.Incident.Diagnose(HM(9, 20), Alice, "CDN origin shield disabled"))
	s.Do(s.Incident.Resolve(HM(10, 0), Alice, "origin shield re-enabled"))
	return s
}

// Ongoing: an open incident, impact still ongoing.
func Ongoing(t testing.TB) *Scenario {
	s := Declare(t, HM(16, 0), incident.Sev2, "Login failures")
	s.Raw(HM(16, 10), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, nil)
	s.Raw(HM(16, 11), incident.KindCheckinAnswered, Alice, "no", incident.SourceButton, map[string]any{"answer": "no"})
	return s
}
