package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/conformance"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// On Discord, "Yes, identified" on a diagnosis check-in answers with a
// modal (interaction response type 9) asking for the cause; its
// MODAL_SUBMIT answers the check-in and records the diagnosis with that
// cause. Both answers are ones Discord's API description accepts.
func TestYesIdentifiedAnswersWithACauseModal(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		e, w := scenarioEnv(t, s)
		ctx := context.Background()
		e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors")))
		e.drain()
		inc, err := s.GetIncidentByKey(ctx, "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := inc.ChannelOn(discord.Platform)
		ch := ref.ChannelID
		e.signed(e.command(ch, alice, "mitigated"))
		e.drain()
		e.clock.Advance(30*time.Minute + time.Second)
		if n, err := w.Checkins.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("diagnosis check-in: %d %v", n, err)
		}
		e.drain()
		var checkinMsg map[string]any
		var customID string
		for _, m := range e.fake.Messages(ch) {
			if id, _, ok := component(m.Body, "Yes, identified"); ok {
				checkinMsg, customID = m.Body, id
			}
		}
		if !strings.HasPrefix(customID, "!cause INC-1 answer ") {
			t.Fatalf("the button's custom_id is %q, want the cause form", customID)
		}

		// The click answers with the modal, and records nothing.
		var raw [][2]string // interaction ID, answer body
		post := func(body []byte) map[string]any {
			t.Helper()
			var i struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(body, &i)
			status, b := e.post(body, e.key.Sign(body, e.clock.Now()))
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, b)
			}
			raw = append(raw, [2]string{i.ID, string(b)})
			var r map[string]any
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		r := post(discordtest.Click(e.nextID(), appID, guildID, ch, bob, customID, nil, checkinMsg, false))
		d, _ := r["data"].(map[string]any)
		if r["type"] != float64(9) || d["custom_id"] != customID || d["title"] != "What is the cause?" {
			t.Fatalf("click answer: %v", r)
		}
		rows, _ := d["components"].([]any)
		if len(rows) != 1 {
			t.Fatalf("modal rows %v", rows)
		}
		input := rows[0].(map[string]any)["components"].([]any)[0].(map[string]any)
		if input["type"] != float64(4) || input["custom_id"] != "cause" || input["style"] != float64(2) || input["required"] != true ||
			input["max_length"] != float64(1000) || input["label"] != "Cause" {
			t.Fatalf("text input %v", input)
		}
		before := len(e.events("INC-1"))

		// An empty submission records nothing.
		r = post(discordtest.ModalSubmit(e.nextID(), appID, guildID, ch, bob, customID, map[string]string{"cause": "  "}))
		if d, _ := r["data"].(map[string]any); !strings.Contains(d["content"].(string), "nothing was recorded") {
			t.Fatalf("empty submission: %v", r)
		}
		if n := len(e.events("INC-1")); n != before {
			t.Fatalf("the click or an empty form recorded %d events", n-before)
		}

		r = post(discordtest.ModalSubmit(e.nextID(), appID, guildID, ch, bob, customID,
			map[string]string{"cause": "bad default for the new-checkout flag @everyone"}))
		d, _ = r["data"].(map[string]any)
		if r["type"] != float64(4) || d["flags"] != float64(64) {
			t.Fatalf("submit answer is not private: %v", r)
		}
		answer, _ := json.Marshal(d)
		if !strings.Contains(string(answer), "Recorded on INC-1") || !strings.Contains(string(answer), "diagnosed") {
			t.Fatalf("submit answer: %s", answer)
		}
		e.drain()
		got, _ := s.GetIncidentByKey(ctx, "INC-1")
		if got.Cause != incident.CauseIdentified || got.CauseText != "bad default for the new-checkout flag @everyone" {
			t.Fatalf("cause %s %q", got.Cause, got.CauseText)
		}
		evs := e.events("INC-1")
		tail := evs[len(evs)-2:]
		if tail[0].Kind != incident.KindCheckinAnswered || tail[0].Actor.ID != bob.ID || tail[0].Data["answer"] != "yes" ||
			tail[1].Kind != incident.KindDiagnosed || tail[1].Actor.ID != bob.ID {
			t.Fatalf("events %+v", tail)
		}

		spec, err := conformance.Discord()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range raw {
			for _, v := range spec.Check(conformance.DiscordRequest{Method: "POST", Path: "interactions/" + a[0] + "/itoken/callback", Body: []byte(a[1])}) {
				t.Errorf("answer to %s: %s", a[0], v)
			}
		}
		for _, req := range e.fake.Requests() {
			for _, v := range spec.Check(conformance.DiscordRequest{Method: req.Method, Path: req.Path, Query: req.Query, Body: req.Body}) {
				t.Errorf("%s %s: %s", req.Method, req.Path, v)
			}
		}
	})
}
