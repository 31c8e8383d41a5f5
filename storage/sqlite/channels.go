package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// bindKind says whether an incident owns the channel it binds (it was
// opened for it) or borrows it (declare here) until it is released.
type bindKind int

const (
	bindOwned bindKind = iota
	bindBorrowed
)

// BorrowIncidentChannel binds ch, a channel that was there before the
// incident; ReleaseIncidentChannels gives it back.
func (q *querier) BorrowIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error {
	return q.bind(ctx, incidentID, ch, bindBorrowed)
}

func (q *querier) bind(ctx context.Context, incidentID int64, ch incident.ChannelRef, kind bindKind) error {
	err := q.write(ctx, func(w *querier) error { return w.bindChannel(ctx, incidentID, ch, kind) })
	if err != nil {
		return fmt.Errorf("bind channel %s to incident %d: %w", ch, incidentID, err)
	}
	return nil
}

// bindChannel binds ch in q's write transaction: a no-op when the
// incident has it already (held or released), ErrConflict when another
// incident holds it. There is one writer, so looking first cannot race.
func (q *querier) bindChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef, kind bindKind) error {
	if ch.Platform == "" || ch.ChannelID == "" {
		return fmt.Errorf("incomplete channel reference %q", ch.String())
	}
	var holder int64
	err := q.tx.QueryRowContext(ctx, `SELECT incident_id FROM incident_channels
		WHERE platform = ? AND channel_id = ? AND (incident_id = ? OR released_at IS NULL)
		ORDER BY incident_id = ? DESC LIMIT 1`, ch.Platform, ch.ChannelID, incidentID, incidentID).Scan(&holder)
	switch {
	case err == nil && holder == incidentID:
		return nil
	case err == nil:
		return fmt.Errorf("channel is held by %s: %w", incident.KeyFor(holder), storage.ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return mapErr(err)
	}
	_, err = q.tx.ExecContext(ctx, `INSERT INTO incident_channels (incident_id, platform, channel_id, borrowed)
		VALUES (?, ?, ?, ?)`, incidentID, ch.Platform, ch.ChannelID, kind == bindBorrowed)
	if isForeignKey(err) {
		return fmt.Errorf("no incident %d: %w", incidentID, storage.ErrNotFound)
	}
	return mapErr(err)
}

// ReleaseIncidentChannels gives back the channels the incident borrowed
// and still holds, in binding order.
func (q *querier) ReleaseIncidentChannels(ctx context.Context, incidentID int64, at time.Time) ([]incident.ChannelRef, error) {
	out := []incident.ChannelRef{}
	err := q.write(ctx, func(w *querier) error {
		rows, err := w.tx.QueryContext(ctx, `UPDATE incident_channels SET released_at = ?
			WHERE incident_id = ? AND borrowed = 1 AND released_at IS NULL
			RETURNING platform, channel_id, rowid`, encTime(at), incidentID)
		if err != nil {
			return mapErr(err)
		}
		defer rows.Close()
		type bound struct {
			ch    incident.ChannelRef
			rowid int64
		}
		var got []bound
		for rows.Next() {
			var b bound
			if err := rows.Scan(&b.ch.Platform, &b.ch.ChannelID, &b.rowid); err != nil {
				return mapErr(err)
			}
			got = append(got, b)
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		// RETURNING gives no order; binding order is rowid order.
		slices.SortFunc(got, func(a, b bound) int { return cmp.Compare(a.rowid, b.rowid) })
		for _, b := range got {
			out = append(out, b.ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("release the channels of incident %d: %w", incidentID, err)
	}
	return out, nil
}

// LastIncidentOfChannel finds the incident that released ch last.
func (q *querier) LastIncidentOfChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	var inc *incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		inc, err = loadIncident(ctx, db, `SELECT `+incidentColumns+` FROM incidents
			WHERE id = (SELECT incident_id FROM incident_channels
				WHERE platform = ? AND channel_id = ? AND released_at IS NOT NULL
				ORDER BY released_at DESC, rowid DESC LIMIT 1)`, ch.Platform, ch.ChannelID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("last incident of channel %s: %w", ch, err)
	}
	return inc, nil
}

// AddIncidentChannel binds ch, a channel the incident owns: a no-op if the
// incident has it already, ErrConflict if another incident holds it,
// ErrNotFound if the incident does not exist.
func (q *querier) AddIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error {
	return q.bind(ctx, incidentID, ch, bindOwned)
}
