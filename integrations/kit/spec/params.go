package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Param is one action parameter an integration accepts.
type Param struct {
	// Name is the key under the action's params.
	Name string
	// Required is true when the action must set it.
	Required bool
	// Doc says what it is, for error messages and documentation.
	Doc string
}

// Params lists the action parameters an integration accepts.
type Params struct {
	// List are the named parameters, in documentation order.
	List []Param
	// Open is true when any other name is accepted too (templates may
	// refer to any param, or every other param becomes a workflow input).
	Open bool
}

// ParamProblem is one thing wrong with an action's params.
type ParamProblem struct {
	// Param is the offending param's name.
	Param string
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "flag: required".
func (p ParamProblem) String() string { return p.Param + ": " + p.Msg }

// Names returns the names of the listed params.
func (p Params) Names() []string {
	out := make([]string, len(p.List))
	for i, x := range p.List {
		out[i] = x.Name
	}
	return out
}

// Lookup returns the named param.
func (p Params) Lookup(name string) (Param, bool) {
	i := slices.IndexFunc(p.List, func(x Param) bool { return x.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return p.List[i], true
}

// Check reports the params an action sets that the integration does not
// accept (unless Open) and the required ones it leaves out or empty, in a
// stable order: unknown names sorted, then missing ones in list order.
func (p Params) Check(params map[string]string) []ParamProblem {
	var out []ParamProblem
	if !p.Open {
		var unknown []string
		for k := range params {
			if _, ok := p.Lookup(k); !ok {
				unknown = append(unknown, k)
			}
		}
		slices.Sort(unknown)
		for _, k := range unknown {
			out = append(out, ParamProblem{Param: k, Msg: fmt.Sprintf("unknown param (accepted: %s)", p.accepted())})
		}
	}
	return append(out, p.Missing(params)...)
}

// Missing reports the required params that are absent or blank.
func (p Params) Missing(params map[string]string) []ParamProblem {
	var out []ParamProblem
	for _, x := range p.List {
		if x.Required && strings.TrimSpace(params[x.Name]) == "" {
			msg := "required"
			if x.Doc != "" {
				msg += ": " + x.Doc
			}
			out = append(out, ParamProblem{Param: x.Name, Msg: msg})
		}
	}
	return out
}

func (p Params) accepted() string {
	if len(p.List) == 0 {
		return "none"
	}
	return strings.Join(p.Names(), ", ")
}

// Pick returns params[name] when set, else def, trimmed.
func Pick(params map[string]string, name, def string) string {
	if v := strings.TrimSpace(params[name]); v != "" {
		return v
	}
	return strings.TrimSpace(def)
}
