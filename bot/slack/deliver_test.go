package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestOpenChannelNamesInvitesAndAnnounces(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("COLD", "inc-7-checkout-errors", false)   // an old channel of that name
	h.fake.AddChannel("COLD2", "inc-7-checkout-errors-2", true) // and a private one
	ctx := context.Background()
	req := bot.OpenChannelRequest{
		IncidentKey: "INC-7", Name: "inc-7-Checkout Errors", Title: "Checkout errors", Severity: "sev1",
		Invite: []incident.Actor{alice, {Platform: Platform, ID: "U3"}, {Platform: "discord", ID: "99"},
			{Platform: Platform, ID: testBotUser}, alice},
		From: channelRef("CLOBBY"),
	}
	id, err := h.ad.OpenChannel(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	creates := h.fake.Calls("conversations.create")
	var names []string
	for _, c := range creates {
		names = append(names, c.Form.Get("name")+"="+c.Err)
	}
	if strings.Join(names, " ") != "inc-7-checkout-errors=name_taken inc-7-checkout-errors-2=name_taken inc-7-checkout-errors-3=" {
		t.Fatalf("conversations.create tries: %v", names)
	}
	ch := h.fake.Channel(id)
	if ch == nil || ch.Name != "inc-7-checkout-errors-3" {
		t.Fatalf("opened %q: %+v", id, ch)
	}
	inv := h.fake.OK("conversations.invite")
	if len(inv) != 1 || inv[0].Form.Get("users") != "U1,U3" || inv[0].Form.Get("channel") != id || inv[0].Form.Get("force") != "true" {
		t.Fatalf("conversations.invite: %+v", inv)
	}
	var ann []slacktest.Call
	for _, c := range h.fake.OK("chat.postMessage") {
		if c.Form.Get("channel") == "CANNOUNCE" {
			ann = append(ann, c)
		}
	}
	if len(ann) != 1 || !strings.Contains(ann[0].Form.Get("text"), "<#"+id+">") || !strings.Contains(ann[0].Form.Get("text"), "SEV1 INC-7") {
		t.Fatalf("announcement: %+v", ann)
	}
	// The Sender trying again (say the store failed to bind the channel)
	// gets the same channel, not a second one.
	again, err := h.ad.OpenChannel(ctx, req)
	if err != nil || again != id || len(h.fake.Calls("conversations.create")) != 3 {
		t.Fatalf("second OpenChannel: %q %v, %d creates", again, err, len(h.fake.Calls("conversations.create")))
	}
}

func TestOpenChannelKeepsTheChannelWhenInvitesFail(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.FailNext("conversations.invite", 1, http.StatusInternalServerError, nil, "<html>oops</html>")
	h.fake.FailNext("chat.postMessage", 1, http.StatusOK, nil, `{"ok":false,"error":"channel_not_found"}`)
	id, err := h.ad.OpenChannel(context.Background(), bot.OpenChannelRequest{IncidentKey: "INC-2", Name: "inc-2-x", Invite: []incident.Actor{alice}})
	if err != nil || id == "" {
		t.Fatalf("OpenChannel = %q, %v; want the created channel despite the failed invite and announcement", id, err)
	}
	if !strings.Contains(h.logs.String(), "could not invite") || !strings.Contains(h.logs.String(), "could not announce") {
		t.Errorf("failures not logged:\n%s", h.logs)
	}
}

func TestPostPinUpdateEphemeralTopic(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.SetPublicWrite(false)
	h.fake.AddChannel("CPUB", "ops", false, "U1", "U2") // public, bot not in it
	ctx := context.Background()
	var m bot.Message
	m.Header("INC-3 card")
	m.Textf("Lead: %s", alice)
	m.Buttons(bot.Button{Label: "Yes, mitigated", Command: "mitigated", Style: bot.StylePrimary})

	ts, err := h.ad.Post(ctx, "CPUB", m, bot.PostOptions{Pin: true})
	if err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Calls("chat.postMessage")
	if len(posts) != 2 || posts[0].Err != "not_in_channel" || posts[1].Err != "" || len(h.fake.OK("conversations.join")) != 1 {
		t.Fatalf("want not_in_channel, join, post: %+v", h.fake.Calls())
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(posts[1].Form.Get("blocks")), &blocks); err != nil || len(blocks) != 3 {
		t.Fatalf("blocks %q: %v", posts[1].Form.Get("blocks"), err)
	}
	if !strings.Contains(posts[1].Form.Get("text"), "<@U1>") {
		t.Errorf("fallback text %q", posts[1].Form.Get("text"))
	}
	pins := h.fake.OK("pins.add")
	if len(pins) != 1 || pins[0].Form.Get("channel") != "CPUB" || pins[0].Form.Get("timestamp") != ts {
		t.Fatalf("pins.add: %+v", pins)
	}

	m2 := bot.Message{}
	m2.Textf("updated")
	if err := h.ad.Update(ctx, "CPUB", ts, m2); err != nil {
		t.Fatal(err)
	}
	if up := h.fake.OK("chat.update"); len(up) != 1 || up[0].Form.Get("ts") != ts || up[0].Form.Get("text") != "updated" {
		t.Fatalf("chat.update: %+v", up)
	}
	if err := h.ad.Ephemeral(ctx, "CPUB", bob, m2); err != nil {
		t.Fatal(err)
	}
	if e := h.fake.OK("chat.postEphemeral"); len(e) != 1 || e[0].Form.Get("user") != "U2" || e[0].Form.Get("channel") != "CPUB" {
		t.Fatalf("chat.postEphemeral: %+v", e)
	}
	if err := h.ad.Ephemeral(ctx, "CPUB", incident.Actor{Platform: "discord", ID: "9"}, m2); !bot.IsPermanent(err) {
		t.Errorf("ephemeral to a Discord user: %v, want a permanent error", err)
	}
	if err := h.ad.SetTopic(ctx, "CPUB", "SEV2 · impact ongoing · lead "+strings.Repeat("x", 300)); err != nil {
		t.Fatal(err)
	}
	if tp := h.fake.OK("conversations.setTopic"); len(tp) != 1 || len([]rune(tp[0].Form.Get("topic"))) > 250 {
		t.Fatalf("conversations.setTopic: %+v", tp)
	}
}

func TestErrorsAreClassifiedForTheSender(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	ctx := context.Background()
	var m bot.Message
	m.Textf("hello")
	post := func() error {
		_, err := h.ad.Post(ctx, "CLOBBY", m, bot.PostOptions{})
		return err
	}

	h.fake.FailNext("chat.postMessage", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}, `{"ok":false,"error":"ratelimited"}`)
	var ra *bot.RetryAfterError
	if err := post(); !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Errorf("429: %v, want RetryAfterError after 7s", err)
	}
	h.fake.FailNext("chat.postMessage", 1, http.StatusServiceUnavailable, nil, "<html>down</html>")
	if err := post(); err == nil || bot.IsPermanent(err) || errors.As(err, &ra) {
		t.Errorf("503: %v, want a plain retryable error", err)
	}
	for _, code := range []string{"internal_error", "invalid_auth"} {
		h.fake.FailNext("chat.postMessage", 1, http.StatusOK, nil, `{"ok":false,"error":"`+code+`"}`)
		if err := post(); err == nil || bot.IsPermanent(err) {
			t.Errorf("%s: %v, want retryable", code, err)
		}
	}
	for _, code := range []string{"channel_not_found", "invalid_blocks", "is_archived", "msg_too_long"} {
		h.fake.FailNext("chat.postMessage", 1, http.StatusOK, nil, `{"ok":false,"error":"`+code+`"}`)
		if err := post(); !bot.IsPermanent(err) || !strings.Contains(err.Error(), code) {
			t.Errorf("%s: %v, want permanent", code, err)
		}
	}
	if err := h.ad.Update(ctx, "CLOBBY", "1.000000", m); !bot.IsPermanent(err) {
		t.Errorf("update of a message that is gone: %v, want permanent", err)
	}
	// A network failure is retried, and its text names no URL.
	h.fake.Close()
	err := post()
	if err == nil || bot.IsPermanent(err) || strings.Contains(err.Error(), "http://") {
		t.Errorf("network failure: %v", err)
	}
}

