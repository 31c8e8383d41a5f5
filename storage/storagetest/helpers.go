package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// base is the suite's clock: every time it stores is derived from it, never
// from time.Now. Postgres keeps microseconds, so no time here is finer.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// at is base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

func ptr[T any](v T) *T { return &v }

// each is f of every element of xs, in order; never nil, so that an empty
// result prints as [].
func each[T, F any](xs []T, f func(T) F) []F {
	out := make([]F, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

var (
	alice = incident.Actor{Platform: "slack", ID: "U0ALICE", Name: "Alice"}
	bob   = incident.Actor{Platform: "discord", ID: "1234567890", Name: "Bob"}
	carol = incident.Actor{Platform: "console", ID: "carol", Name: "Carol"}
)

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newIncident is an open incident with every field set.
func newIncident(title string, declared time.Time) *incident.Incident {
	return &incident.Incident{
		Title:           title,
		Severity:        incident.Sev2,
		Impact:          incident.ImpactOngoing,
		Cause:           incident.CauseUnknown,
		State:           incident.StateOpen,
		Lead:            alice,
		Declarer:        bob,
		Services:        []string{"checkout", "payments"},
		ImpactStartedAt: declared.Add(-7*time.Minute - 123456*time.Microsecond),
		DeclaredAt:      declared,
		Windows:         []incident.Window{{Start: declared.Add(-7*time.Minute - 123456*time.Microsecond)}},
	}
}

func mustCreate(t *testing.T, q storage.Querier, inc *incident.Incident) *incident.Incident {
	t.Helper()
	if err := q.CreateIncident(ctxFor(t), inc); err != nil {
		t.Fatalf("CreateIncident(%q): %v", inc.Title, err)
	}
	return inc
}

func mustGet(t *testing.T, q storage.Querier, id int64) *incident.Incident {
	t.Helper()
	got, err := q.GetIncident(ctxFor(t), id)
	if err != nil {
		t.Fatalf("GetIncident(%d): %v", id, err)
	}
	return got
}

func timeEq(a, b time.Time) bool { return a.Equal(b) }

func timePtrEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTimePtr(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// checkIncident reports every field of got that differs from want, but
// Channels (see checkChannels).
func checkIncident(t *testing.T, want, got *incident.Incident) {
	t.Helper()
	if got == nil {
		t.Fatalf("got nil incident, want %q", want.Title)
	}
	eq := func(field string, w, g any) {
		t.Helper()
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: got %v, want %v", field, g, w)
		}
	}
	eq("ID", want.ID, got.ID)
	eq("Key", want.Key, got.Key)
	eq("Title", want.Title, got.Title)
	eq("Severity", want.Severity, got.Severity)
	eq("Impact", want.Impact, got.Impact)
	eq("Cause", want.Cause, got.Cause)
	eq("State", want.State, got.State)
	eq("Lead", want.Lead, got.Lead)
	eq("Declarer", want.Declarer, got.Declarer)
	checkRoles(t, want.Roles, got.Roles)
	if len(want.Services) != len(got.Services) || (len(want.Services) > 0 && !slices.Equal(want.Services, got.Services)) {
		t.Errorf("Services: got %q, want %q", got.Services, want.Services)
	}
	if !timeEq(want.ImpactStartedAt, got.ImpactStartedAt) {
		t.Errorf("ImpactStartedAt: got %v, want %v", got.ImpactStartedAt, want.ImpactStartedAt)
	}
	if !timeEq(want.DeclaredAt, got.DeclaredAt) {
		t.Errorf("DeclaredAt: got %v, want %v", got.DeclaredAt, want.DeclaredAt)
	}
	for _, f := range []struct {
		name string
		w, g *time.Time
	}{
		{"MitigatedAt", want.MitigatedAt, got.MitigatedAt},
		{"DiagnosedAt", want.DiagnosedAt, got.DiagnosedAt},
		{"ResolvedAt", want.ResolvedAt, got.ResolvedAt},
	} {
		if !timePtrEq(f.w, f.g) {
			t.Errorf("%s: got %s, want %s", f.name, fmtTimePtr(f.g), fmtTimePtr(f.w))
		}
	}
	eq("Private", want.Private, got.Private)
	eq("CauseText", want.CauseText, got.CauseText)
	eq("Summary", want.Summary, got.Summary)
	if len(want.Windows) != len(got.Windows) {
		t.Errorf("Windows: got %d, want %d: %+v", len(got.Windows), len(want.Windows), got.Windows)
		return
	}
	for i := range want.Windows {
		w, g := want.Windows[i], got.Windows[i]
		if !w.Start.Equal(g.Start) || !timePtrEq(w.End, g.End) {
			t.Errorf("Windows[%d]: got %v–%s, want %v–%s", i, g.Start, fmtTimePtr(g.End), w.Start, fmtTimePtr(w.End))
		}
	}
}

// checkChannels reports whether got holds exactly want, in want's order.
func checkChannels(t *testing.T, got, want []incident.ChannelRef) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("Channels: got %v, want %v", got, want)
	}
}

func isNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func isConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("%s: got error %v, want ErrConflict", what, err)
	}
}

// concurrentUnits runs workers goroutines, each running each units of
// work in its own transaction, one after the other; unit(w, i) is worker
// w's i-th. A worker stops at its first failure, which fails the test.
func concurrentUnits(t *testing.T, s storage.Store, workers, each int, what string,
	unit func(ctx context.Context, q storage.Querier, w, i int) error) {
	t.Helper()
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
					return unit(ctx, q, w, i)
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d %s %d: %w", w, what, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
