package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Lobby is the channel a session starts in: the place to declare from.
const Lobby = "lobby"

// settleTimeout bounds how long Run waits, after a command, for the outbox
// to hold nothing undelivered for the console.
const settleTimeout = 2 * time.Second

// Engine is what the terminal needs of the engine (*bot.Engine is one):
// running the commands typed and the buttons clicked.
type Engine interface {
	Handle(ctx context.Context, inv bot.Invocation) (bot.Reply, error)
}

// Store is what the terminal reads of the store (storage.Store is one):
// whether the outbox still holds messages for it (so that a command's
// output is printed before the next prompt), and the incident of a
// channel an earlier run opened (/join INC-7).
type Store interface {
	OutboxStats(ctx context.Context) ([]storage.OutboxStat, error)
	GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error)
}

// Options configure an Adapter.
type Options struct {
	// Engine runs the commands typed and the buttons clicked; Store is
	// what the session reads. Both are required by Run; an adapter
	// without them can still deliver.
	Engine Engine
	Store  Store
	// Out is where everything is printed (default os.Stdout).
	Out io.Writer
	// User is who types: a console:<name> actor (default console:you).
	User incident.Actor
	// Color turns on ANSI styling. The caller decides, typically: Out is a
	// terminal (isatty) and NO_COLOR is unset.
	Color bool
	// Echo writes each input line after the prompt. Set it when the input
	// is not a terminal (piped scripts), so the transcript reads like the
	// session; a terminal echoes by itself.
	Echo bool
	// History is the file where the lines typed at a terminal are kept, so
	// that arrow-up and Ctrl-R find them in the next session too. Empty
	// keeps them for the session only. Piped input keeps no history.
	History string
	// Flush delivers what is due in the outbox; pass the Sender's Drain.
	// Run calls it after every command so that the command's output is
	// printed before the next prompt. Nil leaves delivery to a running
	// Sender alone.
	Flush func(ctx context.Context) error
}

// Adapter is the terminal chat platform: a bot.Deliverer (and
// bot.Topicer) that prints, and a read loop (Run) that turns lines into
// invocations. Its methods are safe for concurrent use: the Sender
// delivers from its own goroutines while Run reads input.
type Adapter struct {
	engine  Engine
	store   Store
	flush   func(context.Context) error
	color   bool
	echo    bool
	history string
	session string
	paint   painter

	mu       sync.Mutex
	out      io.Writer
	me       incident.Actor // who the session started as
	user     incident.Actor // who is typing now (/as)
	current  string
	channels []*channel // the lobby, then in the order opened or joined
	msgs     map[string]*message
	buttons  map[int]*buttonRef // live buttons by number
	nextBtn  int                // the last number handed out
	nextMsg  int
	nextRep  int
	// asking is a confirmation question waiting for its answer; empty
	// means the prompt is the channel prompt. shown says the prompt or
	// question is on screen, waiting for input.
	asking string
	shown  bool
	// ed is the line editor while Run reads from a terminal: output then
	// goes through it, above the prompt and what is being typed.
	ed *editor
}

type channel struct {
	id, name, topic string
	card            string // ID of the channel's pinned message
}

type message struct {
	id, channel string
	msg         bot.Message
	numbers     []int // button numbers, parallel to msg.AllButtons()
}

type buttonRef struct {
	channel string
	button  bot.Button
}

var _ bot.Deliverer = (*Adapter)(nil)
var _ bot.Topicer = (*Adapter)(nil)

// New returns an adapter in the lobby.
func New(o Options) *Adapter {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.User.IsZero() {
		o.User = incident.Actor{Platform: Platform, ID: "you", Name: "you"}
	}
	var tag [3]byte
	_, _ = rand.Read(tag[:]) // never fails (crypto/rand panics instead)
	return &Adapter{
		engine: o.Engine, store: o.Store, flush: o.Flush, color: o.Color, echo: o.Echo, history: o.History,
		session: hex.EncodeToString(tag[:]), paint: painter{on: o.Color},
		out: o.Out, me: o.User, user: o.User, current: Lobby,
		channels: []*channel{{id: Lobby, name: Lobby}},
		msgs:     map[string]*message{}, buttons: map[int]*buttonRef{},
	}
}

// Platform implements bot.Deliverer: "console".
func (a *Adapter) Platform() string { return Platform }

// Channel is the channel the session is in ("lobby" or an incident key).
func (a *Adapter) Channel() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}

// User is who the session is typing as.
func (a *Adapter) User() incident.Actor {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.user
}

// ---- output ----------------------------------------------------------

