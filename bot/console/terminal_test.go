//go:build unix

package console

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/internal/termtest"
)

// lastLine is the bottom line of the screen: where the prompt waits.
func lastLine(screen string) string {
	return screen[strings.LastIndex(screen, "\n")+1:]
}

// waitPrompt waits until the bottom line of the screen is exactly want.
func waitPrompt(term *termtest.Term, want string) {
	term.WaitUntil("the line "+want, func(s string) bool { return lastLine(s) == want })
}

// runAt runs a session of h's adapter on the terminal; the returned
// function waits for it to end and returns Run's error.
func runAt(t *testing.T, a *Adapter, term *termtest.Term) func() error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, term.TTY()) }()
	t.Cleanup(cancel)
	return func() error {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			t.Fatalf("the session did not end; screen:\n%s", term.Screen())
			return nil
		}
	}
}

// A person at a terminal edits lines and gets them back: arrow-up recalls
// the last command and Enter runs it again, Ctrl-R finds an older one,
// Ctrl-C drops a half-typed line, and the next session remembers them.
func TestTerminalLineEditingAndHistory(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "state", "tourniquet", "history")
	term := termtest.Open(t, 160, 60)
	h := newHarnessWith(t, bot.Options{}, Options{Out: term.TTY(), History: hist})
	wait := runAt(t, h.a, term)

	waitPrompt(term, "lobby>")
	term.Type("/incident declare sev2 Checkout errors" + termtest.Enter)
	waitPrompt(term, "INC-1>")
	term.Type("/incident note first look" + termtest.Enter)
	term.WaitFor("📝 @alice noted: first look")
	waitPrompt(term, "INC-1>")

	term.Type(termtest.Up)
	waitPrompt(term, "INC-1> /incident note first look")
	term.Type(termtest.Enter)
	term.WaitForCount("📝 @alice noted: first look", 2)
	waitPrompt(term, "INC-1>")

	term.Type("/join lobby" + termtest.Enter)
	waitPrompt(term, "lobby>")
	term.Type(termtest.CtrlR + "decl")
	term.WaitFor("bck-i-search: decl")
	waitPrompt(term, "bck-i-search: decl")
	term.Type(termtest.Enter)
	term.WaitFor("lobby> /incident declare sev2 Checkout errors\n(only you) 🚨 Declared INC-2 (SEV2): Checkout errors")
	waitPrompt(term, "INC-2>")

	term.Type("/incident note never sent" + termtest.CtrlC)
	waitPrompt(term, "INC-2>")
	term.Type(termtest.CtrlD)
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantEvents(t, h.events("INC-1"),
		"declared/typed/console:alice",
		"note/typed/console:alice",
		"note/typed/console:alice",
	)
	wantEvents(t, h.events("INC-2"), "declared/typed/console:alice")

	b, err := os.ReadFile(hist)
	if err != nil {
		t.Fatalf("history file: %v", err)
	}
	wantContains(t, string(b), "/incident declare sev2 Checkout errors\n", "/incident note first look\n")
	if strings.Contains(string(b), "never sent") {
		t.Errorf("a line dropped with Ctrl-C was kept:\n%s", b)
	}
	if st, err := os.Stat(hist); err == nil && st.Mode().Perm()&0o077 != 0 {
		t.Errorf("history file mode %v: want it readable by its owner only", st.Mode().Perm())
	}

	// The next session, on another terminal, remembers.
	term2 := termtest.Open(t, 160, 60)
	a2 := New(Options{Engine: h.engine, Store: h.store, Out: term2.TTY(), User: alice, History: hist, Flush: h.a.flush})
	wait2 := runAt(t, a2, term2)
	waitPrompt(term2, "lobby>")
	term2.Type(termtest.Up)
	waitPrompt(term2, "lobby> /incident declare sev2 Checkout errors")
	term2.Type(termtest.CtrlC) // drops the recalled line
	waitPrompt(term2, "lobby>")
	term2.Type(termtest.CtrlC) // on an empty line: leaves
	if err := wait2(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	wantEvents(t, h.events("INC-2"), "declared/typed/console:alice")
}

// A message that arrives while a person is typing is printed above the
// prompt; what they typed stays on the prompt line, and Enter sends all of
// it. A confirmation answer is not kept in the history.
func TestTerminalOutputWhileTyping(t *testing.T) {
	term := termtest.Open(t, 160, 60)
	h := newHarnessWith(t, bot.Options{}, Options{Out: term.TTY()})
	wait := runAt(t, h.a, term)

	waitPrompt(term, "lobby>")
	term.Type("/incident declare sev1 Payments down" + termtest.Enter)
	waitPrompt(term, "INC-1>")
	term.Type("/incident note half")
	waitPrompt(term, "INC-1> /incident note half")
	m := bot.Message{}
	m.Textf("Is customer impact mitigated? (a check-in)")
	if _, err := h.a.Post(context.Background(), "INC-1", m, bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	term.WaitFor("Is customer impact mitigated? (a check-in)\nINC-1> /incident note half")
	term.Type(" done" + termtest.Enter)
	term.WaitFor("📝 @alice noted: half done")
	waitPrompt(term, "INC-1>")

	term.Type("1" + termtest.Enter) // Yes, mitigated
	term.WaitFor("Customer impact mitigated")
	waitPrompt(term, "INC-1>")
	term.Type("4" + termtest.Enter) // Impact is back, confirmed
	waitPrompt(term, "Impact is back? This reopens the impact clock and restarts the mitigation check-ins. [y/N]")
	term.Type("n" + termtest.Enter)
	term.WaitFor("Not clicked: [4] Impact is back.")
	waitPrompt(term, "INC-1>")
	term.Type(termtest.Up)
	waitPrompt(term, "INC-1> 4") // the click, not the answer to its question
	term.Type(termtest.CtrlC)
	waitPrompt(term, "INC-1>")
	term.Type(termtest.CtrlD)
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantEvents(t, h.events("INC-1"),
		"declared/typed/console:alice",
		"note/typed/console:alice",
		"mitigated/button/console:alice",
	)
}
