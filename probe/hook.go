package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// OnEvents is bot.Hook: a declaration or a change of services starts the
// probes of the incident's services (due at once); a mitigation starts a
// new verification, and one a person claims while a probe still sees
// impact is challenged at once, in the same unit of work.
func (s *Service) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	if len(s.probes) == 0 || tx.Incident == nil {
		return nil
	}
	for _, ev := range evs {
		switch ev.Kind {
		case incident.KindDeclared, incident.KindServicesChanged:
			if err := s.ensure(ctx, tx.Q, tx.Incident, tx.Now); err != nil {
				return err
			}
		case incident.KindMitigated:
			if err := s.onMitigated(ctx, tx, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// onMitigated resets every probe's marks to the new mitigation and, when
// a person said it, challenges it with each probe that still sees impact.
func (s *Service) onMitigated(ctx context.Context, tx *bot.Tx, ev incident.Event) error {
	states, err := tx.Q.ListProbeStates(ctx, tx.Incident.ID)
	if err != nil {
		return fmt.Errorf("probes of %s: %w", tx.Incident.Key, err)
	}
	for _, st := range states {
		p, ok := s.byID[st.ProbeID]
		if !ok {
			continue
		}
		if got, ok := st.Marks[storage.MarkMitigation]; ok && got.Equal(ev.At) {
			continue // an auto probe's own mitigation, marked already
		}
		challenge := ev.Source != incident.SourceProbe && st.Status == storage.ProbeImpacting
		st, err = saveMarks(ctx, tx.Q, st, func(m map[string]time.Time) {
			resetMarks(m, ev.At)
			if challenge {
				m[storage.MarkChallenged] = tx.Now
			}
		})
		if err != nil {
			return err
		}
		if challenge {
			s.postChallenge(tx, p, st)
		}
	}
	return nil
}

// saveMarks changes st's marks and saves it. A claim that came in between
// (another replica leasing the probe) only bumped its claim count: the
// change is made again on the state as it is now.
func saveMarks(ctx context.Context, q storage.Querier, st storage.ProbeState, change func(map[string]time.Time)) (storage.ProbeState, error) {
	for range 3 {
		if st.Marks == nil {
			st.Marks = map[string]time.Time{}
		}
		before := cloneMarks(st.Marks)
		change(st.Marks)
		err := q.UpdateProbeState(ctx, &st)
		if !errors.Is(err, storage.ErrConflict) {
			return st, err
		}
		st.Marks = before
		fresh, err := stateByID(ctx, q, st.IncidentID, st.ID)
		if err != nil {
			return st, err
		}
		st = fresh
	}
	return st, fmt.Errorf("probe %s: claimed again and again while saving", st.ProbeID)
}

func cloneMarks(m map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// stateByID is the incident's probe state id as stored now.
func stateByID(ctx context.Context, q storage.Querier, incidentID, id int64) (storage.ProbeState, error) {
	states, err := q.ListProbeStates(ctx, incidentID)
	if err != nil {
		return storage.ProbeState{}, err
	}
	for _, st := range states {
		if st.ID == id {
			return st, nil
		}
	}
	return storage.ProbeState{}, fmt.Errorf("probe state %d of %s: %w", id, incident.KeyFor(incidentID), storage.ErrNotFound)
}

// stateOf is the incident's state of probe as stored now.
func stateOf(ctx context.Context, q storage.Querier, incidentID int64, probe string) (storage.ProbeState, error) {
	states, err := q.ListProbeStates(ctx, incidentID)
	if err != nil {
		return storage.ProbeState{}, err
	}
	for _, st := range states {
		if st.ProbeID == probe {
			return st, nil
		}
	}
	return storage.ProbeState{}, fmt.Errorf("probe %s of %s: %w", probe, incident.KeyFor(incidentID), storage.ErrNotFound)
}
