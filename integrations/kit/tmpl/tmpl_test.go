package tmpl_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

var req = actiontype.Request{
	RunID: "run-1", IncidentKey: "INC-7", ActionID: "kill", ActionTitle: "Kill",
	Actor:  incident.Actor{Platform: "slack", ID: "U1", Name: `al"ice`},
	Params: map[string]string{"flag": "a/b c", "env": "prod"}, Undo: true,
}

func TestRenderFixedVariablesAndFunctions(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"{{.IncidentKey}} {{.ActionID}} {{.RunID}} {{.Actor.Ref}} {{.Undo}}", "INC-7 kill run-1 slack:U1 true"},
		{`{"by": {{json .Actor.Name}}, "flag": {{json .Params.flag}}}`, `{"by": "al\"ice", "flag": "a/b c"}`},
		{"/f/{{pathescape .Params.flag}}?e={{queryescape .Params.env}}", "/f/a%2Fb%20c?e=prod"},
		{"{{if .Undo}}on{{else}}off{{end}}", "on"},
	} {
		tp, err := tmpl.Parse("t", tc.text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tp.Render(tmpl.FromRequest(req))
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.text, got, err, tc.want)
		}
	}
}

func TestMissingParamAndUnknownVariableAreErrors(t *testing.T) {
	tp, _ := tmpl.Parse("body", "{{.Params.nope}}")
	if _, err := tp.Render(tmpl.FromRequest(req)); err == nil || err.Error() != `body: action param "nope" is not set` {
		t.Errorf("err = %v", err)
	}
	tp, _ = tmpl.Parse("url", "{{.Incident}}")
	if err := tp.Check(); err == nil || !strings.Contains(err.Error(), "Incident") {
		t.Errorf("Check = %v", err)
	}
	if _, err := tmpl.Parse("url", "{{.Params.x"); err == nil || !strings.HasPrefix(err.Error(), "url: ") {
		t.Errorf("Parse = %v", err)
	}
}

func TestParamsAndIsStatic(t *testing.T) {
	tp, _ := tmpl.Parse("t", `{{.Params.a}}{{if .Params.b}}{{json .Params.c}}{{else}}{{.Params.a}}{{end}}{{with .Params.d}}{{.}}{{end}}`)
	if got := tp.Params(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("Params = %v", got)
	}
	if err := tp.Check(); err != nil {
		t.Errorf("Check = %v", err)
	}
	static, _ := tmpl.Parse("t", "https://example.com/x")
	if !static.IsStatic() || tp.IsStatic() {
		t.Error("IsStatic wrong")
	}
}
