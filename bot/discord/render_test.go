package discord_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
)

var (
	gAlice = incident.Actor{Platform: "discord", ID: "81234567890123456", Name: "alice"}
	gBob   = incident.Actor{Platform: "discord", ID: "81234567890123457", Name: "bob"}
)

func sampleIncident(t testing.TB) *incident.Incident {
	t.Helper()
	inc, _, err := incident.Declare(t0, gAlice, incident.Sev1, "Checkout errors")
	if err != nil {
		t.Fatal(err)
	}
	inc.ID, inc.Key = 7, incident.KeyFor(7)
	if _, err := inc.SetServices(t0.Add(time.Minute), gAlice, []string{"checkout", "payments"}); err != nil {
		t.Fatal(err)
	}
	return inc
}

var sampleActions = []bot.ActionButton{
	{ID: "rollback-checkout", Title: "Roll back checkout-api", Danger: true, Confirm: "Roll back checkout-api to the previous release?"},
	{ID: "kill-new-checkout", Title: "Kill switch: new checkout flow", Confirm: "Turn off the new checkout flow for everyone?"},
}

// checkinMessage is a plausible mitigation check-in: the question, the three
// answers, and more mitigation actions than fit in buttons.
func checkinMessage() bot.Message {
	m := bot.Message{Color: "danger", Fallback: "INC-7 check-in: " + bot.MitigationQuestion}
	m.Header("SEV1 INC-7: Checkout errors — check-in #3")
	m.Textf("⏰ *%s* Impact has been ongoing for 30m. %s, you lead.", bot.MitigationQuestion, gAlice)
	m.Buttons(
		bot.Button{Label: "Yes, mitigated", Command: "answer ck-12 yes", Style: bot.StylePrimary},
		bot.Button{Label: "Partially", Command: "answer ck-12 partial"},
		bot.Button{Label: "No, still impacting", Command: "answer ck-12 no", Style: bot.StyleDanger},
	)
	var acts []bot.Button
	for i, name := range []string{"Roll back checkout-api", "Kill switch: new checkout", "Disable fraud-scoring", "Route away from eu-west",
		"Revert config 42", "Degrade search", "Scale checkout x2"} {
		b := bot.Button{Label: name, Command: fmt.Sprintf("run act-%d", i+1)}
		if i == 0 {
			b.Style = bot.StyleDanger
			b.Confirm = &bot.Confirm{Title: "Run this action?", Text: "Roll back checkout-api?", Confirm: "Run it", Deny: "Cancel"}
		}
		acts = append(acts, b)
	}
	m.Buttons(acts...)
	m.Contextf("Unanswered check-ins escalate to the channel after 2 tries.")
	return m
}

func answeredCheckin() bot.Message {
	m := bot.Message{Color: "good", Fallback: "INC-7 check-in answered: yes"}
	m.Header("SEV1 INC-7: Checkout errors — check-in #3")
	m.Textf("✅ %s answered *Yes, mitigated* at 14:31 UTC. Time to mitigate: 31m.", gBob)
	m.Contextf("Next question, about the cause, in 30m.")
	return m
}

func actionRunning() bot.Message {
	m := bot.Message{Color: "warning", Fallback: "Running Roll back checkout-api"}
	m.Header("▶️ Roll back checkout-api")
	m.Fields(
		bot.Field{Label: "Run", Value: bot.Textf("`run-42`")},
		bot.Field{Label: "Requested by", Value: bot.Rich{bot.User(gAlice)}},
		bot.Field{Label: "Integration", Value: bot.Plain("argocd · app checkout-api → rev 1a2b3c")},
		bot.Field{Label: "State", Value: bot.Plain("⏳ running")},
	)
	m.Contextf("Started 14:20:05 UTC · times out after 30s")
	return m
}

