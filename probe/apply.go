package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// markImpacted records that the probe saw impact during the incident:
// only such a probe may mitigate it by itself (auto).
const markImpacted = "impacted"

// apply commits one evaluation in a unit of work of the bot on the
// incident (source probe): the new state, the sample, the event of a
// state change, and what the probe says or (auto) does about impact. It
// returns nil, nil when the result was dropped: another replica claimed
// the probe since, or the incident is resolved.
func (w *Worker) apply(ctx context.Context, r result) (*Evaluated, error) {
	var ev *Evaluated
	err := w.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		ev = nil
		return w.engine.RunAsSystem(ctx, q, r.state.IncidentID, incident.SourceProbe, func(ctx context.Context, tx *bot.Tx) error {
			var err error
			ev, err = w.applyIn(ctx, tx, r)
			return err
		})
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, nil
	}
	return ev, err
}

// applyAll commits every result of rs in one transaction, each in its own
// unit of work of the bot on its incident, and returns those applied. Any
// error, a conflict included, rolls all of them back.
func (w *Worker) applyAll(ctx context.Context, rs []result) ([]Evaluated, error) {
	var evs []Evaluated
	err := w.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		evs = evs[:0]
		for _, r := range rs {
			var ev *Evaluated
			err := w.engine.RunAsSystem(ctx, q, r.state.IncidentID, incident.SourceProbe, func(ctx context.Context, tx *bot.Tx) error {
				var err error
				ev, err = w.applyIn(ctx, tx, r)
				return err
			})
			if err != nil {
				return fmt.Errorf("apply probe %s of %s: %w", r.state.ProbeID, incident.KeyFor(r.state.IncidentID), err)
			}
			if ev != nil {
				evs = append(evs, *ev)
			}
		}
		return nil
	})
	return evs, err
}