// writeLocked prints text as whole lines. When a prompt is waiting on the
// current line (output arriving from the Sender while the user types), the
// prompt line is cleared first and shown again after; a line editor does
// that itself, keeping what is typed. a.mu must be held.
func (a *Adapter) writeLocked(text string) {
	text = strings.TrimRight(text, "\n") + "\n"
	if a.ed != nil {
		a.ed.print(text, a.promptLocked())
		return
	}
	if a.shown {
		if a.color {
			io.WriteString(a.out, "\r\x1b[K")
		} else {
			io.WriteString(a.out, "\n")
		}
	}
	io.WriteString(a.out, text)
	if a.shown {
		io.WriteString(a.out, a.promptLocked())
	}
}

func (a *Adapter) print(text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.writeLocked(text)
}

// promptLocked is the question being asked, else the channel prompt:
// "INC-1> ", or "bob@INC-1> " while acting as bob.
func (a *Adapter) promptLocked() string {
	if a.asking != "" {
		return a.asking
	}
	p := a.current + "> "
	if !a.user.Same(a.me) {
		p = a.user.ID + "@" + p
	}
	return a.paint.wrap(p, sgrCyan)
}

// frameLocked lays out body (several lines) for channel ch: the first line
// gets "[INC-3] " when ch is not the current channel, then tag; the other
// lines are indented to match. tagWidth is tag's width without escapes.
func (a *Adapter) frameLocked(ch, tag string, tagWidth int, body string) string {
	lead := ""
	if ch != "" && ch != a.current {
		lead = "[" + ch + "] "
	}
	indent := strings.Repeat(" ", utf8.RuneCountInString(lead)+tagWidth)
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		switch {
		case i == 0:
			lines[i] = a.paint.wrap(lead, sgrDim) + tag + l
		case l != "":
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "\n")
}

func (a *Adapter) dim(s string) string { return a.paint.wrap(s, sgrDim) }

func (a *Adapter) errorText(s string) string { return a.paint.wrap(s, sgrRed) }

// ---- messages and buttons --------------------------------------------

// numberLocked gives m's buttons numbers: the old ones when prev had the
// same buttons, new ones otherwise (retiring prev's). It reports whether
// the numbers are the old ones.
func (a *Adapter) numberLocked(ch string, m bot.Message, prev *message) ([]int, bool) {
	btns := m.AllButtons()
	if prev != nil {
		if sameButtons(prev.msg.AllButtons(), btns) {
			return prev.numbers, true
		}
		for _, n := range prev.numbers {
			delete(a.buttons, n)
		}
	}
	nums := make([]int, len(btns))
	for i, b := range btns {
		a.nextBtn++
		nums[i] = a.nextBtn
		a.buttons[a.nextBtn] = &buttonRef{channel: ch, button: b}
	}
	return nums, false
}

func sameButtons(x, y []bot.Button) bool {
	return slices.EqualFunc(x, y, func(a, b bot.Button) bool {
		if a.Label != b.Label || a.Command != b.Command || a.Style != b.Style || (a.Confirm == nil) != (b.Confirm == nil) {
			return false
		}
		return a.Confirm == nil || *a.Confirm == *b.Confirm
	})
}

func (a *Adapter) renderLocked(mm *message) string {
	return Render(mm.msg, a.color, func(i int, _ bot.Button) int { return mm.numbers[i] })
}

// changedFields lists the fields whose value differs between two versions
// of a message, as "Label: value".
func changedFields(old, cur bot.Message) []string {
	before := map[string]string{}
	for _, b := range old.Blocks {
		for _, f := range b.Fields {
			before[f.Label] = f.Value.String()
		}
	}
	var out []string
	for _, b := range cur.Blocks {
		for _, f := range b.Fields {
			if v, ok := before[f.Label]; !ok || v != f.Value.String() {
				out = append(out, termSafe(f.Label+": "+f.Value.String()))
			}
		}
	}
	return out
}

func (a *Adapter) channelLocked(id string) *channel {
	for _, c := range a.channels {
		if c.id == id {
			return c
		}
	}
	return nil
}

// ---- bot.Deliverer ----------------------------------------------------

