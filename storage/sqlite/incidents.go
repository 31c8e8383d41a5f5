package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

const incidentColumns = `id, title, severity, impact, cause, state,
	lead_platform, lead_id, lead_name, declarer_platform, declarer_id, declarer_name,
	services, impact_started_at, declared_at, mitigated_at, diagnosed_at, resolved_at,
	cause_text, summary, windows, roles, private`

func scanIncident(r scanner) (*incident.Incident, error) {
	var inc incident.Incident
	err := r.Scan(&inc.ID, &inc.Title, &inc.Severity, &inc.Impact, &inc.Cause, &inc.State,
		&inc.Lead.Platform, &inc.Lead.ID, &inc.Lead.Name,
		&inc.Declarer.Platform, &inc.Declarer.ID, &inc.Declarer.Name,
		textCol(&inc.Services, decServices), timeCol(&inc.ImpactStartedAt), timeCol(&inc.DeclaredAt),
		timePtrCol(&inc.MitigatedAt), timePtrCol(&inc.DiagnosedAt), timePtrCol(&inc.ResolvedAt),
		&inc.CauseText, &inc.Summary, textCol(&inc.Windows, decWindows), textCol(&inc.Roles, decRoles), &inc.Private)
	if err != nil {
		return nil, mapErr(err)
	}
	inc.Key = incident.KeyFor(inc.ID)
	return &inc, nil
}

// incidentArgs are the values of every column but id, in incidentColumns
// order.
func incidentArgs(inc *incident.Incident) ([]any, error) {
	services, err := encServices(inc.Services)
	if err != nil {
		return nil, err
	}
	windows, err := encWindows(inc.Windows)
	if err != nil {
		return nil, err
	}
	roles, err := storage.EncodeRoles(inc.Roles)
	if err != nil {
		return nil, err
	}
	return []any{
		inc.Title, string(inc.Severity), string(inc.Impact), string(inc.Cause), string(inc.State),
		inc.Lead.Platform, inc.Lead.ID, inc.Lead.Name,
		inc.Declarer.Platform, inc.Declarer.ID, inc.Declarer.Name,
		services, encTime(inc.ImpactStartedAt), encTime(inc.DeclaredAt),
		encTimePtr(inc.MitigatedAt), encTimePtr(inc.DiagnosedAt), encTimePtr(inc.ResolvedAt),
		inc.CauseText, inc.Summary, windows, string(roles), inc.Private,
	}, nil
}

