package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/incident"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: Platform, ID: "U1", Name: "Alice Example"}
	bob   = incident.Actor{Platform: Platform, ID: "U2", Name: "Bob"}
)

// sampleIncident is INC-7, sev1, declared by Alice at t0, impact ongoing.
func sampleIncident(t *testing.T) *incident.Incident {
	t.Helper()
	inc, _, err := incident.Declare(t0, alice, incident.Sev1, "Checkout errors on /pay")
	if err != nil {
		t.Fatal(err)
	}
	inc.ID, inc.Key = 7, "INC-7"
	if _, err := inc.SetServices(t0.Add(time.Minute), alice, []string{"checkout", "payments"}); err != nil {
		t.Fatal(err)
	}
	return inc
}

var sampleActions = []bot.ActionButton{
	{ID: "kill-new-checkout", Title: "Kill switch: new checkout flow", Danger: true, Confirm: "Turns the new-checkout flag off in production for everyone."},
	{ID: "rollback-checkout", Title: "Roll back checkout to the previous release", Confirm: "Rolls checkout back to v2026.02.28-1."},
}

// checkinMessage is a check-in as the scheduler posts it: the question,
// the three answers, and the mitigation actions under them.
func checkinMessage() bot.Message {
	m := bot.Message{Color: "danger", Fallback: "INC-7 check-in: is customer impact mitigated?"}
	m.Header("Check-in #3 · INC-7: Checkout errors on /pay")
	m.Textf("*%s* %s, impact has been ongoing for 30m.", bot.MitigationQuestion, alice)
	m.Buttons(
		bot.Button{Label: "Yes, mitigated", Command: "answer ck-31 yes", Style: bot.StylePrimary},
		bot.Button{Label: "Partially", Command: "answer ck-31 partial"},
		bot.Button{Label: "No, still impacting", Command: "answer ck-31 no", Style: bot.StyleDanger},
	)
	m.Contextf("Safe moves for checkout, payments:")
	m.Buttons(
		bot.Button{Label: sampleActions[0].Title, Command: "run kill-new-checkout", Style: bot.StyleDanger,
			Confirm: &bot.Confirm{Title: "Run this action?", Text: sampleActions[0].Confirm, Confirm: "Run it", Deny: "Cancel"}},
		bot.Button{Label: sampleActions[1].Title, Command: "run rollback-checkout",
			Confirm: &bot.Confirm{Title: "Run this action?", Text: sampleActions[1].Confirm, Confirm: "Run it", Deny: "Cancel"}},
	)
	m.Contextf("Next check-in in 10m. Unanswered twice, it escalates to %s.", bot.Here())
	return m
}

// answeredCheckin is the same check-in once Bob answered it.
func answeredCheckin() bot.Message {
	m := bot.Message{Color: "good", Fallback: "INC-7 check-in #3 answered: yes, mitigated"}
	m.Header("Check-in #3 · INC-7: Checkout errors on /pay")
	m.Textf("~%s~\n✅ *Yes, mitigated* — answered by %s at 14:31 UTC.", bot.MitigationQuestion, bob)
	m.Contextf("Time to mitigate: 31m. Check-ins now ask about the cause every 30m.")
	return m
}

// actionRunning is an action run after the confirmation, before the
// integration answered.
func actionRunning() bot.Message {
	m := bot.Message{Color: "warning", Fallback: "Running Kill switch: new checkout flow for INC-7"}
	m.Textf("⏳ *Kill switch: new checkout flow* is running for INC-7, started by %s.", alice)
	m.Fields(
		bot.Field{Label: "Run", Value: bot.Textf("`run-42`")},
		bot.Field{Label: "Integration", Value: bot.Textf("launchdarkly · flag `new-checkout` → off")},
	)
	m.Contextf("Idempotency key run-42 · it is never run twice; the outcome lands on the timeline.")
	return m
}

