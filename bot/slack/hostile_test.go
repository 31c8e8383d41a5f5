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
	"github.com/tourniquet/tourniquet/incident"
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
	lead := incident.Actor{Platform: incident.PlatformSlack, ID: "U1"}
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
			if problem := checkBlocks(blocks); problem != "" {
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
