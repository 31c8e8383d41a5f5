package slack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// slackTokenRe finds what Slack reads as a control sequence in mrkdwn.
var slackTokenRe = regexp.MustCompile(`<[^<>]*>`)

// TestHostileTextIsData: whatever a person types — Slack's own mention,
// link and command syntax, the engine's old mention tokens, Discord's and
// Markdown's syntax, HTML, control characters — reaches Slack as escaped
// words. The only control sequences in what Tourniquet posts are the ones
// it made: the lead's mention (by ID, never by the typed name) and links
// whose label is their own address.
func TestHostileTextIsData(t *testing.T) {
	lead := incident.Actor{Platform: Platform, ID: "U1"}
	var golden bytes.Buffer
	for _, s := range bottest.Hostile {
		for i, m := range bottest.HostileMessages(s, lead) {
			r := Render(m)
			raw, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var blocks []any
			b, _ := json.Marshal(r.Blocks)
			_ = json.Unmarshal(b, &blocks)
			if problem := slacktest.CheckBlocks(blocks); problem != "" {
				t.Errorf("%q message %d: Slack would refuse it: %s", s, i, problem)
			}
			texts := []string{r.Text}
			walkText(blocks, func(obj map[string]any) {
				switch obj["type"] {
				case "mrkdwn":
					texts = append(texts, obj["text"].(string))
					if obj["verbatim"] != true {
						t.Errorf("%q message %d: a mrkdwn object Slack would auto-parse: %v", s, i, obj)
					}
				case "plain_text":
				default:
					t.Errorf("%q message %d: text object of type %v", s, i, obj["type"])
				}
			})
			for _, text := range texts {
				for _, tok := range slackTokenRe.FindAllString(text, -1) {
					if tok == "<@U1>" || (strings.HasPrefix(tok, "<http") && !strings.Contains(tok, "|")) {
						continue
					}
					t.Errorf("%q message %d: control sequence %s in %q", s, i, tok, text)
				}
				if strings.ContainsAny(text, "\x1b\x07\u202e") {
					t.Errorf("%q message %d: control characters reach Slack: %q", s, i, text)
				}
			}
			golden.Write(marshalReadable(t, json.RawMessage(raw)))
		}
	}
	path := filepath.Join("testdata", "hostile.golden")
	if *update {
		if err := os.WriteFile(path, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/slack -run TestHostileTextIsData -update)", err)
	}
	if !bytes.Equal(golden.Bytes(), want) {
		t.Errorf("renders of hostile text changed (-update to accept, after reading the diff)")
	}
}

// walkText calls f with every text object ({"type": …, "text": …}) in v.
func walkText(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["text"].(string); ok {
			if _, typed := x["type"]; typed {
				f(x)
				return
			}
		}
		for _, c := range x {
			walkText(c, f)
		}
	case []any:
		for _, c := range x {
			walkText(c, f)
		}
	}
}

// TestTypedMentionsDoNotPing drives it as the attacker did: with
// should_escape on, Slack hands the bot a typed @channel as <!channel>;
// declaring an incident with it in the title, and noting it in the
// channel, must notify nobody, in the incident channel or the announce
// channel, and spoof no link.
func TestTypedMentionsDoNotPing(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	hostile := "<!channel> wake up <!here> <!subteam^S1|@oncall> <@U999> <http://evil.example|Approve rollback here>"
	if status, body := h.slash("U1", "CGEN", "declare sev1 "+hostile); status != 200 {
		t.Fatalf("declare: %d %s", status, body)
	}
	h.drain()
	creates := h.fake.OK("conversations.create")
	if len(creates) != 1 {
		t.Fatalf("%d channels opened", len(creates))
	}
	ch := h.fake.ChannelByName(creates[0].Form.Get("name"))
	if status, body := h.slash("U1", ch.ID, "note "+hostile); status != 200 {
		t.Fatalf("note: %d %s", status, body)
	}
	h.drain()
	posts := append(h.fake.OK("chat.postMessage"), h.fake.OK("chat.update")...)
	if len(posts) < 3 {
		t.Fatalf("%d posts", len(posts))
	}
	for _, c := range posts {
		texts := []string{c.Form.Get("text")}
		var blocks []any
		if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &blocks); err != nil {
			t.Fatal(err)
		}
		walkText(blocks, func(obj map[string]any) {
			if obj["type"] == "mrkdwn" {
				texts = append(texts, obj["text"].(string))
			}
		})
		for _, text := range texts {
			for _, tok := range slackTokenRe.FindAllString(text, -1) {
				if tok == "<@U1>" || tok == "<#"+ch.ID+">" || (strings.HasPrefix(tok, "<http") && !strings.Contains(tok, "|")) {
					continue
				}
				t.Errorf("%s to %s: control sequence %s in %q", c.Method, c.Form.Get("channel"), tok, text)
			}
		}
	}
}