// actionFinished is the same run once the integration succeeded, asking
// whether it worked.
func actionFinished() bot.Message {
	m := bot.Message{Color: "good", Fallback: "Kill switch: new checkout flow succeeded for INC-7"}
	m.Textf("✅ *Kill switch: new checkout flow* succeeded in 2.3s for INC-7 (run `run-42`, started by %s).", alice)
	m.Fields(
		bot.Field{Label: "Result", Value: bot.Textf("flag `new-checkout` is off in production")},
		bot.Field{Label: "Undo", Value: bot.Textf("`/incident run enable-new-checkout`")},
	)
	m.Divider()
	m.Textf("Did it stop the customer impact? Succeeding is not mitigating: say so.")
	m.Buttons(
		bot.Button{Label: "It worked", Command: "verify run-42 worked", Style: bot.StylePrimary},
		bot.Button{Label: "It did not help", Command: "verify run-42 failed"},
	)
	return m
}

func timelineMessage(t *testing.T) bot.Message {
	inc := sampleIncident(t)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	evs := []incident.Event{
		incident.NewEvent(at(0), incident.KindDeclared, alice, "Checkout errors on /pay", nil),
		incident.NewEvent(at(1), incident.KindServicesChanged, alice, "checkout, payments", nil),
		incident.NewEvent(at(4), incident.KindStatusUpdate, bob, "Error rate 40% on /pay since the 14:00 deploy <script>", nil),
		incident.NewEvent(at(10), incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", nil),
		incident.NewEvent(at(12), incident.KindActionSucceeded, alice, "Kill switch: new checkout flow", nil),
		incident.NewEvent(at(13), incident.KindMitigated, bob, "kill switch worked", nil),
	}
	return bot.TimelineMessage(inc, evs, at(20), "https://tourniquet.example.com/incidents/INC-7")
}

func TestRenderGolden(t *testing.T) {
	inc := sampleIncident(t)
	cases := map[string]bot.Message{
		"card":             bot.IncidentCard(inc, t0.Add(23*time.Minute), sampleActions),
		"checkin":          checkinMessage(),
		"checkin_answered": answeredCheckin(),
		"action_running":   actionRunning(),
		"action_finished":  actionFinished(),
		"timeline":         timelineMessage(t),
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			r := Render(m)
			got := marshalReadable(t, r)
			var blocks []any
			raw, _ := json.Marshal(r.Blocks)
			if err := json.Unmarshal(raw, &blocks); err != nil {
				t.Fatal(err)
			}
			if problem := slacktest.CheckBlocks(blocks); problem != "" {
				t.Errorf("Slack would refuse the blocks: %s", problem)
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/slack -run TestRenderGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rendering of %s changed (-update to accept):\n%s", name, got)
			}
		})
	}
}

// marshalReadable is indented JSON without HTML escaping (<@U1>, not
// \u003c@U1\u003e), as golden files read best.
func marshalReadable(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	// Blocks with their own MarshalJSON escape anyway; undo it.
	return []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(buf.String()))
}

