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

// "declare private …" opens a private incident: the platform is asked for
// a private channel, with the declarer and the responders in it, and the
// incident is stored private.
func TestDeclarePrivate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, bot.Options{Responders: []incident.Actor{carol}})
		r := h.do(alice, lobby, "declare private sev1 Payroll export leaks")
		if r.Error || !strings.Contains(r.Message.Fallback, "private") {
			t.Fatalf("declare private: %s", r.Message.Fallback)
		}
		h.drain()
		opens := h.rec.Ops("open")
		if len(opens) != 1 || !opens[0].Open.Private {
			t.Fatalf("channel opened: %+v, want a private one", opens)
		}
		var invited []string
		for _, a := range opens[0].Open.Invite {
			invited = append(invited, a.Ref())
		}
		if strings.Join(invited, ",") != "slack:U1,slack:U3" {
			t.Errorf("invited %v, want the declarer and the responder", invited)
		}
		inc, err := s.GetIncidentByKey(ctx, r.IncidentKey)
		if err != nil || !inc.Private || inc.Title != "Payroll export leaks" {
			t.Fatalf("incident %+v %v", inc, err)
		}
		if evs := h.events(r.IncidentKey); evs[0].Data["private"] != true {
			t.Errorf("declared event data %v, want private", evs[0].Data)
		}

		// From a form, the checkbox is a field; a title never makes it private.
		r2, err := h.engine.Handle(ctx, bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Private beta signups fail", bot.FieldPrivate: "true"}})
		if err != nil || r2.Error {
			t.Fatalf("form: %v %s", err, r2.Message.Fallback)
		}
		r3 := h.do(alice, lobby, "declare Private beta signups fail")
		for key, want := range map[string]bool{r2.IncidentKey: true, r3.IncidentKey: false} {
			if inc, _ := s.GetIncidentByKey(ctx, key); inc.Private != want {
				t.Errorf("%s private = %v, want %v", key, inc.Private, want)
			}
		}
	})
}
