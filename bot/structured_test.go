package bot

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// A form's fields and a platform's typed options build the same command
// as the typed line that says the same: the values go through the same
// validators, only the way in differs.
func TestStructuredAndTypedReadTheSame(t *testing.T) {
	e, err := NewEngine(Options{Commands: Commands()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		inv  Invocation
	}{
		{"declare here sev1 Checkout <@U1|ana> errors", Invocation{Command: "declare",
			Args: map[string]string{"here": "true", "severity": "SEV1", "title": "Checkout <@U1|ana> errors"}}},
		{"INC-7 sev 2", Invocation{Command: "sev", Incident: "inc-7", Args: map[string]string{"severity": "2"}}},
		{"lead <@U2|bob>", Invocation{Command: "lead", Args: map[string]string{"user": "<@U2|bob>"}}},
		{"role comms none", Invocation{Command: "role", Args: map[string]string{"role": "comms", "clear": "true"}}},
		{"services checkout, payments", Invocation{Command: "services", Args: map[string]string{"names": "checkout,payments"}}},
		{"impact-started -90m force", Invocation{Command: "impact-started", Args: map[string]string{"when": "-90m force"}}},
		{"resolve --ongoing fixed <!here>", Invocation{Command: "close", Args: map[string]string{"ongoing": "true", "summary": "fixed <!here>"}}},
		{"actions 3", Invocation{Command: "actions", Args: map[string]string{"page": "3"}}},
		{"note pinned", Invocation{Command: "note", Args: map[string]string{"text": "pinned"}}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, typed, err := e.read(Invocation{Text: tt.line})
			if err != nil {
				t.Fatalf("typed: %v", err)
			}
			_, built, err := e.read(tt.inv)
			if err != nil {
				t.Fatalf("structured: %v", err)
			}
			if typed.Name != built.Name || typed.Incident != built.Incident || !reflect.DeepEqual(typed.args, built.args) {
				t.Fatalf("typed %+v\nbuilt %+v", typed, built)
			}
			if !typed.Typed() || built.Typed() {
				t.Errorf("Typed: %v for the line, %v for the structured one", typed.Typed(), built.Typed())
			}
		})
	}
}

// A structured invocation is refused with the words the typed line gets,
// and for what only it can say wrong: an option the command does not
// have, a required one missing, an incident that is not a key.
func TestStructuredRefusals(t *testing.T) {
	e, err := NewEngine(Options{Commands: Commands()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		inv  Invocation
		want string
	}{
		{Invocation{Command: "declare", Args: map[string]string{"severity": "sev1"}}, "give the incident a title"},
		{Invocation{Command: "declare", Args: map[string]string{"title": strings.Repeat("x", 201)}}, "201 characters"},
		{Invocation{Command: "declare", Args: map[string]string{"title": "x", "services": "a$b"}}, `"a$b" is not a service name`},
		{Invocation{Command: "declare", Args: map[string]string{"title": "x", "impact_started": "soon"}}, `impact start: "soon" is not a time`},
		{Invocation{Command: "declare", Args: map[string]string{"title": "x", "colour": "red"}}, `declare has no option "colour"`},
		{Invocation{Command: "sev", Args: map[string]string{"severity": "7"}}, `"7" is not a severity`},
		{Invocation{Command: "sev"}, "which severity?"},
		{Invocation{Command: "status", Incident: "seven"}, `"seven" is not an incident`},
		{Invocation{Command: "frobnicate"}, `unknown command "frobnicate"`},
		{Invocation{Command: "note", Args: map[string]string{"text": strings.Repeat("x", maxCommandLen+1)}}, "text is too long"},
		{Invocation{Text: "declare Other words", Args: map[string]string{"title": "Checkout"}}, `"title" is given twice`},
	}
	for _, tt := range tests {
		_, _, err := e.read(tt.inv)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Error(), tt.want) || ue.Usage == "" {
			t.Errorf("%+v: %v, want a usage error containing %q", tt.inv, err, tt.want)
		}
	}
}
