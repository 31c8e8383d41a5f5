package console

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// input is where a session's lines come from: lines piped in (pipeInput),
// or a person typing at a terminal (editor).
type input interface {
	// readLine returns the next line. prompt is what the line is typed
	// after; an input that draws the prompt itself shows it (the Adapter
	// prints it for one that does not). At the end of input readLine
	// returns io.EOF, when ctx ends ctx.Err(), and errInterrupt when the
	// person pressed Ctrl-C on an empty line.
	readLine(ctx context.Context, prompt string) (string, error)
	// keep adds a line to the history that arrow-up and Ctrl-R search.
	keep(line string)
	// close stops reading and gives the terminal back as it was.
	close() error
}

// errInterrupt is Ctrl-C on an empty line: at the channel prompt it leaves
// the session, at a confirmation it answers no.
var errInterrupt = errors.New("console: interrupted")

// openInput returns the line editor when in and out are both terminals,
// else plain line reading: piped input must read exactly as it always
// has, since scripts and transcripts depend on it.
func openInput(in io.Reader, out io.Writer, history string) (input, error) {
	if inF, outF, ok := terminals(in, out); ok {
		return newEditor(inF, outF, history)
	}
	return newPipeInput(in), nil
}

// terminals reports whether in and out are both terminals, and returns
// them as files.
func terminals(in io.Reader, out io.Writer) (*os.File, *os.File, bool) {
	inF, ok1 := in.(*os.File)
	outF, ok2 := out.(*os.File)
	if !ok1 || !ok2 || inF == nil || outF == nil {
		return nil, nil, false
	}
	return inF, outF, isatty.IsTerminal(inF.Fd()) && isatty.IsTerminal(outF.Fd())
}

// pipeInput reads lines in a goroutine, so that Run can stop waiting for
// one when ctx ends. When ctx ends while that goroutine is blocked reading,
// it stays blocked until the read returns (for os.Stdin, the end of the
// process).
type pipeInput struct {
	lines chan string
	done  chan struct{}
	err   error // set before lines is closed
}

func newPipeInput(in io.Reader) *pipeInput {
	p := &pipeInput{lines: make(chan string), done: make(chan struct{})}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			case <-p.done:
				return
			}
		}
		p.err = sc.Err()
	}()
	return p
}

func (p *pipeInput) readLine(ctx context.Context, _ string) (string, error) {
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case l, ok := <-p.lines:
		if !ok {
			if p.err != nil {
				return "", p.err
			}
			return "", io.EOF
		}
		return l, nil
	}
}

// keep does nothing: piped input has no history to recall.
func (p *pipeInput) keep(string) {}

func (p *pipeInput) close() error {
	close(p.done)
	return nil
}
