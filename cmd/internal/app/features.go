package app

import (
	"log/slog"
	"slices"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/probe"
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
	wake     *actions.Wakeup
	actions  *actions.Service
	checkins *checkin.Scheduler
	probes   *probe.Service
}

// newFeatures builds every feature of cfg. Metrics go to m, which may be
// nil.
func newFeatures(cfg *config.Config, store storage.Store, clk clock.Clock, m *metrics.Metrics, log *slog.Logger) (*features, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &features{store: store, clock: clk, log: log, wake: actions.NewWakeup()}
	var err error
	if f.checkins, err = newCheckins(cfg, store, clk, m, log); err != nil {
		return nil, err
	}
	if f.probes, err = newProbes(cfg, store, clk, log); err != nil {
		return nil, err
	}
	if f.actions, f.catalog, f.integrations, err = newActions(cfg, f.wake, m, log.With("component", "actions")); err != nil {
		return nil, err
	}
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
		f.probes.Commands(),
	)
}

// hooks see every batch of events a unit of work appends, in this order:
// the check-ins (re)schedule, the actions cancel what waits on a resolved
// incident, the postmortem asks for a draft at resolution, the probes start
// watching a declared incident and challenge a mitigation they do not see.
func (f *features) hooks() []bot.Hook {
	return []bot.Hook{f.checkins, f.actions, postmortem.Hook{}, f.probes}
}

// panels add what the features know to the card and every check-in: the
// impact probes' states and values.
func (f *features) panels() []bot.Panel {
	if f.probes.Len() == 0 {
		return nil
	}
	return []bot.Panel{f.probes}
}

// actionsFor is bot.Options.ActionsFor: the catalog's buttons, or nil when
// no action is in force.
func (f *features) actionsFor() func(*incident.Incident) []bot.ActionButton {
	if f.catalog.Len() == 0 {
		return nil
	}
	return f.catalog.Buttons
}
