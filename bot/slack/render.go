package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Block Kit limits the renderer stays within (docs.slack.dev, "Block Kit"
// reference: blocks, elements and composition objects).
const (
	maxBlocks         = 50
	maxSectionText    = 3000
	maxFieldText      = 2000
	maxFields         = 10
	maxContextText    = 3000
	maxHeaderText     = 150
	maxActionElements = 25
	maxButtonText     = 75
	maxButtonValue    = 2000
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButton  = 30
	// maxFallback bounds the top-level text, used for notifications.
	maxFallback = 3000
)

// ActionIDPrefix starts the action_id of every button the adapter renders,
// so that clicks on Tourniquet's buttons can be told from anything else.
const ActionIDPrefix = "tq:"

// Rendered is a bot.Message as Slack takes it: Block Kit blocks and the
// plain-text fallback shown in notifications.
type Rendered struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// Render turns the platform-neutral message into Block Kit, within Slack's
// limits: long text is split over several sections, long rows of buttons
// over several actions blocks, and a message of more than 50 blocks is cut
// with a note saying so. Rich text becomes mrkdwn in which every piece of
// data is escaped (&, <, >) so that nothing a person typed can mention,
// link or call a Slack command; mentions and links exist only where the
// message model has them as values. Every mrkdwn object is verbatim, so
// Slack does not turn typed words such as @channel or #general into
// mentions or links either.
func Render(m bot.Message) Rendered {
	var out []slack.Block
	n := 0 // buttons so far: action_id is unique per message
	for _, b := range m.Blocks {
		switch b.Kind {
		case bot.BlockHeader:
			if t := strings.TrimSpace(b.Text.String()); t != "" {
				out = append(out, slack.NewHeaderBlock(plain(truncate(t, maxHeaderText))))
			}
		case bot.BlockText:
			for _, chunk := range splitText(mrkdwn(b.Text), maxSectionText) {
				out = append(out, slack.NewSectionBlock(md(chunk), nil, nil))
			}
		case bot.BlockFields:
			var fs []*slack.TextBlockObject
			for _, f := range b.Fields {
				fs = append(fs, md(truncate("*"+escape(f.Label)+"*\n"+mrkdwn(f.Value), maxFieldText)))
			}
			for len(fs) > 0 {
				k := min(len(fs), maxFields)
				out = append(out, slack.NewSectionBlock(nil, fs[:k], nil))
				fs = fs[k:]
			}
		case bot.BlockContext:
			if !b.Text.IsEmpty() {
				out = append(out, slack.NewContextBlock("", md(truncate(mrkdwn(b.Text), maxContextText))))
			}
		case bot.BlockDivider:
			out = append(out, slack.NewDividerBlock())
		case bot.BlockButtons:
			var els []slack.BlockElement
			for _, btn := range b.Buttons {
				if btn.Command == "" || len(buttonValue(btn)) > maxButtonValue || (btn.Form == nil && bot.IsFormRef(btn.Command)) {
					continue // a command Slack cannot carry would run something else
				}
				n++
				els = append(els, button(btn, n))
			}
			for len(els) > 0 {
				k := min(len(els), maxActionElements)
				out = append(out, slack.NewActionBlock("", els[:k]...))
				els = els[k:]
			}
		}
	}
	if len(out) > maxBlocks {
		out = append(out[:maxBlocks-1], slack.NewContextBlock("",
			md(mrkdwn(bot.Textf("_Message shortened: Slack shows at most 50 blocks. `/incident timeline` links to the full report._")))))
	}
	return Rendered{Text: fallback(m), Blocks: out}
}

func button(b bot.Button, n int) *slack.ButtonBlockElement {
	el := slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionIDPrefix, n), buttonValue(b), plain(truncate(b.Label, maxButtonText)))
	switch b.Style {
	case bot.StylePrimary:
		el = el.WithStyle(slack.StylePrimary)
	case bot.StyleDanger:
		el = el.WithStyle(slack.StyleDanger)
	}
	if c := b.Confirm; c != nil {
		obj := slack.NewConfirmationBlockObject(
			plain(truncate(orDefault(c.Title, "Are you sure?"), maxConfirmTitle)),
			plain(truncate(orDefault(c.Text, "Please confirm."), maxConfirmText)),
			plain(truncate(orDefault(c.Confirm, "Yes"), maxConfirmButton)),
			plain(truncate(orDefault(c.Deny, "Cancel"), maxConfirmButton)),
		)
		if b.Style == bot.StyleDanger {
			obj = obj.WithStyle(slack.StyleDanger)
		}
		el = el.WithConfirm(obj)
	}
	return el
}

