package discord

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
)

// A button with a form carries the form's ID and its command in the
// custom_id, within 100 characters, and reads back as both; a command
// that merely looks like one is refused, as is a form whose reference
// does not fit.
func TestFormButtonsCustomID(t *testing.T) {
	b := bot.Button{Label: "Yes, identified", Command: "answer 9223372036854775807 yes", Form: bot.CauseForm()}
	id, ok := customID(b)
	if !ok || id != "!cause answer 9223372036854775807 yes" {
		t.Fatalf("custom_id %q %v", id, ok)
	}
	c, ok := decodeCustomID(id)
	if !ok || c.form == nil || c.form.ID != bot.FormCause || c.command != "answer 9223372036854775807 yes" {
		t.Fatalf("decoded %+v %v", c, ok)
	}
	if _, ok := customID(bot.Button{Label: "x", Command: "!cause resolve"}); ok {
		t.Error("a command that looks like a form reference was carried")
	}
	if _, ok := customID(bot.Button{Label: "x", Command: "note " + strings.Repeat("x", 90), Form: bot.CauseForm()}); ok {
		t.Error("a form reference over 100 characters was carried")
	}
	if _, ok := decodeCustomID("!nosuchform resolve"); ok {
		t.Error("a reference to a form the bot does not have was read")
	}
	resp := formModal(*bot.CauseForm(), id)
	if len(resp.Data.Title) > maxModalTitle || resp.Data.CustomID != id || len(resp.Data.Components) != 1 {
		t.Fatalf("modal %+v", resp.Data)
	}
}
