package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// incidentChannels are the fake's channels whose name starts with prefix.
func (h *harness) incidentChannels(prefix string) []slacktest.Channel {
	var out []slacktest.Channel
	for _, c := range h.fake.Channels() {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// announcements are the messages posted to the announcements channel.
func (h *harness) announcements() []slacktest.Call {
	var out []slacktest.Call
	for _, c := range h.fake.OK("chat.postMessage") {
		if c.Form.Get("channel") == "CANNOUNCE" {
			out = append(out, c)
		}
	}
	return out
}

// restart is the adapter of a process started anew: same options, nothing
// remembered, the bot's user ID not yet learnt.
func (h *harness) restart() *Adapter {
	h.t.Helper()
	ad, err := New(h.ad.o)
	if err != nil {
		h.t.Fatal(err)
	}
	return ad
}

// crowd adds n public channels of other people that the bot is in, so
// that users.conversations takes more than one page, and as many that it
// is not in.
func crowd(f *slacktest.Server, n int) {
	for i := range n {
		f.AddChannel(fmt.Sprintf("CTEAM%03d", i), fmt.Sprintf("team-%03d", i), false, testBotUser)
		f.AddChannel(fmt.Sprintf("COTHER%03d", i), fmt.Sprintf("other-%03d", i), false)
	}
}

func TestOpenChannelRetryReusesTheChannelTheBotCreated(t *testing.T) {
	req := bot.OpenChannelRequest{IncidentKey: "INC-7", Name: "inc-7-checkout-errors", Title: "Checkout errors", Severity: "sev1",
		Invite: []incident.Actor{alice}, Retry: true, RequestedAt: t0}
	ctx := context.Background()

	t.Run("after a crash between creating and binding", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		crowd(h.fake, 250)
		first := req
		first.Retry = false
		id, err := h.ad.OpenChannel(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		// The process dies before the Sender binds the channel; the next
		// one tries again.
		h.clock.Advance(time.Minute)
		again, err := h.restart().OpenChannel(ctx, req)
		if err != nil || again != id {
			t.Fatalf("retry after a restart: %q (%v), want the channel %s", again, err, id)
		}
		if chans := h.incidentChannels("inc-7-"); len(chans) != 1 {
			t.Fatalf("%d incident channels, want 1", len(chans))
		}
		lists := h.fake.OK("users.conversations")
		if len(lists) < 2 || lists[1].Form.Get("cursor") == "" {
			t.Fatalf("users.conversations: %d pages, want the bot's channel found on page 2 through the cursor", len(lists))
		}
		if f := lists[0].Form; f.Get("user") != testBotUser || f.Get("types") != "public_channel" ||
			f.Get("exclude_archived") != "true" || f.Get("limit") != "200" {
			t.Fatalf("users.conversations parameters %v", f)
		}
		if n := len(h.fake.Calls("conversations.list")); n != 0 {
			t.Fatalf("%d conversations.list calls: the whole workspace was listed", n)
		}
		if n := len(h.announcements()); n != 1 {
			t.Fatalf("%d announcements, want the first try's only", n)
		}
		if !strings.Contains(h.logs.String(), "reusing the incident channel an earlier try created") {
			t.Errorf("reuse not logged:\n%s", h.logs)
		}
	})

	t.Run("a channel someone else named like the incident is not reused", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannel("COTHER", "inc-7-checkout-errors", false) // created by U1
		id, err := h.ad.OpenChannel(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if ch := h.fake.Channel(id); id == "COTHER" || ch == nil || ch.Name != "inc-7-checkout-errors-2" || ch.Creator != testBotUser {
			t.Fatalf("opened %s %+v, want a new inc-7-checkout-errors-2", id, ch)
		}
		if len(h.fake.OK("users.conversations")) == 0 {
			t.Fatal("a retry that found the name taken did not look for its own channel")
		}
	})

	t.Run("an archived channel is not reused", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannelBy(testBotUser, "COLD", "inc-7-checkout-errors", false, testBotUser)
		h.fake.Archive("COLD")
		id, err := h.ad.OpenChannel(ctx, req)
		if err != nil || id == "COLD" {
			t.Fatalf("opened %s (%v), want a new channel", id, err)
		}
	})

	// A retry whose first try created nothing (a 429, say) after a
	// database restore started incident numbers again: the bot's channel
	// of that name belongs to an older incident.
	t.Run("a channel the bot made before the opening was asked for is not reused", func(t *testing.T) {
		for _, tc := range []struct {
			after time.Duration // from the channel's creation to RequestedAt
			reuse bool
		}{
			{after: 59*time.Second + 900*time.Millisecond, reuse: true}, // within clockSkew
			{after: 61*time.Second + 500*time.Millisecond},
			{after: 30 * 24 * time.Hour},
		} {
			h := newHarness(t, storagetest.NewSQLite(t))
			h.fake.AddChannelBy(testBotUser, "COLD", "inc-7-checkout-errors", false, testBotUser)
			h.clock.Advance(tc.after)
			again := req
			again.RequestedAt = h.clock.Now()
			h.clock.Advance(time.Minute)
			id, err := h.ad.OpenChannel(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reuse {
				if id != "COLD" {
					t.Errorf("channel created %v before the request: opened %s, want COLD reused", tc.after, id)
				}
				continue
			}
			if ch := h.fake.Channel(id); id == "COLD" || ch == nil || ch.Name != "inc-7-checkout-errors-2" {
				t.Errorf("channel created %v before the request: opened %s %+v, want a new inc-7-checkout-errors-2", tc.after, id, ch)
			}
			if len(h.fake.OK("users.conversations")) == 0 {
				t.Error("the retry did not look for its own channel")
			}
		}
	})

	t.Run("a suffixed channel the bot created is reused", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannel("COTHER", "inc-7-checkout-errors", false)
		h.fake.AddChannelBy(testBotUser, "CMINE", "inc-7-checkout-errors-2", false, testBotUser)
		h.fake.AddChannel("CSIMILAR", "inc-7-checkout-errors-2b", false)
		id, err := h.ad.OpenChannel(ctx, req)
		if err != nil || id != "CMINE" {
			t.Fatalf("opened %s (%v), want CMINE", id, err)
		}
		if n := len(h.fake.OK("conversations.create")); n != 0 {
			t.Fatalf("%d channels created", n)
		}
	})

	t.Run("a first try does not reuse", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannelBy(testBotUser, "COLD", "inc-7-checkout-errors", false, testBotUser) // from an earlier life
		first := req
		first.Retry = false
		id, err := h.ad.OpenChannel(ctx, first)
		if err != nil || id == "COLD" || len(h.fake.Calls("users.conversations")) != 0 {
			t.Fatalf("first try opened %s (%v) after %d listings; want a new channel and no search", id, err,
				len(h.fake.Calls("users.conversations")))
		}
	})

	t.Run("a rate-limited search is tried again later", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannelBy(testBotUser, "CMINE", "inc-7-checkout-errors", false, testBotUser)
		h.fake.FailNext("users.conversations", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"3"}}, `{"ok":false,"error":"ratelimited"}`)
		_, err := h.ad.OpenChannel(ctx, req)
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || ra.After != 3*time.Second {
			t.Fatalf("429 while searching: %v, want retry after 3s", err)
		}
		if len(h.incidentChannels("inc-7-")) != 1 {
			t.Fatal("a channel was opened while the search could not finish")
		}
		if id, err := h.ad.OpenChannel(ctx, req); err != nil || id != "CMINE" {
			t.Fatalf("next try: %s (%v), want CMINE", id, err)
		}
	})

	t.Run("a search Slack refuses for good opens another channel", func(t *testing.T) {
		h := newHarness(t, storagetest.NewSQLite(t))
		h.fake.AddChannelBy(testBotUser, "CMINE", "inc-7-checkout-errors", false, testBotUser)
		h.fake.FailNext("users.conversations", 1, http.StatusOK, nil, `{"ok":false,"error":"missing_scope","needed":"channels:read"}`)
		id, err := h.ad.OpenChannel(ctx, req)
		if err != nil || h.fake.Channel(id).Name != "inc-7-checkout-errors-2" {
			t.Fatalf("opened %s (%v), want inc-7-checkout-errors-2", id, err)
		}
		if !strings.Contains(h.logs.String(), "missing_scope") {
			t.Errorf("refusal not logged:\n%s", h.logs)
		}
	})
}

