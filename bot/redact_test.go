package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

const leaked = "xoxb-pasted-7777"

func redactLeaked(s string) string { return strings.ReplaceAll(s, leaked, "<secret>") }

// A responder pastes a token into an update: with Options.Redact the
// timeline and the message posted to the channel hold <secret>.
func TestEngineRedactsEventsAndMessages(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Redact: redactLeaked})
		key, ch := h.declare(alice, "/incident declare sev2 Search down")
		h.do(alice, ch, "/incident update rotated the bot token, the old one was "+leaked)
		h.drain()

		var stored []string
		for _, e := range h.events(key) {
			d, _ := json.Marshal(e.Data)
			stored = append(stored, e.Text+" "+string(d))
		}
		for _, d := range h.rec.Deliveries() {
			b, _ := json.Marshal(d)
			stored = append(stored, string(b))
		}
		all := strings.Join(stored, "\n")
		if !strings.Contains(all, "the old one was <secret>") && !strings.Contains(all, `the old one was \u003csecret\u003e`) {
			t.Fatalf("the update is not stored with <secret>:\n%s", all)
		}
		if strings.Contains(all, leaked) {
			t.Fatalf("the token is stored or posted:\n%s", strings.ReplaceAll(all, leaked, "<LEAK>"))
		}
	})
}

// A delivery error quoting a token is stored as last_error with <secret>.
func TestSenderRedactsLastError(t *testing.T) {
	s := storagetest.NewSQLite(t)
	clk := clock.NewFake(t0)
	rec := bottest.NewRecorder("slack")
	rec.FailWith(func(op, channelID string) error {
		if op == "post" {
			return errors.New("slack chat.postMessage: invalid_auth (token " + leaked + ")")
		}
		return nil
	})
	e := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(), Store: s, Clock: clk})
	if _, err := e.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Text: "/incident declare sev2 Search down"}); err != nil {
		t.Fatal(err)
	}
	sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}, MaxAttempts: 1, Redact: redactLeaked})
	if err := sender.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	found := false
	for id := int64(1); id < 10; id++ {
		m, err := s.GetOutbox(context.Background(), id)
		if errors.Is(err, storage.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.LastError, leaked) {
			t.Fatalf("outbox %d last_error holds the token", id)
		}
		if strings.Contains(m.LastError, "invalid_auth (token <secret>)") {
			found = true
		}
	}
	if !found {
		t.Fatal("no outbox message failed with the redacted error")
	}
}
