package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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

// BorrowIncidentChannel binds a channel that was there before the
// incident; ReleaseIncidentChannels gives it back.
func (q querier) BorrowIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error {
	return q.bindChannel(ctx, incidentID, ch, bindBorrowed)
}

// bindChannel binds ch to an incident: a no-op when the incident has it
// already (held or released), ErrConflict when another incident holds it,
// ErrNotFound when the incident does not exist. Neither error aborts the
// surrounding transaction: the insert is guarded so that no constraint
// fires (the EXISTS for the foreign key, the NOT EXISTS for the primary
// key) and a claim taken meanwhile is skipped by ON CONFLICT on the
// unique index of held channels.
func (q querier) bindChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef, kind bindKind) error {
	what := fmt.Sprintf("bind channel %s to incident %d", ch, incidentID)
	var got int64
	err := q.db.QueryRow(ctx, `INSERT INTO incident_channels (incident_id, platform, channel_id, borrowed)
		SELECT $1, $2, $3, $4
		WHERE EXISTS (SELECT 1 FROM incidents WHERE id = $1)
		  AND NOT EXISTS (SELECT 1 FROM incident_channels
		                  WHERE incident_id = $1 AND platform = $2 AND channel_id = $3)
		ON CONFLICT (platform, channel_id) WHERE released_at IS NULL DO NOTHING
		RETURNING incident_id`, incidentID, ch.Platform, ch.ChannelID, kind == bindBorrowed).Scan(&got)
	if err == nil {
		return nil
	}
	if !isNoRows(err) {
		return mapErr(what, err)
	}
	var exists, mine bool
	err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM incidents WHERE id = $1),
		EXISTS (SELECT 1 FROM incident_channels WHERE incident_id = $1 AND platform = $2 AND channel_id = $3)`,
		incidentID, ch.Platform, ch.ChannelID).Scan(&exists, &mine)
	switch {
	case err != nil:
		return mapErr(what, err)
	case !exists:
		return fmt.Errorf("%s: incident %w", what, storage.ErrNotFound)
	case mine:
		return nil
	}
	return fmt.Errorf("%s: channel held by another incident: %w", what, storage.ErrConflict)
}

// ReleaseIncidentChannels gives back the channels the incident borrowed
// and still holds, in binding order.
func (q querier) ReleaseIncidentChannels(ctx context.Context, incidentID int64, at time.Time) ([]incident.ChannelRef, error) {
	out, err := queryRows(ctx, q.db, fmt.Sprintf("release the channels of incident %d", incidentID), []incident.ChannelRef{},
		func(row pgx.Row) (incident.ChannelRef, error) {
			var ch incident.ChannelRef
			err := row.Scan(&ch.Platform, &ch.ChannelID)
			return ch, err
		}, `WITH r AS (
			UPDATE incident_channels SET released_at = $2
			WHERE incident_id = $1 AND borrowed AND released_at IS NULL
			RETURNING platform, channel_id, pos)
		SELECT platform, channel_id FROM r ORDER BY pos`, incidentID, at)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastIncidentOfChannel finds the incident that released ch last.
func (q querier) LastIncidentOfChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return queryOne(ctx, q.db, "last incident of channel "+ch.String(), scanIncident, `SELECT `+incidentCols+`
		FROM incidents i JOIN incident_channels b ON b.incident_id = i.id
		WHERE b.platform = $1 AND b.channel_id = $2 AND b.released_at IS NOT NULL
		ORDER BY b.released_at DESC, b.pos DESC LIMIT 1`, ch.Platform, ch.ChannelID)
}

// AddIncidentChannel binds a chat channel the incident owns: ErrConflict
// when another incident holds it, ErrNotFound when the incident does not
// exist. Neither error aborts the surrounding transaction.
func (q querier) AddIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error {
	return q.bindChannel(ctx, incidentID, ch, bindOwned)
}
