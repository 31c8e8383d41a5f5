package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// listForm is the list page's filter form as typed.
type listForm struct {
	State, Severity, Service, From, To string
	Page                               int
}

var serviceRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,127}$`)

// parseListForm reads the filters of the list page and the API. Dates are
// YYYY-MM-DD (UTC) or RFC 3339; "to" is exclusive.
func parseListForm(q url.Values) (listForm, storage.IncidentFilter, error) {
	f := listForm{
		State: strings.TrimSpace(q.Get("state")), Severity: strings.TrimSpace(q.Get("severity")),
		Service: strings.ToLower(strings.TrimSpace(q.Get("service"))), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Page: 1,
	}
	var filter storage.IncidentFilter
	switch f.State {
	case "", string(incident.StateOpen), string(incident.StateResolved):
		filter.State = incident.State(f.State)
	default:
		return f, filter, fmt.Errorf("state %q is not open or resolved", f.State)
	}
	if f.Severity != "" {
		sev, err := incident.ParseSeverity(f.Severity)
		if err != nil {
			return f, filter, fmt.Errorf("severity %q is not sev1, sev2, sev3 or sev4", f.Severity)
		}
		f.Severity, filter.Severity = string(sev), sev
	}
	if f.Service != "" {
		if !serviceRe.MatchString(f.Service) {
			return f, filter, fmt.Errorf("service %q is not a service name (letters, digits, - _ . :)", f.Service)
		}
		filter.Service = f.Service
	}
	var err error
	if filter.DeclaredFrom, err = parseDate("from", f.From); err != nil {
		return f, filter, err
	}
	if filter.DeclaredTo, err = parseDate("to", f.To); err != nil {
		return f, filter, err
	}
	if !filter.DeclaredFrom.IsZero() && !filter.DeclaredTo.IsZero() && !filter.DeclaredFrom.Before(filter.DeclaredTo) {
		return f, filter, fmt.Errorf("from (%s) must be before to (%s)", f.From, f.To)
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, filter, fmt.Errorf("page %q is not a page number", p)
		}
		f.Page = n
	}
	return f, filter, nil
}

func parseDate(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", name, s)
}

type listRow struct {
	URL, Key, Title, Services  string
	Severity, SeverityLabel    string
	StateClass, StateLabel     string
	TTM, TTD, Impact, Declared string
	Order, OrderClass          string
	Private                    bool
	Drill                      bool
}

type severityOption struct {
	Value, Label string
	Selected     bool
}

type listView struct {
	page
	F          listForm
	Severities []severityOption
	Err        string
	Rows       []listRow
	TotalText  string
	PageText   string
	PrevURL    string
	NextURL    string
}

func (w *Site) listPage(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	g, status := w.o.Access.page(r, "incidents", now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	form, filter, ferr := parseListForm(r.URL.Query())
	v := listView{page: w.newPage(g, "Incidents", "incidents", now), F: form}
	for _, s := range incident.Severities {
		v.Severities = append(v.Severities, severityOption{Value: string(s), Label: strings.ToUpper(string(s)), Selected: form.Severity == string(s)})
	}
	if ferr != nil {
		v.Err = ferr.Error()
		v.TotalText, v.PageText = "no results", ""
		w.render(rw, r, http.StatusBadRequest, "list", v)
		return
	}
	filter.Limit, filter.Offset = w.o.PageSize, (form.Page-1)*w.o.PageSize
	filter.HidePrivate = hidePrivate(g)
	total, err := w.o.Store.CountIncidents(r.Context(), filter)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	incs, err := w.o.Store.ListIncidents(r.Context(), filter)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	link := w.rowLink(g, r)
	drills, err := w.drillIDs(r.Context())
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	for _, inc := range incs {
		row := newListRow(inc, now, link)
		row.Drill = drills[inc.ID]
		v.Rows = append(v.Rows, row)
	}
	v.TotalText = plural(total, "1 incident", fmt.Sprintf("%d incidents", total))
	if len(incs) > 0 {
		v.PageText = fmt.Sprintf("%d–%d of %d", filter.Offset+1, filter.Offset+len(incs), total)
	} else if total > 0 {
		v.PageText = fmt.Sprintf("page %d is past the end (%d incidents)", form.Page, total)
	}
	pageURL := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return "/incidents?" + q.Encode()
	}
	if form.Page > 1 {
		v.PrevURL = pageURL(min(form.Page-1, max((total+w.o.PageSize-1)/w.o.PageSize, 1)))
	}
	if filter.Offset+len(incs) < total {
		v.NextURL = pageURL(form.Page + 1)
	}
	w.render(rw, r, http.StatusOK, "list", v)
}

func newListRow(inc *incident.Incident, now time.Time, link func(string) string) listRow {
	m := inc.ComputeMetrics(now)
	row := listRow{
		URL: link(inc.Key), Key: inc.Key, Title: inc.Title, Services: strings.Join(inc.Services, ", "),
		Severity: string(inc.Severity), SeverityLabel: strings.ToUpper(string(inc.Severity)),
		TTM: timeline.FormatClock(m.TimeToMitigate), TTD: timeline.FormatClock(m.TimeToDiagnose), Impact: timeline.FormatSeconds(m.CustomerImpact),
		Declared: inc.DeclaredAt.UTC().Format("2006-01-02 15:04"), Private: inc.Private,
	}
	row.StateClass, row.StateLabel = stateOf(inc.Impact, inc.State)
	if m.TimeToMitigate == nil {
		row.TTM = "—"
		if inc.Open() {
			row.TTM = "ongoing"
		}
	}
	if m.TimeToDiagnose == nil {
		row.TTD = "—"
	}
	if b := m.MitigatedBeforeDiagnosed; b != nil {
		if *b {
			row.Order, row.OrderClass = "mitigated first", "good"
		} else {
			row.Order, row.OrderClass = "diagnosed first", "warn"
		}
	} else if inc.DiagnosedAt != nil {
		row.Order, row.OrderClass = "diagnosed first", "warn"
	}
	return row
}
