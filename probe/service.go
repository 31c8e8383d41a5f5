package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Defaults of the options.
const (
	DefaultPoll        = time.Second
	DefaultBatch       = 100
	DefaultConcurrency = 16
	// DefaultKeepSamples is a day of samples at the default interval.
	DefaultKeepSamples = 2880
)

// Evaluated describes one probe evaluation whose result was committed.
type Evaluated struct {
	Probe  string
	Status storage.ProbeStatus
	// Due is when the evaluation was due; Committed when its result
	// committed, by the worker's clock. Committed − Due is the lag.
	Due       time.Time
	Committed time.Time
}

// Options tune a Service. Zero values take the defaults.
type Options struct {
	// Store is where the worker finds the probes that are due (required);
	// Clock tells it the time (default the real one).
	Store  storage.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Client makes the probes' HTTP requests (default: a client of
	// their own; each request is bounded by its probe's timeout).
	Client *http.Client
	// Poll is the longest the worker sleeps between sweeps (DefaultPoll).
	Poll time.Duration
	// Batch is how many probe states one claim leases (DefaultBatch).
	Batch int
	// Concurrency is how many evaluations run at once (DefaultConcurrency).
	Concurrency int
	// KeepSamples bounds the samples kept per incident and probe
	// (DefaultKeepSamples).
	KeepSamples int
	// OnEvaluated, if set, is told about every evaluation committed
	// (cmd/internal/app may count them; the benchmark measures the lag).
	OnEvaluated func(Evaluated)
}

// Service is the impact probes of the configuration: the hook that starts
// probing an incident's services and challenges a mitigation the probes
// disagree with, the panel of the card and check-ins, and the command the
// probes' buttons send, all given to bot.NewEngine; and, once the engine
// exists, the Worker that evaluates the probes.
type Service struct {
	probes   []config.Probe
	byID     map[string]config.Probe
	checkers map[string]Checker
	store    storage.Store
	clock    clock.Clock
	log      *slog.Logger
	o        Options
}

// New builds the probes of the configuration.
func New(probes []config.Probe, o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("probes: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.KeepSamples <= 0 {
		o.KeepSamples = DefaultKeepSamples
	}
	s := &Service{byID: map[string]config.Probe{}, checkers: map[string]Checker{},
		store: o.Store, clock: o.Clock, log: o.Logger, o: o}
	for _, p := range probes {
		if _, dup := s.byID[p.ID]; dup {
			return nil, fmt.Errorf("probes: id %q is used twice", p.ID)
		}
		c, err := newChecker(p, o.Client)
		if err != nil {
			return nil, err
		}
		s.probes = append(s.probes, p)
		s.byID[p.ID], s.checkers[p.ID] = p, c
	}
	return s, nil
}

// Len is how many probes are configured.
func (s *Service) Len() int { return len(s.probes) }

// of returns the probes that watch inc: those of its services.
func (s *Service) of(inc *incident.Incident) []config.Probe {
	var out []config.Probe
	for _, p := range s.probes {
		if slices.Contains(inc.Services, p.Service) {
			out = append(out, p)
		}
	}
	return out
}

// ensure creates the states of the probes that watch inc and have none,
// due at once.
func (s *Service) ensure(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) error {
	for _, p := range s.of(inc) {
		st := storage.ProbeState{IncidentID: inc.ID, ProbeID: p.ID, Status: storage.ProbePending,
			StatusSince: now, NextDueAt: now, LeaseUntil: now, UpdatedAt: now}
		if err := q.EnsureProbeState(ctx, &st); err != nil {
			return fmt.Errorf("start probe %s on %s: %w", p.ID, inc.Key, err)
		}
	}
	return nil
}

// Panel is bot.Panel: one line per probe of the incident, its state and
// value in words. It reads what the worker stored, never the probe
// itself, so it never delays the message it is part of.
func (s *Service) Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
	if len(s.probes) == 0 || inc == nil || inc.ID == 0 {
		return nil, nil
	}
	states, err := q.ListProbeStates(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	var out []bot.Block
	for _, st := range states {
		p, ok := s.byID[st.ProbeID]
		if !ok || !slices.Contains(inc.Services, p.Service) {
			continue // no longer configured, or no longer this incident's service
		}
		out = append(out, bot.Block{Kind: bot.BlockContext,
			Text: bot.Textf("%s Probe %s", statusEmoji(st.Status), describe(p, st, now))})
	}
	return out, nil
}
