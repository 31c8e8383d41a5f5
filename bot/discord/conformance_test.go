package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/conformance"
	"github.com/tourniquet/tourniquet/internal/conformance/scenario"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// conformanceEnv is an env whose engine is a scenario world: many actions
// for one service, their runner, the check-in scheduler.
func conformanceEnv(t *testing.T) (*env, *scenario.World) {
	t.Helper()
	return scenarioEnv(t, storagetest.NewSQLite(t))
}

// scenarioEnv is conformanceEnv on a given store.
func scenarioEnv(t *testing.T, store storage.Store) (*env, *scenario.World) {
	t.Helper()
	fake := discordtest.New(t, botToken, appID)
	key, clk := discordtest.NewKey(), clock.NewFake(t0)
	logs := &bottest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := scenario.New(t, store, clk, log)
	return startEnv(t, store, fake, key, clk, w.Engine, logs, log, nil), w
}

// component finds, in a message body, the button or the select menu
// option with a label: the custom_id to send, and the menu's values.
func component(msg map[string]any, label string) (customID string, values []string, ok bool) {
	rows, _ := msg["components"].([]any)
	for _, r := range rows {
		cs, _ := r.(map[string]any)["components"].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			if cm["label"] == label {
				id, _ := cm["custom_id"].(string)
				return id, nil, true
			}
			opts, _ := cm["options"].([]any)
			for _, o := range opts {
				om, _ := o.(map[string]any)
				if om["label"] == label {
					id, _ := cm["custom_id"].(string)
					v, _ := om["value"].(string)
					return id, []string{v}, true
				}
			}
		}
	}
	return "", nil, false
}

// TestDiscordConformance drives whole incidents through the real
// discordgo client and checks every request it made (and every answer to
// an interaction) against Discord's OpenAPI description and its
// documented limits.
func TestDiscordConformance(t *testing.T) {
	e, w := conformanceEnv(t)
	if err := e.a.RegisterCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	type answered struct {
		id   string
		body []byte
	}
	var answers []answered
	send := func(body []byte) map[string]any {
		t.Helper()
		var i struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &i)
		status, b := e.post(body, e.key.Sign(body, e.clock.Now()))
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, b)
		}
		answers = append(answers, answered{i.ID, b})
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("answer %s: %v", b, err)
		}
		d, _ := r["data"].(map[string]any)
		return d
	}
	command := func(ch, sub string, opts ...discordtest.Option) map[string]any {
		t.Helper()
		return send(e.command(ch, alice, sub, opts...))
	}
	// click presses a button or picks a menu option by label in a message
	// of the channel (the newest that has it); a confirm-first choice is
	// confirmed on the private question.
	click := func(ch, label string) {
		t.Helper()
		msgs := e.fake.Messages(ch)
		for i := len(msgs) - 1; i >= 0; i-- {
			id, values, ok := component(msgs[i].Body, label)
			if !ok {
				continue
			}
			d := send(discordtest.Click(e.nextID(), appID, guildID, ch, alice, id, values, msgs[i].Body, false))
			if confirm, _, ok := component(d, "Confirm"); ok {
				send(discordtest.Click(e.nextID(), appID, guildID, ch, alice, confirm, nil, d, true))
			}
			e.a.Wait()
			return
		}
		t.Fatalf("no %q to click in %s", label, ch)
	}

	titles, stored := scenario.Declared, scenario.Stored
	for i, title := range titles {
		key := fmt.Sprintf("INC-%d", i+1)
		opts := []discordtest.Option{discordtest.Str("title", title), discordtest.Str("severity", "sev1")}
		if i == 1 { // the second incident is private: permission overwrites
			opts = append(opts, discordtest.Bool("private", true))
		}
		command(lobby, "declare", opts...)
		e.drain()
		inc, err := e.store.GetIncidentByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		ref, ok := inc.ChannelOn("discord")
		if !ok {
			t.Fatalf("%s has no channel", key)
		}
		ch := ref.ChannelID
		command(ch, "services", discordtest.Str("names", scenario.Service))
		command(ch, "lead", discordtest.UserOpt("user", bob.ID))
		command(ch, "update", discordtest.Str("text", "Error rate 40% & rising @everyone <@&123> [dash](https://evil.example)"))
		e.drain()
		w.CheckIn(t)
		e.drain()
		click(ch, "Partially")
		// A button action, and one only a select menu reaches.
		click(ch, "Roll back checkout step 0")
		click(ch, fmt.Sprintf("Roll back checkout step %d", scenario.ActionCount-1))
		w.Step(t)
		e.drain()
		// Resolving with impact ongoing asks first, privately.
		command(ch, "resolve", discordtest.Str("summary", "too early"))
		click(ch, "Yes, mitigated")
		e.drain()
		command(ch, "actions")
		command(ch, "actions", discordtest.Option{Name: "page", Type: 4, Value: 2})
		command(ch, "role", discordtest.Str("role", "comms"), discordtest.UserOpt("user", bob.ID))
		command(lobby, "list")
		// Over the gateway, the answer goes through the callback route.
		e.a.HandleGatewayInteraction(context.Background(), interaction(t, e.command(ch, alice, "status")))
		e.a.Wait()
		command(ch, "status")
		command(ch, "timeline")
		command(ch, "resolve", discordtest.Str("summary", "rolled back; fixing forward"))
		e.drain()

		inc, _ = e.store.GetIncidentByKey(context.Background(), key)
		if inc.Title != stored[i] || inc.Open() || inc.MitigatedAt == nil || inc.Lead.ID != bob.ID || inc.RoleHolder("comms").ID != bob.ID || inc.Private != (i == 1) {
			t.Errorf("%s: %+v", key, inc)
		}
		evs := e.events(key)
		ran := 0
		for _, ev := range evs {
			if ev.Kind == incident.KindActionSucceeded {
				ran++
			}
		}
		if ran != 2 || !contains(e.kinds(key), string(incident.KindCheckinAnswered)) {
			t.Errorf("%s: %d actions succeeded, timeline %v", key, ran, e.kinds(key))
		}
	}

	spec, err := conformance.Discord()
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	reqs := e.fake.Requests()
	routes := map[string]int{}
	for _, r := range reqs {
		routes[r.Method+" "+r.Path[:strings.IndexAny(r.Path+"/", "/")]]++
		for _, v := range spec.Check(conformance.DiscordRequest{Method: r.Method, Path: r.Path, Query: r.Query, Body: r.Body}) {
			problems = append(problems, v.String())
		}
	}
	for _, a := range answers {
		for _, v := range spec.Check(conformance.DiscordRequest{Method: "POST", Path: "interactions/" + a.id + "/itoken/callback", Body: a.body}) {
			problems = append(problems, "answer to "+a.id+": "+v.String())
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, want := range []string{"PUT applications", "POST guilds", "POST channels", "PATCH channels", "PUT channels", "POST interactions"} {
		if routes[want] == 0 {
			t.Errorf("the scenario made no %s… request: %v", want, routes)
		}
	}
	t.Logf("checked %d requests (%v) and %d answers", len(reqs), routes, len(answers))
}
