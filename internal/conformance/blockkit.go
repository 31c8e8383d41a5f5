package conformance

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit's documented limits (docs.slack.dev/reference/block-kit:
// blocks, block elements, composition objects, views) and the Web API's
// (chat.postMessage text, conversations.setTopic, conversations.create).
const (
	slackMaxMessageBlocks = 50
	slackMaxModalBlocks   = 100
	slackMaxText          = 3000
	slackMaxField         = 2000
	slackMaxFields        = 10
	slackMaxHeader        = 150
	slackMaxContextEls    = 10
	slackMaxActionEls     = 25
	slackMaxButtonText    = 75
	slackMaxActionID      = 255
	slackMaxBlockID       = 255
	slackMaxButtonValue   = 2000
	slackMaxConfirmTitle  = 100
	slackMaxConfirmText   = 300
	slackMaxConfirmButton = 30
	slackMaxPlaceholder   = 150
	slackMaxLabel         = 2000
	slackMaxOptionText    = 75
	slackMaxOptionValue   = 150
	slackMaxOptions       = 100
	slackMaxCheckboxes    = 10
	slackMaxViewTitle     = 24
	slackMaxCallbackID    = 255
	slackMaxPrivateMeta   = 3000
	slackMaxMessageText   = 40000
	slackMaxTopic         = 250
	slackMaxChannelName   = 80
)

// slackLimits checks the arguments of a call against documented limits.
func slackLimits(method string, args map[string]any) []string {
	var out []string
	fail := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	switch method {
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		if n := runes(args["text"]); n > slackMaxMessageText {
			fail("text of %d characters (at most %d)", n, slackMaxMessageText)
		}
		if v, ok := args["blocks"]; ok {
			blocks, err := structured[[]any](v)
			if err != nil {
				fail("blocks: %v", err)
			}
			out = append(out, BlockLimits(blocks, slackMaxMessageBlocks)...)
		}
	case "views.open", "views.update", "views.push":
		view, err := structured[map[string]any](args["view"])
		if err != nil {
			fail("view: %v", err)
		}
		out = append(out, viewLimits(view)...)
	case "conversations.setTopic":
		if n := runes(args["topic"]); n > slackMaxTopic {
			fail("topic of %d characters (at most %d)", n, slackMaxTopic)
		}
	case "conversations.create":
		if n := runes(args["name"]); n > slackMaxChannelName {
			fail("channel name of %d characters (at most %d)", n, slackMaxChannelName)
		}
	}
	return out
}

// structured reads an argument that is JSON: a string holding it (a form
// call) or the value itself (a JSON call).
func structured[T any](v any) (T, error) {
	var out T
	if s, ok := v.(string); ok {
		err := json.Unmarshal([]byte(s), &out)
		return out, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

// SlackMessageLimits checks a message Tourniquet sends other than through
// a Web API method: a slash command's answer, a response URL's body.
func SlackMessageLimits(m map[string]any) []string {
	var out []string
	if n := runes(m["text"]); n > slackMaxMessageText {
		out = append(out, fmt.Sprintf("text of %d characters (at most %d)", n, slackMaxMessageText))
	}
	if blocks, ok := m["blocks"].([]any); ok {
		out = append(out, BlockLimits(blocks, slackMaxMessageBlocks)...)
	}
	return out
}

// blockChecker collects the problems of one surface's blocks.
type blockChecker struct {
	out       []string
	actionIDs map[string]bool
}

func (c *blockChecker) fail(format string, a ...any) {
	c.out = append(c.out, fmt.Sprintf(format, a...))
}

// text checks a text object: its type is one of kinds, it is not empty,
// and it has at most max characters.
func (c *blockChecker) text(where string, v any, max int, kinds ...string) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail("%s: missing text object", where)
		return
	}
	typ, _ := m["type"].(string)
	okType := false
	for _, k := range kinds {
		okType = okType || typ == k
	}
	if !okType {
		c.fail("%s: text of type %q (want %v)", where, typ, kinds)
	}
	s, _ := m["text"].(string)
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		c.fail("%s: text of %d characters (1 to %d)", where, n, max)
	}
}

func (c *blockChecker) id(where, kind string, v any, max int) {
	if n := runes(v); n > max {
		c.fail("%s: %s of %d characters (at most %d)", where, kind, n, max)
	}
}

// BlockLimits checks blocks of a message (at most 50) or a modal (100).
func BlockLimits(blocks []any, max int) []string {
	c := &blockChecker{actionIDs: map[string]bool{}}
	if len(blocks) > max {
		c.fail("%d blocks (at most %d)", len(blocks), max)
	}
	for i, b := range blocks {
		bm, _ := b.(map[string]any)
		where := fmt.Sprintf("block %d (%v)", i, bm["type"])
		c.id(where, "block_id", bm["block_id"], slackMaxBlockID)
		switch bm["type"] {
		case "header":
			c.text(where, bm["text"], slackMaxHeader, "plain_text")
		case "section":
			fields, _ := bm["fields"].([]any)
			if bm["text"] == nil && len(fields) == 0 {
				c.fail("%s: neither text nor fields", where)
			}
			if bm["text"] != nil {
				c.text(where, bm["text"], slackMaxText, "mrkdwn", "plain_text")
			}
			if len(fields) > slackMaxFields {
				c.fail("%s: %d fields (at most %d)", where, len(fields), slackMaxFields)
			}
			for j, f := range fields {
				c.text(fmt.Sprintf("%s field %d", where, j), f, slackMaxField, "mrkdwn", "plain_text")
			}
		case "context":
			els, _ := bm["elements"].([]any)
			if len(els) == 0 || len(els) > slackMaxContextEls {
				c.fail("%s: %d elements (1 to %d)", where, len(els), slackMaxContextEls)
			}
			for _, e := range els {
				c.text(where, e, slackMaxText, "mrkdwn", "plain_text")
			}
		case "actions":
			els, _ := bm["elements"].([]any)
			if len(els) == 0 || len(els) > slackMaxActionEls {
				c.fail("%s: %d elements (1 to %d)", where, len(els), slackMaxActionEls)
			}
			for j, e := range els {
				c.element(fmt.Sprintf("%s element %d", where, j), e)
			}
		case "input":
			c.text(where+" label", bm["label"], slackMaxLabel, "plain_text")
			if bm["hint"] != nil {
				c.text(where+" hint", bm["hint"], slackMaxLabel, "plain_text")
			}
			c.element(where+" element", bm["element"])
		case "divider":
		default:
			c.fail("%s: a block type Tourniquet does not check", where)
		}
	}
	return c.out
}