// The whole path: the first try's answer is lost, the process restarts,
// and the Sender's retry binds the channel the first try created.
func TestDeclareOpensOneChannelWhenTheCreateAnswerIsLost(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	crowd(h.fake, 210)
	ctx := context.Background()
	h.fake.LoseNext("conversations.create", 1)
	r, err := h.engine.Handle(ctx, bot.Invocation{Channel: channelRef("CLOBBY"), Actor: alice, Text: "declare sev2 Checkout errors"})
	if err != nil || r.Error {
		t.Fatalf("declare: %v %+v", err, r)
	}
	h.drain()
	created := h.incidentChannels("inc-")
	if len(created) != 1 || h.pendingOutbox() == 0 {
		t.Fatalf("after the lost answer: %d channels, %d pending; want the channel made and the opening pending",
			len(created), h.pendingOutbox())
	}

	ad := h.restart()
	sender := bot.NewSender(bot.SenderOptions{Store: h.store, Clock: h.clock, Deliverers: []bot.Deliverer{ad}, MaxAttempts: 3, Logger: h.ad.log})
	h.clock.Advance(time.Hour)
	if err := sender.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	inc, err := h.store.GetIncidentByKey(ctx, r.IncidentKey)
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := inc.ChannelOn(Platform)
	if !ok || ch.ChannelID != created[0].ID {
		t.Fatalf("incident channel %+v (%v), want %s", ch, ok, created[0].ID)
	}
	if n := len(h.incidentChannels("inc-")); n != 1 {
		t.Fatalf("%d incident channels, want 1", n)
	}
	if n := h.pendingOutbox(); n != 0 {
		t.Fatalf("%d messages still pending", n)
	}
	if n := len(h.announcements()); n != 1 {
		t.Fatalf("%d announcements, want 1", n)
	}
}

