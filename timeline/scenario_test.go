package timeline

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

var (
	day   = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	carol = incident.Actor{Platform: "discord", ID: "81234567890123456", Name: "carol"}
)

// hm is 2026-03-02 at hh:mm UTC.
func hm(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// scenario builds an incident and its timeline step by step, through the
// domain's own transitions, the way the engine would.
type scenario struct {
	t   *testing.T
	inc *incident.Incident
	evs []incident.Event
}

func declare(t *testing.T, at time.Time, sev incident.Severity, title string) *scenario {
	t.Helper()
	inc, ev, err := incident.Declare(at, alice, sev, title)
	if err != nil {
		t.Fatal(err)
	}
	inc.ID, inc.Key = 7, "INC-7"
	s := &scenario{t: t, inc: inc}
	s.add(ev, incident.SourceTyped)
	return s
}

func (s *scenario) add(ev incident.Event, src incident.Source) *scenario {
	if ev.Source == "" {
		ev.Source = src
	}
	ev.Seq = int64(len(s.evs) + 1)
	s.evs = append(s.evs, ev)
	return s
}

func (s *scenario) do(ev incident.Event, err error) *scenario {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("step %d: %v", len(s.evs)+1, err)
	}
	return s.add(ev, incident.SourceTyped)
}

// raw records an event no transition makes (check-ins, actions).
func (s *scenario) raw(at time.Time, kind incident.Kind, by incident.Actor, text string, src incident.Source, data map[string]any) *scenario {
	return s.add(incident.NewEvent(at, kind, by, text, data), src)
}

// action records a whole run: requested, started, and its outcome.
func (s *scenario) action(run, id, kind string, by incident.Actor, start time.Time, took time.Duration, outcome incident.Kind, text string) *scenario {
	d := func() map[string]any {
		return map[string]any{"run_id": run, "action_id": id, "title": id, "kind": kind}
	}
	s.raw(start, incident.KindActionRequested, by, id, incident.SourceButton, d())
	s.raw(start, incident.KindActionStarted, by, id, incident.SourceAction, d())
	return s.raw(start.Add(took), outcome, incident.System, text, incident.SourceAction, d())
}

func (s *scenario) export(now time.Time) Export {
	return Build(s.inc, s.evs, now)
}

// textbook: impact noticed late, a rollback one click away used quickly,
// mitigation well before the diagnosis.
func textbook(t *testing.T) *scenario {
	s := declare(t, hm(14, 0), incident.Sev1, "Checkout errors after deploy")
	s.do(s.inc.MoveImpactStart(hm(14, 2), alice, hm(13, 55)))
	s.do(s.inc.SetServices(hm(14, 3), alice, []string{"checkout", "payments"}))
	s.raw(hm(14, 10), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, map[string]any{"checkin": "c1"})
	s.action("r1", "Roll back checkout to v41", "rollback", bob, hm(14, 12), 40*time.Second, incident.KindActionSucceeded, "checkout rolled back to v41")
	s.raw(hm(14, 15), incident.KindCheckinAnswered, bob, "yes", incident.SourceButton, map[string]any{"answer": "yes"})
	s.do(s.inc.Mitigate(hm(14, 15), bob, "rollback to v41 brought errors to zero"))
	s.do(s.inc.Update(hm(14, 20), alice, "Checkout is working again; we are looking for the cause."))
	s.do(s.inc.Diagnose(hm(14, 40), carol, "v42 shipped a migration that locked the orders table"))
	s.do(s.inc.Resolve(hm(15, 30), alice, "Migration rewritten to run online; v43 deployed"))
	return s
}

// microscope: instrumentation and a fail-forward while customers wait,
// the diagnosis first, an unanswered check-in, and a regression.
func microscope(t *testing.T) *scenario {
	s := declare(t, hm(10, 0), incident.Sev2, "Search returns empty results")
	s.action("i1", "Enable debug logging on search", "instrumentation", bob, hm(10, 5), time.Minute, incident.KindActionSucceeded, "debug logging on")
	s.raw(hm(10, 7), incident.KindNote, bob, "deployed an extra trace build", incident.SourceTyped, map[string]any{"instrumentation_during_impact": true})
	s.do(s.inc.FailForward(hm(10, 10), alice, "hotfix is building, rollback would lose the new index"))
	s.raw(hm(10, 15), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, nil)
	s.raw(hm(10, 25), incident.KindCheckinEscalated, incident.System, "no answer after 2 check-ins; paging the lead", incident.SourceCheckin, nil)
	s.do(s.inc.Diagnose(hm(10, 30), bob, "index alias pointed at an empty index"))
	s.do(s.inc.Mitigate(hm(10, 50), alice, "hotfix deployed"))
	s.action("i2", "Enable debug logging on search", "instrumentation", bob, hm(10, 55), time.Minute, incident.KindActionSucceeded, "debug logging on")
	s.do(s.inc.Regress(hm(11, 0), carol, "empty results again in eu-west"))
	s.action("r2", "Route search traffic to us-east", "route-away", alice, hm(11, 5), 2*time.Minute, incident.KindActionFailed, "traffic manager answered 409")
	s.do(s.inc.Mitigate(hm(11, 10), alice, "alias fixed by hand"))
	s.do(s.inc.Resolve(hm(11, 30), alice, ""))
	s.do(s.inc.Note(hm(11, 45), bob, "remember to add an alert on empty result rate"))
	return s
}

// unmitigated: diagnosed, never mitigated, resolved.
func unmitigated(t *testing.T) *scenario {
	s := declare(t, hm(9, 0), incident.Sev3, "Slow image uploads")
	s.do(s.inc.Diagnose(hm(9, 20), alice, "CDN origin shield disabled"))
	s.do(s.inc.Resolve(hm(10, 0), alice, "origin shield re-enabled"))
	return s
}

// ongoing: an open incident, impact still ongoing.
func ongoing(t *testing.T) *scenario {
	s := declare(t, hm(16, 0), incident.Sev2, "Login failures")
	s.raw(hm(16, 10), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", incident.SourceCheckin, nil)
	s.raw(hm(16, 11), incident.KindCheckinAnswered, alice, "no", incident.SourceButton, map[string]any{"answer": "no"})
	return s
}
