package actions

import (
	"fmt"
	"maps"
	"strings"

	"github.com/tourniquet/tourniquet/config"
)

// ParamProblem is one thing wrong with an action's params, as an
// integration sees it.
type ParamProblem struct {
	// Param is the offending param's name.
	Param string
	// Msg says what is wrong ("unknown param (accepted: flag, project)").
	Msg string
}

// ParamCheck checks the params an action passes to one integration
// instance: unknown names, required ones missing. Integration packages
// declare what they accept (integrations/kit/spec.Params); wiring adapts that
// declaration to this function, so that this package needs no import of
// any integration.
type ParamCheck func(params map[string]string) []ParamProblem

// ParamChecker returns the ParamCheck of an integration instance, and false
// when its type is unknown (the integration validator reports that).
type ParamChecker func(in config.Integration) (ParamCheck, bool)

// Validate checks the actions of cfg for check-config: an integration that
// is not defined, params the integration does not accept or requires, an
// undo naming no action. Problem keys are "actions[2].params.flag". It
// repeats the checks config.Load makes on its own (an unknown integration,
// an undo naming no action) so that it is complete by itself, for a
// configuration built in code.
func Validate(cfg *config.Config, params ParamChecker) []config.Problem {
	var out []config.Problem
	fail := func(key, format string, args ...any) {
		out = append(out, config.Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	ids := map[string]bool{}
	for _, a := range cfg.Actions {
		ids[a.ID] = true
	}
	for i, a := range cfg.Actions {
		p := fmt.Sprintf("actions[%d]", i)
		if a.Undo != "" && (!ids[a.Undo] || a.Undo == a.ID) {
			fail(p+".undo", "%q names no other action", a.Undo)
		}
		if a.Integration == "" {
			if len(a.Params) > 0 {
				fail(p+".params", "params are passed to an integration, and this action names none")
			}
			if len(a.Drill) > 0 {
				fail(p+".drill", "drill params are passed to an integration, and this action names none")
			}
			continue
		}
		in, ok := cfg.Integrations[a.Integration]
		if !ok {
			fail(p+".integration", "integration %q is not defined in integrations", a.Integration)
			continue
		}
		if params == nil {
			continue
		}
		check, ok := params(in)
		if !ok || check == nil {
			continue
		}
		for _, pp := range check(a.Params) {
			fail(p+".params."+pp.Param, "%s (integration %s, type %s)", strings.TrimSpace(pp.Msg), a.Integration, in.Type)
		}
		if a.UndoFor != nil && len(a.UndoFor.Params) > 0 {
			// The params of an undo are the action's with the change's
			// laid over them: the integration must accept the result.
			merged := maps.Clone(a.Params)
			if merged == nil {
				merged = map[string]string{}
			}
			maps.Copy(merged, a.UndoFor.Params)
			for _, pp := range check(merged) {
				if _, ours := a.UndoFor.Params[pp.Param]; ours {
					fail(p+".undo_for.params."+pp.Param, "%s (integration %s, type %s)", strings.TrimSpace(pp.Msg), a.Integration, in.Type)
				}
			}
		}
		if len(a.Drill) > 0 { // a drill runs with the params overlaid by the drill's
			for _, pp := range check(DrillParams(a.Params, a.Drill)) {
				fail(p+".drill."+pp.Param, "%s (integration %s, type %s)", strings.TrimSpace(pp.Msg), a.Integration, in.Type)
			}
		}
	}
	return out
}

// DrillParams are the params an action runs with in a drill: its params
// with each of its drill params put over them.
func DrillParams(params, drill map[string]string) map[string]string {
	out := make(map[string]string, len(params)+len(drill))
	for k, v := range params {
		out[k] = v
	}
	for k, v := range drill {
		out[k] = v
	}
	return out
}
