package config

import (
	"strings"
	"testing"
)

// A secret that is not valid UTF-8 (a binary key file) is redacted too,
// and never makes Load panic.
func TestRedactSecretThatIsNotUTF8(t *testing.T) {
	secret := "k\xe5y-\xff\xfe-binary"
	ps := []Problem{{Key: "x", Msg: "bad value \"" + secret + "\" here"}, {Msg: "nothing to hide"}}
	redact(ps, []string{secret})
	if strings.Contains(ps[0].Msg, "binary") || !strings.Contains(ps[0].Msg, Redacted) {
		t.Fatalf("not redacted: %q", ps[0].Msg)
	}
	if ps[1].Msg != "nothing to hide" {
		t.Fatalf("changed: %q", ps[1].Msg)
	}

	_, err := load(t, "slack:\n  bot_token_file: /run/bot\n", env{"TOURNIQUET_SLACK_SIGNING_SECRET": "\xe500000\xe5"},
		files{"/run/bot": "xoxb-\xff\xfe-from-a-file\n"})
	if err != nil && strings.Contains(err.Error(), "from-a-file") {
		t.Fatalf("the error quotes the secret: %v", err)
	}
}