// element checks an interactive element.
func (c *blockChecker) element(where string, v any) {
	el, _ := v.(map[string]any)
	id, _ := el["action_id"].(string)
	c.id(where, "action_id", id, slackMaxActionID)
	if id != "" {
		if c.actionIDs[id] {
			c.fail("%s: action_id %q used twice", where, id)
		}
		c.actionIDs[id] = true
	}
	switch el["type"] {
	case "button":
		c.text(where, el["text"], slackMaxButtonText, "plain_text")
		c.id(where, "value", el["value"], slackMaxButtonValue)
		if st, ok := el["style"]; ok && st != "primary" && st != "danger" {
			c.fail("%s: style %v", where, st)
		}
		if cf, ok := el["confirm"].(map[string]any); ok {
			c.text(where+" confirm title", cf["title"], slackMaxConfirmTitle, "plain_text")
			c.text(where+" confirm text", cf["text"], slackMaxConfirmText, "plain_text", "mrkdwn")
			c.text(where+" confirm button", cf["confirm"], slackMaxConfirmButton, "plain_text")
			c.text(where+" deny button", cf["deny"], slackMaxConfirmButton, "plain_text")
		}
	case "plain_text_input":
		if el["placeholder"] != nil {
			c.text(where+" placeholder", el["placeholder"], slackMaxPlaceholder, "plain_text")
		}
		if n, ok := el["max_length"].(float64); ok && (n < 1 || n > slackMaxText) {
			c.fail("%s: max_length %v (1 to %d)", where, n, slackMaxText)
		}
	case "static_select":
		if el["placeholder"] != nil {
			c.text(where+" placeholder", el["placeholder"], slackMaxPlaceholder, "plain_text")
		}
		opts, _ := el["options"].([]any)
		if len(opts) == 0 || len(opts) > slackMaxOptions {
			c.fail("%s: %d options (1 to %d)", where, len(opts), slackMaxOptions)
		}
		for j, o := range opts {
			om, _ := o.(map[string]any)
			ow := fmt.Sprintf("%s option %d", where, j)
			c.text(ow, om["text"], slackMaxOptionText, "plain_text")
			if om["description"] != nil {
				c.text(ow+" description", om["description"], slackMaxOptionText, "plain_text")
			}
			if n := runes(om["value"]); n == 0 || n > slackMaxOptionValue {
				c.fail("%s: value of %d characters (1 to %d)", ow, n, slackMaxOptionValue)
			}
		}
	case "checkboxes":
		opts, _ := el["options"].([]any)
		if len(opts) == 0 || len(opts) > slackMaxCheckboxes {
			c.fail("%s: %d options (1 to %d)", where, len(opts), slackMaxCheckboxes)
		}
		values := map[string]bool{}
		for j, o := range opts {
			om, _ := o.(map[string]any)
			ow := fmt.Sprintf("%s option %d", where, j)
			c.text(ow, om["text"], slackMaxOptionText, "plain_text", "mrkdwn")
			if om["description"] != nil {
				c.text(ow+" description", om["description"], slackMaxOptionText, "plain_text", "mrkdwn")
			}
			v, _ := om["value"].(string)
			if n := runes(v); n == 0 || n > slackMaxOptionValue {
				c.fail("%s: value of %d characters (1 to %d)", ow, n, slackMaxOptionValue)
			}
			values[v] = true
		}
		inits, _ := el["initial_options"].([]any)
		for j, o := range inits {
			om, _ := o.(map[string]any)
			if v, _ := om["value"].(string); !values[v] {
				c.fail("%s: initial option %d (%q) is not one of the options", where, j, v)
			}
		}
	default:
		c.fail("%s: an element type Tourniquet does not check (%v)", where, el["type"])
	}
}

// viewLimits checks a modal view.
func viewLimits(v map[string]any) []string {
	c := &blockChecker{actionIDs: map[string]bool{}}
	if v["type"] != "modal" {
		c.fail("view of type %v (Tourniquet opens modals)", v["type"])
	}
	c.text("view title", v["title"], slackMaxViewTitle, "plain_text")
	for _, k := range []string{"submit", "close"} {
		if v[k] != nil {
			c.text("view "+k, v[k], slackMaxViewTitle, "plain_text")
		}
	}
	c.id("view", "callback_id", v["callback_id"], slackMaxCallbackID)
	c.id("view", "private_metadata", v["private_metadata"], slackMaxPrivateMeta)
	blocks, _ := v["blocks"].([]any)
	return append(c.out, BlockLimits(blocks, slackMaxModalBlocks)...)
}
