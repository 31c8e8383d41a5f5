package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		line  string
		check func(c Command) bool
	}{
		{"/incident declare sev1 Checkout errors", func(c Command) bool {
			return c.Name == CmdDeclare && c.Severity == incident.Sev1 && c.Text == "Checkout errors" && !c.Here
		}},
		{"declare Checkout errors", func(c Command) bool { return c.Severity == "" && c.Text == "Checkout errors" }},
		{"declare here SEV3 Slow search", func(c Command) bool {
			return c.Here && c.Severity == incident.Sev3 && c.Text == "Slow search"
		}},
		{"declare Several services down", func(c Command) bool {
			return c.Severity == "" && c.Text == "Several services down"
		}},
		{"declare sev1 Severe latency", func(c Command) bool {
			return c.Severity == incident.Sev1 && c.Text == "Severe latency"
		}},
		{"sev 2", func(c Command) bool { return c.Name == CmdSev && c.Severity == incident.Sev2 }},
		{"severity sev4", func(c Command) bool { return c.Name == CmdSev && c.Severity == incident.Sev4 }},
		{"lead <@U0123ABCD>", func(c Command) bool { return c.Lead.ID == "U0123ABCD" && c.Lead.Platform == "" }},
		{"lead <@U0123ABCD|alice>", func(c Command) bool { return c.Lead.ID == "U0123ABCD" && c.Lead.Name == "alice" }},
		{"lead <@!81234567890123456>", func(c Command) bool { return c.Lead.ID == "81234567890123456" }},
		{"lead discord:8123", func(c Command) bool { return c.Lead.Platform == "discord" && c.Lead.ID == "8123" }},
		{"lead @bob", func(c Command) bool { return c.Lead.ID == "bob" }},
		{"update  Rolled back, watching error rates ", func(c Command) bool {
			return c.Name == CmdUpdate && c.Text == "Rolled back, watching error rates"
		}},
		{"mitigated", func(c Command) bool { return c.Name == CmdMitigated && c.Text == "" }},
		{"mitigated flag off", func(c Command) bool { return c.Text == "flag off" }},
		{"regressed errors back", func(c Command) bool { return c.Name == CmdRegressed && c.Text == "errors back" }},
		{"diagnosed bad cache key", func(c Command) bool { return c.Name == CmdDiagnosed && c.Text == "bad cache key" }},
		{"fail-forward hotfix is already deploying", func(c Command) bool { return c.Name == CmdFailForward }},
		{"impact-started -15m", func(c Command) bool { return c.Start.Relative == -15*time.Minute }},
		{"impact-started 14:05", func(c Command) bool { return c.Start.Clock && c.Start.Hour == 14 && c.Start.Minute == 5 }},
		{"impact-started 2026-03-01T11:50:00Z", func(c Command) bool {
			return c.Start.Abs.Equal(time.Date(2026, 3, 1, 11, 50, 0, 0, time.UTC))
		}},
		{"services checkout, payments  Search", func(c Command) bool {
			return strings.Join(c.Services, "|") == "checkout|payments|search"
		}},
		{"actions", func(c Command) bool { return c.Name == CmdActions }},
		{"run kill-new-checkout", func(c Command) bool { return c.Name == CmdRun && c.Target == "kill-new-checkout" }},
		{"INC-7 status", func(c Command) bool { return c.Incident == "INC-7" && c.Name == CmdStatus }},
		{"/incident inc-12 timeline", func(c Command) bool { return c.Incident == "INC-12" && c.Name == CmdTimeline }},
		{"resolve", func(c Command) bool { return c.Name == CmdResolve }},
		{"resolve fixed the index", func(c Command) bool { return c.Text == "fixed the index" }},
		{"help", func(c Command) bool { return c.Name == CmdHelp }},
		{"answer 42 YES", func(c Command) bool { return c.Name == CmdAnswer && c.Target == "42" && c.Answer == "yes" }},
		{"verify 9 worked", func(c Command) bool { return c.Name == CmdVerify && c.Answer == "worked" }},
		{"rename Payments <@U1|ana> outage", func(c Command) bool { return c.Name == CmdRename && c.Text == "Payments @ana outage" }},
		{"impact-started -9999h force", func(c Command) bool {
			return c.Start.Force && c.Start.Raw == "-9999h" && c.Start.Relative == -9999*time.Hour
		}},
		{"impact-started 2026-03-01T11:50:00Z --FORCE", func(c Command) bool { return c.Start.Force && !c.Start.Abs.IsZero() }},
		{"lead <@U0123ABCD|al\x1b[31mice>", func(c Command) bool { return c.Lead.Name == "alice" }},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, err := Parse(tt.line)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !tt.check(c) {
				t.Fatalf("parsed wrong: %+v", c)
			}
		})
	}
}

