package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// incidentCols selects an incident row (alias i) with its channels, in the
// order scanIncident reads them.
const incidentCols = `i.id, i.title, i.severity, i.impact, i.cause, i.state,
	i.lead_platform, i.lead_id, i.lead_name,
	i.declarer_platform, i.declarer_id, i.declarer_name,
	i.services, i.impact_started_at, i.declared_at,
	i.mitigated_at, i.diagnosed_at, i.resolved_at,
	i.cause_text, i.summary, i.windows, i.roles, i.private,
	ARRAY(SELECT c.platform FROM incident_channels c WHERE c.incident_id = i.id ORDER BY c.pos),
	ARRAY(SELECT c.channel_id FROM incident_channels c WHERE c.incident_id = i.id ORDER BY c.pos)`

func scanIncident(row pgx.Row) (*incident.Incident, error) {
	var (
		inc                          incident.Incident
		sev, impact, cause, state    string
		windows, roles               []byte
		chPlatforms, chIDs, services []string
	)
	err := row.Scan(&inc.ID, &inc.Title, &sev, &impact, &cause, &state,
		&inc.Lead.Platform, &inc.Lead.ID, &inc.Lead.Name,
		&inc.Declarer.Platform, &inc.Declarer.ID, &inc.Declarer.Name,
		&services, &inc.ImpactStartedAt, &inc.DeclaredAt,
		&inc.MitigatedAt, &inc.DiagnosedAt, &inc.ResolvedAt,
		&inc.CauseText, &inc.Summary, &windows, &roles, &inc.Private,
		&chPlatforms, &chIDs)
	if err != nil {
		return nil, err
	}
	inc.Key = incident.KeyFor(inc.ID)
	inc.Severity = incident.Severity(sev)
	inc.Impact = incident.Impact(impact)
	inc.Cause = incident.Cause(cause)
	inc.State = incident.State(state)
	inc.Services = services
	if inc.Services == nil {
		inc.Services = []string{}
	}
	inc.ImpactStartedAt = inc.ImpactStartedAt.UTC()
	inc.DeclaredAt = inc.DeclaredAt.UTC()
	inc.MitigatedAt = utcPtr(inc.MitigatedAt)
	inc.DiagnosedAt = utcPtr(inc.DiagnosedAt)
	inc.ResolvedAt = utcPtr(inc.ResolvedAt)
	if err := json.Unmarshal(windows, &inc.Windows); err != nil {
		return nil, fmt.Errorf("incident %d: windows: %w", inc.ID, err)
	}
	if inc.Roles, err = storage.DecodeRoles(roles); err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.ID, err)
	}
	for k := range inc.Windows {
		inc.Windows[k].Start = inc.Windows[k].Start.UTC()
		inc.Windows[k].End = utcPtr(inc.Windows[k].End)
	}
	for k := range chPlatforms {
		inc.Channels = append(inc.Channels, incident.ChannelRef{Platform: chPlatforms[k], ChannelID: chIDs[k]})
	}
	return &inc, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// incidentArgs are the values of every saved field of inc, $1..$22 in the
// order of incidentFields.
const incidentFields = `title, severity, impact, cause, state,
	lead_platform, lead_id, lead_name,
	declarer_platform, declarer_id, declarer_name,
	services, impact_started_at, declared_at,
	mitigated_at, diagnosed_at, resolved_at,
	cause_text, summary, windows, roles, private`

func incidentArgs(inc *incident.Incident) ([]any, error) {
	windows, err := json.Marshal(inc.Windows)
	if err != nil {
		return nil, fmt.Errorf("windows: %w", err)
	}
	services := inc.Services
	if services == nil {
		services = []string{}
	}
	roles, err := storage.EncodeRoles(inc.Roles)
	if err != nil {
		return nil, err
	}
	return []any{inc.Title, string(inc.Severity), string(inc.Impact), string(inc.Cause), string(inc.State),
		inc.Lead.Platform, inc.Lead.ID, inc.Lead.Name,
		inc.Declarer.Platform, inc.Declarer.ID, inc.Declarer.Name,
		services, inc.ImpactStartedAt, inc.DeclaredAt,
		inc.MitigatedAt, inc.DiagnosedAt, inc.ResolvedAt,
		inc.CauseText, inc.Summary, string(windows), string(roles), inc.Private}, nil
}

