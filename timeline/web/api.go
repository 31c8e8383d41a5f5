package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/timeline"
)

// ListItem is one incident of GET /api/v1/incidents: the export's
// "incident" object, its timestamps and its metrics.
type ListItem struct {
	timeline.ExportIncident
	ImpactStartedAt time.Time        `json:"impact_started_at"`
	DeclaredAt      time.Time        `json:"declared_at"`
	MitigatedAt     *time.Time       `json:"mitigated_at"`
	DiagnosedAt     *time.Time       `json:"diagnosed_at"`
	ResolvedAt      *time.Time       `json:"resolved_at"`
	Metrics         timeline.Metrics `json:"metrics"`
}

// ListPage is the answer of GET /api/v1/incidents.
type ListPage struct {
	Incidents []ListItem `json:"incidents"`
	// Total counts every incident matching the filters.
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// maxAPILimit caps one page of the API.
const maxAPILimit = 500

func writeJSON(rw http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(rw, `{"error":"encoding failed"}`, http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = rw.Write(append(b, '\n'))
}

func apiError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}

func (w *Site) apiList(rw http.ResponseWriter, r *http.Request) {
	if !w.o.Access.api(r) {
		unauthorized(rw)
		return
	}
	q := r.URL.Query()
	_, filter, err := parseListForm(q)
	if err != nil {
		apiError(rw, http.StatusBadRequest, err.Error())
		return
	}
	filter.Limit = 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAPILimit {
			apiError(rw, http.StatusBadRequest, "limit must be a number from 1 to 500")
			return
		}
		filter.Limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			apiError(rw, http.StatusBadRequest, "offset must be a number from 0")
			return
		}
		filter.Offset = n
	}
	total, err := w.o.Store.CountIncidents(r.Context(), filter)
	if err != nil {
		w.o.Logger.ErrorContext(r.Context(), "api: count incidents", "err", err)
		apiError(rw, http.StatusInternalServerError, "the database did not answer")
		return
	}
	incs, err := w.o.Store.ListIncidents(r.Context(), filter)
	if err != nil {
		w.o.Logger.ErrorContext(r.Context(), "api: list incidents", "err", err)
		apiError(rw, http.StatusInternalServerError, "the database did not answer")
		return
	}
	now := w.o.Clock.Now()
	out := ListPage{Incidents: make([]ListItem, 0, len(incs)), Total: total, Limit: filter.Limit, Offset: filter.Offset}
	for _, inc := range incs {
		x := timeline.Build(inc, nil, now)
		out.Incidents = append(out.Incidents, ListItem{ExportIncident: x.Incident, ImpactStartedAt: x.ImpactStartedAt,
			DeclaredAt: x.DeclaredAt, MitigatedAt: x.MitigatedAt, DiagnosedAt: x.DiagnosedAt, ResolvedAt: x.ResolvedAt, Metrics: x.Metrics})
	}
	writeJSON(rw, http.StatusOK, out)
}

func (w *Site) apiTimeline(rw http.ResponseWriter, r *http.Request) {
	if !w.o.Access.api(r) {
		unauthorized(rw)
		return
	}
	key, ok := incidentKey(r)
	if !ok {
		apiError(rw, http.StatusBadRequest, strconv.Quote(key)+" is not an incident key (want INC-7 or 7)")
		return
	}
	x, err := load(r.Context(), w.o.Store, w.cache, key, w.o.Clock.Now(), w.o.ChangeWindow)
	if errors.Is(err, ErrNoIncident) {
		apiError(rw, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		w.o.Logger.ErrorContext(r.Context(), "api: load timeline", "incident", key, "err", err)
		apiError(rw, http.StatusInternalServerError, "the database did not answer")
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	// Stream the export: a 10,000-event timeline is megabytes, and
	// building it in memory first costs as much as encoding it. The export
	// is plain data, so encoding cannot fail halfway; a broken connection
	// is all that can.
	bw := bufio.NewWriterSize(rw, 64<<10)
	if err := writeExportJSON(bw, x); err != nil {
		w.o.Logger.DebugContext(r.Context(), "api: timeline not fully sent", "incident", key, "err", err)
		return
	}
	_ = bw.Flush()
}
