package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// appendEventsSQL numbers and inserts a batch of events in one statement
// (one round trip whatever the batch): the sequence numbers come from the
// incident row (UPDATE … RETURNING event_seq), whose lock serializes
// concurrent appends until commit, so they have no gaps. An incident that
// does not exist updates no row and so inserts none. The IDs follow the
// order given (ORDER BY the ordinality).
const appendEventsSQL = `WITH last AS (
	UPDATE incidents SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq)
INSERT INTO events (incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data)
SELECT $1, last.event_seq - $2 + t.ord, t.at, t.kind, t.actor_platform, t.actor_id, t.actor_name, t.text, t.source, t.data::jsonb
FROM last, unnest($3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
	WITH ORDINALITY AS t(at, kind, actor_platform, actor_id, actor_name, text, source, data, ord)
ORDER BY t.ord
RETURNING id, seq`

// AppendEvents appends evs to the incident's timeline (see
// appendEventsSQL) and returns them with their IDs and sequence numbers.
func (q querier) AppendEvents(ctx context.Context, incidentID int64, evs ...incident.Event) ([]incident.Event, error) {
	what := fmt.Sprintf("append events to incident %d", incidentID)
	out := make([]incident.Event, len(evs))
	copy(out, evs)
	if len(evs) == 0 {
		return out, nil
	}
	n := len(evs)
	var (
		ats                                          = make([]time.Time, n)
		kinds, platforms, ids, names, texts, sources = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		data                                         = make([]string, n)
	)
	for k, ev := range evs {
		d := ev.Data
		if d == nil {
			d = map[string]any{}
		}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("%s: event %d data: %w", what, k, err)
		}
		ats[k], kinds[k], data[k] = ev.At, string(ev.Kind), string(b)
		platforms[k], ids[k], names[k] = ev.Actor.Platform, ev.Actor.ID, ev.Actor.Name
		texts[k], sources[k] = ev.Text, string(ev.Source)
	}
	rows, err := q.db.Query(ctx, appendEventsSQL, incidentID, n, ats, kinds, platforms, ids, names, texts, sources, data)
	if err != nil {
		return nil, mapErr(what, err)
	}
	type saved struct{ id, seq int64 }
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (saved, error) {
		var r saved
		err := row.Scan(&r.id, &r.seq)
		return r, err
	})
	if err != nil {
		return nil, mapErr(what, err)
	}
	if len(got) != n { // no incident row to number them
		return nil, fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	// RETURNING need not follow the insertion order; the numbers do.
	slices.SortFunc(got, func(a, b saved) int { return cmp.Compare(a.seq, b.seq) })
	for k := range out {
		out[k].IncidentID = incidentID
		out[k].ID, out[k].Seq = got[k].id, got[k].seq
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
	return queryRows(ctx, q.db, what, q.eventsCap(ctx, incidentID, afterSeq, limit), scan,
		`SELECT id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data
		FROM events WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, incidentID, afterSeq, lim)
}

// eventsCap returns an empty slice with room for a whole timeline's read
// (afterSeq 0, no limit: a page or an export of an incident not in the
// event cache): the incident's last Seq counts its events, as Seq has no
// gaps. Appending 10,000 events one by one copied the growing slice over
// and over, a tenth of a cold page's CPU with its garbage. Incremental
// reads, which find few events, skip the extra query.
func (q querier) eventsCap(ctx context.Context, incidentID, afterSeq int64, limit int) []incident.Event {
	if afterSeq != 0 || limit != 0 {
		return []incident.Event{}
	}
	var n int64
	if err := q.db.QueryRow(ctx, `SELECT event_seq FROM incidents WHERE id = $1`, incidentID).Scan(&n); err != nil {
		return []incident.Event{} // the events query reports what is wrong
	}
	return make([]incident.Event, 0, min(max(n, 0), storage.MaxEventsCap))
}

var _ storage.EventStore = querier{}