// OpenChannel implements bot.Deliverer: it creates the virtual channel
// named by the incident key, announces it, and moves the session into it
// when the current user is invited. Opening it again returns the same ID.
func (a *Adapter) OpenChannel(ctx context.Context, req bot.OpenChannelRequest) (string, error) {
	if req.IncidentKey == "" {
		return "", bot.PermanentError(errors.New("console: open channel without an incident key"))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id := req.IncidentKey
	if c := a.channelLocked(id); c != nil {
		return id, nil
	}
	name := req.Name
	if name == "" {
		name = strings.ToLower(id)
	}
	a.channels = append(a.channels, &channel{id: id, name: name, topic: req.Topic})
	var who []string
	invited := false
	for _, u := range req.Invite {
		who = append(who, "@"+u.Display())
		invited = invited || u.Same(a.user)
	}
	text := a.paint.wrap(fmt.Sprintf("── #%s opened for %s ──", name, id), sgrBold)
	if len(who) > 0 {
		text += "\n" + a.dim("   invited: "+strings.Join(who, ", "))
	}
	if invited {
		a.current = id // a prompt on screen is shown again, naming it
		text += a.dim(" · you are in it now; /join lobby to go back")
	} else {
		text += "\n" + a.dim("   /join "+id+" to go there")
	}
	a.writeLocked(text)
	return id, nil
}

// Post implements bot.Deliverer: it prints m, numbers its buttons and
// returns the message's ID (m-<n>.<session>).
func (a *Adapter) Post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nextMsg++
	id := fmt.Sprintf("m-%d.%s", a.nextMsg, a.session)
	mm := &message{id: id, channel: channelID, msg: m}
	mm.numbers, _ = a.numberLocked(channelID, m, nil)
	a.msgs[id] = mm
	if opts.Pin {
		if c := a.channelLocked(channelID); c != nil {
			c.card = id
		}
	}
	a.writeLocked(a.frameLocked(channelID, "", 0, a.renderLocked(mm)))
	return id, nil
}

// Update implements bot.Deliverer. An update that keeps the buttons prints
// one line; one that changes them prints the whole message again.
func (a *Adapter) Update(ctx context.Context, channelID, messageID string, m bot.Message) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	tag, tagWidth := a.dim("↻ "), 2
	prev, known := a.msgs[messageID]
	if !known {
		// Posted by an earlier run: show it whole, and adopt its ID.
		mm := &message{id: messageID, channel: channelID, msg: m}
		mm.numbers, _ = a.numberLocked(channelID, m, nil)
		a.msgs[messageID] = mm
		if c := a.channelLocked(channelID); c != nil && c.card == "" {
			c.card = messageID
		}
		a.writeLocked(a.frameLocked(channelID, tag, tagWidth, a.renderLocked(mm)))
		return nil
	}
	nums, same := a.numberLocked(prev.channel, m, prev)
	old := prev.msg
	prev.msg, prev.numbers = m, nums
	if !same {
		a.writeLocked(a.frameLocked(prev.channel, tag, tagWidth, a.renderLocked(prev)))
		return nil
	}
	line := summary(m)
	if changed := changedFields(old, m); len(changed) > 0 {
		line += " — " + strings.Join(changed, " · ")
	} else if m.Fallback != "" {
		line = firstLine(termSafe(m.Fallback))
	}
	a.writeLocked(a.frameLocked(prev.channel, tag, tagWidth, a.dim(line)))
	return nil
}

// Ephemeral implements bot.Deliverer: it prints m marked "(only you)", or
// "(only @name)" when it is for another console user than the current one.
func (a *Adapter) Ephemeral(ctx context.Context, channelID string, user incident.Actor, m bot.Message) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.showPrivateLocked(channelID, user, m, false)
	return nil
}

// SetTopic implements bot.Topicer: a changed topic is printed as one dim
// line; an unchanged one prints nothing.
func (a *Adapter) SetTopic(ctx context.Context, channelID, topic string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.channelLocked(channelID)
	if c == nil {
		c = &channel{id: channelID, name: strings.ToLower(channelID)}
		a.channels = append(a.channels, c)
	}
	if c.topic == topic {
		return nil
	}
	c.topic = topic
	a.writeLocked(a.frameLocked(channelID, "", 0, a.dim("topic: "+topic)))
	return nil
}

// showPrivateLocked prints m for user only. Its buttons are numbered and
// clickable in channelID.
func (a *Adapter) showPrivateLocked(channelID string, user incident.Actor, m bot.Message, isError bool) {
	a.nextRep++
	mm := &message{id: fmt.Sprintf("r-%d.%s", a.nextRep, a.session), channel: channelID, msg: m}
	mm.numbers, _ = a.numberLocked(channelID, m, nil)
	if len(mm.numbers) > 0 {
		a.msgs[mm.id] = mm
	}
	who := "(only you) "
	if !user.IsZero() && !user.Same(a.user) {
		who = "(only @" + user.Display() + ") "
	}
	body := a.renderLocked(mm)
	if isError {
		// An error is red, line by line so that indentation keeps the style.
		lines := strings.Split(Render(m, false, func(i int, _ bot.Button) int { return mm.numbers[i] }), "\n")
		for i, l := range lines {
			lines[i] = a.errorText(l)
		}
		body = strings.Join(lines, "\n")
	}
	a.writeLocked(a.frameLocked(channelID, a.dim(who), utf8.RuneCountInString(who), body))
}
