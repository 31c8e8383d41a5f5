package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Issue #15: "/incident declare Here comes trouble" declared "comes
// trouble" in the channel it was typed in.
func TestTitleStartingWithHereIsATitle(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		r := h.do(alice, lobby, "/incident declare Here comes trouble")
		if r.Error {
			t.Fatalf("declare: %s", r.Message.Fallback)
		}
		h.drain()
		inc, err := s.GetIncidentByKey(context.Background(), r.IncidentKey)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != "Here comes trouble" {
			t.Errorf("title %q, want the whole title", inc.Title)
		}
		if opens := h.rec.Ops("open"); len(opens) != 1 {
			t.Fatalf("%d channels opened, want one of its own", len(opens))
		}
		if _, err := s.GetIncidentByChannel(context.Background(), lobby); err == nil {
			t.Error("the channel it was typed in became the incident's channel")
		}
		// The reply says how to declare here, since the person may have meant it.
		if !strings.Contains(r.Message.Fallback, "declare here sev") {
			t.Errorf("reply gives no hint about the here flag: %s", r.Message.Fallback)
		}

		war := incident.ChannelRef{Platform: "slack", ChannelID: "CWAR"}
		r = h.do(alice, war, "/incident declare here sev2 Checkout errors")
		if r.Error {
			t.Fatalf("declare here sev2: %s", r.Message.Fallback)
		}
		h.drain()
		if got, err := s.GetIncidentByChannel(context.Background(), war); err != nil || got.Key != r.IncidentKey || got.Title != "Checkout errors" {
			t.Fatalf("declare here sev2 bound %v %v", got, err)
		}
		if len(h.rec.Ops("open")) != 1 {
			t.Fatal("declare here opened a channel")
		}

		// "declare here" alone asks for the title.
		r = h.do(alice, incident.ChannelRef{Platform: "slack", ChannelID: "CNEW"}, "declare here")
		if !r.Error || !strings.Contains(r.Message.Fallback, "give the incident a title") {
			t.Fatalf("declare here alone: %s", r.Message.Fallback)
		}
	})
}

// A form (Slack modal, Discord options) says "here" as a structured field,
// never as text, and its title is taken as is.
func TestFormsSayHereAsAField(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		war := incident.ChannelRef{Platform: "slack", ChannelID: "CWAR"}
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: war, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "sev2 backlog grows", bot.FieldHere: "true"}})
		if err != nil || r.Error {
			t.Fatalf("declare from a form: %v %s", err, r.Message.Fallback)
		}
		h.drain()
		inc, err := s.GetIncidentByChannel(context.Background(), war)
		if err != nil || inc.Title != "sev2 backlog grows" || inc.Severity != incident.DefaultSeverity {
			t.Fatalf("incident of the channel: %+v %v", inc, err)
		}
		if len(h.rec.Ops("open")) != 0 {
			t.Fatal("a form declared here opened a channel")
		}
		// A form's text holds no title: words there are refused, not read as flags.
		r, _ = h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Text: "declare Other words",
			Args: map[string]string{bot.FieldTitle: "Checkout"}})
		if !r.Error {
			t.Fatalf("a form with a title in its text too was accepted: %s", r.Message.Fallback)
		}
	})
}

// The reply says what ran, so that an adapter never reads the text again
// to know (Slack joins the channel of a "declare here"): the command and
// its arguments, whether it ran or was refused, and nothing when the line
// could not be read.
func TestReplySaysWhatRan(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		war := incident.ChannelRef{Platform: "slack", ChannelID: "CWAR"}
		r := h.do(alice, war, "/incident open here sev2 Checkout errors")
		if r.Error || r.Command.Name != bot.CmdDeclare || !r.Command.Flag(bot.FieldHere) || r.Command.Text(bot.FieldTitle) != "Checkout errors" {
			t.Fatalf("declare here: %+v", r)
		}
		r = h.do(alice, war, "declare here sev2 Again")
		if !r.Error || r.Command.Name != bot.CmdDeclare || !r.Command.Flag(bot.FieldHere) {
			t.Fatalf("a refused declare here: %+v", r)
		}
		r = h.do(alice, war, "declare Here comes trouble")
		if r.Error || r.Command.Flag(bot.FieldHere) {
			t.Fatalf("a title starting with here: %+v", r)
		}
		if r = h.do(alice, war, "frobnicate"); !r.Error || r.Command.Name != "" {
			t.Fatalf("an unknown command: %+v", r)
		}
	})
}