// CreateIncident inserts inc, and binds the channels it lists, and sets its
// ID and Key.
func (q *querier) CreateIncident(ctx context.Context, inc *incident.Incident) error {
	if inc == nil {
		return errors.New("create incident: nil incident")
	}
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	var id int64
	err = q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO incidents (
			title, severity, impact, cause, state,
			lead_platform, lead_id, lead_name, declarer_platform, declarer_id, declarer_name,
			services, impact_started_at, declared_at, mitigated_at, diagnosed_at, resolved_at,
			cause_text, summary, windows, roles, private
		) VALUES (?,?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?) RETURNING id`, args...).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		for _, ch := range inc.Channels {
			if err := w.bindChannel(ctx, id, ch, bindOwned); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	inc.ID, inc.Key = id, incident.KeyFor(id)
	return nil
}

// GetIncident loads an incident with its channels; ErrNotFound if none.
func (q *querier) GetIncident(ctx context.Context, id int64) (*incident.Incident, error) {
	var inc *incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		inc, err = loadIncident(ctx, db, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, err)
	}
	return inc, nil
}

// GetIncidentByKey accepts "INC-7" or "7"; a malformed key is ErrNotFound.
func (q *querier) GetIncidentByKey(ctx context.Context, key string) (*incident.Incident, error) {
	id, err := incident.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("get incident: %w: %w", err, storage.ErrNotFound)
	}
	return q.GetIncident(ctx, id)
}

// GetIncidentByChannel finds the incident that holds ch (its binding is
// not released); ErrNotFound if none.
func (q *querier) GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	var inc *incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		inc, err = loadIncident(ctx, db, `SELECT `+incidentColumns+` FROM incidents
			WHERE id = (SELECT incident_id FROM incident_channels
				WHERE platform = ? AND channel_id = ? AND released_at IS NULL)`,
			ch.Platform, ch.ChannelID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get incident of channel %s: %w", ch, err)
	}
	return inc, nil
}

// loadIncident runs a one-row incident query and loads the channels.
func loadIncident(ctx context.Context, db dbtx, query string, args ...any) (*incident.Incident, error) {
	inc, err := scanIncident(db.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, err
	}
	if err := loadChannels(ctx, db, []*incident.Incident{inc}); err != nil {
		return nil, err
	}
	return inc, nil
}

// loadChannels fills in the channels of incs, in the order they were bound.
func loadChannels(ctx context.Context, db dbtx, incs []*incident.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	byID := make(map[int64]*incident.Incident, len(incs))
	args := make([]any, 0, len(incs))
	for _, inc := range incs {
		byID[inc.ID] = inc
		args = append(args, inc.ID)
	}
	rows, err := db.QueryContext(ctx, `SELECT incident_id, platform, channel_id FROM incident_channels
		WHERE incident_id IN (`+placeholders(len(args))+`) ORDER BY rowid`, args...)
	if err != nil {
		return fmt.Errorf("load channels: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			ch incident.ChannelRef
		)
		if err := rows.Scan(&id, &ch.Platform, &ch.ChannelID); err != nil {
			return fmt.Errorf("load channels: %w", mapErr(err))
		}
		if inc := byID[id]; inc != nil {
			inc.Channels = append(inc.Channels, ch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load channels: %w", mapErr(err))
	}
	return nil
}

// UpdateIncident saves every field of inc except ID, Key and Channels;
// ErrNotFound if there is no such incident.
func (q *querier) UpdateIncident(ctx context.Context, inc *incident.Incident) error {
	if inc == nil {
		return errors.New("update incident: nil incident")
	}
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("update incident %d: %w", inc.ID, err)
	}
	args = append(args, inc.ID)
	return q.updateOne(ctx, fmt.Sprintf("update incident %d", inc.ID), `UPDATE incidents SET
		title = ?, severity = ?, impact = ?, cause = ?, state = ?,
		lead_platform = ?, lead_id = ?, lead_name = ?,
		declarer_platform = ?, declarer_id = ?, declarer_name = ?,
		services = ?, impact_started_at = ?, declared_at = ?,
		mitigated_at = ?, diagnosed_at = ?, resolved_at = ?,
		cause_text = ?, summary = ?, windows = ?, roles = ?, private = ?
		WHERE id = ?`, args...)
}

// incidentWhere renders the filter of f as a WHERE clause (or "").
func incidentWhere(f storage.IncidentFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if f.State != "" {
		conds = append(conds, "state = ?")
		args = append(args, string(f.State))
	}
	if f.Severity != "" {
		conds = append(conds, "severity = ?")
		args = append(args, string(f.Severity))
	}
	if f.HidePrivate {
		conds = append(conds, "private = 0")
	}
	if f.Service != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM json_each(incidents.services) AS s WHERE s.value = ?)")
		args = append(args, f.Service)
	}
	if !f.DeclaredFrom.IsZero() {
		conds = append(conds, "declared_at >= ?")
		args = append(args, encTime(f.DeclaredFrom))
	}
	if !f.DeclaredTo.IsZero() {
		conds = append(conds, "declared_at < ?")
		args = append(args, encTime(f.DeclaredTo))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListIncidents returns incidents matching f with their channels, most
// recently declared first.
func (q *querier) ListIncidents(ctx context.Context, f storage.IncidentFilter) ([]*incident.Incident, error) {
	where, args := incidentWhere(f)
	query := `SELECT ` + incidentColumns + ` FROM incidents` + where + ` ORDER BY declared_at DESC, id DESC`
	if f.Limit > 0 || f.Offset > 0 {
		limit := int64(-1)
		if f.Limit > 0 {
			limit = int64(f.Limit)
		}
		query += ` LIMIT ? OFFSET ?`
		args = append(args, limit, max(f.Offset, 0))
	}
	var out []*incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		if out, err = queryRows(ctx, db, nil, scanIncident, query, args...); err != nil {
			return err
		}
		return loadChannels(ctx, db, out)
	})
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return out, nil
}

// CountIncidents counts incidents matching f, ignoring its paging.
func (q *querier) CountIncidents(ctx context.Context, f storage.IncidentFilter) (int, error) {
	where, args := incidentWhere(f)
	var n int
	err := q.read(ctx, func(db dbtx) error {
		return mapErr(db.QueryRowContext(ctx, `SELECT count(*) FROM incidents`+where, args...).Scan(&n))
	})
	if err != nil {
		return 0, fmt.Errorf("count incidents: %w", err)
	}
	return n, nil
}
