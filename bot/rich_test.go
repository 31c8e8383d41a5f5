package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
)

func TestTextfArgumentsAreData(t *testing.T) {
	ana := incident.Actor{Platform: "slack", ID: "U1", Name: "ana"}
	got := Textf("*%s* said %q to %s, `%s` %d%%", "*not bold* <@U2>", "_x_", ana, "code", 5)
	want := Rich{
		{Text: "*not bold* <@U2>", Emph: EmBold},
		{Text: " said "},
		{Text: `"_x_"`},
		{Text: " to "},
		{Kind: SpanUser, User: ana},
		{Text: ", "},
		{Text: "code", Emph: EmCode},
		{Text: " "},
		{Text: "5"},
		{Text: "%"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Textf:\n got %#v\nwant %#v", got, want)
	}
	if len(got.Mentions()) != 1 || !got.Mentions()[0].Same(ana) || got.PingsChannel() {
		t.Errorf("mentions %v, channel %v: only the Actor argument is a mention", got.Mentions(), got.PingsChannel())
	}
	if s := got.String(); s != `*not bold* <@U2> said "_x_" to @ana, code 5%` {
		t.Errorf("String() = %q", s)
	}
}

func TestTextfMarkupAndMistakes(t *testing.T) {
	if got := Textf(`\*literal\* _it_ ~st~`); got.Notation() != `*literal* _it_ ~st~` || got[0].Emph != 0 || got[1].Emph != EmItalic {
		t.Errorf("escapes and emphasis: %#v", got)
	}
	if got := Textf("%s and %s", "one").String(); got != "one and %!s(MISSING)" {
		t.Errorf("missing argument: %q", got)
	}
	if got := Textf("x", "extra").String(); got != "x%!(EXTRA 1)" {
		t.Errorf("extra argument: %q", got)
	}
	if got := Textf("*%s*", Rich{Code("c"), User(incident.Actor{Platform: "discord", ID: "9"})}); got[0].Emph != EmBold|EmCode || got[1].Emph != EmBold {
		t.Errorf("emphasis around rich arguments: %#v", got)
	}
}

// TestRichJSON: rich text survives the outbox; a message an older version
// queued (text as a plain string, with its old mention tokens) is shown as
// the words it holds, never read as markup.
func TestRichJSON(t *testing.T) {
	var m Message
	m.Textf("*%s* %s", "x", Here())
	m.Fields(Field{Label: "Lead", Value: Rich{User(incident.Actor{Platform: "slack", ID: "U1"})}})
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("round trip: %v\n got %#v\nwant %#v", err, back, m)
	}
	old := `{"blocks":[{"kind":"text","text":"<!channel> <@slack:U1|x> *b*"},{"kind":"fields","fields":[{"label":"Lead","value":"<@slack:U1|x>"}]}]}`
	if err := json.Unmarshal([]byte(old), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Blocks[0].Text; len(got) != 1 || got[0].Kind != SpanText || got[0].Text != "<!channel> <@slack:U1|x> *b*" || got.PingsChannel() {
		t.Errorf("legacy text block: %#v", got)
	}
	if got := back.Blocks[1].Fields[0].Value; len(got.Mentions()) != 0 {
		t.Errorf("legacy field became a mention: %#v", got)
	}
}

func TestRenderRichEmphasisRuns(t *testing.T) {
	mk := Markers{Bold: [2]string{"*", "*"}}
	piece := func(s Span) string { return s.Plain() }
	for want, in := range map[string]Rich{
		"*a b* c":        Textf("*a %s* c", "b"),
		" *x* ":          Rich{{Text: " x ", Emph: EmBold}},
		"*one*\n*two*":   Rich{{Text: "one\ntwo", Emph: EmBold}},
		"* *":            Rich{{Text: "* *"}},
		"":               nil,
		"*@ana* and her": Textf("*%s* and her", incident.Actor{Platform: "console", ID: "a", Name: "ana"}),
	} {
		if got := RenderRich(in, piece, mk); got != want {
			t.Errorf("RenderRich(%#v) = %q, want %q", in, got, want)
		}
	}
}
