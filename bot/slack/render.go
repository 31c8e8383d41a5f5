package slack

import (
	"fmt"
	"regexp"
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
// with a note saying so. Mention tokens become Slack mentions (<@U123>,
// <!channel>); bare &, < and > are escaped while Slack markup that is
// already there (<@U1>, <#C1>, <https://…|label>, &amp;) is kept.
func Render(m bot.Message) Rendered {
	var out []slack.Block
	n := 0 // buttons so far: action_id is unique per message
	for _, b := range m.Blocks {
		switch b.Kind {
		case bot.BlockHeader:
			if t := strings.TrimSpace(plainText(b.Text)); t != "" {
				out = append(out, slack.NewHeaderBlock(plain(truncate(t, maxHeaderText))))
			}
		case bot.BlockText:
			for _, chunk := range splitText(mrkdwn(b.Text), maxSectionText) {
				out = append(out, slack.NewSectionBlock(md(chunk), nil, nil))
			}
		case bot.BlockFields:
			var fs []*slack.TextBlockObject
			for _, f := range b.Fields {
				fs = append(fs, md(truncate(fmt.Sprintf("*%s*\n%s", mrkdwn(f.Label), mrkdwn(f.Value)), maxFieldText)))
			}
			for len(fs) > 0 {
				k := min(len(fs), maxFields)
				out = append(out, slack.NewSectionBlock(nil, fs[:k], nil))
				fs = fs[k:]
			}
		case bot.BlockContext:
			if t := strings.TrimSpace(b.Text); t != "" {
				out = append(out, slack.NewContextBlock("", md(truncate(mrkdwn(t), maxContextText))))
			}
		case bot.BlockDivider:
			out = append(out, slack.NewDividerBlock())
		case bot.BlockButtons:
			var els []slack.BlockElement
			for _, btn := range b.Buttons {
				if btn.Command == "" || len(btn.Command) > maxButtonValue {
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
			md("_Message shortened: Slack shows at most 50 blocks. `/incident timeline` links to the full report._")))
	}
	return Rendered{Text: fallback(m), Blocks: out}
}

func button(b bot.Button, n int) *slack.ButtonBlockElement {
	el := slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionIDPrefix, n), b.Command, plain(truncate(plainText(b.Label), maxButtonText)))
	switch b.Style {
	case bot.StylePrimary:
		el = el.WithStyle(slack.StylePrimary)
	case bot.StyleDanger:
		el = el.WithStyle(slack.StyleDanger)
	}
	if c := b.Confirm; c != nil {
		obj := slack.NewConfirmationBlockObject(
			plain(truncate(orDefault(plainText(c.Title), "Are you sure?"), maxConfirmTitle)),
			md(truncate(mrkdwn(orDefault(c.Text, "Please confirm.")), maxConfirmText)),
			plain(truncate(orDefault(plainText(c.Confirm), "Yes"), maxConfirmButton)),
			plain(truncate(orDefault(plainText(c.Deny), "Cancel"), maxConfirmButton)),
		)
		if b.Style == bot.StyleDanger {
			obj = obj.WithStyle(slack.StyleDanger)
		}
		el = el.WithConfirm(obj)
	}
	return el
}

// fallback is the message's plain-text summary: its Fallback, or its text
// blocks joined.
func fallback(m bot.Message) string {
	t := m.Fallback
	if strings.TrimSpace(t) == "" {
		var parts []string
		for _, b := range m.Blocks {
			switch b.Kind {
			case bot.BlockHeader, bot.BlockText, bot.BlockContext:
				if s := strings.TrimSpace(b.Text); s != "" {
					parts = append(parts, s)
				}
			}
		}
		t = strings.Join(parts, "\n")
	}
	return truncate(mrkdwn(t), maxFallback)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func md(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// slackUser renders a user mention: a Slack user as a real mention, anyone
// else by name.
func slackUser(a incident.Actor) string {
	if a.Platform == incident.PlatformSlack && a.ID != "" {
		return "<@" + a.ID + ">"
	}
	return "@" + a.Display()
}

// mrkdwn renders mention tokens for Slack and escapes bare &, < and >.
func mrkdwn(s string) string {
	return escapeBare(bot.RenderMentions(s, slackUser, bot.MentionChannel))
}

// plainText renders mention tokens as @name, for plain_text objects.
func plainText(s string) string {
	return bot.PlainMentions(s)
}

// markupRe matches what Slack's mrkdwn treats as markup and must be kept:
// mentions and links in angle brackets, and the three HTML entities.
var markupRe = regexp.MustCompile(`<(?:[@#!][^<>\s][^<>]*|(?:https?|mailto):[^<>\s|]+(?:\|[^<>]*)?)>|&(?:amp|lt|gt);`)

var bareEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeBare escapes &, < and > outside Slack markup. Text from Slack comes
// escaped already and keeps its markup; text from elsewhere (a modal's
// plain input, the terminal) gets escaped once.
func escapeBare(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range markupRe.FindAllStringIndex(s, -1) {
		b.WriteString(bareEscaper.Replace(s[last:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(bareEscaper.Replace(s[last:]))
	return b.String()
}

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
