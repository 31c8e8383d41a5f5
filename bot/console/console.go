package console

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Lobby is the channel a session starts in: the place to declare from.
const Lobby = "lobby"

// settleTimeout bounds how long Run waits, after a command, for the outbox
// to hold nothing undelivered for the console.
const settleTimeout = 2 * time.Second

// Options configure an Adapter.
type Options struct {
	// Engine runs the commands typed and the buttons clicked. Required by
	// Run; an adapter without one can still deliver.
	Engine *bot.Engine
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
	engine  *bot.Engine
	flush   func(context.Context) error
	color   bool
	echo    bool
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
		o.User = incident.Actor{Platform: incident.PlatformConsole, ID: "you", Name: "you"}
	}
	var tag [3]byte
	_, _ = rand.Read(tag[:]) // never fails (crypto/rand panics instead)
	return &Adapter{
		engine: o.Engine, flush: o.Flush, color: o.Color, echo: o.Echo,
		session: hex.EncodeToString(tag[:]), paint: painter{on: o.Color},
		out: o.Out, me: o.User, user: o.User, current: Lobby,
		channels: []*channel{{id: Lobby, name: Lobby}},
		msgs:     map[string]*message{}, buttons: map[int]*buttonRef{},
	}
}

// Platform implements bot.Deliverer: "console".
func (a *Adapter) Platform() string { return incident.PlatformConsole }

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
// prompt line is cleared first and shown again after. a.mu must be held.
func (a *Adapter) writeLocked(text string) {
	if a.shown {
		if a.color {
			io.WriteString(a.out, "\r\x1b[K")
		} else {
			io.WriteString(a.out, "\n")
		}
	}
	io.WriteString(a.out, strings.TrimRight(text, "\n")+"\n")
	if a.shown {
		io.WriteString(a.out, a.promptLocked())
	}
}

func (a *Adapter) print(text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.writeLocked(text)
}

// showPromptLocked prints the prompt, or question when it is not empty,
// and leaves the cursor after it.
func (a *Adapter) showPromptLocked(question string) {
	a.asking, a.shown = question, true
	io.WriteString(a.out, a.promptLocked())
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

// ---- input ------------------------------------------------------------

// Run reads lines from in and acts on them until the input ends, /quit,
// or ctx is done. Run is not to be called concurrently; calling it again
// after it returned continues the session where it was. It returns nil at the end of input and on /quit,
// ctx.Err() when ctx ends it, and the read error if reading fails. A
// command that fails in the engine (the store is down) is printed and the
// session goes on.
//
// Reading happens in a goroutine; when ctx ends Run while that goroutine is
// blocked reading (a terminal), the goroutine stays blocked until the read
// returns, which for os.Stdin is the end of the process.
func (a *Adapter) Run(ctx context.Context, in io.Reader) error {
	if a.engine == nil {
		return errors.New("console: no engine")
	}
	lines := make(chan string)
	done := make(chan struct{})
	defer close(done)
	var readErr error
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr = sc.Err() // read by Run after lines is closed
	}()
	read := func() (string, bool, error) {
		select {
		case <-ctx.Done():
			return "", false, ctx.Err()
		case l, ok := <-lines:
			if !ok {
				return "", false, readErr
			}
			return l, true, nil
		}
	}

	a.mu.Lock()
	a.writeLocked(a.dim(fmt.Sprintf("Tourniquet console: you are %s in #%s. /help lists console commands, /incident help the bot's.",
		a.user.Ref(), a.current)))
	a.mu.Unlock()
	a.settle(ctx) // messages an earlier run left undelivered
	for {
		a.mu.Lock()
		a.showPromptLocked("")
		a.mu.Unlock()
		line, ok, err := read()
		a.endInput(line, ok)
		if !ok {
			return err
		}
		quit, ran := a.handle(ctx, line, read)
		if ran {
			a.settle(ctx)
		}
		if quit {
			return nil
		}
	}
}

// endInput records that the prompt was answered: echoes the line when
// asked to, and ends the prompt's line at the end of input.
func (a *Adapter) endInput(line string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case !ok:
		io.WriteString(a.out, "\n")
	case a.echo:
		io.WriteString(a.out, line+"\n")
	}
	a.shown, a.asking = false, ""
}

