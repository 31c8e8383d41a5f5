package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// unitQuerier is a unit of work's transaction that remembers what the
// unit reads more than once and nobody else can change meanwhile (the
// incident is locked): a drill. The card is built from the panels both as
// the incident was loaded and after the handler (see Tx.cardUnchanged), and
// the drill banner's GetDrill would otherwise run for each, on the ack
// path of every command. Writes through it forget what they touch.
type unitQuerier struct {
	storage.Querier

	mu     sync.Mutex // handlers may read from several goroutines
	drills map[int64]drillRead
}

// drillRead is one GetDrill answer: the drill, or ErrNotFound.
type drillRead struct {
	d   storage.Drill
	err error
}

// inUnit wraps q for one unit of work.
func inUnit(q storage.Querier) *unitQuerier {
	if u, ok := q.(*unitQuerier); ok {
		return u
	}
	return &unitQuerier{Querier: q}
}

// GetDrill implements storage.ReadinessStore, asking the store once per
// incident and unit of work.
func (q *unitQuerier) GetDrill(ctx context.Context, incidentID int64) (storage.Drill, error) {
	q.mu.Lock()
	r, ok := q.drills[incidentID]
	q.mu.Unlock()
	if ok {
		return r.d, r.err
	}
	d, err := q.Querier.GetDrill(ctx, incidentID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return d, err // a failure is not an answer worth keeping
	}
	q.mu.Lock()
	if q.drills == nil {
		q.drills = map[int64]drillRead{}
	}
	q.drills[incidentID] = drillRead{d: d, err: err}
	q.mu.Unlock()
	return d, err
}

// CreateDrill implements storage.ReadinessStore.
func (q *unitQuerier) CreateDrill(ctx context.Context, d storage.Drill) error {
	defer q.forgetDrill(d.IncidentID)
	return q.Querier.CreateDrill(ctx, d)
}

// GradeDrill implements storage.ReadinessStore.
func (q *unitQuerier) GradeDrill(ctx context.Context, incidentID int64, at time.Time, grade []byte) error {
	defer q.forgetDrill(incidentID)
	return q.Querier.GradeDrill(ctx, incidentID, at, grade)
}

func (q *unitQuerier) forgetDrill(incidentID int64) {
	q.mu.Lock()
	delete(q.drills, incidentID)
	q.mu.Unlock()
}
