package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
	"github.com/tourniquet/tourniquet/internal/clock"
)

// changesPanel lists the changes to an incident's services on its card
// and check-ins, with the actions' undo buttons.
func changesPanel(cfg *config.Config, acts *actions.Service) bot.Panel {
	return changes.NewPanel(changes.PanelOptions{Window: cfg.Changes.Window, Undo: acts.UndoButtons})
}

// changeIntake takes changes in: POST/GET /api/v1/changes and the
// webhooks whose secrets are configured.
func changeIntake(cfg *config.Config, store changes.Store, clk clock.Clock, log *slog.Logger) *changes.Intake {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return changes.NewIntake(changes.IntakeOptions{Store: store, Clock: clk, APIToken: cfg.APIToken,
		GitHubSecret: cfg.Changes.GitHubSecret, LaunchDarklySecret: cfg.Changes.LaunchDarklySecret,
		ArgoCDToken: cfg.Changes.ArgoCDToken, Logger: log.With("component", "changes")})
}

// deploymentWatcher is the Kubernetes integration's watch.
type deploymentWatcher interface {
	WatchDeployments(ctx context.Context, ns string, fn func(d kubernetes.DeploymentState, listed bool)) error
}

// StartKubeWatch watches the Deployments of changes.kubernetes.namespaces
// through the named integration and records each rollout, until ctx is
// done or stop is called; it does nothing when no watch is configured.
func StartKubeWatch(ctx context.Context, cfg *config.Config, f *features) (stop func(), err error) {
	kw := cfg.Changes.Kubernetes
	if kw.Integration == "" {
		return func() {}, nil
	}
	w, ok := f.integrations[kw.Integration].(deploymentWatcher)
	if !ok { // not built for an action: build it for the watch
		c, err := kubernetes.New(kw.Integration, cfg.Integrations[kw.Integration])
		if err != nil {
			return nil, fmt.Errorf("changes.kubernetes.integration: %w", err)
		}
		w = c
	}
	watch := func(ctx context.Context, ns string, fn func(changes.Rollout, bool)) error {
		return w.WatchDeployments(ctx, ns, func(d kubernetes.DeploymentState, listed bool) {
			fn(changes.Rollout{Namespace: d.Namespace, Name: d.Name, Labels: d.Labels, Revision: d.Revision, Images: d.Images}, listed)
		})
	}
	k := changes.NewKubeWatch(changes.KubeWatchOptions{Watch: watch, Namespaces: kw.Namespaces, Store: f.store,
		Clock: f.clock, Logger: f.log.With("component", "kubewatch")})
	return runInBackground(ctx, k.Run), nil
}
