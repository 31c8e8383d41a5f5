// Package tmpl renders the templates of integration settings (a webhook's
// URL and body, a workflow's inputs) over one fixed set of variables, so
// that what an action can say about a run is the same everywhere:
//
//	{{.IncidentKey}}  INC-7
//	{{.ActionID}}     kill-new-checkout
//	{{.RunID}}        the run's ID (the idempotency key)
//	{{.Actor.Ref}}    slack:U0123ABCD (immutable)
//	{{.Actor.Name}}   alice (display name; may change)
//	{{.Params.flag}}  an action param (a missing one is an error)
//	{{.Undo}}         true when the run asks for the inverse operation
//	{{.Change.PreviousVersion}}  of the change a run undoes (undo_for params):
//	                  .Change.Service, .Kind, .Version, .PreviousVersion,
//	                  .Flag, .Value, .By, .Link, .ID; empty otherwise
//
// Templates are Go text/template with three extra functions: json (a value
// as a JSON literal, quotes included: {"flag": {{json .Params.flag}}}),
// pathescape and queryescape.
//
// It is support code under integrations/kit, not an integration: it may
// import actiontype (the Request it reads), incident (the Change) and the
// standard library,
// nothing else of Tourniquet.
package tmpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
)

// Vars are the variables a template sees.
type Vars struct {
	IncidentKey string
	ActionID    string
	RunID       string
	Actor       Actor
	Params      map[string]string
	Undo        bool
	// Change is the change an undo_for rule's params are rendered from.
	Change Change
}

// Change is what a template sees of a change (undo_for params): user
// text from CI or a webhook, so a template should pass it on as a value,
// never build a command or a URL path from it without escaping.
type Change struct {
	ID              int64
	Service         string
	Kind            string
	Version         string
	PreviousVersion string
	Flag            string
	Value           string
	By              string
	Link            string
}

// ChangeOf is what a template sees of c.
func ChangeOf(c incident.Change) Change {
	return Change{ID: c.ID, Service: c.Service, Kind: string(c.Kind), Version: c.Version, PreviousVersion: c.PreviousVersion,
		Flag: c.Flag, Value: c.Value, By: c.By, Link: c.Link}
}

// Actor is who started the run.
type Actor struct {
	// Ref is "platform:id", immutable.
	Ref string
	// Name is the display name.
	Name string
}

// FromRequest returns the variables of a run.
func FromRequest(req actiontype.Request) Vars {
	params := req.Params
	if params == nil {
		params = map[string]string{}
	}
	ref := ""
	if !req.Actor.IsZero() {
		ref = req.Actor.Ref()
	}
	return Vars{
		IncidentKey: req.IncidentKey,
		ActionID:    req.ActionID,
		RunID:       req.RunID,
		Actor:       Actor{Ref: ref, Name: req.Actor.Display()},
		Params:      params,
		Undo:        req.Undo,
	}
}

// Sample is what check-config renders templates with.
var Sample = Vars{
	IncidentKey: "INC-1",
	ActionID:    "sample-action",
	RunID:       "00000000-0000-0000-0000-000000000000",
	Actor:       Actor{Ref: "slack:U00000000", Name: "sample"},
	Params:      map[string]string{},
	Change: Change{ID: 1, Service: "checkout", Kind: "deploy", Version: "v42", PreviousVersion: "v41",
		Flag: "new-checkout", Value: "on", By: "sample", Link: "https://ci.example.com/1"},
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"pathescape":  url.PathEscape,
	"queryescape": url.QueryEscape,
}

// Template is a parsed template.
type Template struct {
	name string
	t    *template.Template
}

// Parse parses text; name says which setting it came from, in errors.
func Parse(name, text string) (*Template, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, cleanErr(err, name))
	}
	return &Template{name: name, t: t}, nil
}

// Render executes the template over v. A param the template names but the
// action does not set is an error.
func (t *Template) Render(v Vars) (string, error) {
	var b bytes.Buffer
	if err := t.t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("%s: %s", t.name, cleanErr(err, t.name))
	}
	return b.String(), nil
}

// Check renders the template over Sample, with every param it names set,
// to find mistakes (an unknown variable, a bad function call) before a run.
func (t *Template) Check() error {
	v := Sample
	v.Params = map[string]string{}
	for _, p := range t.Params() {
		v.Params[p] = "sample"
	}
	_, err := t.Render(v)
	return err
}

// Params returns the names of the params the template refers to as
// .Params.name, in order of first use.
func (t *Template) Params() []string {
	var out []string
	seen := map[string]bool{}
	for _, tt := range t.t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root, func(ident []string) {
				if len(ident) >= 2 && ident[0] == "Params" && !seen[ident[1]] {
					seen[ident[1]] = true
					out = append(out, ident[1])
				}
			})
		}
	}
	return out
}

// IsStatic reports whether the template has no actions (plain text).
func (t *Template) IsStatic() bool {
	root := t.t.Tree.Root
	for _, n := range root.Nodes {
		if n.Type() != parse.NodeText {
			return false
		}
	}
	return true
}

func walk(n parse.Node, visit func([]string)) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, visit)
		}
	case *parse.ActionNode:
		walk(n.Pipe, visit)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, visit)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, visit)
		}
	case *parse.FieldNode:
		visit(n.Ident)
	case *parse.ChainNode:
		walk(n.Node, visit)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.TemplateNode:
		walk(n.Pipe, visit)
	}
}

func walkBranch(b *parse.BranchNode, visit func([]string)) {
	walk(b.Pipe, visit)
	walk(b.List, visit)
	walk(b.ElseList, visit)
}

var missingKey = regexp.MustCompile(`^\d+:\d+: executing "[^"]*" at <[^>]*>: map has no entry for key "([^"]*)"$`)

// cleanErr drops the "template: name:" prefix text/template puts on errors
// and says plainly when a param is missing.
func cleanErr(err error, name string) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "template: ")
	s = strings.TrimSpace(strings.TrimPrefix(s, name+":"))
	if m := missingKey.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("action param %q is not set", m[1])
	}
	return s
}
