package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// AppendEvents appends evs to the incident's timeline. Sequence numbers
// come from the incident row (UPDATE … RETURNING event_seq), whose lock
// serializes concurrent appends until commit, so they have no gaps.
func (q querier) AppendEvents(ctx context.Context, incidentID int64, evs ...incident.Event) ([]incident.Event, error) {
	what := fmt.Sprintf("append events to incident %d", incidentID)
	out := make([]incident.Event, len(evs))
	copy(out, evs)
	if len(evs) == 0 {
		return out, nil
	}
	data := make([]string, len(evs))
	for k, ev := range evs {
		d := ev.Data
		if d == nil {
			d = map[string]any{}
		}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("%s: event %d data: %w", what, k, err)
		}
		data[k] = string(b)
	}
	err := q.atomic(ctx, func(q querier) error {
		var last int64
		err := q.db.QueryRow(ctx, `UPDATE incidents SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq`,
			incidentID, len(evs)).Scan(&last)
		if err != nil {
			return mapErr(what, err)
		}
		first := last - int64(len(evs)) + 1
		for k := range out {
			ev := &out[k]
			ev.IncidentID = incidentID
			ev.Seq = first + int64(k)
			err := q.db.QueryRow(ctx, `INSERT INTO events
				(incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
				incidentID, ev.Seq, ev.At, string(ev.Kind), ev.Actor.Platform, ev.Actor.ID, ev.Actor.Name,
				ev.Text, string(ev.Source), data[k]).Scan(&ev.ID)
			if err != nil {
				return mapErr(what, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListEvents returns an incident's events after afterSeq in Seq order, at
// most limit of them (0: all).
func (q querier) ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error) {
	what := fmt.Sprintf("list events of incident %d", incidentID)
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	scan := func(row pgx.Row) (incident.Event, error) {
		var (
			ev           incident.Event
			kind, source string
			data         []byte
		)
		if err := row.Scan(&ev.ID, &ev.Seq, &ev.At, &kind, &ev.Actor.Platform, &ev.Actor.ID, &ev.Actor.Name,
			&ev.Text, &source, &data); err != nil {
			return ev, err
		}
		ev.IncidentID = incidentID
		ev.At = ev.At.UTC()
		ev.Kind = incident.Kind(kind)
		ev.Source = incident.Source(source)
		// DecodeEventData reads the usual flat objects without
		// encoding/json's reflection: a timeline is thousands of them.
		var err error
		if ev.Data, err = storage.DecodeEventData(data); err != nil {
			return ev, fmt.Errorf("event %d data: %w", ev.Seq, err)
		}
		return ev, nil
	}
	return queryRows(ctx, q.db, what, []incident.Event{}, scan,
		`SELECT id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data
		FROM events WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, incidentID, afterSeq, lim)
}

var _ storage.EventStore = querier{}