// After a database restore, incident numbers start again and an older
// incident's channel, which the bot made, may hold the new incident's
// name. The Sender's retry of an opening whose first try created nothing
// (a 429) must not take that channel for the new incident.
func TestRetryAfterARestoreDoesNotReuseAnOlderIncidentsChannel(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	ctx := context.Background()
	h.fake.AddChannelBy(testBotUser, "COLDINC", "inc-1-checkout-errors", false, testBotUser)
	h.clock.Advance(30 * 24 * time.Hour) // the restore
	h.fake.FailNext("conversations.create", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}, `{"ok":false,"error":"ratelimited"}`)
	r, err := h.engine.Handle(ctx, bot.Invocation{Channel: channelRef("CLOBBY"), Actor: alice, Text: "declare sev2 Checkout errors"})
	if err != nil || r.Error || r.IncidentKey != "INC-1" {
		t.Fatalf("declare: %v %+v, want INC-1", err, r)
	}
	h.drain()
	if h.pendingOutbox() == 0 {
		t.Fatal("the rate-limited opening is not pending")
	}
	h.clock.Advance(time.Minute)
	h.drain()
	inc, err := h.store.GetIncidentByKey(ctx, r.IncidentKey)
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := inc.ChannelOn(Platform)
	if !ok || ch.ChannelID == "COLDINC" {
		t.Fatalf("INC-1's channel %+v (%v): the older incident's channel was taken", ch, ok)
	}
	if c := h.fake.Channel(ch.ChannelID); c == nil || c.Name != "inc-1-checkout-errors-2" || c.Creator != testBotUser {
		t.Fatalf("INC-1's channel %+v, want a new inc-1-checkout-errors-2", c)
	}
	if len(h.fake.OK("users.conversations")) == 0 {
		t.Fatal("the retry did not look for a channel its first try made")
	}
	if n := len(h.fake.Channel("COLDINC").Messages); n != 0 {
		t.Fatalf("%d messages in the older incident's channel", n)
	}
}