func TestRenderCardContent(t *testing.T) {
	r := Render(bot.IncidentCard(sampleIncident(t), t0.Add(23*time.Minute), sampleActions))
	s := string(marshalReadable(t, r))
	for _, want := range []string{
		`"type": "header"`, `SEV1 INC-7: Checkout errors on /pay`,
		`<@U1>`,                                      // the lead as a Slack mention
		`"value": "mitigated"`, `"style": "primary"`, // the question's answer button
		`"value": "run kill-new-checkout"`, `"style": "danger"`, `"confirm": {`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("card lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "<@slack:") {
		t.Errorf("a mention token was not rendered: %s", s)
	}
	if r.Text == "" || strings.Contains(r.Text, "<@slack:") {
		t.Errorf("fallback text %q", r.Text)
	}
}

func TestRenderLimits(t *testing.T) {
	var m bot.Message
	m.Header(strings.Repeat("H", 200))
	m.Text(bot.Plain(strings.Repeat("line of text\n", 600))) // 7800 characters
	var fields []bot.Field
	for i := range 12 {
		fields = append(fields, bot.Field{Label: "F", Value: bot.Plain(strings.Repeat("v", 2500+i))})
	}
	m.Fields(fields...)
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{Label: strings.Repeat("b", 100), Command: "note " + strings.Repeat("x", i)})
	}
	buttons = append(buttons, bot.Button{Label: "too long", Command: strings.Repeat("y", 2001)})
	m.Buttons(buttons...)
	r := Render(m)

	var blocks []map[string]any
	raw, _ := json.Marshal(r.Blocks)
	_ = json.Unmarshal(raw, &blocks)
	var asAny []any
	_ = json.Unmarshal(raw, &asAny)
	if problem := slacktest.CheckBlocks(asAny); problem != "" {
		t.Fatalf("Slack would refuse: %s", problem)
	}
	count := map[string]int{}
	buttonsSeen, values := 0, map[string]bool{}
	for _, b := range blocks {
		count[b["type"].(string)]++
		if b["type"] == "actions" {
			for _, e := range b["elements"].([]any) {
				buttonsSeen++
				values[e.(map[string]any)["value"].(string)] = true
			}
		}
	}
	if count["section"] != 3+2 { // 7800 characters in 3 sections, 12 fields in 2
		t.Errorf("sections = %d, want 5 (%v)", count["section"], count)
	}
	if count["actions"] != 2 || buttonsSeen != 30 {
		t.Errorf("actions blocks = %d with %d buttons, want 2 with 30 (the 2001-character command dropped)", count["actions"], buttonsSeen)
	}
	if values[strings.Repeat("y", 2001)] {
		t.Error("a button value over 2000 characters was rendered")
	}

	var many bot.Message
	for range 60 {
		many.Textf("x")
	}
	r = Render(many)
	if len(r.Blocks) != maxBlocks {
		t.Fatalf("%d blocks, want %d", len(r.Blocks), maxBlocks)
	}
	last, _ := json.Marshal(r.Blocks[maxBlocks-1])
	if !strings.Contains(string(last), "Message shortened") {
		t.Errorf("the last block does not say the message was cut: %s", last)
	}
}

func TestMrkdwnMentionsAndEscaping(t *testing.T) {
	zed := incident.Actor{Platform: "discord", ID: "99", Name: "zed"}
	in := bot.Textf("%s & %s said %s %s see %s", alice, zed, "<b>5 > 3</b>", bot.Here(), bot.Link("https://status.example.com/?a=1&b=2", "status"))
	want := "<@U1> &amp; @zed said &lt;b&gt;5 &gt; 3&lt;/b&gt; <!channel> see <https://status.example.com/?a=1&amp;b=2|status>"
	if got := mrkdwn(in); got != want {
		t.Errorf("mrkdwn:\n got %s\nwant %s", got, want)
	}
}

func TestChannelName(t *testing.T) {
	cases := map[string]string{
		"inc-7-checkout-errors":            "inc-7-checkout-errors",
		"INC 7: Checkout Errors!!":         "inc-7-checkout-errors",
		"--weird..name--":                  "weird-name",
		"":                                 "incident",
		"inc-9-" + strings.Repeat("a", 90): "inc-9-" + strings.Repeat("a", 74),
	}
	for in, want := range cases {
		if got := ChannelName(in); got != want {
			t.Errorf("ChannelName(%q) = %q, want %q", in, got, want)
		}
	}
	long := ChannelName("inc-9-" + strings.Repeat("a", 90))
	if got := withSuffix(long, 3); len(got) > 80 || !strings.HasSuffix(got, "-3") {
		t.Errorf("withSuffix = %q (%d)", got, len(got))
	}
	if got := withSuffix("inc-1-x", 1); got != "inc-1-x" {
		t.Errorf("first try renamed: %q", got)
	}
}
