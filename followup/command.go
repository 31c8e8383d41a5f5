package followup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Command names.
const (
	CmdFollowUp  = "follow-up"
	CmdFollowUps = "follow-ups"
)

// Options say where follow-ups go.
type Options struct {
	// Tracker names the tracker tickets are created in ("jira", "linear",
	// "github"); empty: none, follow-ups stay on the timeline.
	Tracker string
	// AtResolve creates the tickets when the incident is resolved, instead
	// of when each follow-up is recorded.
	AtResolve bool
}

// Feature is the follow-ups' commands and hook.
type Feature struct{ o Options }

// New returns the feature for o.
func New(o Options) *Feature { return &Feature{o: o} }

var (
	textArg = bot.Arg{Name: "text", Kind: bot.ArgText, Need: bot.Required, MaxLen: incident.MaxFollowUpLen, Help: "What should be done",
		Missing: "say what should be done, for example: follow-up alert on queue depth @ana"}
	ownerArg = bot.Arg{Name: "owner", Kind: bot.ArgUser, Help: "Who should do it"}
)

// Commands are /incident follow-up <text> [@owner] and /incident
// follow-ups, for the engine. Both work on a resolved incident: that is
// when most follow-ups are written.
func (f *Feature) Commands() []bot.CommandSpec {
	return []bot.CommandSpec{
		{
			Name:    CmdFollowUp,
			Summary: "record work that should follow the incident (a ticket when a tracker is configured), optionally for someone",
			Brief:   "Record a follow-up, optionally for someone",
			Usage:   "<text> [@owner]",
			Section: bot.SectionClosing,
			Needs:   bot.AnyIncident,
			Args:    []bot.Arg{textArg, ownerArg},
			Parse:   parseFollowUp,
			Handle:  f.add,
		},
		{
			Name:    CmdFollowUps,
			Summary: "list the incident's follow-ups, their owners and tickets",
			Brief:   "List the follow-ups and their tickets",
			Section: bot.SectionClosing,
			Needs:   bot.AnyIncident,
			Handle:  f.list,
		},
	}
}

// parseFollowUp reads "<text> [@owner]": a last word that is a mention is
// the owner, the rest the text.
func parseFollowUp(rest string) (bot.Values, error) {
	vals := bot.Values{}
	text := strings.TrimSpace(rest)
	i := strings.LastIndexAny(text, " \t")
	if last := text[i+1:]; strings.HasPrefix(last, "@") || strings.HasPrefix(last, "<@") {
		m, err := bot.ReadArg(ownerArg, last)
		if err != nil {
			return vals, err
		}
		vals["owner"] = m
		text = strings.TrimSpace(text[:max(i, 0)])
	}
	v, err := bot.ReadArg(textArg, text)
	switch {
	case errors.Is(err, bot.ErrNoValue):
		// No text: a form's answer may bring it (the card's button); the
		// handler says what is missing when nothing does.
		return vals, nil
	case err != nil:
		return vals, err
	}
	vals["text"] = v
	return vals, nil
}

// owner is the person a mention names, on the invoker's platform unless
// it names another.
func owner(m bot.Mention, invoker incident.Actor) incident.Actor {
	if m.ID == "" {
		return incident.Actor{}
	}
	a := incident.Actor{Platform: m.Platform, ID: m.ID, Name: m.Name}
	if a.Platform == "" {
		a.Platform = invoker.Platform
	}
	return a
}

