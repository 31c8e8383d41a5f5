package actions

import (
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Options configure a Service.
type Options struct {
	// Catalog is the configured actions.
	Catalog *Catalog
	// Groups are the configured groups, for authorization.
	Groups incident.Groups
	Logger *slog.Logger
	// OnOutcome, if set, is told each outcome the command side records:
	// a run cancelled, or one whose effect a person verified (for metrics).
	OnOutcome OutcomeFunc
	// Wake, if set, is called when a run is ready to start: the Wake of
	// the Wakeup a Runner listens to (the Runner is built after the
	// engine, the Service before it), so that it looks at once instead of
	// at its next poll.
	Wake func()
	// NewID makes run IDs; a UUIDv7 by default.
	NewID func() string
}

// Service is the command side of actions: the run, confirm, approve,
// cancel, verify and effect commands (Commands) and the hook that cancels
// the runs still waiting when an incident is resolved (it is a bot.Hook),
// both given to bot.NewEngine. Every click is checked on the
// server (who, which incident, its state), recorded (timeline, audit) and
// answered at once; the external call is left to a Runner, which may be on
// any replica.
type Service struct {
	core
	wake  func()
	newID func() string
}

// core is what the command side and the runner share.
type core struct {
	cat    *Catalog
	groups incident.Groups
	log    *slog.Logger
	// onOutcome is never nil.
	onOutcome OutcomeFunc
}

// OutcomeFunc is told that a run of an action of the given kind, through
// the named integration ("" when it calls none), reached outcome: its
// final status (succeeded, failed, unknown, cancelled), or that status
// with "_verified" when a person said whether a run took effect. took is
// how long the external call lasted, 0 when none was timed. It runs on the
// recording goroutine, so it must be quick; cmd/internal/app counts it in
// Prometheus.
type OutcomeFunc func(integration, kind, outcome string, took time.Duration)

func newCore(cat *Catalog, groups incident.Groups, log *slog.Logger, onOutcome OutcomeFunc) core {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if groups == nil {
		groups = incident.Groups{}
	}
	if onOutcome == nil {
		onOutcome = func(string, string, string, time.Duration) {}
	}
	return core{cat: cat, groups: groups, log: log, onOutcome: onOutcome}
}

// New builds the command side of actions. Give its Commands and the
// Service itself (a hook) to bot.NewEngine, with bot.Options.ActionsFor set
// to the catalog's Buttons.
func New(o Options) *Service {
	s := &Service{core: newCore(o.Catalog, o.Groups, o.Logger, o.OnOutcome), wake: o.Wake, newID: o.NewID}
	if s.wake == nil {
		s.wake = func() {}
	}
	if s.newID == nil {
		s.newID = newRunID
	}
	return s
}

// ActionsFor lists the action buttons offered on inc (bot.Options.ActionsFor).
func (s *Service) ActionsFor(inc *incident.Incident) []bot.ActionButton { return s.cat.Buttons(inc) }

// newRunID is a UUIDv7: unique across replicas and databases (it is the
// idempotency key other systems remember) and ordered by time.
func newRunID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
