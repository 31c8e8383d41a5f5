package checkin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// DigestKey is the key of the digest's schedule.
const DigestKey = "digest"

// maxDigestLines caps the incidents listed one by one in a digest.
const maxDigestLines = 40

// ensureDigest makes the stored digest schedule match the configuration,
// once per process: created when configured, moved when its spec changed,
// stopped when no longer configured.
func (s *Sweeper) ensureDigest(ctx context.Context) error {
	s.digestMu.Lock()
	defer s.digestMu.Unlock()
	if s.digestReady {
		return nil
	}
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		c, err := q.GetCheckin(ctx, DigestKey)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			if s.sch.digest == nil {
				return nil
			}
			c = storage.Checkin{Key: DigestKey, Kind: storage.CheckinDigest, Spec: s.sch.digest.spec, Active: true,
				NextDueAt: s.sch.digest.Next(now), UpdatedAt: now}
			if err := q.CreateCheckin(ctx, &c); err != nil && !errors.Is(err, storage.ErrConflict) {
				return err
			}
			return nil
		case err != nil:
			return err
		case s.sch.digest == nil:
			if !c.Active {
				return nil
			}
			c.Active = false
		case c.Spec != s.sch.digest.spec || !c.Active:
			c.Active, c.Spec, c.NextDueAt = true, s.sch.digest.spec, s.sch.digest.Next(now)
		default:
			return nil
		}
		c.UpdatedAt = now
		return q.UpdateCheckin(ctx, &c)
	})
	if err != nil {
		return fmt.Errorf("set up the digest schedule: %w", err)
	}
	s.digestReady = true
	return nil
}

// sweepDigest posts the digest if it is due, once across replicas.
func (s *Sweeper) sweepDigest(ctx context.Context) error {
	if err := s.ensureDigest(ctx); err != nil || s.sch.digest == nil {
		return err
	}
	now := s.clock.Now()
	var done []Sent
	err := s.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		done = nil
		c, err := q.ClaimDueCheckin(ctx, DigestKey, now)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.engine.RunAsSystem(ctx, q, 0, incident.SourceSystem, func(ctx context.Context, tx *bot.Tx) error {
			sent, err := s.postDigest(ctx, tx, c)
			if sent != nil {
				done = append(done, *sent)
			}
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	s.observe(done)
	return nil
}

func (s *Sweeper) postDigest(ctx context.Context, tx *bot.Tx, c storage.Checkin) (*Sent, error) {
	sch, now := *s.sch.digest, tx.Now
	from := c.NextDueAt.Add(-sch.interval(c.NextDueAt))
	if fires, err := tx.Q.ListCheckinFires(ctx, c.ID); err != nil {
		return nil, err
	} else if len(fires) > 0 {
		from = fires[len(fires)-1].DueAt
	}
	late := s.late(c.NextDueAt, now, sch)
	f := storage.CheckinFire{CheckinID: c.ID, Seq: c.Fired + 1, DueAt: c.NextDueAt, FiredAt: now, Late: late}
	next := sch.after(c.NextDueAt, now)
	c.NextDueAt, c.Spec, c.UpdatedAt = next, sch.spec, now
	err := tx.Q.RecordCheckinFire(ctx, &f)
	if errors.Is(err, storage.ErrConflict) {
		return nil, tx.Q.UpdateCheckin(ctx, &c)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Q.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireClosed, At: now}); err != nil {
		return nil, err
	}
	incs, err := tx.Q.ListIncidents(ctx, storage.IncidentFilter{DeclaredFrom: from, DeclaredTo: f.DueAt})
	if err != nil {
		return nil, err
	}
	if incs, err = withoutDrills(ctx, tx.Q, incs); err != nil {
		return nil, err
	}
	msg := DigestMessage(incs, from, f.DueAt, now)
	if s.o.DigestLines != nil {
		extra, err := s.o.DigestLines(ctx, tx.Q, now)
		if err != nil {
			return nil, fmt.Errorf("digest lines: %w", err)
		}
		msg.Blocks = append(msg.Blocks, extra...)
	}
	tx.PostTo(s.sch.digestChannel, msg)
	c.Fired++
	if err := tx.Q.UpdateCheckin(ctx, &c); err != nil {
		return nil, err
	}
	return &Sent{Key: c.Key, Due: f.DueAt, Late: late}, nil
}

// DigestMessage summarizes the incidents declared in [from, to): for each,
// its time to mitigate, time to diagnose, customer impact and regressions,
// as of now.
func DigestMessage(incs []*incident.Incident, from, to, now time.Time) bot.Message {
	incs = slices.Clone(incs)
	slices.SortFunc(incs, func(a, b *incident.Incident) int { return a.DeclaredAt.Compare(b.DeclaredAt) })
	day := func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 15:04") }
	m := bot.Message{}
	m.Header(fmt.Sprintf("Incident digest: %s → %s UTC", day(from), day(to)))
	if len(incs) == 0 {
		m.Textf("No incidents were declared in this period.")
		m.Fallback = "Incident digest: no incidents."
		return m
	}
	var (
		lines                     []bot.Rich
		impact                    time.Duration
		regressions, open, unmitg int
	)
	for k, inc := range incs {
		mt := inc.ComputeMetrics(now)
		impact += time.Duration(mt.CustomerImpact) * time.Second
		regressions += mt.Regressions
		if inc.Open() {
			open++
		}
		if mt.TimeToMitigate == nil {
			unmitg++
		}
		if k >= maxDigestLines {
			continue
		}
		lines = append(lines, digestLine(inc, mt))
	}
	if extra := len(incs) - maxDigestLines; extra > 0 {
		lines = append(lines, bot.Textf("_… and %d more in the incident list._", extra))
	}
	m.Text(bot.Join("\n", lines...))
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	summary := fmt.Sprintf("%s · customer impact %s in total · %s · %d still open · %d never mitigated",
		plural(len(incs), "incident", "incidents"), bot.FormatDuration(impact), plural(regressions, "regression", "regressions"), open, unmitg)
	m.Context(bot.Plain(summary))
	m.Fallback = "Incident digest: " + summary
	return m
}

func digestLine(inc *incident.Incident, mt incident.Metrics) bot.Rich {
	dur := func(p *int64, what string) string {
		if p == nil {
			return "not " + what + " yet"
		}
		return what + " after " + bot.FormatDuration(time.Duration(*p)*time.Second)
	}
	state := "open"
	if !inc.Open() {
		state = "resolved"
	}
	parts := []string{
		dur(mt.TimeToMitigate, "mitigated"),
		dur(mt.TimeToDiagnose, "diagnosed"),
		"customer impact " + bot.FormatDuration(time.Duration(mt.CustomerImpact)*time.Second),
	}
	switch mt.Regressions {
	case 0:
	case 1:
		parts = append(parts, "1 regression")
	default:
		parts = append(parts, words.Count(mt.Regressions, "regression", "regressions"))
	}
	parts = append(parts, state)
	if inc.Private {
		// The digest channel is not the incident's: a private incident
		// counts, but is not named.
		return bot.Textf("• *%s* %s 🔒 private incident — %s", inc.Key, strings.ToUpper(string(inc.Severity)), strings.Join(parts, " · "))
	}
	return bot.Textf("• *%s* %s %s — %s", inc.Key, strings.ToUpper(string(inc.Severity)), inc.Title, strings.Join(parts, " · "))
}
