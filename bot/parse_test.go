package bot_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// parser is an engine with every feature's commands, as cmd/internal/app
// wires them, to read lines with.
func parser(t testing.TB) *bot.Engine {
	t.Helper()
	sched, err := checkin.New(config.Checkins{}, checkin.Options{Store: storagetest.NewSQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	svc := actions.New(actions.Options{})
	cmds := append(bot.Commands(), svc.Commands()...)
	cmds = append(cmds, sched.Commands()...)
	return bottest.NewEngine(t, bot.Options{Commands: append(cmds, postmortem.Commands()...)})
}

func TestParseValid(t *testing.T) {
	e := parser(t)
	tests := []struct {
		line  string
		check func(c bot.Command) bool
	}{
		{"/incident declare sev1 Checkout errors", func(c bot.Command) bool {
			return c.Name == bot.CmdDeclare && c.Severity("severity") == incident.Sev1 && c.Text("title") == "Checkout errors" && !c.Flag("here")
		}},
		{"declare Checkout errors", func(c bot.Command) bool { return c.Severity("severity") == "" && c.Text("title") == "Checkout errors" }},
		{"declare here SEV3 Slow search", func(c bot.Command) bool {
			return c.Flag("here") && c.Severity("severity") == incident.Sev3 && c.Text("title") == "Slow search"
		}},
		{"declare Several services down", func(c bot.Command) bool {
			return c.Severity("severity") == "" && c.Text("title") == "Several services down"
		}},
		{"declare sev1 Severe latency", func(c bot.Command) bool {
			return c.Severity("severity") == incident.Sev1 && c.Text("title") == "Severe latency"
		}},
		{"sev 2", func(c bot.Command) bool { return c.Name == bot.CmdSev && c.Severity("severity") == incident.Sev2 }},
		{"severity sev4", func(c bot.Command) bool { return c.Name == bot.CmdSev && c.Severity("severity") == incident.Sev4 }},
		{"lead <@U0123ABCD>", func(c bot.Command) bool { return c.User("user").ID == "U0123ABCD" && c.User("user").Platform == "" }},
		{"lead <@U0123ABCD|alice>", func(c bot.Command) bool {
			return c.User("user").ID == "U0123ABCD" && c.User("user").Name == "alice"
		}},
		{"lead <@!81234567890123456>", func(c bot.Command) bool { return c.User("user").ID == "81234567890123456" }},
		{"lead discord:8123", func(c bot.Command) bool { return c.User("user").Platform == "discord" && c.User("user").ID == "8123" }},
		{"lead @bob", func(c bot.Command) bool { return c.User("user").ID == "bob" }},
		{"update  Rolled back, watching error rates ", func(c bot.Command) bool {
			return c.Name == bot.CmdUpdate && c.Text("text") == "Rolled back, watching error rates"
		}},
		{"mitigated", func(c bot.Command) bool { return c.Name == bot.CmdMitigated && c.Text("how") == "" }},
		{"mitigated flag off", func(c bot.Command) bool { return c.Text("how") == "flag off" }},
		{"regressed errors back", func(c bot.Command) bool { return c.Name == bot.CmdRegressed && c.Text("what") == "errors back" }},
		{"diagnosed bad cache key", func(c bot.Command) bool { return c.Name == bot.CmdDiagnosed && c.Text("cause") == "bad cache key" }},
		{"fail-forward hotfix is already deploying", func(c bot.Command) bool {
			return c.Name == bot.CmdFailForward && c.Text("within") == "" && c.Text("reason") == "hotfix is already deploying"
		}},
		{"fail-forward 30m hotfix is building", func(c bot.Command) bool {
			return c.Text("within") == "30m" && c.Text("reason") == "hotfix is building"
		}},
		{"fail-forward 1h30m  hotfix", func(c bot.Command) bool { return c.Text("within") == "1h30m" && c.Text("reason") == "hotfix" }},
		{"fail-forward 30 minutes to build", func(c bot.Command) bool {
			return c.Text("within") == "" && c.Text("reason") == "30 minutes to build"
		}},
		{"impact-started -15m", func(c bot.Command) bool { return c.Time("when").Relative == -15*time.Minute }},
		{"impact-started 14:05", func(c bot.Command) bool {
			return c.Time("when").Clock && c.Time("when").Hour == 14 && c.Time("when").Minute == 5
		}},
		{"impact-started 2026-03-01T11:50:00Z", func(c bot.Command) bool {
			return c.Time("when").Abs.Equal(time.Date(2026, 3, 1, 11, 50, 0, 0, time.UTC))
		}},
		{"services checkout, payments  Search", func(c bot.Command) bool {
			return strings.Join(c.Services("names"), "|") == "checkout|payments|search"
		}},
		{"actions", func(c bot.Command) bool { return c.Name == bot.CmdActions }},
		{"run kill-new-checkout", func(c bot.Command) bool { return c.Name == actions.CmdRun && c.Text("action") == "kill-new-checkout" }},
		{"INC-7 status", func(c bot.Command) bool { return c.Incident == "INC-7" && c.Name == bot.CmdStatus }},
		{"/incident inc-12 timeline", func(c bot.Command) bool { return c.Incident == "INC-12" && c.Name == postmortem.CmdTimeline }},
		{"resolve", func(c bot.Command) bool { return c.Name == bot.CmdResolve }},
		{"resolve fixed the index", func(c bot.Command) bool { return c.Text("summary") == "fixed the index" }},
		{"help", func(c bot.Command) bool { return c.Name == bot.CmdHelp }},
		{"answer 42 YES", func(c bot.Command) bool {
			return c.Name == checkin.CmdAnswer && c.Text("checkin") == "42" && c.Text("answer") == "yes"
		}},
		{"verify 9 worked", func(c bot.Command) bool { return c.Name == actions.CmdVerify && c.Text("answer") == "worked" }},
		{"rename Payments <@U1|ana> outage", func(c bot.Command) bool {
			return c.Name == bot.CmdRename && c.Text("title") == "Payments @ana outage"
		}},
		{"impact-started -9999h force", func(c bot.Command) bool {
			w := c.Time("when")
			return w.Force && w.Raw == "-9999h" && w.Relative == -9999*time.Hour
		}},
		{"impact-started 2026-03-01T11:50:00Z --FORCE", func(c bot.Command) bool {
			return c.Time("when").Force && !c.Time("when").Abs.IsZero()
		}},
		{"lead <@U0123ABCD|al\x1b[31mice>", func(c bot.Command) bool { return c.User("user").Name == "alice" }},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, err := e.Parse(tt.line)
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
	e := parser(t)
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
		{"fail-forward", "say why", "/incident fail-forward [<duration>] <reason>"},
		{"fail-forward 30m", "say why", "/incident fail-forward [<duration>] <reason>"},
		{"fail-forward 10s hotfix", "between 1m and 24h", "/incident fail-forward [<duration>] <reason>"},
		{"fail-forward 48h hotfix", "between 1m and 24h", "/incident fail-forward [<duration>] <reason>"},
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
			_, err := e.Parse(tt.line)
			var ue *bot.UsageError
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
	e := parser(t)
	now := time.Date(2026, 3, 1, 0, 10, 0, 0, time.UTC)
	c, _ := e.Parse("impact-started 23:50")
	if got := c.Time("when").Resolve(now); !got.Equal(time.Date(2026, 2, 28, 23, 50, 0, 0, time.UTC)) {
		t.Fatalf("23:50 at 00:10 resolved to %v, want yesterday", got)
	}
	c, _ = e.Parse("impact-started -15m")
	if got := c.Time("when").Resolve(now); !got.Equal(now.Add(-15 * time.Minute)) {
		t.Fatalf("-15m resolved to %v", got)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	e := parser(t)
	h := e.HelpText().String()
	listed := 0
	for _, s := range e.Commands() {
		if s.Shown != bot.Listed {
			if strings.Contains(h, "/incident "+s.Name+" ") {
				t.Errorf("help lists %s, which only buttons send", s.Name)
			}
			continue
		}
		listed++
		if !strings.Contains(h, "/incident "+s.Name) {
			t.Errorf("help does not mention %s", s.Name)
		}
	}
	if listed != 20 {
		t.Errorf("help lists %d commands, want 20", listed)
	}
}

// markupToken is a chat markup token that pings or links (bot's
// markupTokenRe): free text must never keep one.
var markupToken = regexp.MustCompile(`<([@#!])([^<>|\s]+)(?:\|([^<>]*))?>`)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"declare sev1 x", "sev 2", "lead <@U1|a>", "impact-started 23:59",
		"impact-started -1h", "services a,b c", "INC-3 run x", "answer 1 yes", "/incident", "\xff\xfe", "lead <@!>",
		"note <@U1|a> <!here> <#C1|x>", "impact-started -1h force", "rename <@<@U1>|x>", "role comms <@U1|a>",
		"resolve --ongoing --request 12", "help <@U1>"} {
		f.Add(s)
	}
	e := parser(f)
	specs := map[string]bot.CommandSpec{}
	for _, s := range e.Commands() {
		specs[s.Name] = s
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := e.Parse(line)
		if err != nil {
			var ue *bot.UsageError
			if !errors.As(err, &ue) || ue.Problem == "" || ue.Usage == "" {
				t.Fatalf("Parse(%q): error without problem and usage: %v", line, err)
			}
			return
		}
		spec, ok := specs[c.Name]
		if !ok {
			t.Fatalf("Parse(%q) accepted a command the engine does not run: %q", line, c.Name)
		}
		for _, a := range spec.Args {
			if (a.Kind == bot.ArgText || a.Kind == bot.ArgTitle) && markupToken.MatchString(c.Text(a.Name)) {
				t.Fatalf("Parse(%q) left a mention token in the free text %s: %q", line, a.Name, c.Text(a.Name))
			}
		}
		_ = c.Time("when").Resolve(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	})
}
