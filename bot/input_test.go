package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// lastEvent is the newest event on an incident's timeline.
func (h *harness) lastEvent(key string) incident.Event {
	h.t.Helper()
	evs := h.events(key)
	return evs[len(evs)-1]
}

func (h *harness) incident(key string) *incident.Incident {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

// Control characters never reach the timeline: an escape sequence would
// recolour (or retitle) the terminal of whoever reads it, a bidi override
// would show text reversed. Titles lose their line breaks; notes and
// updates keep them, with tabs as spaces.
func TestControlCharactersAreStripped(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		r := h.do(alice, lobby, "declare sev2 Checkout \x1b[31merrors\x1b[0m\a on \u202e/pay\u202c\u200b")
		if r.Error {
			t.Fatalf("declare: %s", r.Message.Fallback)
		}
		key := r.IncidentKey
		h.drain()
		ch, _ := h.incident(key).ChannelOn("slack")
		if got := h.incident(key).Title; got != "Checkout errors on /pay" {
			t.Fatalf("title %q", got)
		}
		if got := h.events(key)[0].Text; got != "Checkout errors on /pay" {
			t.Fatalf("declared event %q", got)
		}

		steps := []struct{ line, want string }{
			{"update 40% of\tcalls fail\x1b]0;pwned\x07\nrolling back\r\nnow", "40% of calls fail\nrolling back\nnow"},
			{"note \u2066isolated\u2069 \u200eltr\u200f \u0085next \ufeffzero\u2060width", "isolated ltr \nnext zerowidth"},
			{"fail-forward hotfix\u009b31m is\x00 out", "hotfix is out"},
			{"mitigated flag \x1b[1moff\x1b[m", "flag off"},
			{"regressed back \x07again", "back again"},
			{"mitigated \x1bcagain", "again"},
			{"diagnosed bad \x1b[2Jdefault", "bad default"},
			{"resolve fixed\x7f the default", "fixed the default"},
		}
		for _, st := range steps {
			if r := h.do(alice, ch, st.line); r.Error {
				t.Fatalf("%q: %s", st.line, r.Message.Fallback)
			}
			if got := h.lastEvent(key).Text; got != st.want {
				t.Errorf("%q stored %q, want %q", st.line, got, st.want)
			}
		}
		inc := h.incident(key)
		if inc.CauseText != "bad default" || inc.Summary != "fixed the default" {
			t.Errorf("cause %q, summary %q", inc.CauseText, inc.Summary)
		}
		// Joiners that scripts and emoji need are kept.
		if r := h.do(alice, ch, "note family 👩\u200d👩\u200d👧 and می\u200cخواهم"); r.Error {
			t.Fatal(r.Message.Fallback)
		}
		if got := h.lastEvent(key).Text; got != "family 👩\u200d👩\u200d👧 and می\u200cخواهم" {
			t.Errorf("joiners lost: %q", got)
		}
	})
}

// A display name from a platform is text like any other: it reaches the
// timeline, the card and the terminal, and must not carry controls.
func TestDisplayNamesLoseControlCharacters(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		eve := incident.Actor{Platform: "slack", ID: "U5", Name: "\x1b]0;root\x07eve\u202e\n"}
		r := h.do(eve, lobby, "declare sev2 Checkout errors")
		if r.Error {
			t.Fatal(r.Message.Fallback)
		}
		inc := h.incident(r.IncidentKey)
		if inc.Declarer.Name != "eve" || inc.Lead.Name != "eve" || h.events(inc.Key)[0].Actor.Name != "eve" {
			t.Fatalf("declarer %q, lead %q, actor %q", inc.Declarer.Name, inc.Lead.Name, h.events(inc.Key)[0].Actor.Name)
		}
		h.drain()
		ch, _ := h.incident(inc.Key).ChannelOn("slack")
		if r := h.do(eve, ch, "lead <@U2|bo\x1b[5mb\u2067>"); r.Error {
			t.Fatal(r.Message.Fallback)
		}
		if got := h.incident(inc.Key).Lead.Name; got != "bob" {
			t.Fatalf("lead name %q", got)
		}
	})
}

// A platform mention typed inside free text is stored as plain text: a
// note never pings anyone when it is shown again, nor carries a token a
// renderer could take for a mention. A mention as an argument still names
// a person.
func TestMentionTokensInFreeTextArePlain(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		r := h.do(alice, lobby, "declare sev2 Login broken for <@U123|ana>")
		if r.Error {
			t.Fatal(r.Message.Fallback)
		}
		key := r.IncidentKey
		h.drain()
		if got := h.incident(key).Title; got != "Login broken for @ana" {
			t.Fatalf("title %q", got)
		}
		ch, _ := h.incident(key).ChannelOn("slack")
		steps := []struct{ line, want string }{
			{"note ask <@U123|ana> and <@U9> and <@!81234567890123456>", "ask @ana and @U9 and @81234567890123456"},
			{"update paging <@slack:U1|alice> and <!channel> and <!here>", "paging @alice and @channel and @here"},
			{"diagnosed <@&55> role config, see <#C1|ops>", "@55 role config, see #ops"},
			{"fail-forward <@U2|bob> has the fix", "@bob has the fix"},
			{"mitigated by <@U2>", "by @U2"},
			{"regressed <@U2|bob> saw it again", "@bob saw it again"},
			{"resolve --ongoing thanks <@U3|carol>", "thanks @carol"},
		}
		for _, st := range steps {
			if r := h.do(alice, ch, st.line); r.Error {
				t.Fatalf("%q: %s", st.line, r.Message.Fallback)
			}
			if got := h.lastEvent(key).Text; got != st.want {
				t.Errorf("%q stored %q, want %q", st.line, got, st.want)
			}
		}
		// The form's title and description are free text too.
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Search down for <@U9|zed>", bot.FieldDescription: "reported by <@U9>"}})
		if err != nil || r.Error {
			t.Fatalf("declare from a form: %v %s", err, r.Message.Fallback)
		}
		if got := h.incident(r.IncidentKey).Title; got != "Search down for @zed" {
			t.Errorf("form title %q", got)
		}
		if got := h.lastEvent(r.IncidentKey).Text; got != "reported by @U9" {
			t.Errorf("form description %q", got)
		}
	})
}

