package incident

import (
	"errors"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	alice = Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = Actor{Platform: "slack", ID: "U2", Name: "bob"}
)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

func secs(n int) *int64 { v := int64(n) * 60; return &v }

func boolp(b bool) *bool { return &b }

// step applies one transition to inc and fails the test on error.
type step func(inc *Incident) (Event, error)

func TestComputeMetrics(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		now   time.Time
		want  Metrics
	}{
		{
			name: "mitigation first",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Mitigate(at(12), alice, "rolled back") },
				func(i *Incident) (Event, error) { return i.Diagnose(at(40), alice, "bad deploy") },
				func(i *Incident) (Event, error) { return i.Resolve(at(90), alice, "fixed") },
			},
			now: at(500),
			want: Metrics{TimeToMitigate: secs(12), TimeToDiagnose: secs(40), TimeToResolve: secs(90),
				CustomerImpact: 12 * 60, MitigatedBeforeDiagnosed: boolp(true)},
		},
		{
			name: "diagnosis first",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Diagnose(at(5), alice, "expired cert") },
				func(i *Incident) (Event, error) { return i.Mitigate(at(30), alice, "renewed") },
				func(i *Incident) (Event, error) { return i.Resolve(at(31), alice, "") },
			},
			now: at(500),
			want: Metrics{TimeToMitigate: secs(30), TimeToDiagnose: secs(5), TimeToResolve: secs(31),
				CustomerImpact: 30 * 60, MitigatedBeforeDiagnosed: boolp(false)},
		},
		{
			name: "two regressions make three impact intervals",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Mitigate(at(10), alice, "") }, // 10
				func(i *Incident) (Event, error) { return i.Regress(at(20), bob, "") },
				func(i *Incident) (Event, error) { return i.Mitigate(at(25), alice, "") }, // 5
				func(i *Incident) (Event, error) { return i.Regress(at(40), bob, "") },
				func(i *Incident) (Event, error) { return i.Mitigate(at(47), alice, "") }, // 7
				func(i *Incident) (Event, error) { return i.Resolve(at(60), alice, "") },
			},
			now: at(500),
			want: Metrics{TimeToMitigate: secs(10), TimeToResolve: secs(60),
				CustomerImpact: 22 * 60, Regressions: 2},
		},
		{
			name: "impact start moved earlier",
			steps: []step{
				func(i *Incident) (Event, error) { return i.MoveImpactStart(at(3), alice, at(-15)) },
				func(i *Incident) (Event, error) { return i.Mitigate(at(5), alice, "") },
				func(i *Incident) (Event, error) { return i.Diagnose(at(45), alice, "x") },
			},
			now: at(50),
			want: Metrics{TimeToMitigate: secs(20), TimeToDiagnose: secs(60),
				CustomerImpact: 20 * 60, MitigatedBeforeDiagnosed: boolp(true)},
		},
		{
			name:  "open incident counted up to now",
			steps: nil,
			now:   at(33),
			want:  Metrics{CustomerImpact: 33 * 60},
		},
		{
			name: "regressed and still open counts the open window to now",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Mitigate(at(10), alice, "") },
				func(i *Incident) (Event, error) { return i.Regress(at(30), bob, "") },
			},
			now:  at(45),
			want: Metrics{TimeToMitigate: secs(10), CustomerImpact: 25 * 60, Regressions: 1},
		},
		{
			name: "resolved while impact ongoing counts up to resolution, not now",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Resolve(at(20), alice, "") },
			},
			now:  at(999),
			want: Metrics{TimeToResolve: secs(20), CustomerImpact: 20 * 60},
		},
		{
			name: "missing timestamps give null",
			steps: []step{
				func(i *Incident) (Event, error) { return i.Diagnose(at(7), alice, "dns") },
			},
			now:  at(8),
			want: Metrics{TimeToDiagnose: secs(7), CustomerImpact: 8 * 60},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc, _, err := Declare(t0, alice, Sev1, "Checkout errors")
			if err != nil {
				t.Fatal(err)
			}
			for n, s := range tt.steps {
				if _, err := s(inc); err != nil {
					t.Fatalf("step %d: %v", n, err)
				}
			}
			got := inc.ComputeMetrics(tt.now)
			checkInt := func(name string, got, want *int64) {
				t.Helper()
				switch {
				case got == nil && want == nil:
				case got == nil || want == nil:
					t.Errorf("%s = %v, want %v", name, ptrStr(got), ptrStr(want))
				case *got != *want:
					t.Errorf("%s = %d, want %d", name, *got, *want)
				}
			}
			checkInt("time_to_mitigate", got.TimeToMitigate, tt.want.TimeToMitigate)
			checkInt("time_to_diagnose", got.TimeToDiagnose, tt.want.TimeToDiagnose)
			checkInt("time_to_resolve", got.TimeToResolve, tt.want.TimeToResolve)
			if got.CustomerImpact != tt.want.CustomerImpact {
				t.Errorf("customer_impact = %d, want %d", got.CustomerImpact, tt.want.CustomerImpact)
			}
			if got.Regressions != tt.want.Regressions {
				t.Errorf("regressions = %d, want %d", got.Regressions, tt.want.Regressions)
			}
			gb, wb := got.MitigatedBeforeDiagnosed, tt.want.MitigatedBeforeDiagnosed
			if (gb == nil) != (wb == nil) || (gb != nil && *gb != *wb) {
				t.Errorf("mitigated_before_diagnosed = %v, want %v", bstr(gb), bstr(wb))
			}
		})
	}
}

func ptrStr(p *int64) any {
	if p == nil {
		return "null"
	}
	return *p
}

func bstr(p *bool) any {
	if p == nil {
		return "null"
	}
	return *p
}

