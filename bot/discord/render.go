package discord

import (
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
)

// Discord's limits on a message (in characters; this package counts bytes,
// which is never more generous).
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000
)

// Embed colours: by the message's state hint (impact ongoing, mitigated
// with the cause unknown, both clocks stopped) and, while impact is
// ongoing, by the severity its header names.
const (
	colorSev1    = 0x992D22 // dark red: SEV1, impact ongoing
	colorDanger  = 0xED4245 // red: SEV2 (or unknown), impact ongoing
	colorLowSev  = 0xE67E22 // orange: SEV3/SEV4, impact ongoing
	colorWarning = 0xFEE75C // yellow: mitigated, cause unknown
	colorGood    = 0x57F287 // green: mitigated and diagnosed
	colorNeutral = 0x99AAB5 // grey: resolved, or no state
)

// Rendered is a message in Discord's shape. Embeds and Components are never
// nil, so that an edit clears what the message had before.
type Rendered struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.MessageComponent      `json:"components"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// Render turns a message of the model into Discord's shape.
//
// A message with a header, fields or a colour becomes one embed: the first
// header is its title, text blocks its description, fields inline fields,
// context lines its footer (the card's two clocks) — except context lines
// with a link, which stay clickable as small text in the description. The
// embed's colour follows Message.Color and the severity in the header.
// Other messages are plain content. Buttons become rows of at most five
// buttons, at most five rows; the rest go into a select menu. All data is
// escaped (markdown); the model's user mentions become <@id> for Discord
// users and its channel ping @here; since mentions inside embeds do not
// notify, an embed's pings are repeated as its content, and
// allowed_mentions names exactly those users and nothing else.
func Render(m bot.Message) Rendered {
	var seen mentions
	r := Rendered{Embeds: []*discordgo.MessageEmbed{}, Components: components(m)}
	if isEmbed(m) {
		r.Embeds = append(r.Embeds, embed(m, &seen))
		r.Content = seen.tokens()
	} else {
		r.Content = content(m, &seen)
	}
	r.AllowedMentions = allowed(&seen)
	return r
}

func isEmbed(m bot.Message) bool {
	if m.Color != "" {
		return true
	}
	for _, b := range m.Blocks {
		if b.Kind == bot.BlockHeader || b.Kind == bot.BlockFields {
			return true
		}
	}
	return false
}

func allowed(seen *mentions) *discordgo.MessageAllowedMentions {
	a := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	if seen.channel {
		a.Parse = append(a.Parse, discordgo.AllowedMentionTypeEveryone)
	}
	if len(seen.users) > 0 {
		a.Users = append([]string(nil), seen.users[:min(len(seen.users), 100)]...)
	}
	return a
}

// content renders a plain message: text blocks, small-print context lines.
func content(m bot.Message, seen *mentions) string {
	var lines []string
	for _, b := range m.Blocks {
		switch b.Kind {
		case bot.BlockText:
			lines = append(lines, markdown(b.Text, seen))
		case bot.BlockContext:
			lines = append(lines, subtext(markdown(b.Text, seen)))
		}
	}
	s := strings.Join(lines, "\n")
	if strings.TrimSpace(s) == "" {
		s = escapeMarkdown(m.Fallback)
	}
	if strings.TrimSpace(s) == "" && len(m.AllButtons()) == 0 {
		s = "…"
	}
	return truncate(s, maxContent)
}

// subtext marks every line of s as Discord's small print ("-# ").
func subtext(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "-# " + l
		}
	}
	return strings.Join(lines, "\n")
}

// hasLink reports whether r links somewhere (a footer could not show it).
func hasLink(r bot.Rich) bool {
	for _, s := range r {
		if s.Kind == bot.SpanLink || s.Kind == bot.SpanChannelLink || strings.Contains(s.Text, "://") {
			return true
		}
	}
	return false
}

func embed(m bot.Message, seen *mentions) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich}
	var desc, footer []string
	for _, b := range m.Blocks {
		switch b.Kind {
		case bot.BlockHeader:
			// Titles read markdown (but no mentions or links).
			if e.Title == "" {
				e.Title = truncate(escapeMarkdown(b.Text.String()), maxTitle)
			} else {
				desc = append(desc, "**"+escapeMarkdown(b.Text.String())+"**")
			}
		case bot.BlockText:
			desc = append(desc, markdown(b.Text, seen))
		case bot.BlockContext:
			if hasLink(b.Text) {
				desc = append(desc, subtext(markdown(b.Text, nil)))
			} else {
				footer = append(footer, plain(b.Text))
			}
		case bot.BlockFields:
			for _, f := range b.Fields {
				if len(e.Fields) == maxFields {
					break
				}
				e.Fields = append(e.Fields, &discordgo.MessageEmbedField{
					Name:   nonEmpty(truncate(escapeMarkdown(f.Label), maxFieldName)),
					Value:  nonEmpty(truncate(markdown(f.Value, nil), maxFieldValue)),
					Inline: true,
				})
			}
		}
	}
	e.Description = truncate(strings.Join(desc, "\n\n"), maxDescription)
	if len(footer) > 0 {
		e.Footer = &discordgo.MessageEmbedFooter{Text: truncate(strings.Join(footer, "\n"), maxFooter)}
	}
	if e.Title == "" && e.Description == "" && len(e.Fields) == 0 {
		e.Description = truncate(escapeMarkdown(m.Fallback), maxDescription)
	}
	e.Color = color(m)
	// The whole embed must fit in 6000 characters; the description gives.
	if over := embedSize(e) - maxEmbedTotal; over > 0 {
		e.Description = truncate(e.Description, max(len(e.Description)-over, 0))
	}
	return e
}

func embedSize(e *discordgo.MessageEmbed) int {
	n := len(e.Title) + len(e.Description)
	for _, f := range e.Fields {
		n += len(f.Name) + len(f.Value)
	}
	if e.Footer != nil {
		n += len(e.Footer.Text)
	}
	return n
}

// nonEmpty keeps Discord from refusing an empty field name or value.
func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "\u200b"
	}
	return s
}

var sevHeaderRe = regexp.MustCompile(`^SEV([1-4])\b`)

func color(m bot.Message) int {
	switch m.Color {
	case "danger":
		for _, b := range m.Blocks {
			if b.Kind != bot.BlockHeader {
				continue
			}
			if s := sevHeaderRe.FindStringSubmatch(b.Text.String()); s != nil {
				switch s[1] {
				case "1":
					return colorSev1
				case "3", "4":
					return colorLowSev
				}
			}
			break
		}
		return colorDanger
	case "warning":
		return colorWarning
	case "good":
		return colorGood
	}
	return colorNeutral
}
