package web

import (
	"context"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/storage"
)

// FollowUpReader reads an incident's follow-ups (the store's
// FollowUpStore).
type FollowUpReader interface {
	ListFollowUps(ctx context.Context, incidentID int64) ([]storage.FollowUp, error)
}

// followUpRow is one follow-up as the incident page shows it.
type followUpRow struct {
	Text, Owner          string
	TicketKey, TicketURL string
	Status, StatusClass  string
}

// followUpsView is the follow-ups section: the rows and "3 of 5 done".
type followUpsView struct {
	Rows     []followUpRow
	Progress string
}

// followUpProgress is "3 of 5 follow-ups done": done are those whose
// ticket the tracker says is done.
func followUpProgress(items []storage.FollowUp) string {
	done := 0
	for _, it := range items {
		if it.TicketState == storage.TicketDone {
			done++
		}
	}
	return fmt.Sprintf("%d of %d follow-ups done", done, len(items))
}

func ticketStatus(it storage.FollowUp) (label, class string) {
	switch it.TicketStatus {
	case storage.TicketCreated:
		if it.TicketState == storage.TicketDone {
			return "done", "good"
		}
		return "open", "warn"
	case storage.TicketPending, storage.TicketCreating:
		return "ticket being created", "muted"
	case storage.TicketFailed:
		return "no ticket: the tracker refused it", "bad"
	case storage.TicketUnknown:
		return "ticket unknown: check " + it.Tracker, "bad"
	}
	return "no ticket", "muted"
}

func newFollowUpsView(items []storage.FollowUp) followUpsView {
	v := followUpsView{Progress: followUpProgress(items)}
	for _, it := range items {
		r := followUpRow{Text: it.Text, TicketKey: it.TicketKey}
		if !it.Owner.IsZero() {
			r.Owner = it.Owner.Display()
		}
		if strings.HasPrefix(it.TicketURL, "https://") || strings.HasPrefix(it.TicketURL, "http://") {
			r.TicketURL = it.TicketURL
		}
		r.Status, r.StatusClass = ticketStatus(it)
		v.Rows = append(v.Rows, r)
	}
	return v
}

// followUpsMarkdown is the report's follow-ups section ("" for none).
// Texts are escaped as the rest of the report escapes user text.
func followUpsMarkdown(items []storage.FollowUp, escape func(string) string) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Follow-ups\n\n%s.\n\n", followUpProgress(items))
	for _, it := range items {
		box := " "
		if it.TicketState == storage.TicketDone {
			box = "x"
		}
		fmt.Fprintf(&b, "- [%s] %s", box, escape(it.Text))
		if !it.Owner.IsZero() {
			fmt.Fprintf(&b, " (owner: %s)", escape(it.Owner.Display()))
		}
		if it.TicketKey != "" {
			fmt.Fprintf(&b, " — %s", escape(it.TicketKey))
		}
		label, _ := ticketStatus(it)
		fmt.Fprintf(&b, ", %s\n", escape(label))
	}
	return b.String()
}