func TestTransitionsRejectNonsense(t *testing.T) {
	fresh := func(t *testing.T) *Incident {
		inc, _, err := Declare(t0, alice, Sev2, "API latency")
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	tests := []struct {
		name string
		do   func(i *Incident) error
		want error
	}{
		{"mitigate twice", func(i *Incident) error {
			i.Mitigate(at(1), alice, "")
			_, err := i.Mitigate(at(2), alice, "")
			return err
		}, ErrAlreadyMitigated},
		{"regress when not mitigated", func(i *Incident) error {
			_, err := i.Regress(at(1), alice, "")
			return err
		}, ErrNotMitigated},
		{"mitigate a resolved incident", func(i *Incident) error {
			i.Resolve(at(1), alice, "")
			_, err := i.Mitigate(at(2), alice, "")
			return err
		}, ErrResolved},
		{"resolve twice", func(i *Incident) error {
			i.Resolve(at(1), alice, "")
			_, err := i.Resolve(at(2), alice, "")
			return err
		}, ErrResolved},
		{"impact start after first mitigation", func(i *Incident) error {
			i.Mitigate(at(10), alice, "")
			_, err := i.MoveImpactStart(at(20), alice, at(11))
			return err
		}, ErrImpactStartAfterMitigation},
		{"impact start in the future", func(i *Incident) error {
			_, err := i.MoveImpactStart(at(5), alice, at(6))
			return err
		}, ErrImpactStartInFuture},
		{"diagnose twice", func(i *Incident) error {
			i.Diagnose(at(1), alice, "a")
			_, err := i.Diagnose(at(2), alice, "b")
			return err
		}, ErrAlreadyDiagnosed},
		{"diagnose with no cause", func(i *Incident) error {
			_, err := i.Diagnose(at(1), alice, "  ")
			return err
		}, ErrEmptyCause},
		{"fail forward once mitigated", func(i *Incident) error {
			i.Mitigate(at(1), alice, "")
			_, err := i.FailForward(at(2), alice, "hotfix is ready")
			return err
		}, ErrNotOngoing},
		{"same severity", func(i *Incident) error {
			_, err := i.SetSeverity(at(1), alice, Sev2)
			return err
		}, ErrSameSeverity},
		{"bad severity", func(i *Incident) error {
			_, err := i.SetSeverity(at(1), alice, Severity("sev7"))
			return err
		}, ErrBadSeverity},
		{"update on resolved", func(i *Incident) error {
			i.Resolve(at(1), alice, "")
			_, err := i.Update(at(2), alice, "still here")
			return err
		}, ErrResolved},
		{"same lead", func(i *Incident) error {
			_, err := i.AssignLead(at(1), bob, alice)
			return err
		}, ErrSameLead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(fresh(t)); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNoteAllowedOnResolved(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev3, "x")
	inc.Resolve(at(1), alice, "")
	ev, err := inc.Note(at(2), bob, "remember the cache")
	if err != nil || ev.Kind != KindNote || ev.Actor != bob {
		t.Fatalf("note on resolved: %v %+v", err, ev)
	}
}

func TestFailedTransitionChangesNothing(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	inc.Mitigate(at(4), alice, "")
	before := inc.Clone()
	if _, err := inc.MoveImpactStart(at(9), alice, at(6)); err == nil {
		t.Fatal("expected error")
	}
	if !inc.ImpactStartedAt.Equal(before.ImpactStartedAt) || !inc.Windows[0].Start.Equal(before.Windows[0].Start) {
		t.Fatal("a refused transition changed the incident")
	}
}

func TestDeclare(t *testing.T) {
	if _, _, err := Declare(t0, alice, Sev1, "   "); !errors.Is(err, ErrEmptyTitle) {
		t.Fatalf("empty title: %v", err)
	}
	inc, ev, err := Declare(t0, alice, "", "DB down")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Severity != DefaultSeverity || inc.Impact != ImpactOngoing || inc.Cause != CauseUnknown ||
		inc.State != StateOpen || !inc.Lead.Same(alice) || !inc.Declarer.Same(alice) || !inc.ImpactStartedAt.Equal(t0) {
		t.Fatalf("declared incident: %+v", inc)
	}
	if ev.Kind != KindDeclared || ev.Text != "DB down" {
		t.Fatalf("declared event: %+v", ev)
	}
}

func TestParseSeverityAndKey(t *testing.T) {
	for in, want := range map[string]Severity{"sev1": Sev1, "SEV2": Sev2, "3": Sev3, " sev4 ": Sev4} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"sev7", "", "0", "sev", "high"} {
		if _, err := ParseSeverity(bad); !errors.Is(err, ErrBadSeverity) {
			t.Errorf("ParseSeverity(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int64{"INC-7": 7, "inc-12": 12, "7": 7} {
		if got, err := ParseKey(in); err != nil || got != want {
			t.Errorf("ParseKey(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"INC-", "INC-x", "-3", "0", ""} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestActorSameIgnoresDisplayName(t *testing.T) {
	impostor := Actor{Platform: "slack", ID: "U999", Name: "alice"}
	if impostor.Same(alice) {
		t.Fatal("same display name must not make the same user")
	}
	if !alice.Same(Actor{Platform: "slack", ID: "U1", Name: "Alice (renamed)"}) {
		t.Fatal("same ID must be the same user")
	}
	if _, err := ParseUserRef("slack:U1"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"U1", "Slack:U1", "slack:", ":U1", "https://evil", "slack:<@U1>"} {
		if _, err := ParseUserRef(bad); err == nil {
			t.Errorf("ParseUserRef(%q) accepted", bad)
		}
	}
}
