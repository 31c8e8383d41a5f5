package sqlite

import (
	"strings"
	"testing"
)

// The sweepers' claims run every time something falls due, over every open
// incident's schedule: each must walk its due index in order and stop at
// the limit, whatever the number of open incidents, never read all of
// them and sort (SQLite has no statistics on a fresh file to guess from).
func TestDueClaimsWalkTheDueIndex(t *testing.T) {
	s := openTest(t)
	if err := s.Migrate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, sql, index string
		args             []any
	}{
		{"ClaimDueCheckins", claimDueCheckinsSQL, "checkins_due_idx", []any{"2026-01-01", 50}},
		{"NextCheckinDue", nextCheckinDueSQL, "checkins_due_idx", nil},
		{"NextProbeDue", nextProbeDueSQL, "probe_states_due_idx", nil},
		{"ClaimDueProbes", claimDueProbesSQL, "probe_states_due_idx", []any{"2026-01-01", "2026-01-01", "2026-01-01", 50}},
	} {
		rows, err := s.readers.QueryContext(testCtx(t), "EXPLAIN QUERY PLAN "+c.sql, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		_ = rows.Close()
		got := strings.Join(plan, "\n")
		ok := strings.Contains(got, "USING INDEX "+c.index) && !strings.Contains(got, "TEMP B-TREE")
		for _, step := range plan {
			// An incident is looked up by its key, never listed by state.
			if (strings.HasPrefix(step, "SEARCH i ") || strings.Contains(step, "incidents")) && !strings.Contains(step, "id=?") {
				ok = false
			}
		}
		if !ok {
			t.Errorf("%s: want a walk of %s in order, looking incidents up by key; the plan is:\n%s", c.name, c.index, got)
		}
	}
}
