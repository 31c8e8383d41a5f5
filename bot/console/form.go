package console

import (
	"context"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// fillForm is the terminal's form: a button with a bot.Form asks for each
// field on its own line ("Cause: "), then runs the button's command with
// the answers, as a Slack or Discord modal does. An empty answer (or the
// end of input) cancels the click: nothing runs. It reports whether the
// engine was asked.
func (a *Adapter) fillForm(ctx context.Context, n int, ref *buttonRef, src input) bool {
	b := ref.button
	a.mu.Lock()
	a.writeLocked(a.frameLocked(ref.channel, "", 0, a.dim(fmt.Sprintf("clicked [%d] %s — %s", n, termSafe(b.Label), termSafe(b.Form.Title)))))
	a.mu.Unlock()
	fields := map[string]string{}
	for _, f := range b.Form.Fields {
		answer, err := a.ask(ctx, src, termSafe(f.Label)+": ")
		if answer = strings.TrimSpace(answer); err != nil || answer == "" {
			a.print(a.dim(fmt.Sprintf("Not recorded: [%d] %s needs the %s.", n, termSafe(b.Label), strings.ToLower(termSafe(f.Label)))))
			return false
		}
		fields[f.Name] = answer
	}
	user := a.User()
	reply, err := a.engine.Handle(ctx, bot.Invocation{
		Channel: incident.ChannelRef{Platform: Platform, ChannelID: ref.channel},
		Actor:   user,
		Text:    b.Command,
		Args:    fields,
		Source:  incident.SourceTyped,
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err != nil:
		a.writeLocked(a.frameLocked(ref.channel, "", 0, a.errorText("error: "+err.Error()+" (nothing was recorded; try again)")))
	case reply.Duplicate:
	default:
		a.showPrivateLocked(ref.channel, user, reply.Message, reply.Error)
	}
	return true
}
