package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// AppendEvents appends evs to an incident's timeline and returns them with
// ID, IncidentID and Seq set (and a nil Data as an empty map); ErrNotFound
// if the incident does not exist. The incident's row holds the last Seq;
// bumping it and inserting happen in one write transaction, so appends are
// serialized and Seq has no gaps.
func (q *querier) AppendEvents(ctx context.Context, incidentID int64, evs ...incident.Event) ([]incident.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	out := slices.Clone(evs)
	data := make([]string, len(out))
	for i := range out {
		if out[i].Data == nil {
			out[i].Data = map[string]any{}
		}
		var err error
		if data[i], err = encJSONMap(out[i].Data); err != nil {
			return nil, fmt.Errorf("append events to incident %d: %w", incidentID, err)
		}
	}
	err := q.write(ctx, func(w *querier) error {
		var last int64
		err := w.tx.QueryRowContext(ctx, `UPDATE incidents SET event_seq = event_seq + ?
			WHERE id = ? RETURNING event_seq`, len(out), incidentID).Scan(&last)
		if err != nil {
			return mapErr(err)
		}
		first := last - int64(len(out)) + 1
		for i := range out {
			ev := &out[i]
			ev.IncidentID, ev.Seq = incidentID, first+int64(i)
			at := encTime(ev.At)
			err := w.tx.QueryRowContext(ctx, `INSERT INTO events (
				incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data, packed
			) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
				incidentID, ev.Seq, at, string(ev.Kind),
				ev.Actor.Platform, ev.Actor.ID, ev.Actor.Name, ev.Text, string(ev.Source), data[i],
				packEvent(at, string(ev.Kind), ev.Actor.Platform, ev.Actor.ID, ev.Actor.Name, string(ev.Source), ev.Text, data[i]),
			).Scan(&ev.ID)
			if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append events to incident %d: %w", incidentID, err)
	}
	return out, nil
}

// ListEvents returns an incident's events with Seq > afterSeq in Seq order,
// at most limit of them (0: all).
func (q *querier) ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error) {
	lim := int64(-1)
	if limit > 0 {
		lim = int64(limit)
	}
	// The incident's id is not read back: it is the one asked for.
	scan := func(r scanner) (incident.Event, error) {
		ev, err := scanPackedEvent(r)
		ev.IncidentID = incidentID
		return ev, err
	}
	var out []incident.Event
	err := q.read(ctx, func(db dbtx) error {
		var err error
		out, err = queryRows(ctx, db, eventsCap(ctx, db, incidentID, afterSeq, limit), scan,
			packedEventsSelect+` WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
			incidentID, afterSeq, lim)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list events of incident %d: %w", incidentID, err)
	}
	return out, nil
}

// eventsCap returns an empty slice with room for a whole timeline's read
// (afterSeq 0, no limit: a page or an export of an incident not in the
// event cache): the incident's last Seq counts its events, as Seq has no
// gaps. Appending 10,000 events one by one copied the growing slice over
// and over, a tenth of a cold page's CPU with its garbage. Incremental
// reads, which find few events, skip the extra query.
func eventsCap(ctx context.Context, db dbtx, incidentID, afterSeq int64, limit int) []incident.Event {
	if afterSeq != 0 || limit != 0 {
		return nil
	}
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT event_seq FROM incidents WHERE id = ?`, incidentID).Scan(&n); err != nil {
		return nil // the events query reports what is wrong
	}
	return make([]incident.Event, 0, min(max(n, 0), storage.MaxEventsCap))
}
