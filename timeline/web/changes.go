package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// ChangeLister is what the change pages and the report read changes
// with; a storage.Querier is one. A store without it shows no changes.
type ChangeLister interface {
	ListChanges(ctx context.Context, f storage.ChangeFilter) ([]incident.Change, error)
}

// maxReportChanges bounds the changes a report tells.
const maxReportChanges = 50

// withChanges adds to x the story of the changes to inc's services from
// window (0: timeline.DefaultChangeWindow) before impact started until it
// was resolved (or now).
func withChanges(ctx context.Context, q any, inc *incident.Incident, x timeline.Export, now time.Time, window time.Duration) (timeline.Export, error) {
	if window <= 0 {
		window = timeline.DefaultChangeWindow
	}
	cl, ok := q.(ChangeLister)
	if !ok || len(inc.Services) == 0 {
		return x, nil
	}
	end := now
	if inc.ResolvedAt != nil {
		end = *inc.ResolvedAt
	}
	cs, err := cl.ListChanges(ctx, storage.ChangeFilter{Services: inc.Services,
		From: inc.ImpactStartedAt.Add(-window), To: end.Add(time.Second), Limit: maxReportChanges})
	if err != nil {
		return x, fmt.Errorf("load changes of %s: %w", inc.Key, err)
	}
	return x.WithChanges(cs, window), nil
}

// changesView is the /changes page.
type changesView struct {
	page
	Service string
	Since   string
	Err     string
	Rows    []changeRow
}

type changeRow struct {
	At, Service, Kind, What, By, Source, Link string
}

// changesPage is GET /changes?service=checkout&since=24h: the change feed,
// newest first (at most 200). Every field is data, escaped by the
// template; a link is shown only as http(s), which the intake checked.
func (w *Site) changesPage(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	g, status := w.o.Access.page(r, "changes", now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	v := changesView{page: w.newPage(g, "Changes", "changes", now), Service: r.URL.Query().Get("service"), Since: r.URL.Query().Get("since")}
	f := storage.ChangeFilter{Limit: 200, From: now.Add(-7 * 24 * time.Hour)}
	if v.Service != "" {
		svc, err := incident.ParseServiceName(v.Service)
		if err != nil {
			v.Err = err.Error()
			w.render(rw, r, http.StatusBadRequest, "changes", v)
			return
		}
		f.Services = []string{svc}
	}
	if v.Since != "" {
		d, err := time.ParseDuration(v.Since)
		if err != nil || d <= 0 {
			v.Err = "since: want a duration such as 2h or 72h"
			w.render(rw, r, http.StatusBadRequest, "changes", v)
			return
		}
		f.From = now.Add(-d)
	}
	cl, ok := w.o.Store.(ChangeLister)
	if !ok {
		w.errorPage(rw, r, g, http.StatusNotFound, "No change feed", "This store keeps no changes.")
		return
	}
	cs, err := cl.ListChanges(r.Context(), f)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	for _, c := range cs {
		v.Rows = append(v.Rows, changeRow{At: c.At.UTC().Format(timeline.LayoutFull), Service: c.Service, Kind: string(c.Kind),
			What: c.What(), By: c.By, Source: c.Source, Link: c.Link})
	}
	w.render(rw, r, http.StatusOK, "changes", v)
}
