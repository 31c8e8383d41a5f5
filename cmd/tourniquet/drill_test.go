package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/internal/termtest"
	"github.com/tourniquet/tourniquet/readiness"
)

// TestDrillEndToEndInTheTerminal: a person opens a drill in the terminal
// with the sandbox, clicks the kill switch, which turns off the staging
// flag (its drill target), not the real one; says impact is mitigated;
// resolves; and sees the grade. `tourniquet readiness` then shows the
// drill, and the export marks the incident a drill.
func TestDrillEndToEndInTheTerminal(t *testing.T) {
	dir := t.TempDir()
	kv := map[string]string{
		"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(dir, "tq.db"),
		"TOURNIQUET_LISTEN":       freeAddr(t),
		"TOURNIQUET_LOG_LEVEL":    "warn",
		"HOME":                    dir,
		"XDG_STATE_HOME":          dir,
	}
	term := termtest.Open(t, 200, 400)
	wait := session(t, term, kv)
	waitBottom(term, "lobby>")
	term.Type("/incident drill demo-shop bad deploy" + termtest.Enter)
	term.WaitFor("#drill-1-demo-shop-bad-deploy opened for INC-1")
	waitBottom(term, "INC-1>")
	term.Type("5" + termtest.Enter) // [5] Kill switch: new-checkout
	term.WaitFor("[y/N]")
	term.Type("y" + termtest.Enter)
	term.WaitFor("flag new-checkout-staging turned off")
	waitBottom(term, "INC-1>")
	term.Type("1" + termtest.Enter) // [1] Yes, mitigated
	term.WaitFor("Customer impact mitigated")
	term.WaitFor("🧪 DRILL of demo-shop (bad deploy)") // the card, as updated
	waitBottom(term, "INC-1>")
	term.Type("/incident resolve drill done" + termtest.Enter)
	term.WaitFor("Drill graded: INC-1")
	term.WaitFor("People refused what they needed")
	waitBottom(term, "INC-1>")
	term.Type(termtest.CtrlD)
	if code := wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, term.Screen())
	}
	screen := term.Screen()
	if strings.Contains(screen, "flag new-checkout turned") {
		t.Errorf("the drill touched the real flag; screen:\n%s", screen)
	}
	for _, want := range []string{"SEV3 INC-1: DRILL: demo-shop — bad deploy", "Time to first action:", "Time to mitigation:", "Actions that failed:             none"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}

	r := runCLI(t, kv, "", "readiness", "--json")
	if r.code != 0 {
		t.Fatalf("readiness: %d %s", r.code, r.stderr)
	}
	var rep readiness.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range rep.Services {
		if s.Service == "demo-shop" {
			found = s.LastDrill != nil
		}
	}
	if !found {
		t.Errorf("readiness does not show the drill of demo-shop:\n%s", r.stdout)
	}
}