func TestParseErrorsAreSpecific(t *testing.T) {
	tests := []struct{ line, problem, usage string }{
		{"", "say what to do", "/incident help"},
		{"frobnicate", `unknown command "frobnicate"`, "/incident help"},
		{"declare", "give the incident a title", "/incident declare [here] [private] [sev1..sev4] <title>"},
		{"declare sev1", "give the incident a title", "/incident declare"},
		{"declare sev9 Broken", `"sev9" is not a severity`, "/incident declare"},
		{"sev 7", `"7" is not a severity`, "/incident sev <1-4>"},
		{"sev", "which severity?", "/incident sev <1-4>"},
		{"lead", "who should lead?", "/incident lead <@user>"},
		{"lead bob", `"bob" is not a user`, "/incident lead <@user>"},
		{"update", "say the update", "/incident update <text>"},
		{"diagnosed", "say what the cause is", "/incident diagnosed <cause>"},
		{"fail-forward", "say why", "/incident fail-forward <reason>"},
		{"impact-started yesterday", `"yesterday" is not a time`, "/incident impact-started"},
		{"impact-started -fifteen", "not a duration", "/incident impact-started"},
		{"services", "name at least one service", "/incident services"},
		{"services check$out", "not a service name", "/incident services"},
		{"services checkout <x>", `"<x>" is not a service name: use letters, digits`, "/incident services"},
		{"rename", "say the new title", "/incident rename <title>"},
		{"status now", "takes no arguments", "/incident status"},
		{"run", "which action?", "/incident run <action-id>"},
		{"answer 1 maybe", "expected an ID and one of yes, partial, no", "/incident answer"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := Parse(tt.line)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %v, want a UsageError", tt.line, err)
			}
			if !strings.Contains(ue.Problem, tt.problem) {
				t.Errorf("problem = %q, want it to contain %q", ue.Problem, tt.problem)
			}
			if !strings.HasPrefix(ue.Usage, tt.usage) {
				t.Errorf("usage = %q, want prefix %q", ue.Usage, tt.usage)
			}
		})
	}
}

func TestTimeSpecResolve(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 10, 0, 0, time.UTC)
	c, _ := Parse("impact-started 23:50")
	if got := c.Start.Resolve(now); !got.Equal(time.Date(2026, 2, 28, 23, 50, 0, 0, time.UTC)) {
		t.Fatalf("23:50 at 00:10 resolved to %v, want yesterday", got)
	}
	c, _ = Parse("impact-started -15m")
	if got := c.Start.Resolve(now); !got.Equal(now.Add(-15 * time.Minute)) {
		t.Fatalf("-15m resolved to %v", got)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	h := HelpText().String()
	for _, u := range usage {
		if !strings.Contains(h, "/incident "+u.name) {
			t.Errorf("help does not mention %s", u.name)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"declare sev1 x", "sev 2", "lead <@U1|a>", "impact-started 23:59",
		"impact-started -1h", "services a,b c", "INC-3 run x", "answer 1 yes", "/incident", "\xff\xfe", "lead <@!>",
		"note <@U1|a> <!here> <#C1|x>", "impact-started -1h force", "rename <@<@U1>|x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Problem == "" || ue.Usage == "" {
				t.Fatalf("Parse(%q): error without problem and usage: %v", line, err)
			}
			return
		}
		if c.Name == "" {
			t.Fatalf("Parse(%q) accepted a command without a name", line)
		}
		if c.Name != CmdHelp && markupTokenRe.MatchString(c.Text) {
			t.Fatalf("Parse(%q) left a mention token in the free text %q", line, c.Text)
		}
		_ = c.Start.Resolve(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	})
}
