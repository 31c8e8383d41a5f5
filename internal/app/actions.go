package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/argocd"
	"github.com/tourniquet/tourniquet/integrations/exec"
	"github.com/tourniquet/tourniquet/integrations/flagsmith"
	"github.com/tourniquet/tourniquet/integrations/githubactions"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
	"github.com/tourniquet/tourniquet/integrations/launchdarkly"
	"github.com/tourniquet/tourniquet/integrations/sandbox"
	"github.com/tourniquet/tourniquet/integrations/unleash"
	"github.com/tourniquet/tourniquet/integrations/webhook"
	"github.com/tourniquet/tourniquet/internal/metrics"
)

// integrationType is what wiring knows of one integration type: how to
// check its settings, which action params it accepts, how to build it.
type integrationType struct {
	validate func(in config.Integration) []config.Problem
	params   func(in config.Integration) spec.Params
	build    func(name string, in config.Integration) (actions.Integration, error)
}

// integrationTypeOf is the explicit list of integration types Tourniquet
// knows. Each package under integrations/ exposes Validate, Params and New
// (see integrations/spec).
func integrationTypeOf(typ string) (integrationType, bool) {
	switch typ {
	case exec.Type:
		return integrationType{exec.Validate, exec.Params,
			func(name string, in config.Integration) (actions.Integration, error) { return exec.New(name, in) }}, true
	case webhook.Type:
		return httpType(webhook.Validate, webhook.Params, webhook.New), true
	case launchdarkly.Type:
		return httpType(launchdarkly.Validate, launchdarkly.Params, launchdarkly.New), true
	case unleash.Type:
		return httpType(unleash.Validate, unleash.Params, unleash.New), true
	case flagsmith.Type:
		return httpType(flagsmith.Validate, flagsmith.Params, flagsmith.New), true
	case argocd.Type:
		return httpType(argocd.Validate, argocd.Params, argocd.New), true
	case githubactions.Type:
		return httpType(githubactions.Validate, githubactions.Params, githubactions.New), true
	case kubernetes.Type:
		return httpType(kubernetes.Validate, kubernetes.Params, kubernetes.New), true
	case sandbox.Type:
		// Only the demo of the run with no configuration; see sandboxMode.
		return integrationType{sandbox.Validate, sandbox.Params, nil}, true
	default:
		return integrationType{}, false
	}
}

// httpType adapts an HTTP integration package (its New takes httpx
// options, none needed here: base URL and timeout come from its settings).
func httpType[C actions.Integration](validate func(config.Integration) []config.Problem, params func(config.Integration) spec.Params,
	newClient func(name string, in config.Integration, opts ...httpx.Option) (C, error)) integrationType {
	return integrationType{validate, params, func(name string, in config.Integration) (actions.Integration, error) {
		c, err := newClient(name, in)
		if err != nil {
			return nil, err
		}
		return c, nil
	}}
}

// knownIntegrationTypes lists the types that can be configured, for
// messages.
func knownIntegrationTypes() []string {
	return []string{argocd.Type, exec.Type, flagsmith.Type, githubactions.Type, kubernetes.Type,
		launchdarkly.Type, unleash.Type, webhook.Type}
}

// ValidateIntegration is the config.IntegrationValidator of every known
// integration type: the type's own checks, or an unknown type.
func ValidateIntegration(name string, in config.Integration) []config.Problem {
	if strings.TrimSpace(in.Type) == "" {
		return nil // config reports a missing type
	}
	it, ok := integrationTypeOf(in.Type)
	if !ok {
		return []config.Problem{{Key: "type", Msg: fmt.Sprintf("unknown integration type %q (known: %s)",
			in.Type, strings.Join(knownIntegrationTypes(), ", "))}}
	}
	return it.validate(in)
}

// actionParams is the actions.ParamChecker of the known integration types.
func actionParams(in config.Integration) (actions.ParamCheck, bool) {
	it, ok := integrationTypeOf(in.Type)
	if !ok {
		return nil, false
	}
	ps := it.params(in)
	return func(params map[string]string) []actions.ParamProblem {
		var out []actions.ParamProblem
		for _, p := range ps.Check(params) {
			out = append(out, actions.ParamProblem{Param: p.Param, Msg: p.Msg})
		}
		return out
	}, true
}

// ValidateActions checks the actions of cfg against what their
// integrations accept (unknown params, missing required ones) and against
// each other (an undo naming no action).
func ValidateActions(cfg *config.Config) []config.Problem {
	return actions.Validate(cfg, actionParams)
}

