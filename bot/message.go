package bot

import "strings"

// Message is a platform-neutral chat message: an ordered list of blocks that
// each adapter renders in its own format (Block Kit, Discord embeds and
// components, terminal text).
type Message struct {
	// Fallback is plain text for notifications and clients that cannot
	// show blocks: data, escaped by every renderer. Adapters derive one
	// from the blocks when it is empty.
	Fallback string `json:"fallback,omitempty"`
	// Color hints at a state: "danger" (impact ongoing), "warning",
	// "good" (mitigated), "" for none. Discord colours its embed with it.
	Color  string  `json:"color,omitempty"`
	Blocks []Block `json:"blocks"`
}

// BlockKind says what a Block shows.
type BlockKind string

// Block kinds.
const (
	BlockHeader  BlockKind = "header"  // plain text
	BlockText    BlockKind = "text"    // rich text
	BlockFields  BlockKind = "fields"  // label/value pairs
	BlockContext BlockKind = "context" // small print, rich text
	BlockDivider BlockKind = "divider"
	BlockButtons BlockKind = "buttons"
)

// Block is one part of a message.
type Block struct {
	Kind BlockKind `json:"kind"`
	// Text is a header's, a text block's or a context line's text. A
	// header shows it as plain words (Text.String()).
	Text    Rich     `json:"text,omitempty"`
	Fields  []Field  `json:"fields,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	// Paging, on a buttons block, says the buttons are a stretch of a
	// longer list shown page by page (see Paging).
	Paging *Paging `json:"paging,omitempty"`
}

// Field is a label (the bot's plain words) and its value.
type Field struct {
	Label string `json:"label"`
	Value Rich   `json:"value"`
}

// ButtonStyle colours a button.
type ButtonStyle string

// Button styles.
const (
	StyleDefault ButtonStyle = ""
	StylePrimary ButtonStyle = "primary"
	StyleDanger  ButtonStyle = "danger"
)

// Button is a clickable choice. Clicking it runs Command, a command line in
// the /incident grammar, through exactly the path a typed command takes.
// Label and the confirmation's words are plain text. Command must stay
// short (ids, never titles): platforms cap what a button can carry
// (Discord: 100 characters).
type Button struct {
	Label   string      `json:"label"`
	Command string      `json:"command"`
	Style   ButtonStyle `json:"style,omitempty"`
	// Confirm, when set, asks before the click counts. It is a courtesy,
	// not a permission check: the server checks again on every click.
	Confirm *Confirm `json:"confirm,omitempty"`
	// Form, when set, asks for a few values first and runs Command with
	// them (see Form); a platform without forms runs Command as is.
	Form *Form `json:"form,omitempty"`
}

// Confirm is the dialog a button shows before it counts.
type Confirm struct {
	Title   string `json:"title"`
	Text    string `json:"text"`
	Confirm string `json:"confirm"`
	Deny    string `json:"deny"`
}

// Header appends a header block: plain text, data.
func (m *Message) Header(text string) *Message {
	return m.add(Block{Kind: BlockHeader, Text: Plain(text)})
}

// Text appends a rich text block.
func (m *Message) Text(text Rich) *Message { return m.add(Block{Kind: BlockText, Text: text}) }

// Textf appends a text block built by Textf: format is the bot's markup,
// the arguments are data.
func (m *Message) Textf(format string, args ...any) *Message {
	return m.Text(Textf(format, args...))
}

// Fields appends a block of label/value fields.
func (m *Message) Fields(fs ...Field) *Message { return m.add(Block{Kind: BlockFields, Fields: fs}) }

// Context appends a small-print line.
func (m *Message) Context(text Rich) *Message { return m.add(Block{Kind: BlockContext, Text: text}) }

// Contextf appends a small-print line built by Textf.
func (m *Message) Contextf(format string, args ...any) *Message {
	return m.Context(Textf(format, args...))
}

// PlainText is the message as plain words: its fallback, or its header,
// text and context blocks joined by lines.
func (m *Message) PlainText() string {
	if strings.TrimSpace(m.Fallback) != "" {
		return m.Fallback
	}
	var parts []string
	for _, b := range m.Blocks {
		switch b.Kind {
		case BlockHeader, BlockText, BlockContext:
			if s := strings.TrimSpace(b.Text.String()); s != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// Divider appends a divider.
func (m *Message) Divider() *Message { return m.add(Block{Kind: BlockDivider}) }

// Buttons appends a row of buttons; an empty row is skipped.
func (m *Message) Buttons(bs ...Button) *Message {
	if len(bs) == 0 {
		return m
	}
	return m.add(Block{Kind: BlockButtons, Buttons: bs})
}

func (m *Message) add(b Block) *Message {
	m.Blocks = append(m.Blocks, b)
	return m
}

// AllButtons returns every button of the message in order.
func (m *Message) AllButtons() []Button {
	var out []Button
	for _, b := range m.Blocks {
		out = append(out, b.Buttons...)
	}
	return out
}
