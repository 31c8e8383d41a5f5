package slacktest

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// buttonValues collects the values of the buttons in blocks' actions.
func buttonValues(blocks []any) []string {
	var out []string
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if bm["type"] != "actions" {
			continue
		}
		els, _ := bm["elements"].([]any)
		for _, e := range els {
			em, _ := e.(map[string]any)
			if v, _ := em["value"].(string); em["type"] == "button" && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// CheckBlocks applies the Block Kit limits Slack applies to a message's
// blocks (decoded JSON) and says what it would refuse; "" means valid.
// Tests of renderers use it on what they render.
func CheckBlocks(blocks []any) string {
	if len(blocks) > 50 {
		return fmt.Sprintf("%d blocks (at most 50)", len(blocks))
	}
	actionIDs := map[string]bool{}
	text := func(v any, kinds ...string) (string, bool) {
		m, _ := v.(map[string]any)
		if m == nil || !slices.Contains(kinds, fmt.Sprint(m["type"])) {
			return "", false
		}
		s, ok := m["text"].(string)
		return s, ok && s != ""
	}
	length := func(s string) int { return utf8.RuneCountInString(s) }
	for i, b := range blocks {
		m, _ := b.(map[string]any)
		switch m["type"] {
		case "header":
			s, ok := text(m["text"], "plain_text")
			if !ok || length(s) > 150 {
				return fmt.Sprintf("block %d: header text must be plain_text of 1-150 characters", i)
			}
		case "section":
			fields, _ := m["fields"].([]any)
			s, hasText := text(m["text"], "mrkdwn", "plain_text")
			if !hasText && len(fields) == 0 {
				return fmt.Sprintf("block %d: section without text or fields", i)
			}
			if length(s) > 3000 || len(fields) > 10 {
				return fmt.Sprintf("block %d: section text over 3000 or over 10 fields", i)
			}
			for _, fl := range fields {
				if s, ok := text(fl, "mrkdwn", "plain_text"); !ok || length(s) > 2000 {
					return fmt.Sprintf("block %d: field over 2000 characters", i)
				}
			}
		case "context":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				return fmt.Sprintf("block %d: context needs 1-10 elements", i)
			}
			for _, e := range els {
				if s, ok := text(e, "mrkdwn", "plain_text"); !ok || length(s) > 3000 {
					return fmt.Sprintf("block %d: context text over 3000", i)
				}
			}
		case "divider":
		case "actions":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				return fmt.Sprintf("block %d: actions needs 1-25 elements", i)
			}
			for _, e := range els {
				el, _ := e.(map[string]any)
				if el["type"] != "button" {
					return fmt.Sprintf("block %d: unexpected element %v", i, el["type"])
				}
				s, ok := text(el["text"], "plain_text")
				id, _ := el["action_id"].(string)
				val, _ := el["value"].(string)
				switch {
				case !ok || length(s) > 75:
					return fmt.Sprintf("block %d: button text must be 1-75 characters", i)
				case id == "" || len(id) > 255 || actionIDs[id]:
					return fmt.Sprintf("block %d: action_id %q missing, too long or not unique", i, id)
				case length(val) > 2000:
					return fmt.Sprintf("block %d: button value over 2000", i)
				}
				actionIDs[id] = true
				if st, ok := el["style"]; ok && st != "primary" && st != "danger" {
					return fmt.Sprintf("block %d: bad style %v", i, st)
				}
				if c, ok := el["confirm"].(map[string]any); ok {
					t, ok1 := text(c["title"], "plain_text")
					x, ok2 := text(c["text"], "plain_text", "mrkdwn")
					y, ok3 := text(c["confirm"], "plain_text")
					n, ok4 := text(c["deny"], "plain_text")
					if !ok1 || !ok2 || !ok3 || !ok4 || length(t) > 100 || length(x) > 300 || length(y) > 30 || length(n) > 30 {
						return fmt.Sprintf("block %d: bad confirm dialog", i)
					}
				}
			}
		default:
			return fmt.Sprintf("block %d: unknown type %v", i, m["type"])
		}
	}
	return ""
}
