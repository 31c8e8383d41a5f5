package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// maxListed bounds /incident list: past this many open incidents the
// reply says how many more there are and links the web page, which lists
// them all. A chat reply of a hundred lines helps nobody in the middle of
// an outage.
const maxListed = 25

// pageLinker is a Links that can also link the incident list page with a
// signed link (timeline/web.Links does).
type pageLinker interface {
	PageURL(page string, now time.Time) string
}

// listCommand is "list": it needs no incident channel.
func listCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdList,
		Summary: "list the open incidents, worst and newest first (works in any channel)",
		Brief:   "List the open incidents, worst and newest first",
		Section: SectionIncidents,
		Needs:   NoIncident,
		Handle:  engineHandler((*Engine).list),
	}
}

// list handles "list": the open incidents, worst severity first and the
// newest first within one, each with its key, severity, impact, age, lead
// and a link to its channel on the invoker's platform. It needs no
// incident channel, and the reply is private like every reply. Only the
// incidents visibleInList lets the invoker see are listed or counted.
func (e *Engine) list(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	open, err := tx.Q.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen})
	if err != nil {
		return Reply{}, fmt.Errorf("list open incidents: %w", err)
	}
	var shown []*incident.Incident
	for _, inc := range open {
		if e.visibleInList(inc, tx.Actor()) {
			shown = append(shown, inc)
		}
	}
	if len(shown) == 0 {
		return TextReply("No open incidents. Declare one with `%s`.", Usage(CmdDeclare)), nil
	}
	sort.SliceStable(shown, func(i, j int) bool {
		a, b := shown[i], shown[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if !a.DeclaredAt.Equal(b.DeclaredAt) {
			return a.DeclaredAt.After(b.DeclaredAt)
		}
		return a.ID > b.ID
	})
	more := max(len(shown)-maxListed, 0)
	shown = shown[:len(shown)-more]

	m := Message{}
	m.Header(fmt.Sprintf("Open incidents (%d)", len(shown)+more))
	lines := make([]Rich, 0, len(shown))
	for _, inc := range shown {
		lines = append(lines, e.listLine(inc, tx.Inv.Channel.Platform, tx.Now))
	}
	m.Text(Join("\n", lines...))
	link := e.listURL(tx.Now)
	switch {
	case more > 0 && link != "":
		m.Contextf("…and %d more: %s", more, Link(link, "all open incidents"))
	case more > 0:
		m.Contextf("…and %d more, not shown here.", more)
	case link != "":
		m.Contextf("Worst first, then newest. Web page: %s", Link(link, "incidents"))
	}
	m.Fallback = words.Count(len(shown)+more, "open incident", "open incidents")
	return Reply{Message: m}, nil
}

// listLine is one incident of the list: "*INC-7* SEV1 · 🔴 ongoing · 23m ·
// lead @ana · #inc-7-checkout — Checkout errors".
func (e *Engine) listLine(inc *incident.Incident, platform string, now time.Time) Rich {
	where := Plain("no channel here")
	if ch, ok := inc.ChannelOn(platform); ok {
		where = Rich{ChannelLink(ch.ChannelID)}
	}
	return Textf("• *%s* %s · %s · %s · lead %s · %s — %s",
		inc.Key, severityLabel(inc.Severity), impactLabel(inc), FormatDuration(now.Sub(inc.DeclaredAt)),
		User(inc.Lead), where, inc.Title)
}

// visibleInList reports whether viewer may see inc in /incident list.
// Options.ListFilter decides when set. Otherwise every open incident is
// listed, but a private one only to the people the bot knows are in it:
// whoever declared it, its lead and the holders of its roles (the bot
// cannot see a platform's channel membership from here).
func (e *Engine) visibleInList(inc *incident.Incident, viewer incident.Actor) bool {
	if e.opts.ListFilter != nil {
		return e.opts.ListFilter(inc, viewer)
	}
	if !inc.Private {
		return true
	}
	if inc.IsDeclarer(viewer) || inc.IsLead(viewer) {
		return true
	}
	for _, holder := range inc.Roles {
		if holder.Same(viewer) {
			return true
		}
	}
	return false
}

// listURL is a link to the web page of incidents, signed when the
// engine's Links can sign one, "" without a public URL.
func (e *Engine) listURL(now time.Time) string {
	if pl, ok := e.opts.Links.(pageLinker); ok {
		if u := pl.PageURL("incidents", now); strings.HasPrefix(u, "http") {
			return u
		}
	}
	if e.opts.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(e.opts.PublicURL, "/") + "/incidents"
}
