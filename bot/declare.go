package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// declareCommand is "declare [here] [private] [sev1..sev4] <title>"; a
// form or Discord's options also give services, when impact started and a
// description, which a typed line cannot.
func declareCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdDeclare,
		Aliases: []string{"open", "new"},
		Summary: "open an incident in a new channel (here: in this channel; private: a private channel). The flags count before a severity (declare here sev2 Checkout errors) or alone",
		Brief:   "Open an incident, in a new channel (or here)",
		Section: SectionIncidents,
		Needs:   NoIncident,
		Parse:   parseDeclare,
		Args: []Arg{
			{Name: FieldHere, Kind: ArgFlag, Help: "Make this channel the incident's channel instead of opening one"},
			{Name: FieldPrivate, Kind: ArgFlag, Help: "A private channel for you and the responders, not announced"},
			{Name: FieldSeverity, Kind: ArgSeverity, Shape: "sev1..sev4", Help: "sev1 is the worst (default sev2)"},
			{Name: FieldTitle, Kind: ArgTitle, Need: Required, MaxLen: incident.MaxTitleLen, Help: "What is hurting customers",
				Missing: "give the incident a title, like /incident declare sev1 Checkout errors"},
			{Name: FieldServices, Kind: ArgServices, Input: OptionsOnly, MaxLen: 500, Help: "Affected services, separated by commas"},
			{Name: FieldImpactStarted, Kind: ArgTime, Input: OptionsOnly, MaxLen: 64, Label: "impact start",
				Help: "When customer impact began: RFC3339, HH:MM (UTC) or -15m"},
			{Name: FieldDescription, Kind: ArgText, Input: OptionsOnly, MaxLen: 2000, Help: "What is known so far (added as a note)"},
			{Name: FieldDrill, Kind: ArgFlag, Input: Internal},
		},
		Handle: engineHandler((*Engine).declare),
	}
}

// declare opens an incident: in a channel of its own, from any channel,
// or, with "here", in the channel it was typed in if no incident holds it
// (the incident borrows it until it is resolved). The flags come from the
// typed line or a form alike (FieldHere, FieldPrivate).
func (e *Engine) declare(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	here, private := c.Flag(FieldHere), c.Flag(FieldPrivate)
	if here {
		// Only "here" needs the channel free; a declaration without it
		// opens a channel of its own from anywhere, an incident's too.
		if existing, err := tx.Q.GetIncidentByChannel(ctx, tx.Inv.Channel); err == nil {
			return ErrorReply("This channel already belongs to %s (%s). Declare without `here` to open a channel of its own: `/incident declare sev2 <title>`.", existing.Key, existing.Title), nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return Reply{}, fmt.Errorf("look up channel: %w", err)
		}
	}
	inc, ev, extra, bad := declared(tx, c)
	if bad != nil {
		return ErrorReply("%s\nUsage: `%s`", bad, Usage(CmdDeclare)), nil
	}
	drill := c.Flag(FieldDrill) // only the drill command sets it
	if drill {
		ev.Data[FieldDrill] = true
	}
	inc.Private = private
	if err := tx.Q.CreateIncident(ctx, inc); err != nil {
		return Reply{}, fmt.Errorf("create incident: %w", err)
	}
	tx.Incident, tx.created = inc, true
	if here {
		// Borrowed: resolving the incident gives the channel back.
		if err := tx.Q.BorrowIncidentChannel(ctx, inc.ID, tx.Inv.Channel); err != nil {
			return Reply{}, fmt.Errorf("bind channel: %w", err)
		}
		inc.Channels = append(inc.Channels, tx.Inv.Channel)
	} else {
		invite := []incident.Actor{tx.Actor()}
		for _, r := range e.opts.Responders {
			if r.Platform == tx.Inv.Channel.Platform && !r.Same(tx.Actor()) {
				invite = append(invite, r)
			}
		}
		from := tx.Inv.Channel
		tx.out.openChannel(inc, tx.Inv.Channel.Platform, OpenChannelRequest{
			IncidentKey: inc.Key, Name: channelNameOf(inc, drill), Topic: Topic(inc), Invite: invite, From: from,
			Title: inc.Title, Severity: string(inc.Severity), Private: inc.Private,
		})
	}
	ev.Data["here"] = here
	if inc.Private {
		ev.Data["private"] = true
	}
	ev.Data["channel"] = tx.Inv.Channel.String()
	tx.Record(ev)
	for _, x := range extra {
		tx.Record(x)
	}
	card, err := tx.Card(ctx)
	if err != nil {
		return Reply{}, err
	}
	tx.out.post(incidentTarget(inc), CardKey(inc), card, true)
	tx.out.topic(inc, Topic(inc))
	tx.cardSent = true
	where := Textf("Opening its channel `%s` now.", channelNameOf(inc, drill))
	switch {
	case here && inc.Private:
		where = Plain("This channel is now its channel (it stays as visible as it was); the incident is private: not announced, and its report pages need the link the bot posts.")
	case here:
		where = Plain("This channel is now its channel.")
	case inc.Private:
		where = Textf("Opening its private channel `%s` now, for you and the responders; it is not announced, and its report pages need the link the bot posts.", ChannelName(inc))
	}
	r := TextReply("🚨 Declared %s (%s): %s. %s First question: %s", inc.Key, strings.ToUpper(string(inc.Severity)), inc.Title, where, MitigationQuestion)
	if c.Typed() {
		if hint := flagHint(c.Text(FieldTitle)); hint != nil {
			r = TextReply("🚨 Declared %s (%s): %s. %s First question: %s%s", inc.Key, strings.ToUpper(string(inc.Severity)), inc.Title, where, MitigationQuestion, hint)
		}
	}
	r.IncidentKey = inc.Key
	return r, nil
}
