package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/argocd"
	"github.com/tourniquet/tourniquet/integrations/exec"
	"github.com/tourniquet/tourniquet/integrations/flagsmith"
	"github.com/tourniquet/tourniquet/integrations/githubactions"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
	"github.com/tourniquet/tourniquet/integrations/launchdarkly"
	"github.com/tourniquet/tourniquet/integrations/sandbox"
	"github.com/tourniquet/tourniquet/integrations/unleash"
	"github.com/tourniquet/tourniquet/integrations/webhook"
)

// integrationTypes are the integration types Tourniquet knows: one
// descriptor per package under integrations/, listed here and nowhere else
// (no init() registry). Adding an integration is one line here.
var integrationTypes = []spec.Descriptor{
	argocd.Descriptor,
	exec.Descriptor,
	flagsmith.Descriptor,
	githubactions.Descriptor,
	kubernetes.Descriptor,
	launchdarkly.Descriptor,
	sandbox.Descriptor, // demo only: see sandboxMode
	unleash.Descriptor,
	webhook.Descriptor,
}

// integrationTypeOf returns the descriptor of typ from integrationTypes.
func integrationTypeOf(typ string) (spec.Descriptor, bool) {
	i := slices.IndexFunc(integrationTypes, func(d spec.Descriptor) bool { return d.Type == typ })
	if i < 0 {
		return spec.Descriptor{}, false
	}
	return integrationTypes[i], true
}

// knownIntegrationTypes lists the types that can be configured, sorted,
// for messages: every one of integrationTypes but the demo's.
func knownIntegrationTypes() []string {
	var out []string
	for _, d := range integrationTypes {
		if !d.DemoOnly {
			out = append(out, d.Type)
		}
	}
	slices.Sort(out)
	return out
}

// ValidateIntegration is the config.IntegrationValidator of every known
// integration type: the type's own checks, or an unknown type.
func ValidateIntegration(name string, in config.Integration) []config.Problem {
	if strings.TrimSpace(in.Type) == "" {
		return nil // config reports a missing type
	}
	d, ok := integrationTypeOf(in.Type)
	if !ok {
		return []config.Problem{{Key: "type", Msg: fmt.Sprintf("unknown integration type %q (known: %s)",
			in.Type, strings.Join(knownIntegrationTypes(), ", "))}}
	}
	return d.Validate(in)
}

// actionParams is the actions.ParamChecker of the known integration types.
func actionParams(in config.Integration) (actions.ParamCheck, bool) {
	d, ok := integrationTypeOf(in.Type)
	if !ok {
		return nil, false
	}
	ps := d.Params(in)
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

// BuildIntegrations builds the integration instances the catalog's actions
// use (only those), by type.
func BuildIntegrations(cfg *config.Config, cat *actions.Catalog) (map[string]actiontype.Integration, error) {
	_, ints := actionsConfig(cfg)
	out := map[string]actiontype.Integration{}
	var errs []error
	for _, a := range cat.All() {
		name := a.Integration
		if name == "" || out[name] != nil {
			continue
		}
		in := ints[name]
		d, ok := integrationTypeOf(in.Type)
		if !ok || (d.DemoOnly && !sandboxMode(cfg)) {
			errs = append(errs, fmt.Errorf("integration %s: type %q cannot be used (known: %s)", name, in.Type, strings.Join(knownIntegrationTypes(), ", ")))
			continue
		}
		integ, err := d.New(name, in)
		if err != nil {
			errs = append(errs, fmt.Errorf("integration %s: %w", name, err))
			continue
		}
		out[name] = integ
	}
	return out, errors.Join(errs...)
}

// newActions builds the command side of mitigation actions, validated
// against their integrations, and the integrations their runs call. The
// outcomes of runs are counted in m, which may be nil.
func newActions(cfg *config.Config, wake *actions.Wakeup, m *metrics.Metrics, log *slog.Logger) (*actions.Service, *actions.Catalog, map[string]actiontype.Integration, error) {
	if problems := ValidateActions(cfg); len(problems) > 0 {
		return nil, nil, nil, fmt.Errorf("actions: %w", &config.Errors{Problems: problems})
	}
	cat, err := ActionCatalog(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	ints, err := BuildIntegrations(cfg, cat)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("actions: %w", err)
	}
	svc := actions.New(actions.Options{Catalog: cat, Groups: groupsOf(cfg), Logger: log, OnOutcome: m.ActionRun, Wake: wake.Wake})
	if sandboxMode(cfg) {
		var ids []string
		for _, a := range cat.All() {
			ids = append(ids, a.ID)
		}
		log.Info("no actions configured: offering the sandbox demo actions (nothing real is touched)", "actions", strings.Join(ids, ", "))
	}
	return svc, cat, ints, nil
}

// StartActions runs the action runner through engine until ctx is done or
// stop is called; stop waits for calls in flight (a bounded while). The
// outcomes of runs are counted in m, which may be nil.
func StartActions(ctx context.Context, f *features, engine actions.SystemRunner, m *metrics.Metrics) (stop func(), err error) {
	runner, err := actions.NewRunner(engine, actions.RunnerOptions{Store: f.store, Clock: f.clock, Catalog: f.catalog,
		Integrations: f.integrations, Wakeup: f.wake, Logger: f.log.With("component", "actions"), OnOutcome: m.ActionRun,
		VerifyTimeout: f.verifyTimeout, VerifyFirst: f.verifyPoll, VerifyLongest: 4 * f.verifyPoll})
	if err != nil {
		return nil, fmt.Errorf("actions: %w", err)
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