func TestRateLimitedMessageGoesOutOnceAfterRetryAfterInOrder(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		inc := h.declareHere("CINC", "Rate limits")
		ctx := context.Background()
		for _, line := range []string{"update first", "update second"} {
			if _, err := h.engine.Handle(ctx, bot.Invocation{Channel: channelRef("CINC"), Actor: alice, Text: line}); err != nil {
				t.Fatal(err)
			}
		}
		h.fake.FailNext("chat.postMessage", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}, `{"ok":false,"error":"ratelimited"}`)
		limitedAt := h.clock.Now()
		updates := func() []slacktest.Call {
			var out []slacktest.Call
			for _, c := range h.fake.Calls("chat.postMessage") {
				if strings.Contains(c.Form.Get("text"), "Update") || c.Err == "ratelimited" {
					out = append(out, c)
				}
			}
			return out
		}
		h.drain()
		if got := updates(); len(got) != 1 || got[0].Status != http.StatusTooManyRequests {
			t.Fatalf("first pass: %+v", got)
		}
		h.clock.Advance(time.Second)
		h.drain()
		if got := updates(); len(got) != 1 {
			t.Fatalf("something went out before Retry-After: %+v", got)
		}
		h.clock.Advance(time.Second)
		h.drain()
		got := updates()
		if len(got) != 3 {
			t.Fatalf("after Retry-After: %d posts, want the limited one and two updates: %+v", len(got), got)
		}
		first, second := got[1], got[2]
		if !strings.Contains(first.Form.Get("text"), "first") || !strings.Contains(second.Form.Get("text"), "second") {
			t.Errorf("out of order: %q then %q", first.Form.Get("text"), second.Form.Get("text"))
		}
		if first.At.Sub(limitedAt) < 2*time.Second {
			t.Errorf("the limited message went out %s after the 429, want at least 2s", first.At.Sub(limitedAt))
		}
		var once int
		for _, c := range h.fake.OK("chat.postMessage") {
			if strings.Contains(c.Form.Get("text"), "first") {
				once++
			}
		}
		if once != 1 {
			t.Errorf("the limited message went out %d times", once)
		}
		_ = inc
	})
}