func actionFinished() bot.Message {
	m := bot.Message{Color: "good", Fallback: "Roll back checkout-api succeeded"}
	m.Header("✅ Roll back checkout-api")
	m.Fields(
		bot.Field{Label: "Run", Value: bot.Textf("`run-42`")},
		bot.Field{Label: "Requested by", Value: bot.Rich{bot.User(gAlice)}},
		bot.Field{Label: "Outcome", Value: bot.Plain("succeeded in 12s")},
	)
	m.Textf("*Did it help?* Check the dashboards, then say so.")
	m.Buttons(
		bot.Button{Label: "It worked", Command: "verify run-42 worked", Style: bot.StylePrimary},
		bot.Button{Label: "It did not help", Command: "verify run-42 failed"},
	)
	m.Contextf("Details: %s", bot.Link("https://tq.example.com/incidents/INC-7#run-42", "run log"))
	return m
}

func timelineSummary(t *testing.T) bot.Message {
	inc := sampleIncident(t)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	evs := []incident.Event{
		incident.NewEvent(at(0), incident.KindDeclared, gAlice, "Checkout errors", nil),
		incident.NewEvent(at(1), incident.KindServicesChanged, gAlice, "checkout, payments", nil),
		incident.NewEvent(at(20), incident.KindActionSucceeded, gAlice, "Roll back checkout-api", nil),
	}
	ev, err := inc.Mitigate(at(31), gBob, "rollback")
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, ev)
	if ev, err = inc.Diagnose(at(55), gAlice, "bad config push"); err != nil {
		t.Fatal(err)
	}
	evs = append(evs, ev)
	return bot.TimelineMessage(inc, evs, at(60), "https://tq.example.com/incidents/INC-7")
}

func golden(t *testing.T, name string, r discord.Rendered) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	goldenfile.Assert(t, name+".golden", b.String())
}

func TestGoldenMessages(t *testing.T) {
	now := t0.Add(23 * time.Minute)
	resolved := sampleIncident(t)
	if _, err := resolved.Mitigate(t0.Add(10*time.Minute), gBob, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := resolved.Resolve(t0.Add(50*time.Minute), gAlice, "Reverted the config push; added a canary."); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]bot.Message{
		"incident_card":          bot.IncidentCard(sampleIncident(t), now, sampleActions),
		"incident_card_resolved": bot.IncidentCard(resolved, t0.Add(50*time.Minute), sampleActions),
		"checkin":                checkinMessage(),
		"checkin_answered":       answeredCheckin(),
		"action_running":         actionRunning(),
		"action_finished":        actionFinished(),
		"timeline":               timelineSummary(t),
	} {
		t.Run(name, func(t *testing.T) {
			r := discord.Render(m)
			golden(t, name, r)
			checkLimits(t, r)
		})
	}
}

// checkLimits checks Discord's structural rules on a rendered message.
func checkLimits(t *testing.T, r discord.Rendered) {
	t.Helper()
	if len(r.Components) > 5 {
		t.Errorf("%d rows", len(r.Components))
	}
	ids := map[string]bool{}
	for _, c := range r.Components {
		row := c.(discordgo.ActionsRow)
		if len(row.Components) > 5 || len(row.Components) == 0 {
			t.Errorf("row of %d", len(row.Components))
		}
		for _, x := range row.Components {
			var id string
			switch v := x.(type) {
			case discordgo.Button:
				id = v.CustomID
				if len(v.Label) > 80 {
					t.Errorf("label %q", v.Label)
				}
			case discordgo.SelectMenu:
				id = v.CustomID
				if len(row.Components) != 1 || len(v.Options) > 25 {
					t.Errorf("select menu shares its row or has %d options", len(v.Options))
				}
				for _, o := range v.Options {
					if len(o.Value) > 100 {
						t.Errorf("option value %q", o.Value)
					}
				}
			}
			if len(id) == 0 || len(id) > 100 || ids[id] {
				t.Errorf("custom_id %q empty, too long or repeated", id)
			}
			ids[id] = true
		}
	}
	for _, e := range r.Embeds {
		if len(e.Title) > 256 || len(e.Description) > 4096 || len(e.Fields) > 25 {
			t.Errorf("embed over limits")
		}
	}
	if len(r.Content) > 2000 {
		t.Errorf("content of %d", len(r.Content))
	}
	if strings.Contains(r.Content, "<@discord:") || (len(r.Embeds) > 0 && strings.Contains(r.Embeds[0].Description, "<@discord:")) {
		t.Error("an unrendered mention token")
	}
}
