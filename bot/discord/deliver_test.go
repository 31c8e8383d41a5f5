package discord_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

func line(s string) bot.Message {
	var m bot.Message
	m.Text(bot.Plain(s))
	return m
}

func TestPostUpdatePin(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	ctx := t.Context()
	var card bot.Message
	card.Header("SEV2 INC-3: Search slow").Fields(bot.Field{Label: "Lead", Value: bot.Rich{bot.User(incident.Actor{Platform: "discord", ID: "81", Name: "alice"})}})
	id, err := e.a.Post(ctx, lobby, card, bot.PostOptions{Pin: true})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Find("POST", "channels/"+lobby+"/messages")
	if len(posts) != 1 || posts[0].Auth != "Bot "+botToken {
		t.Fatalf("posts %+v", posts)
	}
	b := body(t, posts[0])
	em := b["embeds"].([]any)[0].(map[string]any)
	if em["title"] != "SEV2 INC-3: Search slow" || em["fields"].([]any)[0].(map[string]any)["value"] != "<@81>" {
		t.Fatalf("embed %v", em)
	}
	// The current route; the deprecated channels/{id}/pins/{id} is not used.
	if len(e.fake.Find("PUT", "channels/"+lobby+"/messages/pins/"+id)) != 1 || len(e.fake.Find("PUT", "channels/"+lobby+"/pins/")) != 0 {
		t.Fatalf("not pinned on the current route: %+v", e.fake.Find("PUT", "channels/"))
	}
	if m := e.fake.Messages(lobby); len(m) != 1 || !m[0].Pinned {
		t.Fatalf("message not pinned: %+v", m)
	}
	if err := e.a.Update(ctx, lobby, id, line("edited")); err != nil {
		t.Fatal(err)
	}
	edits := e.fake.Find("PATCH", "channels/"+lobby+"/messages/"+id)
	if len(edits) != 1 {
		t.Fatalf("edits %+v", edits)
	}
	eb := body(t, edits[0])
	if eb["content"] != "edited" || len(eb["embeds"].([]any)) != 0 || len(eb["components"].([]any)) != 0 {
		t.Fatalf("edit body %v: want the content replaced and the embed and buttons cleared", eb)
	}
	if err := e.a.SetTopic(ctx, lobby, "SEV2 · impact ongoing"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.fake.Channel(lobby); c.Topic != "SEV2 · impact ongoing" {
		t.Fatalf("topic %q", c.Topic)
	}
}

func TestAPIErrorsAreClassified(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	ctx := t.Context()

	// A channel that does not exist: permanent, with Discord's code.
	_, err := e.a.Post(ctx, "404404", line("hi"), bot.PostOptions{})
	var ae *discord.APIError
	if !bot.IsPermanent(err) || !errors.As(err, &ae) || ae.Code != 10003 || ae.Status != 404 {
		t.Fatalf("unknown channel: %v", err)
	}
	// A server error: retried by the outbox, not by discordgo.
	e.fake.Fail("POST", "channels/"+lobby+"/messages", 1, http.StatusBadGateway, nil, `{"message":"bad gateway","code":0}`)
	before := len(e.fake.Find("POST", "channels/"+lobby+"/messages"))
	_, err = e.a.Post(ctx, lobby, line("hi"), bot.PostOptions{})
	var ra *bot.RetryAfterError
	if err == nil || bot.IsPermanent(err) || errors.As(err, &ra) {
		t.Fatalf("502: %v, want a plain retryable error", err)
	}
	if n := len(e.fake.Find("POST", "channels/"+lobby+"/messages")) - before; n != 1 {
		t.Fatalf("502 tried %d times in place, want 1", n)
	}
	// A rejected token: permanent.
	bad, err := discord.New(discord.Options{Engine: &fakeEngine{}, Token: config.NewSecret("wrong"), APIURL: e.fake.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Post(ctx, lobby, line("hi"), bot.PostOptions{})
	if !bot.IsPermanent(err) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("bad token: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the token is in an error")
	}
	// A network failure: retryable.
	down, err := discord.New(discord.Options{Engine: &fakeEngine{}, Token: config.NewSecret(botToken), APIURL: "http://127.0.0.1:1/api/v10/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Post(ctx, lobby, line("hi"), bot.PostOptions{}); err == nil || bot.IsPermanent(err) {
		t.Fatalf("connection refused: %v", err)
	}
}

func TestRetriedPostAppearsOnce(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	e.fake.SetClock(e.clock.Now)
	ctx := t.Context()
	path := "channels/" + lobby + "/messages"
	key := "tq-4711-" + strconv.FormatInt(t0.UnixNano(), 36)

	// The first try creates the message, but its answer is lost.
	e.fake.LoseAnswers("POST", path, 1)
	if _, err := e.a.Post(ctx, lobby, line("Mitigated at 14:05"), bot.PostOptions{Key: key}); err == nil || bot.IsPermanent(err) {
		t.Fatalf("lost answer: %v, want a retryable error", err)
	}
	if n := len(e.fake.Messages(lobby)); n != 1 {
		t.Fatalf("the lost try left %d messages, want 1", n)
	}
	// The outbox tries again with the same key.
	e.clock.Advance(30 * time.Second)
	id, err := e.a.Post(ctx, lobby, line("Mitigated at 14:05"), bot.PostOptions{Key: key, Retry: true})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(lobby)
	if len(msgs) != 1 || id != msgs[0].ID {
		t.Fatalf("after the retry: id %s, messages %+v; want the one message of the first try", id, msgs)
	}
	posts := e.fake.Find("POST", path)
	if len(posts) != 2 || !posts[0].Lost {
		t.Fatalf("posts %+v", posts)
	}
	first, second := body(t, posts[0]), body(t, posts[1])
	nonce, _ := first["nonce"].(string)
	if nonce == "" || len(nonce) > 25 || first["enforce_nonce"] != true || second["nonce"] != nonce || second["enforce_nonce"] != true {
		t.Fatalf("nonces: first %v/%v, retry %v/%v; want the same nonce of at most 25 characters, enforced, on both",
			first["nonce"], first["enforce_nonce"], second["nonce"], second["enforce_nonce"])
	}
	if strings.Contains(key, nonce) {
		t.Fatalf("nonce %q is cut from the key, not derived from all of it", nonce)
	}

	// Another message with the same content but its own key is posted.
	other, err := e.a.Post(ctx, lobby, line("Mitigated at 14:05"), bot.PostOptions{Key: key + "x"})
	if err != nil || other == id || len(e.fake.Messages(lobby)) != 2 {
		t.Fatalf("another key: %s (%v), %d messages; want a second message", other, err, len(e.fake.Messages(lobby)))
	}
	// A message without a key carries no nonce.
	if _, err := e.a.Post(ctx, lobby, line("hi"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if b := body(t, e.fake.Find("POST", path)[3]); b["nonce"] != nil || b["enforce_nonce"] != nil {
		t.Fatalf("keyless post sent %v", b)
	}

	// Discord forgets nonces after a few minutes: a retry later than that
	// posts a second copy (the documented limit).
	e.clock.Advance(discordtest.NonceWindow)
	late, err := e.a.Post(ctx, lobby, line("Mitigated at 14:05"), bot.PostOptions{Key: key, Retry: true})
	if err != nil || late == id {
		t.Fatalf("late retry: %s (%v); the fake should have forgotten the nonce", late, err)
	}
}

func TestRateLimitsBecomeRetryAfter(t *testing.T) {
	t.Run("per route", func(t *testing.T) {
		e := newEnv(t, sqlite(t), nil)
		e.fake.RateLimit("POST", "channels/"+lobby+"/messages", 3, false)
		_, err := e.a.Post(t.Context(), lobby, line("hi"), bot.PostOptions{})
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || ra.After != 3*time.Second || strings.Contains(err.Error(), "global") {
			t.Fatalf("got %v, want retry after 3s", err)
		}
		if n := len(e.fake.Find("POST", "channels/"+lobby+"/messages")); n != 1 {
			t.Fatalf("%d requests: discordgo retried by itself", n)
		}
		// Another channel's bucket is not held up.
		if _, err := e.a.Post(t.Context(), announce, line("hi"), bot.PostOptions{}); err != nil {
			t.Fatalf("other channel: %v", err)
		}
	})
	t.Run("global", func(t *testing.T) {
		e := newEnv(t, sqlite(t), nil)
		e.fake.RateLimit("POST", "channels/"+lobby+"/messages", 7.5, true)
		_, err := e.a.Post(t.Context(), lobby, line("hi"), bot.PostOptions{})
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || ra.After != 8*time.Second || !strings.Contains(err.Error(), "global") {
			t.Fatalf("got %v, want a global retry after 8s (Retry-After rounds up)", err)
		}
		// Every route now waits for the global limit, without asking Discord.
		before := len(e.fake.Requests())
		_, err = e.a.Post(t.Context(), announce, line("hi"), bot.PostOptions{})
		if !errors.As(err, &ra) || ra.After < 6*time.Second {
			t.Fatalf("after a global limit: %v", err)
		}
		if len(e.fake.Requests()) != before {
			t.Fatal("a request went out during a global rate limit")
		}
	})
	t.Run("the outbox waits and keeps the channel's order", func(t *testing.T) {
		e := newEnv(t, sqlite(t), nil)
		e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors")))
		// The new channel's first two messages are rate limited: the
		// welcome (best effort, dropped) and the card (back to the outbox).
		// Discord says 3s; discordgo's own bucket resets sooner, so
		// nothing sleeps in place.
		h := http.Header{}
		h.Set("Retry-After", "3")
		h.Set("X-RateLimit-Reset-After", "0.05")
		h.Set("X-RateLimit-Remaining", "0")
		e.fake.Fail("POST", "channels/900001/messages", 2, http.StatusTooManyRequests, h, `{"message":"You are being rate limited.","retry_after":3,"global":false}`)
		e.drain()
		if ch := e.fake.ChannelsNamed("inc-1-checkout-errors"); len(ch) != 1 || ch[0].ID != "900001" {
			t.Fatalf("channels %+v", ch)
		}
		// An update typed meanwhile queues behind the card.
		e.signed(e.command("900001", alice, "update", discordtest.Str("text", "Rolling back")))
		e.drain()
		if n := len(e.fake.Messages("900001")); n != 0 {
			t.Fatalf("%d messages went out before the rate-limited card", n)
		}
		e.clock.Advance(2 * time.Second)
		e.drain()
		if n := len(e.fake.Messages("900001")); n != 0 {
			t.Fatalf("retried before Retry-After: %d messages", n)
		}
		e.clock.Advance(2 * time.Second)
		e.drain()
		msgs := e.fake.Messages("900001")
		if len(msgs) != 2 || !strings.HasPrefix(embedTitle(msgs[0].Body), "SEV2 INC-1") || !strings.Contains(msgs[1].Body["content"].(string), "Rolling back") {
			t.Fatalf("messages out of order: %+v", msgs)
		}
		stats, err := e.store.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stats {
			if s.Pending != 0 {
				t.Fatalf("outbox not drained: %+v", stats)
			}
		}
	})
}

func TestTopicIsBestEffort(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	e.fake.RateLimit("PATCH", "channels/"+lobby, 300, false)
	if err := e.a.SetTopic(t.Context(), lobby, "SEV1"); err != nil {
		t.Fatalf("a rate-limited topic change must not hold up the channel: %v", err)
	}
	// Later changes in the window are skipped without a request.
	before := len(e.fake.Requests())
	if err := e.a.SetTopic(t.Context(), lobby, "SEV2"); err != nil {
		t.Fatal(err)
	}
	if len(e.fake.Requests()) != before {
		t.Fatal("a topic change went out while its bucket was exhausted")
	}
}

func TestOpenChannel(t *testing.T) {
	req := bot.OpenChannelRequest{IncidentKey: "INC-7", Name: "inc-7-checkout-errors", Topic: "SEV1 · impact ongoing",
		Invite: []incident.Actor{{Platform: "discord", ID: "81", Name: "alice"}, {Platform: "slack", ID: "U1"}, {Platform: "discord", ID: "82"}},
		From:   incident.ChannelRef{Platform: "discord", ChannelID: lobby}, Title: "Checkout errors", Severity: "sev1"}
	t.Run("channel under the category, reused on retry", func(t *testing.T) {
		e := newEnv(t, sqlite(t), nil)
		id, err := e.a.OpenChannel(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.a.OpenChannel(t.Context(), req)
		if err != nil || again != id {
			t.Fatalf("retry opened %s (%v), want %s again", again, err, id)
		}
		if n := len(e.fake.Find("POST", "guilds/"+guildID+"/channels")); n != 1 {
			t.Fatalf("%d channels created", n)
		}
		// The retry's welcome and announcement are the first try's.
		if w, a := e.fake.Messages(id), e.fake.Messages(announce); len(w) != 1 || len(a) != 1 {
			t.Fatalf("after a retry: %d welcomes, %d announcements; want 1 of each", len(w), len(a))
		}
		c, _ := e.fake.Channel(id)
		if c.ParentID != category || c.Topic != req.Topic || c.Type != 0 {
			t.Fatalf("channel %+v", c)
		}
		welcome := body(t, e.fake.Find("POST", "channels/"+id+"/messages")[0])
		am := welcome["allowed_mentions"].(map[string]any)
		if c := welcome["content"].(string); !strings.Contains(c, "<@81> <@82>") || len(am["users"].([]any)) != 2 || len(am["parse"].([]any)) != 0 {
			t.Fatalf("welcome %v", welcome)
		}
	})
	t.Run("thread in the parent channel", func(t *testing.T) {
		e := newEnv(t, sqlite(t), func(o *discord.Options) { o.ChannelMode, o.ThreadParentChannel = discord.ModeThread, lobby })
		id, err := e.a.OpenChannel(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		starts := e.fake.Find("POST", "channels/"+lobby+"/threads")
		if len(starts) != 1 {
			t.Fatalf("thread starts %+v", starts)
		}
		b := body(t, starts[0])
		if b["name"] != "inc-7-checkout-errors" || b["type"] != float64(11) || b["auto_archive_duration"] != float64(10080) {
			t.Fatalf("thread body %v", b)
		}
		if again, _ := e.a.OpenChannel(t.Context(), req); again != id {
			t.Fatalf("retry opened another thread")
		}
		if ann := e.fake.Messages(announce); len(ann) != 1 || !strings.Contains(ann[0].Body["content"].(string), "<#"+id+">") {
			t.Fatalf("announcements %+v", ann)
		}
	})
	t.Run("guild from the declaring channel", func(t *testing.T) {
		e := newEnv(t, sqlite(t), func(o *discord.Options) { o.GuildID, o.AnnounceChannel = "", "" })
		id, err := e.a.OpenChannel(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := e.fake.Channel(id); c.GuildID != guildID {
			t.Fatalf("channel %+v", c)
		}
		// Without an announce channel the link goes where it was declared.
		if msgs := e.fake.Messages(lobby); len(msgs) != 1 || !strings.Contains(msgs[0].Body["content"].(string), "<#"+id+">") {
			t.Fatalf("lobby %+v", msgs)
		}
	})
}

func TestEphemeralDelivery(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	ctx := t.Context()
	aliceActor := incident.Actor{Platform: "discord", ID: alice.ID}
	// Alice interacted in the lobby: a private message rides her token.
	e.signed(discordtest.Command("8400001", appID, guildID, lobby, alice, "help", nil))
	if err := e.a.Ephemeral(ctx, lobby, aliceActor, line("only for you")); err != nil {
		t.Fatal(err)
	}
	fus := e.fake.Find("POST", "webhooks/"+appID+"/itoken-8400001")
	if len(fus) != 1 || fus[0].Query != "wait=true" || body(t, fus[0])["flags"] != float64(64) {
		t.Fatalf("follow-ups %+v", fus)
	}
	// The token expired: a direct message.
	e.fake.ExpireToken("itoken-8400001")
	if err := e.a.Ephemeral(ctx, lobby, aliceActor, line("still only for you")); err != nil {
		t.Fatal(err)
	}
	dms := e.fake.Messages("dm-81")
	if len(dms) != 1 || !strings.Contains(dms[0].Body["content"].(string), "still only for you") || !strings.Contains(dms[0].Body["content"].(string), "<#"+lobby+">") {
		t.Fatalf("DMs %+v", dms)
	}
	// Bob takes no DMs: a message in the channel that mentions him.
	e.fake.CloseDMs(bob.ID)
	if err := e.a.Ephemeral(ctx, lobby, incident.Actor{Platform: "discord", ID: bob.ID}, line("for bob")); err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(lobby)
	last := msgs[len(msgs)-1].Body
	if last["content"] != "<@82> for bob" || last["allowed_mentions"].(map[string]any)["users"].([]any)[0] != "82" {
		t.Fatalf("fallback %v", last)
	}
	// Someone from another platform: permanent.
	if err := e.a.Ephemeral(ctx, lobby, incident.Actor{Platform: "slack", ID: "U1"}, line("x")); !bot.IsPermanent(err) {
		t.Fatalf("slack user: %v", err)
	}
}

// A button whose command Discord cannot carry still goes out, disabled,
// and the adapter says so in its log; the rest of the message is intact.
func TestOverlongButtonPostedDisabledAndLogged(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	var m bot.Message
	m.Textf("Did it work?")
	m.Buttons(bot.Button{Label: "Yes", Command: "note " + strings.Repeat("x", 120)}, bot.Button{Label: "Timeline", Command: "timeline"})
	if _, err := e.a.Post(t.Context(), lobby, m, bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Find("POST", "channels/"+lobby+"/messages")
	if len(posts) != 1 {
		t.Fatalf("posts %+v", posts)
	}
	row := body(t, posts[0])["components"].([]any)[0].(map[string]any)["components"].([]any)
	yes, tl := row[0].(map[string]any), row[1].(map[string]any)
	if yes["disabled"] != true || len(yes["custom_id"].(string)) > 100 || tl["custom_id"] != "timeline" {
		t.Fatalf("row %v", row)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "a button Discord cannot carry") || strings.Contains(logs, "xxxxxxxx") {
		t.Fatalf("log: %s", logs)
	}
}