func (w *Worker) applyIn(ctx context.Context, tx *bot.Tx, r result) (*Evaluated, error) {
	inc, now := tx.Incident, tx.Now
	st, err := stateByID(ctx, tx.Q, inc.ID, r.state.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Claims != r.state.Claims || !inc.Open() {
		return nil, nil // another replica has it now, or nothing to watch
	}
	p, ok := w.byID[st.ProbeID]
	if !ok {
		// No longer configured: look again in an hour, saying nothing.
		st.NextDueAt, st.LeaseUntil, st.UpdatedAt = now.Add(time.Hour), now, now
		return nil, tx.Q.UpdateProbeState(ctx, &st)
	}
	if r.lookback {
		st.Marks[storage.MarkLookback] = now
		if r.since != nil && r.reading.Breached && (st.BreachSince == nil || r.since.Before(*st.BreachSince)) {
			st.BreachSince = r.since // "for" counts from when the breach really began
		}
	}
	before := st.Status
	st = step(st, r.reading, p, now)
	if st.Status == storage.ProbeImpacting {
		st.Marks[markImpacted] = now
	}
	st.NextDueAt, st.LeaseUntil, st.UpdatedAt = nextDue(r.state.NextDueAt, p.Interval, now), now, now
	if err := tx.Q.UpdateProbeState(ctx, &st); err != nil {
		return nil, err // a conflict drops the whole result
	}
	if err := tx.Q.AddProbeSample(ctx, storage.ProbeSample{IncidentID: inc.ID, ProbeID: p.ID, At: now,
		Value: st.Value, Status: st.Status}, w.o.KeepSamples); err != nil {
		return nil, err
	}
	if st.Status != before {
		tx.Record(statusEvent(p, st, now))
	}
	if r.lookback && r.since != nil && r.since.Before(inc.ImpactStartedAt.Add(-time.Minute)) {
		w.offerImpactStart(tx, p, *r.since)
	}
	if err := w.decide(ctx, tx, p, st); err != nil {
		return nil, err
	}
	return &Evaluated{Probe: p.ID, Status: st.Status, Due: r.state.NextDueAt}, nil
}

// statusEvent is the timeline's record of a probe's new state, with the
// value.
func statusEvent(p config.Probe, st storage.ProbeState, now time.Time) incident.Event {
	kind := incident.KindProbeUnknown
	switch st.Status {
	case storage.ProbeImpacting:
		kind = incident.KindProbeImpacting
	case storage.ProbeClear:
		kind = incident.KindProbeClear
	}
	data := map[string]any{"probe": p.ID, "name": p.Title(), "service": p.Service, "type": p.Type,
		"status": string(st.Status), "unit": p.Unit, "for": p.For.Seconds()}
	if st.Value != nil {
		data["value"] = *st.Value
	}
	if st.Message != "" {
		data["message"] = st.Message
	}
	if w := p.ImpactingWhen; w.Above != nil {
		data["threshold"] = map[string]any{"above": *w.Above}
	} else if w.Below != nil {
		data["threshold"] = map[string]any{"below": *w.Below}
	}
	if st.BreachSince != nil {
		data["breach_since"] = st.BreachSince.UTC().Format(time.RFC3339Nano)
	}
	return incident.NewEvent(now, kind, incident.System, describe(p, st, now), data)
}

// lastMitigation is when impact was last mitigated: the end of the last
// window of impact; nil while impact is ongoing.
func lastMitigation(inc *incident.Incident) *time.Time {
	if inc.Impact != incident.ImpactMitigated || len(inc.Windows) == 0 {
		return nil
	}
	return inc.Windows[len(inc.Windows)-1].End
}

// decide is what the probe says or does about impact after an
// evaluation. While impact is mitigated: challenge a mitigation it does
// not see (before it is verified), verify it after the hold, ask "Impact
// is back?" on a breach after the verification. While impact is ongoing,
// an auto probe that saw impact and then stayed clear for its hold
// mitigates it. An auto probe regresses instead of asking.
func (w *Worker) decide(ctx context.Context, tx *bot.Tx, p config.Probe, st storage.ProbeState) error {
	inc, now := tx.Incident, tx.Now
	m := lastMitigation(inc)
	if m == nil {
		if p.Auto && st.Status == storage.ProbeClear && now.Sub(st.StatusSince) >= p.VerifyHold {
			if _, saw := st.Marks[markImpacted]; saw {
				return w.autoMitigate(ctx, tx, p, st)
			}
		}
		return nil
	}
	var err error
	if got, ok := st.Marks[storage.MarkMitigation]; !ok || !got.Equal(*m) {
		// A mitigation the hook did not see (the probe started later).
		if st, err = saveMarks(ctx, tx.Q, st, func(marks map[string]time.Time) { resetMarks(marks, *m) }); err != nil {
			return err
		}
	}
	has := func(k string) bool { _, ok := st.Marks[k]; return ok }
	switch st.Status {
	case storage.ProbeImpacting:
		switch {
		case has(storage.MarkVerified) && !has(storage.MarkRegressionAsked):
			if st, err = saveMarks(ctx, tx.Q, st, func(marks map[string]time.Time) { marks[storage.MarkRegressionAsked] = now }); err != nil {
				return err
			}
			if p.Auto {
				return dispatch(ctx, tx, bot.CmdRegressed, "what", fmt.Sprintf("probe %s: impact is back (%s)", p.Title(), seenNow(p, st)))
			}
			w.postRegression(tx, p, st)
		case !has(storage.MarkVerified) && !has(storage.MarkChallenged) && !has(storage.MarkOverruled):
			if st, err = saveMarks(ctx, tx.Q, st, func(marks map[string]time.Time) { marks[storage.MarkChallenged] = now }); err != nil {
				return err
			}
			if p.Auto {
				return dispatch(ctx, tx, bot.CmdRegressed, "what", fmt.Sprintf("probe %s: customers are still impacted (%s)", p.Title(), seenNow(p, st)))
			}
			w.postChallenge(tx, p, st)
		}
	case storage.ProbeClear:
		if has(storage.MarkUnrelated) {
			// The breach someone called unrelated is over: the next one
			// asks again.
			if st, err = saveMarks(ctx, tx.Q, st, func(marks map[string]time.Time) {
				delete(marks, storage.MarkUnrelated)
				delete(marks, storage.MarkRegressionAsked)
			}); err != nil {
				return err
			}
		}
		from := st.StatusSince
		if m.After(from) {
			from = *m
		}
		if !has(storage.MarkVerified) && now.Sub(from) >= p.VerifyHold {
			if st, err = saveMarks(ctx, tx.Q, st, func(marks map[string]time.Time) { marks[storage.MarkVerified] = now }); err != nil {
				return err
			}
			return w.verifyIncident(ctx, tx, *m)
		}
	}
	return nil
}

// resetMarks starts the marks over for a new mitigation, keeping what
// belongs to the incident rather than to one mitigation.
func resetMarks(marks map[string]time.Time, mitigation time.Time) {
	for k := range marks {
		if k != storage.MarkLookback && k != markImpacted {
			delete(marks, k)
		}
	}
	marks[storage.MarkMitigation] = mitigation
}

// verifyIncident records mitigation_verified once every probe watching
// the incident has verified the mitigation m. The incident's lock, held
// by the unit of work, makes exactly one evaluation the last.
func (w *Worker) verifyIncident(ctx context.Context, tx *bot.Tx, m time.Time) error {
	inc, now := tx.Incident, tx.Now
	states, err := tx.Q.ListProbeStates(ctx, inc.ID)
	if err != nil {
		return err
	}
	watching := map[string]bool{}
	for _, p := range w.of(inc) {
		watching[p.ID] = true
	}
	var ids []string
	hold := time.Duration(0)
	for _, st := range states {
		if !watching[st.ProbeID] {
			continue
		}
		mm, ok := st.Marks[storage.MarkMitigation]
		if _, verified := st.Marks[storage.MarkVerified]; !verified || !ok || !mm.Equal(m) {
			return nil
		}
		ids = append(ids, st.ProbeID)
		hold = max(hold, w.byID[st.ProbeID].VerifyHold)
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	tx.Record(incident.NewEvent(now, incident.KindMitigationVerified, incident.System,
		fmt.Sprintf("every probe stayed clear for %s after the mitigation", bot.FormatDuration(hold)),
		map[string]any{"mitigated_at": m.UTC().Format(time.RFC3339Nano), "probes": ids, "hold": hold.Seconds(),
			"after": now.Sub(m).Seconds()}))
	tx.Announce(bot.Textf("✅ Mitigation verified: the probes stayed clear for %s since it was mitigated at %s.",
		bot.FormatDuration(hold), m.UTC().Format("15:04 UTC")))
	return nil
}

// autoMitigate marks impact mitigated for an auto probe that saw impact
// and then stayed clear for its hold; the hold is then behind it, so the
// mitigation is verified at once when every probe agrees.
func (w *Worker) autoMitigate(ctx context.Context, tx *bot.Tx, p config.Probe, st storage.ProbeState) error {
	if err := dispatch(ctx, tx, bot.CmdMitigated, "how",
		fmt.Sprintf("probe %s clear for %s", p.Title(), bot.FormatDuration(tx.Now.Sub(st.StatusSince)))); err != nil {
		return err
	}
	m := lastMitigation(tx.Incident)
	if m == nil {
		return nil
	}
	fresh, err := stateByID(ctx, tx.Q, st.IncidentID, st.ID)
	if err != nil {
		return err
	}
	if _, err := saveMarks(ctx, tx.Q, fresh, func(marks map[string]time.Time) {
		resetMarks(marks, *m)
		marks[storage.MarkVerified] = tx.Now
	}); err != nil {
		return err
	}
	return w.verifyIncident(ctx, tx, *m)
}

// dispatch runs a command in the unit of work, as the probe; a refusal
// (the state moved on meanwhile) is logged by the caller's silence, not
// an error.
func dispatch(ctx context.Context, tx *bot.Tx, name, arg, text string) error {
	_, err := tx.Dispatch(ctx, name, map[string]string{arg: text})
	return err
}
