package slack

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestInboundText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Checkout errors", "Checkout errors"},
		{"A &amp; B &lt;script&gt;", "A & B <script>"},
		{"&amp;lt; stays &lt;", "&lt; stays <"},
		{"fish & chips, a<b, R&D", "fish & chips, a<b, R&D"},
		{"<!here> <!channel> <!everyone> look", "@here @channel @everyone look"},
		{"<!here|here> and <!channel|@channel>", "@here and @channel"},
		{"page <!subteam^S0123|@oncall> now", "page @oncall now"},
		{"page <!subteam^S0123>", "page @S0123"},
		{"see <#C0123|general> and <#C0456>", "see #general and #C0456"},
		{"<https://status.example.com|status page> down", "status page (https://status.example.com) down"},
		{"<https://evil.example/?a=1&amp;b=2|https://good.example>", "https://good.example (https://evil.example/?a=1&b=2)"},
		{"<https://x.example/a>", "https://x.example/a"},
		{"<http://x.example|x.example>", "x.example"},
		{"<mailto:a@b.example|a@b.example>", "a@b.example"},
		{"<mailto:a@b.example|Ann>", "Ann (mailto:a@b.example)"},
		{"since <!date^1392734382^{date_short}|Feb 18, 2014>", "since Feb 18, 2014"},
		{"lead <@U0123ABC>", "lead <@U0123ABC>"},
		{"lead <@U0123ABC|alice>", "lead <@U0123ABC|alice>"},
		{"lead <@W0123|al&amp;ice>", "lead <@W0123|al&ice>"},
		{"label with <https://x.example|&lt;@U1&gt;>", "label with ‹@U1> (https://x.example)"},
		// Typed literally, a mention stays text: its "<" cannot open one.
		{"&lt;@U999&gt; is not a mention", "‹@U999> is not a mention"},
		{"&lt;!channel&gt; either", "‹!channel> either"},
		{"&lt;<!here>&gt;", "‹@here>"},
		{"&lt;&lt;@U1&gt;", "<‹@U1>"},
		{"unclosed <@U1 and &lt;", "unclosed ‹@U1 and <"},
		{"&lt;@slack:U1|x&gt;", "‹@slack:U1|x>"},
		{"emoji 🔥 and RTL \u202eabc", "emoji 🔥 and RTL \u202eabc"},
		// Typed link markup stays text too: no label can hide a target.
		{"&lt;https://evil.example|Status page&gt;", "‹https://evil.example|Status page>"},
		{"&lt;#C1&gt; &lt;t:1700000000&gt; &lt;mailto:a@b&gt;", "‹#C1> ‹t:1700000000> ‹mailto:a@b>"},
		{"x &lt;= 3 and &lt;:smile:123&gt;", "x <= 3 and <:smile:123>"},
	} {
		if got := inboundText(c.in); got != c.want {
			t.Errorf("inboundText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// markupLT finds a "<" that opens markup.
var markupLT = regexp.MustCompile(`<([@!#]|[A-Za-z][A-Za-z0-9+.-]*:)`)

// Nothing typed can come out of decoding as a mention: the only mention
// forms in the output are those Slack itself wrote.
func FuzzInboundTextMakesNoMentions(f *testing.F) {
	for _, s := range []string{"&lt;@U999&gt;", "&lt;<!here>&gt;", "<@U1|&lt;@U2&gt;>", "&lt;!channel&gt;", "<https://x|&lt;@U1&gt;>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Slack escapes every typed <, > and &: what it sends holds no raw
		// < or > but its own markup. Build such a text from s.
		typed := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
		out := inboundText(typed + " <@U42|bob>")
		if n := len(markupLT.FindAllString(out, -1)); n != 1 {
			t.Fatalf("inboundText(%q) = %q: %d mention openings, want only Slack's own", typed, out, n)
		}
		want := markupLT.ReplaceAllString(s, neutralLT+"$1")
		if got := inboundText(typed); got != want {
			t.Fatalf("inboundText(%q) = %q, want %q", typed, got, want)
		}
	})
}

// A title typed in Slack is stored as typed, not as Slack escaped it.
func TestSlashCommandTextDecoded(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		status, _ := h.slash("U1", "CLOBBY", "declare sev2 A &amp; B &lt;script&gt; <!channel>")
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		inc, err := h.store.GetIncidentByKey(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != "A & B <script> @channel" {
			t.Fatalf("title %q", inc.Title)
		}
		// A typed mention stays text; a real one names the lead.
		h.drain()
		inc, err = h.store.GetIncidentByKey(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := inc.ChannelOn("slack")
		if status, _ := h.slash("U1", ch.ChannelID, "note ask &lt;@U2&gt; about it"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		notes := kinds(h.events(inc.Key), "note")
		if len(notes) != 1 || notes[0].Text != "ask ‹@U2> about it" {
			t.Fatalf("notes %+v", notes)
		}
		if status, _ := h.slash("U1", ch.ChannelID, "lead <@U2|bob>"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		if inc, _ := h.store.GetIncidentByKey(t.Context(), inc.Key); inc.Lead.ID != "U2" {
			t.Fatalf("lead %+v", inc.Lead)
		}
	})
}

// A message put on the timeline reads as it did in Slack.
func TestCapturedMessageTextDecoded(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
	inc := h.declareHere("CINC", "Replica lag")
	ts := h.fake.AddMessage("CINC", "U2", "p99 &gt; 2s after <https://deploy.example/42|deploy 42>, <!here> &lt;@U1&gt;")
	reaction := map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
		"item": map[string]any{"type": "message", "channel": "CINC", "ts": ts}, "event_ts": "1772373700.000100"}
	if status, body := h.event("EvDecode", reaction, 0); status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	notes := kinds(h.events(inc.Key), "note")
	if len(notes) != 1 || notes[0].Text != "p99 > 2s after deploy 42 (https://deploy.example/42), @here ‹@U1>" {
		t.Fatalf("notes %+v", notes)
	}
}