// A title has a limit, and the error says what it is and how long the
// title was.
func TestTitleLimit(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		long := strings.Repeat("x", 3300)
		r := h.do(alice, lobby, "declare sev2 "+long)
		if !r.Error || !strings.Contains(r.Message.Fallback, "3300 characters") || !strings.Contains(r.Message.Fallback, "at most 200") {
			t.Fatalf("3,300-character title: %q", truncate(r.Message.Fallback))
		}
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: strings.Repeat("é", 201)}})
		if err != nil || !r.Error || !strings.Contains(r.Message.Fallback, "201 characters") {
			t.Fatalf("201-character title from a form: %v %q", err, truncate(r.Message.Fallback))
		}
		if n, _ := s.CountIncidents(context.Background(), storage.IncidentFilter{}); n != 0 {
			t.Fatalf("%d incidents declared", n)
		}
		if r := h.do(alice, lobby, "declare sev2 "+strings.Repeat("é", 200)); r.Error {
			t.Fatalf("200-character title refused: %s", truncate(r.Message.Fallback))
		}
	})
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// A service name the typed command refuses is refused from the declare
// form too, with the same words.
func TestServiceNamesValidatedOnEveryPath(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		for _, bad := range []string{"a$b", "<x>"} {
			typed := h.do(alice, ch, "services checkout "+bad)
			want := `"` + bad + `" is not a service name`
			if !typed.Error || !strings.Contains(typed.Message.Fallback, want) {
				t.Fatalf("typed %q: %q", bad, typed.Message.Fallback)
			}
			form, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
				Args: map[string]string{bot.FieldTitle: "Payments down", bot.FieldServices: "payments, " + bad}})
			if err != nil || !form.Error {
				t.Fatalf("form with %q: %v %q", bad, err, form.Message.Fallback)
			}
			problem := func(s string) string { p, _, _ := strings.Cut(s, "\nUsage:"); return p }
			if problem(form.Message.Fallback) != problem(typed.Message.Fallback) {
				t.Errorf("form and typed errors differ:\n form  %q\n typed %q", form.Message.Fallback, typed.Message.Fallback)
			}
		}
		if n, _ := s.CountIncidents(context.Background(), storage.IncidentFilter{}); n != 1 {
			t.Fatalf("%d incidents, want only %s", n, key)
		}
		if got := h.incident(key).Services; len(got) != 0 {
			t.Fatalf("services %v", got)
		}
	})
}

// Moving the impact start more than 30 days back is almost always a typo
// (-9999h for -99m): it needs "force". The reply says what the move does to
// customer impact time.
func TestImpactStartBound(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 Checkout errors")
		h.clock.Advance(30 * time.Minute)

		r := h.do(alice, ch, "impact-started -9999h")
		if !r.Error || !strings.Contains(r.Message.Fallback, "more than 30 days") || !strings.Contains(r.Message.Fallback, "impact-started -9999h force") {
			t.Fatalf("-9999h: %q", r.Message.Fallback)
		}
		if got := h.incident(key).ImpactStartedAt; !got.Equal(t0) {
			t.Fatalf("impact start moved to %v", got)
		}

		r = h.do(alice, ch, "impact-started -40m")
		if r.Error || !strings.Contains(r.Message.Fallback, "Customer impact now counts from 2026-03-01 13:50 UTC: 40m so far, 10m more than before.") {
			t.Fatalf("-40m: %q", r.Message.Fallback)
		}
		r = h.do(alice, ch, "impact-started 14:00")
		if r.Error || !strings.Contains(r.Message.Fallback, "Customer impact now counts from 2026-03-01 14:00 UTC: 30m so far, 10m less than before.") {
			t.Fatalf("14:00: %q", r.Message.Fallback)
		}
		r = h.do(alice, ch, "impact-started -800h force")
		if r.Error || !strings.Contains(r.Message.Fallback, "Customer impact now counts from 2026-01-27 06:30 UTC") {
			t.Fatalf("-800h force: %q", r.Message.Fallback)
		}
		if r := h.do(alice, ch, "impact-started 2025-01-01T00:00:00Z --force"); r.Error {
			t.Fatalf("--force: %q", r.Message.Fallback)
		}
		if got := h.incident(key).ImpactStartedAt; !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("impact start %v", got)
		}

		// The declare form's field has the same bound.
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Old news", bot.FieldImpactStarted: "-9999h"}})
		if err != nil || !r.Error || !strings.Contains(r.Message.Fallback, "more than 30 days") {
			t.Fatalf("form -9999h: %v %q", err, r.Message.Fallback)
		}
		r, err = h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Old news", bot.FieldImpactStarted: "-1000h force"}})
		if err != nil || r.Error {
			t.Fatalf("form -1000h force: %v %q", err, r.Message.Fallback)
		}
		if bot.Usage(bot.CmdImpactStarted) != "/incident impact-started <RFC3339 | HH:MM | -15m> [force]" {
			t.Errorf("usage %q", bot.Usage(bot.CmdImpactStarted))
		}
	})
}
