package discord_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// choices lists what a message body offers: each button's and each menu
// option's custom_id, with the menu's own custom_id for an option.
type offered struct{ customID, value string }

func choices(t *testing.T, msg map[string]any) []offered {
	t.Helper()
	var out []offered
	rows, _ := msg["components"].([]any)
	if len(rows) > 5 {
		t.Errorf("%d rows: Discord shows 5", len(rows))
	}
	for _, r := range rows {
		cs, _ := r.(map[string]any)["components"].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			id, _ := cm["custom_id"].(string)
			if cm["disabled"] == true {
				t.Errorf("disabled component %v", cm)
			}
			opts, isMenu := cm["options"].([]any)
			if !isMenu {
				out = append(out, offered{customID: id})
				continue
			}
			for _, o := range opts {
				v, _ := o.(map[string]any)["value"].(string)
				out = append(out, offered{customID: id, value: v})
			}
		}
	}
	return out
}

// commandOf is the command a choice runs, confirm-first or not.
func commandOf(o offered) string {
	id := o.customID
	if o.value != "" {
		id = o.value
	}
	id = strings.TrimPrefix(id, "?")
	cmd, _, _ := strings.Cut(id, "|")
	// Buttons name their incident ("INC-1 run x"); the pages are the same
	// whoever's they are.
	if key, rest, ok := strings.Cut(cmd, " "); ok && strings.HasPrefix(key, "INC-") {
		cmd = rest
	}
	return cmd
}

// A service with 130 mitigation actions: more than a Discord message can
// carry. From the card, and from /incident actions, a person clicking
// through the "more" option and the pages reaches every action, and every
// page fits on Discord.
func TestEveryOneOf130ActionsIsReachable(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		var acts []bot.ActionButton
		for i := range 130 {
			a := bot.ActionButton{ID: fmt.Sprintf("rollback-region-%03d", i), Title: fmt.Sprintf("Roll back region %d", i)}
			if i%4 == 0 {
				a.Danger, a.Confirm = true, fmt.Sprintf("Roll back region %d?", i)
			}
			acts = append(acts, a)
		}
		clk := clock.NewFake(t0)
		engine := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(), Store: s, Clock: clk, ActionsFor: func(*incident.Incident) []bot.ActionButton { return acts }})
		fake := discordtest.New(t, botToken, appID)
		e := newReplica(t, s, fake, discordtest.NewKey(), clk, func(o *discord.Options) { o.Engine = engine })

		e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Every region down"), discordtest.Str("severity", "sev1")))
		e.drain()
		inc, err := s.GetIncidentByKey(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := inc.ChannelOn("discord")
		ch := ref.ChannelID
		var card map[string]any
		for _, m := range e.fake.Messages(ch) {
			if m.Pinned {
				card = m.Body
			}
		}
		if card == nil {
			t.Fatal("no card pinned")
		}

		// send clicks a choice and returns the private answer's data.
		send := func(o offered, on map[string]any) map[string]any {
			t.Helper()
			var values []string
			if o.value != "" {
				values = []string{o.value}
			}
			body := discordtest.Click(e.nextID(), appID, guildID, ch, alice, o.customID, values, on, false)
			status, b := e.post(body, e.key.Sign(body, e.clock.Now()))
			if status != http.StatusOK {
				t.Fatalf("click %q: %d %s", commandOf(o), status, b)
			}
			var r struct {
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			return r.Data
		}
		explore := func(start map[string]any) (map[string]bool, []string) {
			reached, visited := map[string]bool{}, map[string]bool{}
			var pages []string
			queue := []map[string]any{start}
			for len(queue) > 0 {
				msg := queue[0]
				queue = queue[1:]
				for _, o := range choices(t, msg) {
					cmd := commandOf(o)
					switch {
					case strings.HasPrefix(cmd, "run "):
						reached[strings.TrimPrefix(cmd, "run ")] = true
					case strings.HasPrefix(cmd, "actions") && !visited[cmd]:
						visited[cmd] = true
						pages = append(pages, cmd)
						queue = append(queue, send(o, msg))
					}
				}
			}
			return reached, pages
		}

		reached, pages := explore(card)
		for _, a := range acts {
			if !reached[a.ID] {
				t.Errorf("from the card, %s cannot be reached (pages followed: %v)", a.ID, pages)
			}
		}
		// The card shows the answers and 99 actions; its last option is the
		// page that holds the 100th, not the first page again.
		opts := choices(t, card)
		if last := opts[len(opts)-1]; commandOf(last) != "actions 4" {
			t.Errorf("the card's last option runs %q, want actions 4 (pages followed: %v)", commandOf(last), pages)
		}

		r := e.signed(e.command(ch, alice, "actions", discordtest.Option{Name: "page", Type: 4, Value: 2}))
		if !strings.Contains(text(r.Data), "Mitigation actions for INC-1 (page 2 of 6)") || !strings.Contains(text(r.Data), "rollback-region-025") ||
			strings.Contains(text(r.Data), "rollback-region-024") {
			t.Errorf("page 2:\n%s", text(r.Data))
		}
		var start struct {
			Data map[string]any `json:"data"`
		}
		body := e.command(ch, alice, "actions")
		status, b := e.post(body, e.key.Sign(body, e.clock.Now()))
		if status != http.StatusOK || json.Unmarshal(b, &start) != nil {
			t.Fatalf("actions: %d %s", status, b)
		}
		reached, pages = explore(start.Data)
		if len(reached) != len(acts) {
			t.Errorf("from /incident actions, %d of %d actions reachable (pages %v)", len(reached), len(acts), pages)
		}
		// Looking through the pages ran nothing.
		for _, k := range e.kinds("INC-1") {
			if strings.HasPrefix(k, "action_") {
				t.Errorf("timeline has %s", k)
			}
		}
	})
}
