package bot

// Message is a platform-neutral chat message: an ordered list of blocks that
// each adapter renders in its own format (Block Kit, Discord embeds and
// components, terminal text).
type Message struct {
	// Fallback is plain text for notifications and clients that cannot
	// show blocks. Adapters derive one from the blocks when it is empty.
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
	BlockHeader  BlockKind = "header"
	BlockText    BlockKind = "text"    // markdown text
	BlockFields  BlockKind = "fields"  // label/value pairs
	BlockContext BlockKind = "context" // small print
	BlockDivider BlockKind = "divider"
	BlockButtons BlockKind = "buttons"
)

// Block is one part of a message.
type Block struct {
	Kind    BlockKind `json:"kind"`
	Text    string    `json:"text,omitempty"`
	Fields  []Field   `json:"fields,omitempty"`
	Buttons []Button  `json:"buttons,omitempty"`
}

// Field is a label and its value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
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
type Button struct {
	Label   string      `json:"label"`
	Command string      `json:"command"`
	Style   ButtonStyle `json:"style,omitempty"`
	// Confirm, when set, asks before the click counts. It is a courtesy,
	// not a permission check: the server checks again on every click.
	Confirm *Confirm `json:"confirm,omitempty"`
}

// Confirm is the dialog a button shows before it counts.
type Confirm struct {
	Title   string `json:"title"`
	Text    string `json:"text"`
	Confirm string `json:"confirm"`
	Deny    string `json:"deny"`
}

// Header appends a header block.
func (m *Message) Header(text string) *Message { return m.add(Block{Kind: BlockHeader, Text: text}) }

// Text appends a markdown text block.
func (m *Message) Text(text string) *Message { return m.add(Block{Kind: BlockText, Text: text}) }

// Fields appends a block of label/value fields.
func (m *Message) Fields(fs ...Field) *Message { return m.add(Block{Kind: BlockFields, Fields: fs}) }

// Context appends a small-print line.
func (m *Message) Context(text string) *Message { return m.add(Block{Kind: BlockContext, Text: text}) }

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
