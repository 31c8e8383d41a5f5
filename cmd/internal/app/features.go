package app

import (
	"log/slog"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/followup"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/paging"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
)

// features are the feature packages as the configuration sets them up,
// built before the engine: their commands and hooks are the engine's, and
// their background workers start once the engine exists (startWorkers).
type features struct {
	store storage.Store
	clock clock.Clock
	log   *slog.Logger

	catalog      *actions.Catalog
	integrations map[string]actiontype.Integration
	// wake carries "a run is ready" from the actions' commands to the
	// runner, built after the engine.
	wake      *actions.Wakeup
	actions   *actions.Service
	checkins  *checkin.Scheduler
	alerts    *alerts.Router
	paging    *paging.Service
	probes    *probe.Service
	followUps *followup.Feature
	// changes lists the changes before impact, with their undo buttons,
	// on the card and check-ins.
	changes bot.Panel
	// verifyTimeout bounds the watch of an action's effect
	// (changes.verify_timeout).
	verifyTimeout time.Duration
	// verifyPoll, when set, is the first wait between looks at an
	// effect (tests shorten it; 0 is the runner's default).
	verifyPoll time.Duration
}

// newFeatures builds every feature of cfg. Metrics go to m, which may be
// nil.
func newFeatures(cfg *config.Config, store storage.Store, clk clock.Clock, m *metrics.Metrics, log *slog.Logger) (*features, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &features{store: store, clock: clk, log: log, wake: actions.NewWakeup(), followUps: newFollowUps(cfg)}
	var err error
	if f.paging, err = newPaging(cfg, store, clk, m, log); err != nil {
		return nil, err
	}
	if f.checkins, err = newCheckins(cfg, store, clk, m, log, escalationPager(cfg, f.paging)); err != nil {
		return nil, err
	}
	if f.alerts, err = newAlerts(cfg, store, clk, log); err != nil {
		return nil, err
	}
	if f.probes, err = newProbes(cfg, store, clk, m, log); err != nil {
		return nil, err
	}
	if f.actions, f.catalog, f.integrations, err = newActions(cfg, f.wake, m, log.With("component", "actions")); err != nil {
		return nil, err
	}
	f.changes = changesPanel(cfg, f.actions)
	f.verifyTimeout = cfg.Changes.VerifyTimeout
	return f, nil
}

// commands are every command the bot runs, feature by feature: the one
// place they are listed. Help lists them by section (bot.Section), in
// this order within one.
func (f *features) commands() []bot.CommandSpec {
	return slices.Concat(
		bot.Commands(),
		f.actions.Commands(),
		f.checkins.Commands(),
		postmortem.Commands(),
		f.alerts.Commands(),
		f.paging.Commands(),
		f.followUps.Commands(),
		f.probes.Commands(),
		readiness.Commands(),
	)
}

// hooks see every batch of events a unit of work appends, in this order:
// the check-ins (re)schedule, the actions cancel what waits on a resolved
// incident, the postmortem asks for a draft at resolution, readiness keeps
// fail-forward deadlines, the probes start watching a declared incident and
// challenge a mitigation they do not see, the follow-ups ask for
// their tickets at resolution (when so configured).
func (f *features) hooks() []bot.Hook {
	return []bot.Hook{f.checkins, f.actions, postmortem.Hook{}, readiness.Hook{}, f.probes, f.paging, f.followUps}
}

// panels add what the features know to the card and every check-in: the
// changes before impact with their undo buttons, the impact probes'
// states and values, a drill's banner, a resolved incident's follow-ups
// and the button that adds one.
func (f *features) panels() []bot.Panel {
	ps := []bot.Panel{f.changes, bot.PanelFunc(readiness.Panel)}
	if f.probes.Len() > 0 {
		ps = append(ps, f.probes)
	}
	return append(ps, f.followUps)
}

// actionsFor is bot.Options.ActionsFor: the catalog's buttons, or nil when
// no action is in force.
func (f *features) actionsFor() func(*incident.Incident) []bot.ActionButton {
	if f.catalog.Len() == 0 {
		return nil
	}
	return f.catalog.Buttons
}