// fallback is the top-level text Slack shows in notifications: the
// message's Fallback (plain words, escaped), or its header, text and
// context rendered like the blocks, so that its mentions still notify.
func fallback(m bot.Message) string {
	if strings.TrimSpace(m.Fallback) != "" {
		return truncate(escape(m.Fallback), maxFallback)
	}
	var parts []string
	for _, b := range m.Blocks {
		switch b.Kind {
		case bot.BlockHeader:
			parts = append(parts, escape(strings.TrimSpace(b.Text.String())))
		case bot.BlockText, bot.BlockContext:
			if !b.Text.IsEmpty() {
				parts = append(parts, mrkdwn(b.Text))
			}
		}
	}
	return truncate(strings.Join(parts, "\n"), maxFallback)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, incident.Printable(s), true, false)
}

// md is a verbatim mrkdwn object: Slack keeps the markup the renderer wrote
// and adds none of its own.
func md(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// slackMarkers are mrkdwn's emphasis markers.
var slackMarkers = bot.Markers{Bold: [2]string{"*", "*"}, Italic: [2]string{"_", "_"}, Strike: [2]string{"~", "~"}}

// mrkdwn renders rich text as Slack mrkdwn (see Render).
func mrkdwn(r bot.Rich) string { return bot.RenderRich(r, slackPiece, slackMarkers) }

// slackPiece renders one span's content.
func slackPiece(s bot.Span) string {
	switch s.Kind {
	case bot.SpanUser:
		if s.User.Platform == Platform && s.User.ID != "" {
			return "<@" + s.User.ID + ">"
		}
		return escape("@" + s.User.Display())
	case bot.SpanChannel:
		return "<!channel>"
	case bot.SpanLink:
		if s.Text == "" || s.Text == s.URL {
			return "<" + linkTarget(s.URL) + ">"
		}
		return "<" + linkTarget(s.URL) + "|" + escape(s.Text) + ">"
	case bot.SpanChannelLink:
		return "<#" + linkTarget(s.URL) + ">"
	}
	if s.Emph&bot.EmCode != 0 {
		// mrkdwn has no escape for a backtick inside code.
		if strings.Contains(s.Text, "\n") {
			return "```\n" + escape(strings.ReplaceAll(s.Text, "```", "`\u200b``")) + "\n```"
		}
		return "`" + escape(strings.ReplaceAll(s.Text, "`", "'")) + "`"
	}
	var b strings.Builder
	bot.SplitURLs(s.Text, func(t string) { b.WriteString(escape(t)) },
		func(u string) { b.WriteString("<" + linkTarget(u) + ">") })
	return b.String()
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text data for mrkdwn: &, < and > are the only characters
// Slack reads as control sequences (mentions, links, commands); control
// and reordering characters are dropped (incident.Printable).
func escape(s string) string { return escaper.Replace(incident.Printable(s)) }

// linkTarget makes a URL or ID safe inside <…>: & as Slack escapes it, and
// the characters that would end or split the link percent-encoded.
var linkTarget = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// splitText cuts s into pieces of at most n characters, at line breaks
// where it can.
func splitText(s string, n int) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for utf8.RuneCountInString(s) > n {
		r := []rune(s)
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == '\n' {
				cut = i
				break
			}
		}
		out = append(out, string(r[:cut]))
		s = strings.TrimLeft(string(r[cut:]), "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}
