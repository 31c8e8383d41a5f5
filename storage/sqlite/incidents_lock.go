package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// GetIncidentByChannelForUpdate is GetIncidentByChannel: SQLite has one
// writer, so the write transaction that reads it already excludes every
// other. In a unit of work the incident's drill comes with it (loadLocked).
func (q *querier) GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	if q.tx == nil {
		return q.GetIncidentByChannel(ctx, ch)
	}
	inc, err := q.loadLocked(ctx, `i.id = (SELECT incident_id FROM incident_channels
			WHERE platform = ? AND channel_id = ? AND released_at IS NULL)`, ch.Platform, ch.ChannelID)
	if err != nil {
		return nil, fmt.Errorf("get incident of channel %s: %w", ch, err)
	}
	return inc, nil
}

// GetIncidentForUpdate is GetIncident. Inside InTx the writer's BEGIN
// IMMEDIATE already keeps every other writer out until the transaction
// ends; there the incident's drill comes with it (loadLocked).
func (q *querier) GetIncidentForUpdate(ctx context.Context, id int64) (*incident.Incident, error) {
	if q.tx == nil {
		return q.GetIncident(ctx, id)
	}
	inc, err := q.loadLocked(ctx, `i.id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, err)
	}
	return inc, nil
}

// loadLocked loads the incident where says in the unit of work's
// transaction, with its channels and its drill, if any, in the same
// statement: every command's card asks for the drill (its banner), and
// GetDrill then answers from what was read. Nothing else writes while the
// writer's transaction is open; the unit's own drill writes forget it.
func (q *querier) loadLocked(ctx context.Context, where string, args ...any) (*incident.Incident, error) {
	var (
		d        drillRow
		channels []incident.ChannelRef
	)
	row := q.tx.QueryRowContext(ctx, `SELECT `+incidentColumns+`, `+drillJoinCols+`, `+channelsJSON+`
		FROM incidents i LEFT JOIN drills d ON d.incident_id = i.id WHERE `+where, args...)
	inc, err := scanIncident(moreColumns{Row: row, dest: append(d.dest(), textCol(&channels, decChannels))})
	if err != nil {
		return nil, err
	}
	inc.Channels = channels
	q.sawDrill(inc.ID, d.drill())
	return inc, nil
}

// channelsJSON is the channels of incident i, in the order they were bound,
// as a JSON array of [platform, channel] pairs: in the incident's own
// statement, rather than a second one (loadChannels).
const channelsJSON = `(SELECT json_group_array(json_array(c.platform, c.channel_id) ORDER BY c.rowid)
		FROM incident_channels c WHERE c.incident_id = i.id)`

// decChannels decodes channelsJSON.
func decChannels(s string) ([]incident.ChannelRef, error) {
	var pairs [][2]string
	if err := json.Unmarshal([]byte(s), &pairs); err != nil {
		return nil, fmt.Errorf("decode stored channels: %w", err)
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make([]incident.ChannelRef, len(pairs))
	for k, p := range pairs {
		out[k] = incident.ChannelRef{Platform: p[0], ChannelID: p[1]}
	}
	return out, nil
}

// moreColumns is a row whose Scan fills dest after the caller's
// destinations: a scanner's row with columns joined after its own.
type moreColumns struct {
	Row  scanner
	dest []any
}

func (r moreColumns) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.dest...)...) }

// drillJoinCols are drillCols of a drill LEFT JOINed as d (drillRow).
const drillJoinCols = `d.incident_id, d.service, d.scenario, d.started_at, d.graded_at, d.grade`

// drillRow receives drillJoinCols, NULL when there is no drill.
type drillRow struct {
	incidentID        sql.NullInt64
	service, scenario sql.NullString
	startedAt, graded *time.Time
	grade             sql.NullString
}

func (r *drillRow) dest() []any {
	return []any{&r.incidentID, &r.service, &r.scenario, timePtrCol(&r.startedAt), timePtrCol(&r.graded), &r.grade}
}

// drill is the drill read, nil when there is none.
func (r *drillRow) drill() *storage.Drill {
	if !r.incidentID.Valid {
		return nil
	}
	d := storage.Drill{IncidentID: r.incidentID.Int64, Service: r.service.String, Scenario: r.scenario.String, GradedAt: r.graded}
	if r.startedAt != nil {
		d.StartedAt = *r.startedAt
	}
	if r.grade.Valid {
		d.Grade = []byte(r.grade.String)
	}
	return &d
}

// sawDrill records the drill (nil: none) of incident id for the rest of
// the unit of work.
func (q *querier) sawDrill(id int64, d *storage.Drill) {
	if q.drills == nil {
		q.drills = map[int64]*storage.Drill{}
	}
	q.drills[id] = d
}

// forgetDrill drops what the unit of work read of an incident's drill,
// before a write to it.
func (q *querier) forgetDrill(id int64) { delete(q.drills, id) }