// add handles "follow-up": the item is stored, recorded on the timeline
// and said in the channel; with a tracker (and tickets on command) its
// ticket is asked for in the same transaction, for the Worker.
func (f *Feature) add(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	inc := tx.Incident
	text, err := incident.ParseFollowUp(c.Text("text"))
	if errors.Is(err, incident.ErrNoFollowUpText) {
		err = errors.New(textArg.Missing)
	}
	if err != nil {
		r := bot.ErrorReply("%s\nUsage: `%s`", err.Error(), "/incident follow-up <text> [@owner]")
		r.IncidentKey = inc.Key
		return r, nil
	}
	who := owner(c.User("owner"), tx.Actor())
	item := storage.FollowUp{IncidentID: inc.ID, Text: text, Owner: who, CreatedBy: tx.Actor(), CreatedAt: tx.Now}
	if f.o.Tracker != "" && !f.o.AtResolve {
		item.Tracker, item.TicketStatus = f.o.Tracker, storage.TicketPending
	}
	if err := tx.Q.AddFollowUp(ctx, &item); err != nil {
		return bot.Reply{}, fmt.Errorf("add follow-up to %s: %w", inc.Key, err)
	}
	all, err := tx.Q.ListFollowUps(ctx, inc.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("follow-ups of %s: %w", inc.Key, err)
	}
	n := len(all)
	// The card follows: a resolved incident's shows the follow-ups.
	tx.Record(incident.FollowUpRecorded(tx.Now, tx.Actor(), item.ID, text, who))
	if who.IsZero() {
		tx.Announce(bot.Textf("📌 Follow-up %d of %s: %s", n, inc.Key, text))
	} else {
		tx.Announce(bot.Textf("📌 Follow-up %d of %s, for %s: %s", n, inc.Key, who, text))
	}
	r := bot.TextReply("Recorded follow-up %d of %s.%s", n, inc.Key, f.ticketNote(inc))
	r.IncidentKey = inc.Key
	return r, nil
}

// ticketNote says what will become of a new follow-up.
func (f *Feature) ticketNote(inc *incident.Incident) string {
	switch {
	case f.o.Tracker == "":
		return " It stays on the timeline and the report (no tracker is configured)."
	case f.o.AtResolve && inc.Open():
		return " Its ticket is created in " + f.o.Tracker + " when the incident is resolved."
	case f.o.AtResolve:
		return " Tickets are created at resolution, which has passed: it stays on the timeline and the report."
	}
	return " Its ticket is being created in " + f.o.Tracker + "."
}

// list handles "follow-ups".
func (f *Feature) list(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	inc := tx.Incident
	items, err := tx.Q.ListFollowUps(ctx, inc.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("follow-ups of %s: %w", inc.Key, err)
	}
	if len(items) == 0 {
		r := bot.TextReply("%s has no follow-ups. `/incident follow-up <text> [@owner]` records one.", inc.Key)
		r.IncidentKey = inc.Key
		return r, nil
	}
	m := bot.Message{}
	m.Textf("*Follow-ups of %s*: %s", inc.Key, Progress(items))
	for i, it := range items {
		line := bot.Textf("%d. %s", i+1, it.Text)
		if !it.Owner.IsZero() {
			line = append(line, bot.Textf(" — %s", it.Owner)...)
		}
		line = append(line, ticketSpans(it)...)
		m.Text(line)
	}
	m.Fallback = fmt.Sprintf("Follow-ups of %s: %s", inc.Key, Progress(items))
	return bot.Reply{Message: m, IncidentKey: inc.Key}, nil
}

// ticketSpans say where an item's ticket is.
func ticketSpans(it storage.FollowUp) bot.Rich {
	switch it.TicketStatus {
	case storage.TicketCreated:
		state := it.TicketState
		if state == "" {
			state = storage.TicketOpen
		}
		return bot.Rich{bot.Plain(" — ")[0], bot.Link(it.TicketURL, ""), bot.Plain(" (" + it.TicketKey + ", " + state + ")")[0]}
	case storage.TicketPending, storage.TicketCreating:
		return bot.Plain(" — ticket being created")
	case storage.TicketFailed:
		return bot.Plain(" — no ticket: " + it.LastError)
	case storage.TicketUnknown:
		return bot.Plain(" — ticket unknown: check " + it.Tracker)
	}
	return nil
}

// Progress is "3 of 5 done" for items: those whose ticket is done.
func Progress(items []storage.FollowUp) string {
	done := 0
	for _, it := range items {
		if it.TicketState == storage.TicketDone {
			done++
		}
	}
	return fmt.Sprintf("%d of %d done", done, len(items))
}
