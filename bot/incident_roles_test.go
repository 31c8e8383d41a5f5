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

// replyText is what the invoker reads, in the message model's notation.
func replyText(r bot.Reply) string {
	var parts []string
	for _, b := range r.Message.Blocks {
		if !b.Text.IsEmpty() {
			parts = append(parts, b.Text.Notation())
		}
	}
	return strings.Join(parts, "\n")
}

// lastCard is the newest card of key the channel was sent.
func (h *harness) lastCard(key string) bot.Message {
	h.t.Helper()
	var card bot.Message
	for _, d := range h.rec.Deliveries() {
		if (d.Op == "post" && d.Pin) || d.Op == "update" {
			if len(d.Message.Blocks) > 0 && strings.Contains(d.Message.Blocks[0].Text.String(), key+":") {
				card = d.Message
			}
		}
	}
	return card
}

func fieldsOf(m bot.Message) map[string]string {
	out := map[string]string{}
	for _, b := range m.Blocks {
		for _, f := range b.Fields {
			out[f.Label] = f.Value.Notation()
		}
	}
	return out
}

// The lead hands out the configured roles; who holds one shows on the
// card; asking "who is comms?" answers; every change is on the timeline
// and in the audit with who, from and to; someone without permission is
// refused, in the channel and from elsewhere with the key.
func TestRolesAreGivenShownAndGuarded(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Roles: []string{"comms", "scribe"}})
		key, ch := h.declare(alice, "declare sev1 Checkout errors")

		if r := h.do(bob, ch, "role comms"); r.Error || replyText(r) != "Nobody holds comms on "+key+". `/incident role comms <@user>` gives it." {
			t.Fatalf("who is comms: %q", replyText(r))
		}
		r := h.do(bob, ch, "role comms <@U2|bob>")
		if !r.Error || !strings.Contains(replyText(r), "Only the lead or whoever declared it may give or take the comms role on "+key) {
			t.Fatalf("bob made himself comms: %q", replyText(r))
		}
		if r := h.do(bob, lobby, key+" role comms <@U2|bob>"); !r.Error {
			t.Fatalf("bob made himself comms from the lobby: %q", replyText(r))
		}

		if r := h.do(alice, ch, "role comms <@U2|bob>"); r.Error || replyText(r) != "<@slack:U2|bob> holds comms on "+key+" now." {
			t.Fatalf("alice gave comms to bob: %q", replyText(r))
		}
		h.drain()
		if f := fieldsOf(h.lastCard(key)); f["Comms"] != "<@slack:U2|bob>" || f["Lead"] != "<@slack:U1|alice>" {
			t.Fatalf("card fields %v", f)
		}
		if _, ok := fieldsOf(h.lastCard(key))["Scribe"]; ok {
			t.Fatal("the card shows a role nobody holds")
		}
		var announced bool
		for _, d := range h.rec.Ops("post") {
			announced = announced || strings.Contains(d.Message.Blocks[0].Text.Notation(), "🎭 <@slack:U2|bob> is now comms for "+key+" (named by <@slack:U1|alice>)")
		}
		if !announced {
			t.Error("the change was not announced in the channel")
		}
		if r := h.do(carol, ch, "role comms"); replyText(r) != "<@slack:U2|bob> holds comms on "+key+"." {
			t.Errorf("who is comms: %q", replyText(r))
		}
		if r := h.do(alice, lobby, key+" role comms <@U3|carol>"); r.Error {
			t.Fatalf("handing comms over from the lobby: %q", replyText(r))
		}
		// Whoever holds a role may give it up; nobody else without permission.
		if r := h.do(bob, ch, "role comms none"); !r.Error {
			t.Fatalf("bob, no longer comms, cleared it: %q", replyText(r))
		}
		if r := h.do(carol, ch, "role comms none"); r.Error || replyText(r) != "Nobody holds comms on "+key+" now." {
			t.Fatalf("carol stepping down: %q", replyText(r))
		}
		if r := h.do(alice, ch, "role comms none"); !r.Error || replyText(r) != "⚠️ Nobody holds comms on "+key+"." {
			t.Errorf("clearing it again: %q", replyText(r))
		}

		var changes []incident.Event
		for _, ev := range h.events(key) {
			if ev.Kind == incident.KindRoleAssigned {
				changes = append(changes, ev)
			}
		}
		want := [][4]string{{"slack:U1", "", "slack:U2", "comms → bob"}, {"slack:U1", "slack:U2", "slack:U3", "comms → carol"}, {"slack:U3", "slack:U3", "", "comms → nobody"}}
		if len(changes) != len(want) {
			t.Fatalf("role changes on the timeline: %+v", changes)
		}
		for i, w := range want {
			ev := changes[i]
			if ev.Actor.Ref() != w[0] || ev.Data["from"] != w[1] || ev.Data["to"] != w[2] || ev.Text != w[3] || ev.Data["role"] != "comms" {
				t.Errorf("change %d: by %s %q %v, want by %s from %q to %q", i, ev.Actor.Ref(), ev.Text, ev.Data, w[0], w[1], w[2])
			}
		}
		if changes[2].Data["stepped_down"] != true {
			t.Errorf("stepping down not marked: %v", changes[2].Data)
		}
		var rows, denied []string
		for _, a := range h.auditOf(key) {
			if a.Step == "denied" {
				denied = append(denied, a.Action+" by "+a.Actor.Ref())
				continue
			}
			rows = append(rows, strings.Join([]string{a.Action, a.Step, a.Outcome, a.Actor.Ref(), a.Detail["from"].(string), a.Detail["to"].(string)}, " "))
		}
		wantRows := []string{
			"role.comms assigned permitted slack:U1  slack:U2",
			"role.comms assigned permitted slack:U1 slack:U2 slack:U3",
			"role.comms cleared stepped down slack:U3 slack:U3 ",
		}
		if strings.Join(rows, "\n") != strings.Join(wantRows, "\n") {
			t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
		}
		if strings.Join(denied, ", ") != "command.role by slack:U2, command.role by slack:U2, command.role by slack:U2" {
			t.Errorf("denials in the audit: %v", denied)
		}
	})
}

