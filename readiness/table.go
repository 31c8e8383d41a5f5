package readiness

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Line is one service's line of the table and the page, in words.
type Line struct {
	Service            string
	Score              int
	SafeMoves, Missing string
	People, Preflight  string
	LastRun, LastDrill string
}

// Lines are r's services in words: "-" for none, "2/3" for the share of
// actions whose people resolve and whose preflight passed, "3d ago" or
// "never".
func (r Report) Lines() []Line {
	var out []Line
	for _, s := range r.Services {
		people, pre := 0, 0
		for _, a := range s.Actions {
			if a.People.OK {
				people++
			}
			if a.Preflight == PreflightPassed || a.Preflight == PreflightNone {
				pre++
			}
		}
		out = append(out, Line{Service: s.Service, Score: s.Score, SafeMoves: list(s.SafeMoves), Missing: list(s.Missing),
			People: fmt.Sprintf("%d/%d", people, len(s.Actions)), Preflight: fmt.Sprintf("%d/%d", pre, len(s.Actions)),
			LastRun: ago(s.LastRun, r.GeneratedAt), LastDrill: ago(s.LastDrill, r.GeneratedAt)})
	}
	return out
}

// Problems are what is wrong, action by action, once each.
func (r Report) Problems() []string {
	var problems []string
	seen := map[string]bool{}
	for _, s := range r.Services {
		for _, a := range s.Actions {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			if !a.People.OK || a.People.Detail != "" {
				problems = append(problems, fmt.Sprintf("%s: people: %s", a.ID, a.People.Detail))
			}
			switch a.Preflight {
			case PreflightFailed:
				problems = append(problems, fmt.Sprintf("%s: preflight of %s failed: %s", a.ID, a.Integration, a.Detail))
			case PreflightNever:
				problems = append(problems, fmt.Sprintf("%s: preflight of %s never ran", a.ID, a.Integration))
			case PreflightUncheckable:
				problems = append(problems, fmt.Sprintf("%s: %s has no read-only check configured", a.ID, a.Integration))
			}
			if !a.Drill {
				problems = append(problems, fmt.Sprintf("%s: no drill params: it cannot run in a drill", a.ID))
			}
		}
	}
	for i, p := range problems {
		problems[i] = oneLine(p)
	}
	return problems
}

// WriteTable writes r as the table of `tourniquet readiness`: one line per
// service, then what is wrong, action by action.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSCORE\tSAFE MOVES\tMISSING\tPEOPLE\tPREFLIGHT\tLAST RUN\tLAST DRILL")
	for _, l := range r.Lines() {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Service, l.Score, l.SafeMoves, l.Missing, l.People, l.Preflight, l.LastRun, l.LastDrill)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if ps := r.Problems(); len(ps) > 0 {
		fmt.Fprintln(w)
		for _, p := range ps {
			fmt.Fprintln(w, "  - "+p)
		}
	}
	return nil
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ",")
}

// ago is how long before now t was ("never" for nil).
func ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < time.Hour:
		return "just now"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// oneLine keeps what an upstream said on one line of the table.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