// CreateIncident inserts inc (and any channels it already has) and sets
// its ID and Key.
func (q querier) CreateIncident(ctx context.Context, inc *incident.Incident) error {
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	var id int64
	err = q.atomic(ctx, func(q querier) error {
		err := q.db.QueryRow(ctx, `INSERT INTO incidents (`+incidentFields+`)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
			RETURNING id`, args...).Scan(&id)
		if err != nil {
			return mapErr("create incident", err)
		}
		for _, ch := range inc.Channels {
			if err := q.AddIncidentChannel(ctx, id, ch); err != nil {
				return fmt.Errorf("create incident: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	inc.ID = id
	inc.Key = incident.KeyFor(id)
	return nil
}

// GetIncident loads an incident with its channels.
func (q querier) GetIncident(ctx context.Context, id int64) (*incident.Incident, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("incident %d", id), scanIncident,
		`SELECT `+incidentCols+` FROM incidents i WHERE i.id = $1`, id)
}

// GetIncidentForUpdate is GetIncident that locks the row (FOR UPDATE)
// until the transaction ends.
func (q querier) GetIncidentForUpdate(ctx context.Context, id int64) (*incident.Incident, error) {
	return q.loadForUpdate(ctx, fmt.Sprintf("incident %d", id), `i.id = $1`, id)
}

// loadForUpdate finds the incident where says and locks its row until the
// transaction ends. Its drill, if any, comes in the same statement: every
// command's card asks for it (the drill banner), and in a unit of work
// (pipeTx) GetDrill then answers without a round trip.
func (q querier) loadForUpdate(ctx context.Context, what, where string, args ...any) (*incident.Incident, error) {
	var d drillRow
	inc, err := queryOne(ctx, q.db, what, func(row pgx.Row) (*incident.Incident, error) {
		return scanIncident(moreColumns{Row: row, dest: d.dest()})
	}, `SELECT `+incidentCols+`, `+drillJoinCols+`
		FROM incidents i LEFT JOIN drills d ON d.incident_id = i.id
		WHERE `+where+` FOR UPDATE OF i`, args...)
	if err == nil {
		q.locked(inc)
		if p, ok := q.db.(*pipeTx); ok {
			p.sawDrill(inc.ID, d.drill())
		}
	}
	return inc, err
}

// moreColumns is a row whose Scan fills dest after the caller's
// destinations: a scanner's row with columns joined after its own.
type moreColumns struct {
	pgx.Row
	dest []any
}

func (r moreColumns) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.dest...)...) }

// GetIncidentByKey accepts "INC-7" or "7"; a key that is no key is not found.
func (q querier) GetIncidentByKey(ctx context.Context, key string) (*incident.Incident, error) {
	id, err := incident.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	return q.GetIncident(ctx, id)
}

// GetIncidentByChannel finds the incident that holds a chat channel (its
// binding is not released).
func (q querier) GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return queryOne(ctx, q.db, "incident in channel "+ch.String(), scanIncident, `SELECT `+incidentCols+`
		FROM incidents i JOIN incident_channels b ON b.incident_id = i.id
		WHERE b.platform = $1 AND b.channel_id = $2 AND b.released_at IS NULL`, ch.Platform, ch.ChannelID)
}

// GetIncidentByChannelForUpdate is GetIncidentByChannel that locks the
// incident's row (FOR UPDATE) until the transaction ends, in one round
// trip: the binding is looked up in the same statement.
func (q querier) GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return q.loadForUpdate(ctx, "incident in channel "+ch.String(), `i.id = (SELECT b.incident_id FROM incident_channels b
			WHERE b.platform = $1 AND b.channel_id = $2 AND b.released_at IS NULL)`, ch.Platform, ch.ChannelID)
}

