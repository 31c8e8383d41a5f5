package bot

import (
	"errors"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
)

// The declare flags (here, private, then a severity) come before the
// title; here and private count only before a severity, or when nothing
// follows them: a title is never guessed into flags.
func TestDeclareFlagsNeverEatTheTitle(t *testing.T) {
	e, err := NewEngine(Options{Commands: Commands()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line          string
		here, private bool
		sev           incident.Severity
		title         string
	}{
		{"declare Here comes trouble", false, false, "", "Here comes trouble"},
		{"declare here comes trouble", false, false, "", "here comes trouble"},
		{"declare Private API keys leaked", false, false, "", "Private API keys leaked"},
		{"declare here private Checkout errors", false, false, "", "here private Checkout errors"},
		{"declare here sev2 Checkout errors", true, false, incident.Sev2, "Checkout errors"},
		{"declare sev2 here Checkout errors", false, false, incident.Sev2, "here Checkout errors"},
		{"declare HERE SEV3 Slow search", true, false, incident.Sev3, "Slow search"},
		{"declare private sev1 Payroll export leaks", false, true, incident.Sev1, "Payroll export leaks"},
		{"declare private here sev1 Payroll", true, true, incident.Sev1, "Payroll"},
		{"declare sev1 Here comes trouble", false, false, incident.Sev1, "Here comes trouble"},
		{"declare sev1 here", false, false, incident.Sev1, "here"},
		{"declare Several users locked out", false, false, "", "Several users locked out"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, err := e.Parse(tt.line)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			here, private, sev, title := c.Flag(FieldHere), c.Flag(FieldPrivate), c.Severity(FieldSeverity), c.Text(FieldTitle)
			if here != tt.here || private != tt.private || sev != tt.sev || title != tt.title {
				t.Fatalf("got here=%v private=%v sev=%q title=%q, want here=%v private=%v sev=%q title=%q",
					here, private, sev, title, tt.here, tt.private, tt.sev, tt.title)
			}
		})
	}
}

// "declare here" or "declare private" alone has flags and no title: a
// platform with a form opens it, prefilled; the terminal asks for a title.
func TestDeclareWithoutTitleKeepsItsFlags(t *testing.T) {
	e, err := NewEngine(Options{Commands: Commands()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		line          string
		here, private bool
		sev           incident.Severity
	}{
		{"declare", false, false, ""},
		{"declare here", true, false, ""},
		{"declare private", false, true, ""},
		{"declare here sev1", true, false, incident.Sev1},
		{"/incident declare private sev2", false, true, incident.Sev2},
	} {
		c, ok := DeclareWithoutTitle(tt.line)
		if !ok || c.Flag(FieldHere) != tt.here || c.Flag(FieldPrivate) != tt.private || c.Severity(FieldSeverity) != tt.sev {
			t.Errorf("DeclareWithoutTitle(%q) = %+v, %v", tt.line, c, ok)
		}
		_, err := e.Parse(tt.line)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Usage != Usage(CmdDeclare) {
			t.Errorf("Parse(%q) = %v, want the title asked for", tt.line, err)
		}
	}
	for _, line := range []string{"declare Here comes trouble", "declare sev1 x", "status", "INC-7 declare here", "declare sev9"} {
		if _, ok := DeclareWithoutTitle(line); ok {
			t.Errorf("DeclareWithoutTitle(%q) = true", line)
		}
	}
}
