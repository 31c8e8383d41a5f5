package conformance

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Discord's documented limits that its OpenAPI description does not carry
// (discord.com/developers/docs: "Create Message", "Embed Limits",
// "Component Reference", "Application Commands").
const (
	discordMaxContent       = 2000
	discordMaxEmbeds        = 10
	discordMaxEmbedTitle    = 256
	discordMaxEmbedDesc     = 4096
	discordMaxEmbedFields   = 25
	discordMaxFieldName     = 256
	discordMaxFieldValue    = 1024
	discordMaxFooter        = 2048
	discordMaxAuthor        = 256
	discordMaxEmbedTotal    = 6000
	discordMaxRows          = 5
	discordMaxRowButtons    = 5
	discordMaxCustomID      = 100
	discordMaxButtonLabel   = 80
	discordMaxOptions       = 25
	discordMaxOptionText    = 100
	discordMaxPlaceholder   = 150
	discordMaxCommands      = 100
	discordMaxCommandName   = 32
	discordMaxCommandDesc   = 100
	discordMaxCommandOption = 25
	discordMaxCommandTotal  = 4000
)

// disabledPrefix starts the custom_id of a button Tourniquet shows
// disabled because its command does not fit: a bug of the engine.
const disabledPrefix = "~off:"

// discordLimits checks a request body of operation op against the
// documented limits.
func discordLimits(op string, body any) []string {
	switch op {
	case "create_message", "update_message", "execute_webhook", "update_original_webhook_message", "update_webhook_message":
		m, _ := body.(map[string]any)
		return MessageLimits(m)
	case "create_interaction_response":
		m, _ := body.(map[string]any)
		if d, ok := m["data"].(map[string]any); ok {
			if _, choices := d["choices"]; !choices {
				return MessageLimits(d)
			}
		}
	case "bulk_set_guild_application_commands", "bulk_set_application_commands":
		cmds, _ := body.([]any)
		return commandLimits(cmds)
	}
	return nil
}

func runes(v any) int {
	s, _ := v.(string)
	return utf8.RuneCountInString(s)
}

// MessageLimits checks a message body (content, embeds, components) against
// Discord's documented limits. It also refuses a button Tourniquet had to
// show disabled, which only happens for a command over 100 bytes.
func MessageLimits(m map[string]any) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if n := runes(m["content"]); n > discordMaxContent {
		fail("content of %d characters (at most %d)", n, discordMaxContent)
	}
	embeds, _ := m["embeds"].([]any)
	if len(embeds) > discordMaxEmbeds {
		fail("%d embeds (at most %d)", len(embeds), discordMaxEmbeds)
	}
	total := 0
	for i, e := range embeds {
		em, _ := e.(map[string]any)
		total += embedLimits(i, em, fail)
	}
	if total > discordMaxEmbedTotal {
		fail("embeds of %d characters in all (at most %d)", total, discordMaxEmbedTotal)
	}
	rows, _ := m["components"].([]any)
	componentLimits(rows, fail)
	return out
}

func embedLimits(i int, em map[string]any, fail func(string, ...any)) int {
	limit := func(what string, v any, max int) int {
		n := runes(v)
		if n > max {
			fail("embed %d: %s of %d characters (at most %d)", i, what, n, max)
		}
		return n
	}
	total := limit("title", em["title"], discordMaxEmbedTitle) + limit("description", em["description"], discordMaxEmbedDesc)
	fields, _ := em["fields"].([]any)
	if len(fields) > discordMaxEmbedFields {
		fail("embed %d: %d fields (at most %d)", i, len(fields), discordMaxEmbedFields)
	}
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		total += limit("field name", fm["name"], discordMaxFieldName) + limit("field value", fm["value"], discordMaxFieldValue)
	}
	if ft, ok := em["footer"].(map[string]any); ok {
		total += limit("footer", ft["text"], discordMaxFooter)
	}
	if au, ok := em["author"].(map[string]any); ok {
		total += limit("author name", au["name"], discordMaxAuthor)
	}
	return total
}

