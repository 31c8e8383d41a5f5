//go:build unix

package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/internal/termtest"
)

// freeAddr is a loopback address nothing listens on, for a server whose
// address the test must know before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// session runs `tourniquet` on a terminal, as a person starts it; the
// returned function waits for it to exit and returns its code.
func session(t *testing.T, term *termtest.Term, kv map[string]string) func() int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, term.TTY(), term.TTY(), term.TTY(), env(kv)) }()
	t.Cleanup(cancel)
	return func() int {
		select {
		case code := <-done:
			return code
		case <-ctx.Done():
			t.Fatalf("tourniquet did not exit; screen:\n%s", term.Screen())
			return -1
		}
	}
}

func bottomLine(screen string) string { return screen[strings.LastIndex(screen, "\n")+1:] }

func waitBottom(term *termtest.Term, want string) {
	term.WaitUntil("the line "+want, func(s string) bool { return bottomLine(s) == want })
}

// looksLikeLog reports a line a logger wrote (text or JSON).
func looksLikeLog(line string) bool {
	return strings.Contains(line, "level=") || strings.Contains(line, `"level":`) || strings.Contains(line, "msg=")
}

// A person runs tourniquet in a terminal: the chat has the screen to
// itself (logs go to a file, whose path is printed once at the start, and
// no log line ever lands between a prompt and what is typed), lines are
// edited and recalled with the arrow keys, and the next session remembers
// them.
func TestInteractiveTerminalSession(t *testing.T) {
	home, state := t.TempDir(), t.TempDir()
	addr := freeAddr(t)
	kv := map[string]string{
		"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "tq.db"),
		"TOURNIQUET_LISTEN":       addr,
		"TOURNIQUET_LOG_LEVEL":    "debug", // every web request is logged
		"HOME":                    home,
		"XDG_STATE_HOME":          state,
	}
	logFile := filepath.Join(state, "tourniquet", "tourniquet.log")
	term := termtest.Open(t, 200, 100)
	wait := session(t, term, kv)

	waitBottom(term, "lobby>")
	// Something logs while the prompt waits for the person.
	for i := range 3 {
		resp, err := http.Get("http://" + addr + "/healthz?n=" + strconv.Itoa(i))
		if err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		resp.Body.Close()
	}
	term.WaitUntil("the requests logged", func(screen string) bool {
		b, _ := os.ReadFile(logFile)
		return strings.Count(string(b), `"msg":"request"`) >= 3 || strings.Count(screen, "msg=request") >= 3
	})
	term.Type("/incident declare sev2 Checkout errors" + termtest.Enter)
	waitBottom(term, "INC-1>")
	term.Type("/incident note first look" + termtest.Enter)
	term.WaitFor("📝 @")
	waitBottom(term, "INC-1>")
	term.Type(termtest.Up + termtest.Enter)
	term.WaitForCount("noted: first look", 2)
	waitBottom(term, "INC-1>")
	term.Type(termtest.CtrlD)
	if code := wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, term.Screen())
	}

	screen := term.Screen()
	if want := "Logs go to " + logFile + " "; strings.Count(screen, want) != 1 {
		t.Errorf("want the log file named once (%q); screen:\n%s", want, screen)
	}
	for _, want := range []string{
		"lobby> /incident declare sev2 Checkout errors\n",
		"INC-1> /incident note first look\n",
	} {
		if strings.Count(screen, want) < 1 {
			t.Errorf("screen lacks %q", want)
		}
	}
	for _, l := range strings.Split(screen, "\n") {
		if looksLikeLog(l) {
			t.Errorf("a log line is on the screen: %q", l)
		}
	}
	if t.Failed() {
		t.Logf("screen:\n%s", screen)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("log file: %v", err)
	}
	for _, want := range []string{`"msg":"listening"`, `"msg":"request"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("log file lacks %s:\n%s", want, b)
		}
	}

	// The next session remembers the lines typed in this one.
	term2 := termtest.Open(t, 200, 100)
	wait2 := session(t, term2, kv)
	waitBottom(term2, "lobby>")
	term2.Type(termtest.Up)
	waitBottom(term2, "lobby> /incident note first look")
	term2.Type(termtest.CtrlC + termtest.CtrlD)
	if code := wait2(); code != 0 {
		t.Fatalf("second session: exit %d; screen:\n%s", code, term2.Screen())
	}
}

// Piped input stays as it was: no log file is chosen for it, logs stay on
// stderr, and no history is written.
func TestPipedSessionLogsToStderr(t *testing.T) {
	state := t.TempDir()
	kv := map[string]string{
		"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "tq.db"),
		"TOURNIQUET_LISTEN":       "127.0.0.1:0",
		"XDG_STATE_HOME":          state,
	}
	r := runCLI(t, kv, "/incident declare sev2 Test\n")
	if r.code != 0 || !strings.Contains(r.stdout, "lobby> /incident declare sev2 Test\n") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `"msg":"listening"`) || strings.Contains(r.stderr, "Logs go to") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if left, _ := os.ReadDir(state); len(left) != 0 {
		t.Errorf("a piped session wrote %v to the state directory", left)
	}
}

// log.file (TOURNIQUET_LOG_FILE) sends logs to that file, piped or not.
func TestLogFileSetting(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "logs", "tq.log")
	kv := map[string]string{
		"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "tq.db"),
		"TOURNIQUET_LOG_FILE":     logFile,
	}
	if r := runCLI(t, kv, "", "migrate"); r.code != 0 || r.stderr != "" {
		t.Fatalf("migrate: exit %d, stderr %q", r.code, r.stderr)
	}
	b, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(b), `"msg":"migrations applied"`) {
		t.Fatalf("log file: %v\n%s", err, b)
	}
	if st, _ := os.Stat(logFile); st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, want 0600", st.Mode().Perm())
	}
}
