//go:build unix

// Package termtest lets tests use a program the way a person at a terminal
// does: it opens a pseudo-terminal (github.com/creack/pty), types keys into
// it, and reads back the screen, a small model of the lines a terminal
// would show, so that a test asserts what the person sees rather than the
// escape sequences that drew it.
//
// It is test support, imported by tests only, and a leaf: like every
// package under internal/, it imports the standard library, third-party
// modules and at most other leaves under internal/, never a package of the
// product.
package termtest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Keys as a terminal sends them.
const (
	Enter = "\r"
	Up    = "\x1b[A"
	Down  = "\x1b[B"
	CtrlC = "\x03"
	CtrlD = "\x04"
	CtrlG = "\x07"
	CtrlR = "\x12"
)

// waitLimit bounds WaitFor: far beyond what any step takes, only there so
// that a broken program fails the test instead of hanging it.
const waitLimit = 30 * time.Second

// Term is a pseudo-terminal: the program under test reads and writes TTY,
// the test types with Type and looks with Screen.
type Term struct {
	tb       testing.TB
	ptm, tty *os.File

	mu      sync.Mutex
	raw     []byte
	changed chan struct{} // closed and replaced at every write
	done    chan struct{} // closed when the reader stops
}

// Open opens a terminal of the given size, closed at the end of the test.
// It skips the test where there are no pseudo-terminals.
func Open(tb testing.TB, cols, rows int) *Term {
	tb.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		tb.Skipf("no pseudo-terminal here: %v", err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		tb.Fatalf("set terminal size: %v", err)
	}
	// Our side reads through the runtime poller, so that closing it ends
	// a read in progress (a blocking read would wait for the program).
	ptm, err = pollable(ptm)
	if err != nil {
		tb.Fatalf("terminal: %v", err)
	}
	t := &Term{tb: tb, ptm: ptm, tty: tty, changed: make(chan struct{}), done: make(chan struct{})}
	go t.read()
	tb.Cleanup(func() {
		// A line editor's reader can outlive its session, blocked reading
		// the terminal: a newline ends that read, so the terminal can close.
		_, _ = io.WriteString(ptm, "\n")
		_ = tty.Close()
		_ = ptm.Close()
		<-t.done
	})
	return t
}

// pollable returns f's descriptor as a non-blocking file, and closes f.
func pollable(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("dup: %w", err)
	}
	_ = f.Close()
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}

func (t *Term) read() {
	defer close(t.done)
	buf := make([]byte, 4096)
	for {
		n, err := t.ptm.Read(buf)
		if n > 0 {
			t.mu.Lock()
			t.raw = append(t.raw, buf[:n]...)
			close(t.changed)
			t.changed = make(chan struct{})
			t.mu.Unlock()
		}
		if err != nil { // EOF, or EIO once the program's side is closed
			return
		}
	}
}

// TTY is the program's side of the terminal: its stdin, stdout and stderr.
func (t *Term) TTY() *os.File { return t.tty }

// Type sends keys as if typed.
func (t *Term) Type(keys string) {
	t.tb.Helper()
	if _, err := io.WriteString(t.ptm, keys); err != nil {
		t.tb.Fatalf("type %q: %v", keys, err)
	}
}

// Raw is every byte the program wrote so far.
func (t *Term) Raw() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.raw)
}

// Screen is what the terminal shows: its lines, without trailing blanks,
// joined by "\n". Nothing scrolls off.
func (t *Term) Screen() string { return Render(t.Raw()) }

// WaitFor waits until the screen shows text, and fails the test with the
// screen when it does not within a generous limit.
func (t *Term) WaitFor(text string) {
	t.tb.Helper()
	t.WaitUntil(text, func(screen string) bool { return strings.Contains(screen, text) })
}

// WaitForCount waits until the screen shows text n times.
func (t *Term) WaitForCount(text string, n int) {
	t.tb.Helper()
	t.WaitUntil(text, func(screen string) bool { return strings.Count(screen, text) >= n })
}

// WaitUntil waits until ok holds for the screen; what names the wait in
// the failure.
func (t *Term) WaitUntil(what string, ok func(screen string) bool) {
	t.tb.Helper()
	deadline := time.After(waitLimit)
	for {
		t.mu.Lock()
		changed := t.changed
		t.mu.Unlock()
		if ok(t.Screen()) {
			return
		}
		select {
		case <-changed:
		case <-t.done:
			if ok(t.Screen()) {
				return
			}
			t.tb.Fatalf("the terminal closed before it showed %q; screen:\n%s", what, t.Screen())
		case <-deadline:
			t.tb.Fatalf("the terminal never showed %q; screen:\n%s", what, t.Screen())
		}
	}
}