// The pacer keeps one post per channel per second: a turn a few
// milliseconds away is waited for in place, a longer one is handed back to
// the Sender as "not tried, come back then", without taking the turn; other
// channels are never held.
func TestPacerSpacesPostsPerChannel(t *testing.T) {
	p := newPacer(time.Second)
	var mu sync.Mutex
	now := t0
	var slept []time.Duration
	p.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return nil
	}
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := context.Background()
	if err := p.wait(ctx, "C1", false); err != nil {
		t.Fatalf("first post: %v", err)
	}
	for range 2 { // twice: a deferred post takes no turn
		err := p.wait(ctx, "C1", false)
		var ra *bot.RetryAfterError
		if !errors.As(err, &ra) || !ra.NotTried || ra.After != time.Second {
			t.Fatalf("second post at once: %v; want not tried, come back in 1s", err)
		}
	}
	if err := p.wait(ctx, "C2", false); err != nil {
		t.Fatalf("another channel: %v", err)
	}
	advance(980 * time.Millisecond)
	if err := p.wait(ctx, "C1", false); err != nil {
		t.Fatalf("20ms before its turn: %v; want a wait in place", err)
	}
	if len(slept) != 1 || slept[0] != 20*time.Millisecond {
		t.Fatalf("slept %v, want [20ms]", slept)
	}
	advance(5 * time.Second)
	if err := p.wait(ctx, "C1", false); err != nil || len(slept) != 1 {
		t.Errorf("a quiet channel waited: %v, slept %v", err, slept)
	}
	if err := newPacer(-1).wait(ctx, "C1", false); err != nil {
		t.Error(err)
	}
}

func TestPacingIsOnByDefault(t *testing.T) {
	fake := newFakeSlack(t, nil)
	ad, err := New(Options{BotToken: config.NewSecret(testBotToken), APIURL: fake.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	if ad.pace.interval != time.Second {
		t.Errorf("default pace %s, want 1s", ad.pace.interval)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a bot token should fail")
	}
}

// Two incidents opened within a second are both announced: the
// announcement waits for the announcements channel's turn in place
// instead of being handed back (and so dropped) by the pacer.
func TestOpenChannelAnnouncesEveryIncidentWhenPaced(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), func(o *Options) { o.PostInterval = time.Second })
	now := time.Now()
	var slept []time.Duration
	h.ad.pace.now = func() time.Time { return now }
	h.ad.pace.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	for _, key := range []string{"INC-1", "INC-2"} {
		if _, err := h.ad.OpenChannel(context.Background(), bot.OpenChannelRequest{IncidentKey: key, Name: strings.ToLower(key)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.announcements()); n != 2 || strings.Contains(h.logs.String(), "could not announce") {
		t.Fatalf("%d announcements, want 2:\n%s", n, h.logs)
	}
	if len(slept) != 1 || slept[0] != time.Second {
		t.Errorf("slept %v, want [1s]: the second announcement waits its turn", slept)
	}
}
