package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// auditResolve is the audit action of a resolution with impact ongoing:
// the request (asked) and its confirmation, by whom.
const auditResolve = "command.resolve"

// Audit steps of a resolution with impact ongoing.
const (
	stepResolveAsked     = "requested"
	stepResolveConfirmed = "confirmed"
)

// resolveRequest is a resolution asked for while impact was ongoing,
// waiting for its confirmation: the summary the person typed, kept by the
// bot so that the confirmation button need not carry it.
type resolveRequest struct {
	id      int64
	summary string
}

// impactStory says what customer impact did, for a reply or the card:
// "regressed at 14:20 UTC and was not mitigated again", "has been ongoing
// since 14:00 UTC and was never mitigated", or "was mitigated".
func impactStory(inc *incident.Incident) string {
	clock := func(t time.Time) string { return t.UTC().Format("15:04 UTC") }
	switch {
	case inc.Impact == incident.ImpactMitigated:
		return "was mitigated"
	case inc.MitigatedAt == nil:
		return "was never mitigated (ongoing since " + clock(inc.ImpactStartedAt) + ")"
	}
	regressed := inc.ImpactStartedAt
	if n := len(inc.Windows); n > 0 {
		regressed = inc.Windows[n-1].Start
	}
	return "regressed at " + clock(regressed) + " and was not mitigated again"
}

// askResolveOngoing answers a resolve while impact is ongoing with a
// question, privately: what impact did, and a button to resolve anyway.
// The request (with its summary) is kept in the audit log; the button
// names it, so it carries no text of its own.
func askResolveOngoing(ctx context.Context, tx *Tx, summary string) (Reply, error) {
	inc := tx.Incident
	id, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: inc.ID, Actor: tx.Actor(),
		Action: auditResolve, Subject: inc.Key, Step: stepResolveAsked, Outcome: "confirmation asked",
		Detail: map[string]any{"summary": tx.Redact(summary), "impact": string(inc.Impact), "source": string(tx.Inv.Source)}})
	if err != nil {
		return Reply{}, fmt.Errorf("audit resolve request: %w", err)
	}
	story := impactStory(inc)
	var m Message
	m.Textf("⚠️ Customer impact on %s %s.", inc.Key, story)
	m.Textf("Resolving now records that impact was still ongoing at resolution, and the report counts it up to now. If it has stopped, say so first.")
	m.Buttons(
		Button{Label: "Resolve with impact ongoing", Command: inc.Key + " " + CmdResolve + " " + flagOngoing + " " + flagRequest + " " + strconv.FormatInt(id, 10), Style: StyleDanger},
		Button{Label: "Impact has stopped", Command: inc.Key + " " + CmdMitigated, Style: StylePrimary},
	)
	m.Contextf("Or type `/incident resolve --ongoing <summary>`.")
	m.Fallback = fmt.Sprintf("Customer impact on %s %s. Resolve anyway with /incident resolve --ongoing <summary>.", inc.Key, story)
	return Reply{Message: m, IncidentKey: inc.Key}, nil
}

// resolveRequestOf loads the resolve request a confirmation button names:
// ok is false when it is not one of this incident's.
func resolveRequestOf(ctx context.Context, tx *Tx, target string) (resolveRequest, bool, error) {
	id, err := strconv.ParseInt(target, 10, 64)
	if err != nil || id <= 0 {
		return resolveRequest{}, false, nil
	}
	rows, err := tx.Q.ListAudit(ctx, storage.AuditFilter{IncidentID: tx.Incident.ID, AfterID: id - 1, Limit: 1})
	if err != nil {
		return resolveRequest{}, false, fmt.Errorf("load resolve request %d: %w", id, err)
	}
	if len(rows) == 0 || rows[0].ID != id || rows[0].Action != auditResolve || rows[0].Step != stepResolveAsked {
		return resolveRequest{}, false, nil
	}
	summary, _ := rows[0].Detail["summary"].(string)
	return resolveRequest{id: id, summary: summary}, true, nil
}

// auditResolveOngoing records who confirmed a resolution with impact
// ongoing.
func auditResolveOngoing(ctx context.Context, tx *Tx, step string, detail map[string]any) error {
	detail["source"] = string(tx.Inv.Source)
	_, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: tx.Incident.ID, Actor: tx.Actor(),
		Action: auditResolve, Subject: tx.Incident.Key, Step: step, Outcome: "resolved with impact ongoing", Detail: detail})
	if err != nil {
		return fmt.Errorf("audit resolve confirmation: %w", err)
	}
	return nil
}