// LoadConfig is config.Load with every check Tourniquet knows: each
// integration's settings and each action's params. check-config and serve
// use it.
func LoadConfig(path string, getenv func(string) string, readFile func(string) ([]byte, error)) (*config.Config, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	cfg, err := config.Load(path, getenv, readFile, ValidateIntegration)
	if err != nil {
		return nil, err
	}
	if problems := ValidateActions(cfg); len(problems) > 0 {
		return nil, &config.Errors{File: path, Problems: problems, Warnings: cfg.Warnings}
	}
	return cfg, nil
}

// sandboxMode reports whether the demo actions are offered: only when
// nothing is configured (no actions, no integrations, no chat platform),
// the terminal run of the README.
func sandboxMode(cfg *config.Config) bool {
	return len(cfg.Actions) == 0 && len(cfg.Integrations) == 0 && !cfg.Slack.Enabled() && !cfg.Discord.Enabled()
}

// actionsConfig is the actions and integrations in force: the configured
// ones, or the sandbox's.
func actionsConfig(cfg *config.Config) ([]config.Action, map[string]config.Integration) {
	if sandboxMode(cfg) {
		return sandbox.Actions(), sandbox.Integrations()
	}
	return cfg.Actions, cfg.Integrations
}

// ActionCatalog builds the catalog of actions in force.
func ActionCatalog(cfg *config.Config) (*actions.Catalog, error) {
	acts, ints := actionsConfig(cfg)
	return actions.NewCatalog(acts, ints)
}

// actionButtons is bot.Options.ActionsFor for cfg; nil when the catalog
// cannot be built (StartActions reports why).
func actionButtons(cfg *config.Config) func(*incident.Incident) []bot.ActionButton {
	cat, err := ActionCatalog(cfg)
	if err != nil || cat.Len() == 0 {
		return nil
	}
	return cat.Buttons
}

// BuildIntegrations builds the integration instances the catalog's actions
// use (only those), by type.
func BuildIntegrations(cfg *config.Config, cat *actions.Catalog) (map[string]actions.Integration, error) {
	_, ints := actionsConfig(cfg)
	out := map[string]actions.Integration{}
	var errs []error
	for _, a := range cat.All() {
		name := a.Integration
		if name == "" || out[name] != nil {
			continue
		}
		in := ints[name]
		if in.Type == sandbox.Type && sandboxMode(cfg) {
			out[name] = sandbox.New(name)
			continue
		}
		it, ok := integrationTypeOf(in.Type)
		if !ok || it.build == nil {
			errs = append(errs, fmt.Errorf("integration %s: type %q cannot be used (known: %s)", name, in.Type, strings.Join(knownIntegrationTypes(), ", ")))
			continue
		}
		integ, err := it.build(name, in)
		if err != nil {
			errs = append(errs, fmt.Errorf("integration %s: %w", name, err))
			continue
		}
		out[name] = integ
	}
	return out, errors.Join(errs...)
}

// StartActions wires mitigation actions into engine (the run, confirm,
// approve, cancel and verify commands) and runs their runner until ctx is
// done or stop is called; stop waits for calls in flight (a bounded
// while). Call it before the engine handles commands; build the engine
// with EngineOptions, which offers the same catalog's buttons. m may be
// nil.
func StartActions(ctx context.Context, cfg *config.Config, engine *bot.Engine, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "actions")
	if problems := ValidateActions(cfg); len(problems) > 0 {
		return nil, fmt.Errorf("actions: %w", &config.Errors{Problems: problems})
	}
	cat, err := ActionCatalog(cfg)
	if err != nil {
		return nil, err
	}
	ints, err := BuildIntegrations(cfg, cat)
	if err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	runner, err := actions.NewRunner(engine, actions.RunnerOptions{Catalog: cat, Integrations: ints, Logger: log, Metrics: m})
	if err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	actions.New(engine, actions.Options{Catalog: cat, Groups: groupsOf(cfg), Logger: log, Metrics: m, Wake: runner.Wake})
	if sandboxMode(cfg) {
		var ids []string
		for _, a := range cat.All() {
			ids = append(ids, a.ID)
		}
		log.Info("no actions configured: offering the sandbox demo actions (nothing real is touched)", "actions", strings.Join(ids, ", "))
	}
	return runInBackground(ctx, runner.Run), nil
}

func groupsOf(cfg *config.Config) incident.Groups {
	groups := incident.Groups{}
	for name, members := range cfg.Groups {
		groups[name] = members
	}
	return groups
}