func componentLimits(rows []any, fail func(string, ...any)) {
	if len(rows) > discordMaxRows {
		fail("%d action rows (at most %d)", len(rows), discordMaxRows)
	}
	ids := map[string]bool{}
	for i, r := range rows {
		row, _ := r.(map[string]any)
		cs, _ := row["components"].([]any)
		if len(cs) == 0 || len(cs) > discordMaxRowButtons {
			fail("row %d: %d components (1 to %d)", i, len(cs), discordMaxRowButtons)
		}
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			id, _ := cm["custom_id"].(string)
			if id != "" {
				if n := len([]rune(id)); n > discordMaxCustomID {
					fail("row %d: custom_id of %d characters (at most %d): %q", i, n, discordMaxCustomID, id)
				}
				if ids[id] {
					fail("row %d: custom_id %q used twice", i, id)
				}
				ids[id] = true
			}
			switch fmt.Sprint(cm["type"]) {
			case "2": // button
				if n := runes(cm["label"]); n > discordMaxButtonLabel {
					fail("row %d: button label of %d characters (at most %d)", i, n, discordMaxButtonLabel)
				}
				if strings.HasPrefix(id, disabledPrefix) {
					fail("row %d: button %q shown disabled: its command does not fit in a custom_id", i, cm["label"])
				}
			case "3", "5", "6", "7", "8": // select menus
				if len(cs) != 1 {
					fail("row %d: a select menu must be alone in its row", i)
				}
				if n := runes(cm["placeholder"]); n > discordMaxPlaceholder {
					fail("row %d: placeholder of %d characters (at most %d)", i, n, discordMaxPlaceholder)
				}
				opts, _ := cm["options"].([]any)
				if len(opts) > discordMaxOptions {
					fail("row %d: %d options (at most %d)", i, len(opts), discordMaxOptions)
				}
				for _, o := range opts {
					om, _ := o.(map[string]any)
					for _, k := range []string{"label", "value", "description"} {
						if n := runes(om[k]); n > discordMaxOptionText {
							fail("row %d: option %s of %d characters (at most %d)", i, k, n, discordMaxOptionText)
						}
					}
				}
			}
		}
	}
}

// commandNameRe is what Discord accepts as the name of a slash command
// or option; letters that have a lower case must use it.
var commandNameRe = regexp.MustCompile(`^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// commandLimits checks a bulk overwrite of application commands.
func commandLimits(cmds []any) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if len(cmds) > discordMaxCommands {
		fail("%d commands (at most %d)", len(cmds), discordMaxCommands)
	}
	for _, c := range cmds {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		total := optionLimits(name, cm, fail)
		if total > discordMaxCommandTotal {
			fail("command %s: %d characters of names, descriptions and choices (at most %d)", name, total, discordMaxCommandTotal)
		}
	}
	return out
}

// optionLimits checks a command or an option, and returns the characters
// Discord counts against the 4000 of a command.
func optionLimits(path string, o map[string]any, fail func(string, ...any)) int {
	if name, _ := o["name"].(string); !commandNameRe.MatchString(name) || strings.ToLower(name) != name {
		fail("%s: name %q is not a lower-case command name of 1 to %d characters", path, name, discordMaxCommandName)
	}
	if n := runes(o["description"]); n > discordMaxCommandDesc {
		fail("%s: description of %d characters (at most %d)", path, n, discordMaxCommandDesc)
	}
	total := runes(o["name"]) + runes(o["description"])
	opts, _ := o["options"].([]any)
	if len(opts) > discordMaxCommandOption {
		fail("%s: %d options (at most %d)", path, len(opts), discordMaxCommandOption)
	}
	for _, x := range opts {
		om, _ := x.(map[string]any)
		name, _ := om["name"].(string)
		total += optionLimits(path+" "+name, om, fail)
	}
	choices, _ := o["choices"].([]any)
	if len(choices) > discordMaxCommandOption {
		fail("%s: %d choices (at most %d)", path, len(choices), discordMaxCommandOption)
	}
	for _, ch := range choices {
		cm, _ := ch.(map[string]any)
		total += runes(cm["name"]) + len(fmt.Sprint(cm["value"]))
	}
	return total
}