// settle flushes the outbox and waits, boundedly, until nothing for the
// console is left undelivered (another Sender may hold some).
func (a *Adapter) settle(ctx context.Context) {
	deadline := time.Now().Add(settleTimeout)
	for {
		if a.flush != nil {
			if err := a.flush(ctx); err != nil && ctx.Err() == nil {
				a.print(a.errorText("delivering messages failed: " + err.Error()))
				return
			}
		}
		stats, err := a.engine.Store().OutboxStats(ctx)
		if err != nil {
			return
		}
		pending := 0
		for _, s := range stats {
			if s.Platform == incident.PlatformConsole {
				pending += s.Pending
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var (
	buttonNumberRe = regexp.MustCompile(`^\[?(\d{1,9})\]?$`)
	consoleNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// handle acts on one line. quit ends the session; ran says the engine was
// asked to do something (so the outbox should be flushed).
func (a *Adapter) handle(ctx context.Context, line string, read func() (string, bool, error)) (quit, ran bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return false, false
	}
	word, rest := line, ""
	if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 {
		word, rest = line[:i], strings.TrimSpace(line[i:])
	}
	switch strings.ToLower(word) {
	case "/incident", "incident":
		a.invoke(ctx, a.Channel(), rest, incident.SourceTyped)
		return false, true
	case "/join":
		a.join(ctx, rest)
		return false, false
	case "/as":
		a.as(rest)
		return false, false
	case "/channels":
		a.listChannels()
		return false, false
	case "/help", "?":
		a.print(consoleHelp)
		return false, false
	case "/quit", "/exit":
		return true, false
	}
	if m := buttonNumberRe.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		return false, a.click(ctx, n, read)
	}
	a.print(a.dim("Not a command here. Type /incident help for the bot's commands, /help for the console's, or a button's number."))
	return false, false
}

const consoleHelp = `Console commands:
  /incident <command>   talk to the bot: /incident help lists its commands
  <number>              click the button shown with that number
  /join INC-7 | lobby   switch channel
  /as <name>            act as console user console:<name> (/as alone: who you are)
  /channels             list the channels opened in this session
  /help                 this list
  /quit                 leave (Ctrl-D too)`

// invoke runs one command through the engine and prints the private reply.
func (a *Adapter) invoke(ctx context.Context, ch, text string, src incident.Source) {
	user := a.User()
	reply, err := a.engine.Handle(ctx, bot.Invocation{
		Channel: incident.ChannelRef{Platform: incident.PlatformConsole, ChannelID: ch},
		Actor:   user,
		Text:    text,
		Source:  src,
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err != nil:
		a.writeLocked(a.frameLocked(ch, "", 0, a.errorText("error: "+err.Error()+" (nothing was recorded; try again)")))
	case reply.Duplicate:
	default:
		a.showPrivateLocked(ch, user, reply.Message, reply.Error)
	}
}

// click presses button n, after its confirmation if it has one. It
// reports whether the engine was asked.
func (a *Adapter) click(ctx context.Context, n int, read func() (string, bool, error)) bool {
	a.mu.Lock()
	ref, ok := a.buttons[n]
	if !ok {
		msg := fmt.Sprintf("There is no button [%d].", n)
		if n >= 1 && n <= a.nextBtn {
			msg = fmt.Sprintf("Button [%d] is gone: its message was updated. Use the numbers shown last.", n)
		}
		a.writeLocked(a.errorText(msg))
		a.mu.Unlock()
		return false
	}
	b := ref.button
	if b.Form != nil {
		a.mu.Unlock()
		return a.fillForm(ctx, n, ref, read)
	}
	if c := b.Confirm; c != nil {
		a.showPromptLocked(termSafe(fmt.Sprintf("%s: %s [y/N] ", c.Title, c.Text)))
		a.mu.Unlock()
		answer, ok, _ := read()
		a.endInput(answer, ok)
		if !ok {
			return false
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
		default:
			a.print(a.dim(fmt.Sprintf("Not clicked: [%d] %s.", n, termSafe(b.Label))))
			return false
		}
		a.mu.Lock()
	}
	a.writeLocked(a.frameLocked(ref.channel, "", 0, a.dim(fmt.Sprintf("clicked [%d] %s", n, termSafe(b.Label)))))
	a.mu.Unlock()
	a.invoke(ctx, ref.channel, b.Command, incident.SourceButton)
	return true
}

// join switches the session to a channel: "lobby", an incident key
// ("INC-7", "7") or a channel name ("#inc-7-checkout").
func (a *Adapter) join(ctx context.Context, arg string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		a.print(a.errorText("Usage: /join INC-7 | lobby"))
		return
	}
	target := ""
	a.mu.Lock()
	name := strings.TrimPrefix(arg, "#")
	for _, c := range a.channels {
		if strings.EqualFold(c.name, name) || strings.EqualFold(c.id, arg) {
			target = c.id
		}
	}
	a.mu.Unlock()
	if target == "" {
		// An incident channel of an earlier run is still bound in the store.
		if id, err := incident.ParseKey(arg); err == nil {
			key := incident.KeyFor(id)
			inc, err := a.engine.Store().GetIncidentByChannel(ctx,
				incident.ChannelRef{Platform: incident.PlatformConsole, ChannelID: key})
			if err == nil {
				target = key
				a.mu.Lock()
				if a.channelLocked(key) == nil {
					a.channels = append(a.channels, &channel{id: key, name: bot.ChannelName(inc)})
				}
				a.mu.Unlock()
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if target == "" {
		a.writeLocked(a.errorText(fmt.Sprintf("There is no channel %q here. /channels lists them.", arg)))
		return
	}
	a.current = target
	c := a.channelLocked(target)
	if c.id == Lobby && c.card == "" {
		a.writeLocked(a.dim("You are in #lobby."))
		return
	}
	a.writeLocked(a.dim(fmt.Sprintf("You are in #%s (%s).", c.name, c.id)))
	if mm, ok := a.msgs[c.card]; ok {
		a.writeLocked(a.renderLocked(mm))
	} else {
		a.writeLocked(a.dim("/incident status shows its card."))
	}
}

// as switches who is typing.
func (a *Adapter) as(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case name == "":
		a.writeLocked(fmt.Sprintf("You are %s.", a.user.Ref()))
		return
	case !consoleNameRe.MatchString(name):
		a.writeLocked(a.errorText("Usage: /as <name> (letters, digits, - _ . only)"))
		return
	}
	if name == a.me.ID {
		a.user = a.me
	} else {
		a.user = incident.Actor{Platform: incident.PlatformConsole, ID: name, Name: name}
	}
	a.writeLocked(a.dim(fmt.Sprintf("You are now %s.", a.user.Ref())))
}

// listChannels prints the lobby and the incident channels of the session.
func (a *Adapter) listChannels() {
	a.mu.Lock()
	defer a.mu.Unlock()
	mark := func(id string) string {
		if id == a.current {
			return "* "
		}
		return "  "
	}
	var lines []string
	for _, c := range a.channels {
		if c.id == Lobby {
			lines = append(lines, mark(c.id)+c.id)
			continue
		}
		lines = append(lines, fmt.Sprintf("%s%-7s #%s", mark(c.id), c.id, c.name))
	}
	a.writeLocked(strings.Join(lines, "\n"))
}
