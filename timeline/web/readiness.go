package web

import (
	"context"
	"net/http"
	"time"
)

// ReadinessView is what the readiness page shows (docs/readiness.md):
// cmd/internal/app builds it from the readiness feature's report, so that
// the pages need not import a peer feature.
type ReadinessView struct {
	Services []ReadinessRow
	// Problems are what is wrong, action by action ("kill-checkout:
	// preflight of flags failed: 401 …").
	Problems []string
}

// ReadinessRow is one service's line.
type ReadinessRow struct {
	Service            string
	Score              int
	SafeMoves, Missing string
	People, Preflight  string
	LastRun, LastDrill string
}

// ReadinessFunc assesses readiness now from what the store holds.
type ReadinessFunc func(ctx context.Context, now time.Time) (ReadinessView, error)

type readinessView struct {
	page
	ReadinessView
}

// ScoreClass is a row's colour: good from 80, warn from 50, bad under.
func (r ReadinessRow) ScoreClass() string {
	switch {
	case r.Score >= 80:
		return "good"
	case r.Score >= 50:
		return "warn"
	}
	return "bad"
}

// readinessPage is GET /readiness, behind the same access as the other
// pages (the token, a link signed for "readiness", or a signed-in user).
func (w *Site) readinessPage(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	g, status := w.o.Access.page(r, "readiness", now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	if w.o.Readiness == nil {
		w.errorPage(rw, r, g, http.StatusNotFound, "No readiness", "Readiness is not set up on this server.")
		return
	}
	rv, err := w.o.Readiness(r.Context(), now)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	w.render(rw, r, http.StatusOK, "readiness", readinessView{page: w.newPage(g, "Readiness", "readiness", now), ReadinessView: rv})
}
