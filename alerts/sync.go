package alerts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// sync brings tx.Incident's attached alerts up to date with the group:
// alert_firing and alert_resolved on the timeline for each alert that is
// new or changed; the earliest start offered as the impact start when it
// is earlier than the one on record; and, when the last attached alert
// resolves, the question whether impact is mitigated (or, with the
// route's auto_mitigate, mitigation itself, with the source alert).
func (r *Router) sync(ctx context.Context, tx *bot.Tx, row storage.AlertGroup, g *Group, rt *route) error {
	inc, now := tx.Incident, tx.Now
	stored, err := tx.Q.ListIncidentAlerts(ctx, inc.ID)
	if err != nil {
		return err
	}
	byFP := map[string]storage.IncidentAlert{}
	wasFiring := false
	for _, a := range stored {
		byFP[a.Fingerprint] = a
		wasFiring = wasFiring || a.Status == StatusFiring
	}
	var newlyFiring []Alert
	for _, a := range g.Alerts {
		prev, had := byFP[a.Fingerprint]
		name := a.Labels["alertname"]
		if name == "" {
			name = g.Name()
		}
		if !had || prev.Status != a.Status {
			tx.Record(alertEvent(now, g, a, name).WithSource(incident.SourceAlert))
			if a.Status == StatusFiring {
				newlyFiring = append(newlyFiring, a)
			}
		}
		ia := storage.IncidentAlert{IncidentID: inc.ID, Fingerprint: a.Fingerprint, GroupID: row.ID, Name: name,
			Status: a.Status, StartsAt: a.StartsAt, UpdatedAt: now}
		if ia.StartsAt.IsZero() {
			ia.StartsAt = now
		}
		if err := tx.Q.PutIncidentAlert(ctx, ia); err != nil {
			return err
		}
		byFP[a.Fingerprint] = ia
	}
	nowFiring := false
	for _, a := range byFP {
		nowFiring = nowFiring || a.Status == StatusFiring
	}
	if inc.Impact == incident.ImpactOngoing && inc.MitigatedAt == nil {
		r.offerImpactStart(tx, newlyFiring)
	}
	if !wasFiring || nowFiring || inc.Impact != incident.ImpactOngoing {
		tx.KeepCard() // the card shows nothing of the alerts
		return nil
	}
	// Every attached alert has resolved.
	if rt.cfg.AutoMitigate {
		reply, err := tx.Dispatch(ctx, bot.CmdMitigated, map[string]string{"how": "every alert attached to it resolved (auto_mitigate)"})
		if err != nil {
			return err
		}
		if reply.Error {
			tx.Announce(bot.Textf("The alerts resolved, but marking %s mitigated failed: %s", inc.Key, reply.Message.PlainText()))
		}
		return nil
	}
	ref := questionRef(row)
	tx.PostToIncident(questionKey(inc, ref), resolvedQuestion(inc, ref))
	tx.KeepCard()
	return nil
}

// alertEvent is the timeline event of an alert firing or resolving. Its
// labels and annotations are data: they are stored, never rendered as
// markup.
func alertEvent(now time.Time, g *Group, a Alert, name string) incident.Event {
	kind, verb := incident.KindAlertFiring, "firing"
	if a.Status == StatusResolved {
		kind, verb = incident.KindAlertResolved, "resolved"
	}
	text := fmt.Sprintf("%s %s", name, verb)
	if s := a.Annotations["summary"]; s != "" {
		text += ": " + cut(incident.CleanText(s, incident.SingleLine), 300)
	}
	data := map[string]any{"fingerprint": a.Fingerprint, "source": g.Source, "group_key": g.GroupKey, "labels": a.Labels}
	if !a.StartsAt.IsZero() {
		data["starts_at"] = a.StartsAt.UTC().Format(time.RFC3339)
	}
	if !a.EndsAt.IsZero() && a.Status == StatusResolved {
		data["ends_at"] = a.EndsAt.UTC().Format(time.RFC3339)
	}
	if a.GeneratorURL != "" {
		data["url"] = a.GeneratorURL
	}
	return incident.NewEvent(now, kind, incident.System, text, data)
}

// offerImpactStart offers, with a button that runs the impact-started
// command (and its permission check), the earliest start among alerts
// that just began firing when it is more than a minute before the impact
// start on record.
func (r *Router) offerImpactStart(tx *bot.Tx, firing []Alert) {
	inc := tx.Incident
	var earliest time.Time
	for _, a := range firing {
		if !a.StartsAt.IsZero() && (earliest.IsZero() || a.StartsAt.Before(earliest)) {
			earliest = a.StartsAt
		}
	}
	if earliest.IsZero() || !earliest.Before(inc.ImpactStartedAt.Add(-time.Minute)) || earliest.After(tx.Now) {
		return
	}
	at := earliest.UTC().Truncate(time.Second)
	var m bot.Message
	m.Textf("⏱ The earliest alert started firing at %s, %s before the impact start on record (%s). Did customer impact start then?",
		at.Format("15:04 UTC"), earlierBy(inc.ImpactStartedAt.Sub(at)), inc.ImpactStartedAt.UTC().Format("15:04 UTC"))
	m.Buttons(bot.Button{Label: "Impact started " + at.Format("15:04"), Command: bot.CmdImpactStarted + " " + at.Format(time.RFC3339)})
	tx.PostToIncident(inc.Key+"/alerts/impact-start/"+strconv.FormatInt(at.Unix(), 10), m)
}

// questionRef names the resolve question asked after row's delivery, in
// its buttons; questionKey is its message's key.
func questionRef(row storage.AlertGroup) string {
	return strconv.FormatInt(row.ID, 10) + "-" + strconv.FormatInt(row.Version, 10)
}

func questionKey(inc *incident.Incident, ref string) string {
	return inc.Key + "/alerts/resolved/" + ref
}

// earlierBy says a gap in whole minutes or hours: "10 minutes", "2 hours".
func earlierBy(d time.Duration) string {
	if d >= 2*time.Hour {
		return words.Count(int(d/time.Hour), "hour", "hours")
	}
	return words.Count(int(d.Round(time.Minute)/time.Minute), "minute", "minutes")
}
