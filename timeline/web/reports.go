package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

type reportForm struct{ From, To, Service string }

// maxReportMonths bounds the range of a report.
const maxReportMonths = 60

// parseReportForm reads the report's range: from and to are months
// (YYYY-MM), both included; the default is the last 12 months.
func parseReportForm(get func(string) string, now time.Time) (reportForm, time.Time, time.Time, error) {
	f := reportForm{From: strings.TrimSpace(get("from")), To: strings.TrimSpace(get("to")),
		Service: strings.ToLower(strings.TrimSpace(get("service")))}
	cur := timeline.MonthStart(now)
	to := cur.AddDate(0, 1, 0)
	if f.To != "" {
		t, err := time.Parse("2006-01", f.To)
		if err != nil {
			return f, time.Time{}, time.Time{}, fmt.Errorf("to %q is not a month (YYYY-MM)", f.To)
		}
		to = t.AddDate(0, 1, 0)
	}
	from := to.AddDate(0, -12, 0)
	if f.From != "" {
		t, err := time.Parse("2006-01", f.From)
		if err != nil {
			return f, time.Time{}, time.Time{}, fmt.Errorf("from %q is not a month (YYYY-MM)", f.From)
		}
		from = t
	}
	if !from.Before(to) {
		return f, from, to, fmt.Errorf("from (%s) must not be after to (%s)", from.Format("2006-01"), to.AddDate(0, -1, 0).Format("2006-01"))
	}
	if from.AddDate(0, maxReportMonths, 0).Before(to) {
		return f, from, to, fmt.Errorf("a report covers at most %d months", maxReportMonths)
	}
	if f.Service != "" && !serviceRe.MatchString(f.Service) {
		return f, from, to, fmt.Errorf("service %q is not a service name (letters, digits, - _ . :)", f.Service)
	}
	f.From, f.To = from.Format("2006-01"), to.AddDate(0, -1, 0).Format("2006-01")
	return f, from, to, nil
}

// reportFmt formats numbers in the report templates.
type reportFmt struct{}

// Median formats an optional duration.
func (reportFmt) Median(v *int64) string {
	if v == nil {
		return "–"
	}
	return timeline.FormatSeconds(*v)
}

// Share formats the share of incidents mitigated first.
func (reportFmt) Share(s timeline.Stats) string {
	if p := s.MitigatedFirstShare(); p != nil {
		return fmt.Sprintf("%.0f%%", *p*100)
	}
	return "–"
}

// Impact formats the total customer impact.
func (reportFmt) Impact(s timeline.Stats) string { return timeline.FormatSeconds(s.CustomerImpact) }

type reportRow struct {
	Label string
	S     timeline.Stats
}

type reportTable struct {
	ID, Title, First string
	Rows             []reportRow
}

type reportsView struct {
	page
	F           reportForm
	Err         string
	R           timeline.Report
	RangeText   string
	Fmt         reportFmt
	MonthClocks template.HTML
	MonthImpact template.HTML
	SevClocks   template.HTML
	SevImpact   template.HTML
	Tables      []reportTable
	// PrivateHidden says that private incidents are left out (the page
	// was opened with a signed link).
	PrivateHidden bool
	// Verification is the claimed-versus-verified mitigation gap
	// (reportverify.go); VerificationCapped says it read only the newest.
	Verification       timeline.Verification
	VerificationCapped bool
}

func (w *Site) reportsPage(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	g, status := w.o.Access.page(r, "reports", now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	form, from, to, ferr := parseReportForm(r.URL.Query().Get, now)
	v := reportsView{page: w.newPage(g, "Reports", "reports", now), F: form}
	if ferr != nil {
		v.Err = ferr.Error()
		w.render(rw, r, http.StatusBadRequest, "reports", v)
		return
	}
	v.PrivateHidden = hidePrivate(g)
	incs, err := w.allIncidents(r.Context(), storage.IncidentFilter{DeclaredFrom: from, DeclaredTo: to, Service: form.Service,
		HidePrivate: v.PrivateHidden})
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	v.R = timeline.BuildReport(incs, from, to, now)
	if v.Verification, v.VerificationCapped, err = w.verification(r.Context(), incs); err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	v.RangeText = fmt.Sprintf("%s – %s", from.Format("Jan 2006"), to.AddDate(0, -1, 0).Format("Jan 2006"))
	short := func(l string) string {
		t, err := time.Parse("2006-01", l)
		if err != nil {
			return l
		}
		return t.Format("Jan ’06")
	}
	upper := strings.ToUpper
	v.MonthClocks = clocksChart("chart-month-clocks", "Median and p90 time to mitigate and time to diagnose per month", 1000, v.R.ByMonth, short)
	v.MonthImpact = impactChart("chart-month-impact", "Total customer impact per month", 1000, v.R.ByMonth, short)
	v.SevClocks = clocksChart("chart-sev-clocks", "Median and p90 time to mitigate and time to diagnose per severity", 560, v.R.BySeverity, upper)
	v.SevImpact = impactChart("chart-sev-impact", "Total customer impact per severity", 560, v.R.BySeverity, upper)
	month := reportTable{ID: "month", Title: "By month", First: "Month"}
	for _, s := range v.R.ByMonth {
		month.Rows = append(month.Rows, reportRow{Label: monthLabel(s.Label), S: s})
	}
	sev := reportTable{ID: "severity", Title: "By severity", First: "Severity"}
	for _, s := range v.R.BySeverity {
		sev.Rows = append(sev.Rows, reportRow{Label: upper(s.Label), S: s})
	}
	v.Tables = []reportTable{month, sev}
	w.render(rw, r, http.StatusOK, "reports", v)
}

// reportPage is how many incidents the report reads at a time.
const reportPage = 2000

// allIncidents reads every incident matching f, a page at a time (a
// store's query stays bounded however many there are), drills left out.
func (w *Site) allIncidents(ctx context.Context, f storage.IncidentFilter) ([]*incident.Incident, error) {
	var out []*incident.Incident
	f.Limit = reportPage
	for f.Offset = 0; ; f.Offset += reportPage {
		page, err := w.o.Store.ListIncidents(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < reportPage {
			return w.withoutDrills(ctx, out)
		}
	}
}
