package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// buttonIn finds a button by label in a message body the fake kept.
func buttonIn(msg map[string]any, label string) (customID string, ok bool) {
	rows, _ := msg["components"].([]any)
	for _, r := range rows {
		row, _ := r.(map[string]any)
		cs, _ := row["components"].([]any)
		for _, c := range cs {
			b, _ := c.(map[string]any)
			if b["label"] == label {
				id, _ := b["custom_id"].(string)
				return id, true
			}
		}
	}
	return "", false
}

func embedTitle(msg map[string]any) string {
	ems, _ := msg["embeds"].([]any)
	if len(ems) == 0 {
		return ""
	}
	em, _ := ems[0].(map[string]any)
	s, _ := em["title"].(string)
	return s
}

func TestDeclareAndMitigateOverHTTP(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		clk := clock.NewFake(t0)
		checkins, err := checkin.New(config.Checkins{
			Cadence:          config.Cadence{Sev1: "@every 10m", Sev2: "@every 15m", Sev3: "@every 30m", Sev4: "@every 1h"},
			DiagnosisCadence: "@every 30m",
		}, checkin.Options{Store: s, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		engine := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), checkins.Commands()...), Hooks: []bot.Hook{checkins},
			Store: s, Clock: clk, PublicURL: "https://tq.example.com",
			ActionsFor: func(inc *incident.Incident) []bot.ActionButton {
				return []bot.ActionButton{{ID: "rollback-checkout", Title: "Roll back checkout-api", Danger: true, Confirm: "Roll back checkout-api to the previous release?"}}
			}})
		e := newReplica(t, s, discordtest.New(t, botToken, appID), discordtest.NewKey(), clk, func(o *discord.Options) { o.Engine = engine })
		sched := checkins.Sweeper(engine)

		r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"), discordtest.Str("severity", "sev1")))
		if r.Type != discordgo.InteractionResponseChannelMessageWithSource || r.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Fatalf("declare answer: type %d flags %d, want a private message", r.Type, r.Data.Flags)
		}
		if got := text(r.Data); !strings.Contains(got, "Declared INC-1 (SEV1): Checkout errors") {
			t.Fatalf("declare answer: %q", got)
		}
		e.drain()

		// The channel: inc-1-checkout-errors under the category.
		creates := e.fake.Find("POST", "guilds/"+guildID+"/channels")
		if len(creates) != 1 {
			t.Fatalf("channel creations: %d", len(creates))
		}
		if creates[0].Auth != "Bot "+botToken {
			t.Errorf("authorization %q", creates[0].Auth)
		}
		cb := body(t, creates[0])
		if cb["name"] != "inc-1-checkout-errors" || cb["parent_id"] != category || cb["type"] != float64(0) {
			t.Errorf("channel create body: %v", cb)
		}
		chans := e.fake.ChannelsNamed("inc-1-checkout-errors")
		if len(chans) != 1 {
			t.Fatalf("channels: %v", chans)
		}
		ch := chans[0].ID
		inc, err := e.store.GetIncidentByKey(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := inc.ChannelOn("discord"); !ok || got.ChannelID != ch {
			t.Fatalf("incident channel %v, want %s", inc.Channels, ch)
		}

		// The card, posted and pinned; the responders welcomed.
		var card *discordtest.Message
		for _, m := range e.fake.Messages(ch) {
			if strings.HasPrefix(embedTitle(m.Body), "SEV1 INC-1: Checkout errors") {
				card = &m
			}
		}
		if card == nil {
			t.Fatalf("no card in %s: %+v", ch, e.fake.Messages(ch))
		}
		if !card.Pinned || len(e.fake.Find("PUT", "channels/"+ch+"/messages/pins/"+card.ID)) != 1 {
			t.Errorf("card not pinned")
		}
		welcome := e.fake.Messages(ch)[0].Body
		if c, _ := welcome["content"].(string); !strings.Contains(c, "<@81>") {
			t.Errorf("welcome does not mention the declarer: %v", welcome)
		}
		// The announcement links the channel.
		ann := e.fake.Messages(announce)
		if len(ann) != 1 || !strings.Contains(ann[0].Body["content"].(string), "<#"+ch+">") {
			t.Errorf("announcement: %+v", ann)
		}
		if k := e.kinds("INC-1"); len(k) == 0 || k[0] != "declared" {
			t.Errorf("timeline %v, want declared first", k)
		}

		if id, ok := buttonIn(card.Body, "Yes, mitigated"); !ok || id != "INC-1 mitigated" {
			t.Fatalf("no Yes, mitigated button on the card (%q)", id)
		}

		// Ten minutes on (sev1), the check-in asks; clicking its
		// "Yes, mitigated" records mitigated.
		e.clock.Advance(10 * time.Minute)
		if n, err := sched.Sweep(t.Context()); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		e.drain()
		var question *discordtest.Message
		for _, m := range e.fake.Messages(ch) {
			if id, ok := buttonIn(m.Body, "Yes, mitigated"); ok && strings.HasPrefix(id, "INC-1 answer ") {
				question = &m
			}
		}
		if question == nil {
			t.Fatalf("no check-in in %s: %+v", ch, e.fake.Messages(ch))
		}
		id, _ := buttonIn(question.Body, "Yes, mitigated")
		r = e.signed(discordtest.Click(e.nextID(), appID, guildID, ch, bob, id, nil, question.Body, false))
		if r.Data == nil || r.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Fatalf("click answer: %+v", r.Data)
		}
		var last incident.Event
		for _, ev := range e.events("INC-1") {
			if ev.Kind == incident.KindMitigated {
				last = ev
			}
		}
		if last.Kind != incident.KindMitigated || last.Source != incident.SourceButton || last.Actor.ID != bob.ID || last.Actor.Name != "Bobby" {
			t.Fatalf("last event %+v, want mitigated by bob from a button", last)
		}
		e.drain()
		// The card is edited in place (now mitigated, cause unknown: yellow)
		// and the mitigation announced in the channel.
		edits := e.fake.Find("PATCH", "channels/"+ch+"/messages/"+card.ID)
		if len(edits) == 0 {
			t.Fatal("card not updated")
		}
		eb := body(t, edits[len(edits)-1])
		if em := eb["embeds"].([]any)[0].(map[string]any); em["color"] != float64(0xFEE75C) {
			t.Errorf("updated card colour %v", em["color"])
		}
		msgs := e.fake.Messages(ch)
		if c, _ := msgs[len(msgs)-1].Body["content"].(string); !strings.Contains(c, "Customer impact mitigated") || !strings.Contains(c, "<@82>") {
			t.Errorf("mitigation line: %q", c)
		}
		if strings.Contains(e.logs.String(), botToken) || strings.Contains(e.logs.String(), "itoken-") {
			t.Error("a token reached the logs")
		}
	})
}

// A title that starts like a declare keyword stays a title.
func TestDeclareTitleStartingWithHere(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Here be dragons")))
	if got := text(r.Data); !strings.Contains(got, "Declared INC-1 (SEV2): Here be dragons. Opening its channel") {
		t.Fatalf("answer %q", got)
	}
	inc, err := e.store.GetIncidentByKey(t.Context(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Channels) != 0 {
		t.Fatalf("the lobby became the incident's channel: %v", inc.Channels)
	}
}