// UpdateIncident saves every field of inc except ID, Key and Channels.
//
// When the transaction holds the incident locked (GetIncidentForUpdate),
// the row exists and nobody else can have changed it: an update that
// changes no field (a note: only its events are new) is not sent at all,
// and any other is sent with the next statement or the commit (see
// pipeTx), a round trip fewer for a command. Otherwise it runs now, and a
// missing incident is ErrNotFound at once, leaving the transaction usable.
func (q querier) UpdateIncident(ctx context.Context, inc *incident.Incident) error {
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("update incident %d: %w", inc.ID, err)
	}
	what := fmt.Sprintf("update incident %d", inc.ID)
	const sql = `UPDATE incidents SET (` + incidentFields + `) =
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
		WHERE id = $23`
	p, ok := q.db.(*pipeTx)
	saved, held := []any(nil), false
	if ok {
		saved, held = p.holds(inc.ID)
	}
	if !held {
		return execOne(ctx, q.db, what, sql, append(args, inc.ID)...)
	}
	if saved != nil && sameArgs(saved, args) {
		return nil
	}
	p.lock(inc.ID, args)
	p.later(what, sql, append(slices.Clip(args), inc.ID), func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() == 0 { // cannot happen to a locked row; say so if it does
			return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
		}
		return nil
	})
	return nil
}

// sameArgs says whether two incidentArgs hold the same values; a type it
// does not know compares unequal, so that the update is sent.
func sameArgs(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		same := false
		switch x := a[i].(type) {
		case string:
			y, ok := b[i].(string)
			same = ok && x == y
		case bool:
			y, ok := b[i].(bool)
			same = ok && x == y
		case []string:
			y, ok := b[i].([]string)
			same = ok && slices.Equal(x, y)
		case time.Time:
			y, ok := b[i].(time.Time)
			same = ok && x.Equal(y)
		case *time.Time:
			y, ok := b[i].(*time.Time)
			same = ok && (x == nil) == (y == nil) && (x == nil || x.Equal(*y))
		}
		if !same {
			return false
		}
	}
	return true
}

// incidentWhere builds the WHERE clause of f, with its arguments.
func incidentWhere(f storage.IncidentFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.State != "" {
		add("i.state = $?", string(f.State))
	}
	if f.Severity != "" {
		add("i.severity = $?", string(f.Severity))
	}
	if f.HidePrivate {
		conds = append(conds, "NOT i.private")
	}
	if f.Service != "" {
		add("EXISTS (SELECT 1 FROM unnest(i.services) AS s(name) WHERE lower(s.name) = lower($?))", f.Service)
	}
	if !f.DeclaredFrom.IsZero() {
		add("i.declared_at >= $?", f.DeclaredFrom)
	}
	if !f.DeclaredTo.IsZero() {
		add("i.declared_at < $?", f.DeclaredTo)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListIncidents returns incidents matching f, newest (by declaration)
// first.
func (q querier) ListIncidents(ctx context.Context, f storage.IncidentFilter) ([]*incident.Incident, error) {
	where, args := incidentWhere(f)
	sql := `SELECT ` + incidentCols + ` FROM incidents i` + where + ` ORDER BY i.declared_at DESC, i.id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	if f.Offset > 0 {
		args = append(args, f.Offset)
		sql += " OFFSET $" + strconv.Itoa(len(args))
	}
	return queryRows(ctx, q.db, "list incidents", []*incident.Incident{}, scanIncident, sql, args...)
}

// CountIncidents counts incidents matching f, ignoring its paging.
func (q querier) CountIncidents(ctx context.Context, f storage.IncidentFilter) (int, error) {
	where, args := incidentWhere(f)
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM incidents i`+where, args...).Scan(&n); err != nil {
		return 0, mapErr("count incidents", err)
	}
	return n, nil
}
