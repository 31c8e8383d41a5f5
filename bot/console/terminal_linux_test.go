//go:build linux

package console

import (
	"context"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/internal/termtest"
)

// When the session is stopped from outside (SIGTERM ends ctx) while a
// person is typing, Run returns and the terminal is given back as it was:
// echo and line mode on again.
func TestTerminalStopsWithContext(t *testing.T) {
	term := termtest.Open(t, 120, 40)
	h := newHarnessWith(t, bot.Options{}, Options{Out: term.TTY()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.a.Run(ctx, term.TTY()) }()
	waitPrompt(term, "lobby>")
	term.Type("/incident decl")
	waitPrompt(term, "lobby> /incident decl")
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop")
	}
	tio, err := unix.IoctlGetTermios(int(term.TTY().Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO == 0 || tio.Lflag&unix.ICANON == 0 {
		t.Errorf("the terminal was left in raw mode (lflag %#x)", tio.Lflag)
	}
}
