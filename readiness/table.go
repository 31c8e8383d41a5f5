package readiness

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes r as the table of `tourniquet readiness`: one line per
// service, then what is wrong, action by action.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSCORE\tSAFE MOVES\tMISSING\tPEOPLE\tPREFLIGHT\tLAST RUN\tLAST DRILL")
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
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d/%d\t%d/%d\t%s\t%s\n", s.Service, s.Score, list(s.SafeMoves), list(s.Missing),
			people, len(s.Actions), pre, len(s.Actions), ago(s.LastRun, r.GeneratedAt), ago(s.LastDrill, r.GeneratedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
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
	if len(problems) > 0 {
		fmt.Fprintln(w)
		for _, p := range problems {
			fmt.Fprintln(w, "  - "+oneLine(p))
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

// ago is how long before now t was, in days ("never" for nil).
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
