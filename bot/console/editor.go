package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/chzyer/readline"
)

// editor is the line editor of a session at a terminal, on
// github.com/chzyer/readline: arrow keys and Emacs keys edit the line,
// arrow-up and arrow-down walk the history, Ctrl-R searches it backwards,
// Ctrl-C drops the line (on an empty line: leaves), Ctrl-D on an empty
// line ends the input.
//
// Everything the Adapter prints while a prompt waits goes through out,
// the library's writer that clears the prompt and what is typed, prints,
// and draws both again below, so output never lands inside a line being
// typed.
type editor struct {
	rl    *readline.Instance
	stdin *readline.CancelableStdin
	out   io.Writer
	fd    int

	mu     sync.Mutex
	raw    *readline.State // the terminal's state before raw mode
	prompt string
	closed bool
}

// newEditor starts a line editor reading in and drawing on out, both
// terminals. history is the file that keeps the lines across sessions
// (created with its directory, owner-only); empty keeps them in memory.
func newEditor(in, out *os.File, history string) (*editor, error) {
	if history != "" {
		if err := os.MkdirAll(filepath.Dir(history), 0o700); err != nil {
			history = "" // no history file is no reason to refuse the session
		} else if f, err := os.OpenFile(history, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			_ = f.Close() // created owner-only before the library opens it
		}
	}
	e := &editor{stdin: readline.NewCancelableStdin(in), fd: int(in.Fd())}
	outFd := int(out.Fd())
	rl, err := readline.NewEx(&readline.Config{
		Stdin:                  e.stdin,
		Stdout:                 out,
		Stderr:                 out,
		HistoryFile:            history,
		HistoryLimit:           1000,
		DisableAutoSaveHistory: true, // keep saves commands, not answers to [y/N]
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		EOFPrompt:              "\n", // Ctrl-D just ends the line
		FuncIsTerminal:         func() bool { return true },
		FuncMakeRaw:            e.makeRaw,
		FuncExitRaw:            e.exitRaw,
		FuncGetWidth: func() int {
			if w, _, err := readline.GetSize(outFd); err == nil && w > 0 {
				return w
			}
			return 80
		},
	})
	if err != nil {
		_ = e.stdin.Close()
		return nil, fmt.Errorf("console: line editor: %w", err)
	}
	e.rl, e.out = rl, rl.Stdout()
	return e, nil
}

func (e *editor) makeRaw() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := readline.MakeRaw(e.fd)
	if err != nil {
		return err
	}
	if e.raw == nil {
		e.raw = st
	}
	return nil
}

func (e *editor) exitRaw() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw == nil {
		return nil
	}
	st := e.raw
	e.raw = nil
	return readline.Restore(e.fd, st)
}

func (e *editor) readLine(ctx context.Context, prompt string) (string, error) {
	stop := context.AfterFunc(ctx, func() { _ = e.close() })
	defer stop()
	for {
		e.setPrompt(prompt)
		line, err := e.rl.Readline()
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case errors.Is(err, readline.ErrInterrupt) && line != "":
			continue // Ctrl-C drops what was typed, and asks again
		case errors.Is(err, readline.ErrInterrupt):
			return "", errInterrupt
		case err != nil:
			return "", err
		}
		return line, nil
	}
}

// setPrompt changes the prompt; while a line is being typed it is drawn
// again with the new prompt at the next print.
func (e *editor) setPrompt(p string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p != e.prompt {
		e.prompt = p
		e.rl.SetPrompt(p)
	}
}

// print writes whole lines above the prompt and what is being typed.
func (e *editor) print(text, prompt string) {
	e.setPrompt(prompt)
	_, _ = io.WriteString(e.out, text)
}

func (e *editor) keep(line string) {
	_ = e.rl.SaveHistory(line) // a history file that cannot be written only loses history
}

func (e *editor) close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	// The reader first: the library waits for its reading goroutine.
	_ = e.stdin.Close()
	return e.rl.Close()
}
