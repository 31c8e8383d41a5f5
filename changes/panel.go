package changes

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// DefaultPanelLimit is how many changes the card lists; the rest are
// counted.
const DefaultPanelLimit = 5

// PanelOptions configure a Panel.
type PanelOptions struct {
	// Window is how long before impact started a change is listed
	// (config changes.window; default 2h). Changes after impact started
	// are listed too: a deploy in the middle of an incident is news.
	Window time.Duration
	// Undo gives the buttons that undo a change on an incident (the
	// actions' UndoButtons); nil offers none.
	Undo func(inc *incident.Incident, ch incident.Change) []bot.Button
	// Limit caps the changes listed (default DefaultPanelLimit).
	Limit int
}

// Panel lists, on the card and every check-in, the changes to the
// incident's services from Window before impact started until now,
// newest first: "deploy checkout v42 by ana, 12m before impact [Roll back
// to v41]". Who made a change is what the reporting system said: text,
// never a mention.
type Panel struct{ o PanelOptions }

var _ bot.Panel = Panel{}

// NewPanel returns the panel with defaults filled in.
func NewPanel(o PanelOptions) Panel {
	if o.Window <= 0 {
		o.Window = 2 * time.Hour
	}
	if o.Limit <= 0 {
		o.Limit = DefaultPanelLimit
	}
	if o.Undo == nil {
		o.Undo = func(*incident.Incident, incident.Change) []bot.Button { return nil }
	}
	return Panel{o: o}
}

// Panel implements bot.Panel.
func (p Panel) Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
	if len(inc.Services) == 0 {
		return nil, nil
	}
	cs, err := q.ListChanges(ctx, storage.ChangeFilter{Services: inc.Services,
		From: inc.ImpactStartedAt.Add(-p.o.Window), To: now.Add(time.Second), Limit: p.o.Limit + 1})
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", inc.Key, err)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	more := len(cs) > p.o.Limit
	if more {
		cs = cs[:p.o.Limit]
	}
	blocks := []bot.Block{{Kind: bot.BlockText, Text: bot.Textf("*Changes shortly before impact*")}}
	for _, c := range cs {
		blocks = append(blocks, bot.Block{Kind: bot.BlockText, Text: Line(c, inc.ImpactStartedAt)})
		if bs := p.o.Undo(inc, c); len(bs) > 0 {
			blocks = append(blocks, bot.Block{Kind: bot.BlockButtons, Buttons: bs})
		}
	}
	if more {
		blocks = append(blocks, bot.Block{Kind: bot.BlockContext,
			Text: bot.Textf("More changes of %s are listed at /changes.", inc.Key)})
	}
	return blocks, nil
}

// Line is one change in words, relative to when impact started: its
// kind, what changed, who made it (text, never a mention), and how long
// before or after impact started, with its link where it has one.
func Line(c incident.Change, impactStart time.Time) bot.Rich {
	what := c.What()
	if c.Kind != incident.ChangeFlag && c.Kind != incident.ChangeDeploy {
		what = string(c.Kind) + " " + c.Service
		if c.Version != "" {
			what += " " + c.Version
		}
	}
	by := ""
	if c.By != "" {
		by = " by " + c.By
	}
	when := bot.FormatDuration(impactStart.Sub(c.At)) + " before impact"
	if c.At.After(impactStart) {
		when = bot.FormatDuration(c.At.Sub(impactStart)) + " after impact started"
	}
	r := bot.Textf("%s%s, %s", what, by, when)
	if c.Link != "" {
		r = append(r, bot.Plain(" (")...)
		r = append(r, bot.Link(c.Link, "link"))
		r = append(r, bot.Plain(")")...)
	}
	return r
}
