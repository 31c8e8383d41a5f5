package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Run reads lines from in and acts on them until the input ends, /quit,
// or ctx is done. When in and Options.Out are both terminals, a person
// types: lines are edited and recalled with the line editor (see editor),
// and kept in Options.History. Otherwise lines are read as they come
// (piped scripts), with prompts printed so transcripts read well.
//
// Run is not to be called concurrently; calling it again after it
// returned continues the session where it was. It returns nil at the end
// of input, on /quit and on Ctrl-C at an empty prompt, ctx.Err() when ctx
// ends it, and the read error if reading fails. A command that fails in
// the engine (the store is down) is printed and the session goes on.
func (a *Adapter) Run(ctx context.Context, in io.Reader) error {
	if a.engine == nil || a.store == nil {
		return errors.New("console: no engine or no store")
	}
	src, err := openInput(in, a.out, a.history)
	if err != nil {
		return err
	}
	ed, _ := src.(*editor)
	a.mu.Lock()
	a.ed = ed
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.ed = nil
		a.mu.Unlock()
		_ = src.close()
	}()

	a.mu.Lock()
	a.writeLocked(a.dim(fmt.Sprintf("Tourniquet console: you are %s in #%s. /help lists console commands, /incident help the bot's.",
		a.user.Ref(), a.current)))
	a.mu.Unlock()
	a.settle(ctx) // messages an earlier run left undelivered
	for {
		line, err := a.ask(ctx, src, "")
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, errInterrupt):
			return nil
		case err != nil:
			return err
		}
		if strings.TrimSpace(line) != "" {
			src.keep(line)
		}
		quit, ran := a.handle(ctx, line, src)
		if ran {
			a.settle(ctx)
		}
		if quit {
			return nil
		}
	}
}

// ask shows question, or the channel prompt when question is empty, and
// reads the answer.
func (a *Adapter) ask(ctx context.Context, src input, question string) (string, error) {
	a.mu.Lock()
	a.asking = question
	prompt := a.promptLocked()
	if a.ed == nil {
		a.shown = true
		io.WriteString(a.out, prompt)
	}
	a.mu.Unlock()
	line, err := src.readLine(ctx, prompt)
	a.endInput(line, err)
	return line, err
}

// endInput records that the prompt was answered: echoes the line when
// asked to, and ends the prompt's line at the end of input. A line editor
// has done both on the screen already.
func (a *Adapter) endInput(line string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.ed != nil:
	case err != nil:
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
		stats, err := a.store.OutboxStats(ctx)
		if err != nil {
			return
		}
		pending := 0
		for _, s := range stats {
			if s.Platform == Platform {
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
func (a *Adapter) handle(ctx context.Context, line string, src input) (quit, ran bool) {
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
		clicked, instead := a.click(ctx, n, src)
		if instead == "" {
			return false, clicked
		}
		// The answer to the confirmation was a line of its own: it runs in
		// the channel, as if typed at the prompt.
		src.keep(instead)
		a.mu.Lock()
		a.writeLocked(a.promptLocked() + termSafe(instead))
		a.mu.Unlock()
		quit, ran := a.handle(ctx, instead, src)
		return quit, ran || clicked
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
  /quit                 leave (Ctrl-D too)
At a terminal: arrow-up and arrow-down recall earlier lines, Ctrl-R searches them,
Ctrl-C drops the line being typed.`

// invoke runs one command through the engine and prints the private reply.
func (a *Adapter) invoke(ctx context.Context, ch, text string, src incident.Source) {
	user := a.User()
	reply, err := a.engine.Handle(ctx, bot.Invocation{
		Channel: incident.ChannelRef{Platform: Platform, ChannelID: ch},
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
// reports whether the engine was asked. A confirmation is answered by y or
// yes; n, no, an empty line, Ctrl-C or the end of input leave the button
// unclicked. Any other answer is not an answer but the next command: the
// button is not clicked and that line comes back as instead, to be run.
func (a *Adapter) click(ctx context.Context, n int, src input) (clicked bool, instead string) {
	a.mu.Lock()
	ref, ok := a.buttons[n]
	if !ok {
		msg := fmt.Sprintf("There is no button [%d].", n)
		if n >= 1 && n <= a.nextBtn {
			msg = fmt.Sprintf("Button [%d] is gone: its message was updated. Use the numbers shown last.", n)
		}
		a.writeLocked(a.errorText(msg))
		a.mu.Unlock()
		return false, ""
	}
	b := ref.button
	a.mu.Unlock()
	if b.Form != nil {
		return a.fillForm(ctx, n, ref, src), ""
	}
	if c := b.Confirm; c != nil {
		answer, err := a.ask(ctx, src, confirmQuestion(c))
		if err != nil && !errors.Is(err, errInterrupt) {
			return false, "" // the input ended (or ctx): nothing to say it to
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
		case "n", "no", "":
			a.print(a.dim(fmt.Sprintf("Not clicked: [%d] %s.", n, termSafe(b.Label))))
			return false, ""
		default:
			a.print(a.dim(fmt.Sprintf("Not clicked: [%d] %s.", n, termSafe(b.Label))))
			return false, strings.TrimSpace(answer)
		}
	}
	a.mu.Lock()
	a.writeLocked(a.frameLocked(ref.channel, "", 0, a.dim(fmt.Sprintf("clicked [%d] %s", n, termSafe(b.Label)))))
	a.mu.Unlock()
	a.invoke(ctx, ref.channel, b.Command, incident.SourceButton)
	return true, ""
}

// confirmQuestion is how a confirmation asks: "<title>: <text> [y/N] ",
// without the colon after a title that ends a sentence already ("Run this
// action? Roll checkout back? [y/N] ").
func confirmQuestion(c *bot.Confirm) string {
	title, text := strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
	q := title
	switch {
	case title == "":
		q = text
	case text == "":
	case strings.ContainsAny(title[len(title)-1:], "?!.:"):
		q += " " + text
	default:
		q += ": " + text
	}
	return termSafe(q) + " [y/N] "
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
			inc, err := a.store.GetIncidentByChannel(ctx,
				incident.ChannelRef{Platform: Platform, ChannelID: key})
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
		a.user = incident.Actor{Platform: Platform, ID: name, Name: name}
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