// What people get wrong is explained: a role that is not configured, too
// many words, the lead (which is its own command, and cannot be cleared).
func TestRoleCommandAnswers(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Roles: []string{"comms", "scribe"}})
		key, ch := h.declare(alice, "declare sev2 Search slow")
		for _, tt := range []struct{ line, want string }{
			{"role press <@U2>", "⚠️ \"press\" is not a role here: the roles are comms, scribe.\nUsage: `/incident role [<name> [<@user> | none]]`"},
			{"role comms <@U2> <@U3>", "`role` takes a role and one person (or none)"},
			{"role comms bob", "\"bob\" is not a user: mention them like @name, or say none to clear the role"},
			{"role lead none", "An incident always has a lead."},
		} {
			if r := h.do(alice, ch, tt.line); !r.Error || !strings.Contains(replyText(r), tt.want) {
				t.Errorf("%q: %q, want %q", tt.line, replyText(r), tt.want)
			}
		}
		h.do(alice, ch, "role scribe <@U3|carol>")
		if r := h.do(bob, ch, "role"); replyText(r) != "Roles on "+key+"\n• *lead* — <@slack:U1|alice>\n• *comms* — nobody\n• *scribe* — <@slack:U3|carol>\n"+
			"`/incident role <name> <@user>` gives one, `/incident role <name> none` clears it." {
			t.Errorf("role list: %q", replyText(r))
		}
		if r := h.do(alice, ch, "role lead <@U2|bob>"); r.Error {
			t.Fatalf("role lead: %q", replyText(r))
		}
		if got := h.lead(key); !got.Same(bob) {
			t.Fatalf("lead is %s, want bob", got.Ref())
		}
		if r := h.do(carol, ch, "role lead"); replyText(r) != "<@slack:U2|bob> leads "+key+"." {
			t.Errorf("who leads: %q", replyText(r))
		}
		// Without roles configured, the answer says how to configure them.
		bare := newHarness(t, s, bot.Options{})
		if r := bare.do(alice, ch, "role comms <@U2>"); !r.Error || !strings.Contains(replyText(r), "no incident roles are configured besides the lead") {
			t.Errorf("unconfigured: %q", replyText(r))
		}
	})
}

// There is no claim rule for roles: on an incident nobody leads, a person
// may claim the lead, but not make themselves comms (the role may be what
// an action allows).
func TestRolesCannotBeClaimed(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Roles: []string{"comms"}})
		ctx := context.Background()
		inc, ev, err := incident.Declare(t0, incident.System, incident.Sev2, "Error budget burning")
		if err != nil {
			t.Fatal(err)
		}
		ch := incident.ChannelRef{Platform: "slack", ChannelID: "CALERT"}
		if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			if err := q.CreateIncident(ctx, inc); err != nil {
				return err
			}
			if _, err := q.AppendEvents(ctx, inc.ID, ev.WithSource(incident.SourceSystem)); err != nil {
				return err
			}
			return q.AddIncidentChannel(ctx, inc.ID, ch)
		}); err != nil {
			t.Fatal(err)
		}
		if r := h.do(bob, ch, "role comms <@U2>"); !r.Error {
			t.Fatal("bob made himself comms of a leaderless incident")
		}
		if r := h.do(bob, ch, "lead <@U2>"); r.Error {
			t.Fatalf("bob could not claim the lead: %s", replyText(r))
		}
		if r := h.do(bob, ch, "role comms <@U3|carol>"); r.Error {
			t.Fatalf("the new lead could not give comms: %s", replyText(r))
		}
		got, _ := s.GetIncidentByKey(ctx, inc.Key)
		if !got.HoldsRole("comms", carol) {
			t.Fatalf("roles %v", got.Roles)
		}
	})
}
