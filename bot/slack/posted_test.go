package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// postedOnce is a harness whose channel CINC holds m, posted (a first
// try) with the key tq-41-abc as the message ts.
func postedOnce(t *testing.T) (h *harness, m bot.Message, ts string) {
	t.Helper()
	h = newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-1-db", false, testBotUser)
	m.Textf("📝 Alice noted: failover started")
	ts, err := h.ad.Post(context.Background(), "CINC", m, bot.PostOptions{Key: "tq-41-abc"})
	if err != nil {
		t.Fatal(err)
	}
	return h, m, ts
}

// A post carries its key as message metadata; a retry that finds the key
// in the channel returns that message instead of posting it again.
func TestRetriedPostIsNotPostedTwice(t *testing.T) {
	h, m, ts := postedOnce(t)
	ctx := context.Background()
	posts := h.fake.OK("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("chat.postMessage: %+v", posts)
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(posts[0].Form.Get("metadata")), &md); err != nil ||
		md.EventType != MetadataEventType || md.EventPayload["key"] != "tq-41-abc" {
		t.Fatalf("metadata %q: %v", posts[0].Form.Get("metadata"), err)
	}
	if len(h.fake.Calls("conversations.history")) != 0 {
		t.Error("a first try read the history; only retries need to")
	}

	// The process died before it recorded the first try; the retry finds it.
	again, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-41-abc", Retry: true, Pin: true})
	if err != nil {
		t.Fatal(err)
	}
	if again != ts || len(h.fake.OK("chat.postMessage")) != 1 {
		t.Fatalf("retry posted again (ts %s, first %s, %d posts)", again, ts, len(h.fake.OK("chat.postMessage")))
	}
	hist := h.fake.OK("conversations.history")
	if len(hist) != 1 || hist[0].Form.Get("include_all_metadata") != "1" || hist[0].Form.Get("channel") != "CINC" {
		t.Fatalf("conversations.history: %+v", hist)
	}
	if pins := h.fake.OK("pins.add"); len(pins) != 1 || pins[0].Form.Get("timestamp") != ts {
		t.Errorf("the message found is still pinned as asked: %+v", pins)
	}

	// Another message's retry, never posted before, is posted.
	if _, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-42-abd", Retry: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.OK("chat.postMessage")); n != 2 {
		t.Fatalf("a retry of a message not in the channel was not posted: %d posts", n)
	}
}

// When the history cannot be read, a retry posts: a duplicate is better
// than a lost message.
func TestRetriedPostWhenHistoryFails(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-1-db", false, testBotUser)
	h.fake.FailNext("conversations.history", 1, http.StatusOK, nil, `{"ok":false,"error":"missing_scope","needed":"channels:history"}`)
	var m bot.Message
	m.Textf("hello")
	if _, err := h.ad.Post(context.Background(), "CINC", m, bot.PostOptions{Key: "tq-1-a", Retry: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.OK("chat.postMessage")); n != 1 {
		t.Fatalf("%d posts; want 1", n)
	}
	if n := len(h.fake.Calls("conversations.history")); n != 1 || !strings.Contains(h.logs.String(), "could not read the channel") {
		t.Fatalf("%d history reads, refusal logged: %v; want the refused read, logged, before posting",
			n, strings.Contains(h.logs.String(), "could not read the channel"))
	}
}

// When Slack rate limits or fails the history read, the retry waits
// rather than risk a second copy.
func TestRetriedPostWaitsWhenHistoryIsRateLimited(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-1-db", false, testBotUser)
	h.fake.FailNext("conversations.history", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"3"}}, `{"ok":false,"error":"ratelimited"}`)
	h.fake.FailNext("conversations.history", 1, http.StatusInternalServerError, nil, `oops`)
	var m bot.Message
	m.Textf("hello")
	_, err := h.ad.Post(context.Background(), "CINC", m, bot.PostOptions{Key: "tq-1-a", Retry: true})
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 3*time.Second {
		t.Fatalf("rate limited history: %v; want a RetryAfterError of 3s", err)
	}
	if _, err := h.ad.Post(context.Background(), "CINC", m, bot.PostOptions{Key: "tq-1-a", Retry: true}); err == nil || bot.IsPermanent(err) {
		t.Fatalf("failing history: %v; want an error to retry", err)
	}
	if n := len(h.fake.OK("chat.postMessage")); n != 0 {
		t.Fatalf("%d posts while the history could not be read", n)
	}
}

// An ok:false answer that says Slack is failing (internal_error, …) or
// rate limiting is not a refusal to show the history: the retry waits
// rather than post what an earlier try may have posted, and once the
// history can be read it finds the earlier message.
func TestRetriedPostWaitsWhenHistoryFailsOnSlacksSide(t *testing.T) {
	for _, code := range []string{"internal_error", "fatal_error", "service_unavailable", "ratelimited"} {
		t.Run(code, func(t *testing.T) {
			h, m, ts := postedOnce(t)
			ctx := context.Background()
			h.fake.FailNext("conversations.history", 1, http.StatusOK, nil, `{"ok":false,"error":"`+code+`"}`)
			_, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-41-abc", Retry: true})
			if err == nil || bot.IsPermanent(err) {
				t.Fatalf("history answered %s: %v; want an error to retry", code, err)
			}
			if n := len(h.fake.Calls("chat.postMessage")); n != 1 {
				t.Fatalf("history answered %s: %d chat.postMessage calls, want the first try's only", code, n)
			}

			again, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-41-abc", Retry: true})
			if err != nil || again != ts {
				t.Fatalf("next try: %q (%v), want the earlier message %s", again, err, ts)
			}
			if n := len(h.fake.Channel("CINC").Messages); n != 1 {
				t.Fatalf("%d messages in the channel, want 1", n)
			}
		})
	}
}

// A retry handed back by the pacer reads no history: the channel's turn
// is checked first, so a message deferred again and again costs no
// conversations.history call each time, only when it may go out.
func TestPacedRetryReadsNoHistory(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), func(o *Options) { o.PostInterval = time.Second })
	h.fake.AddChannel("CINC", "inc-1-db", false, testBotUser)
	now := time.Now()
	h.ad.pace.now = func() time.Time { return now }
	var m bot.Message
	m.Textf("hello")
	ctx := context.Background()
	if _, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-1-a"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-2-a", Retry: true})
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) || !ra.NotTried {
		t.Fatalf("retry within the channel's second: %v; want it handed back, not tried", err)
	}
	if n := len(h.fake.Calls("conversations.history")); n != 0 {
		t.Fatalf("%d conversations.history calls for a retry that was paced", n)
	}
	now = now.Add(time.Second)
	if _, err := h.ad.Post(ctx, "CINC", m, bot.PostOptions{Key: "tq-2-a", Retry: true}); err != nil {
		t.Fatal(err)
	}
	if n, p := len(h.fake.Calls("conversations.history")), len(h.fake.OK("chat.postMessage")); n != 1 || p != 2 {
		t.Fatalf("at its turn: %d history reads, %d posts; want 1 and 2", n, p)
	}
}
