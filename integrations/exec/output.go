package exec

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultOutputLimit is how many bytes of output are kept by default.
const DefaultOutputLimit = 4096

// capture keeps the first and the last half of limit bytes written to it,
// and counts the rest. It is safe for concurrent writes (stdout and stderr
// share it).
type capture struct {
	mu    sync.Mutex
	limit int
	head  []byte
	tail  []byte // a ring of the last bytes once head is full
	start int    // where the ring begins in tail
	total int64
}

func newCapture(limit int) *capture {
	if limit <= 0 {
		limit = DefaultOutputLimit
	}
	return &capture{limit: limit}
}

// Write keeps what fits; it never fails, so a chatty command is never
// blocked by its output.
func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	headCap := c.limit - c.limit/2
	tailCap := c.limit / 2
	rest := p
	if n := headCap - len(c.head); n > 0 {
		n = min(n, len(rest))
		c.head = append(c.head, rest[:n]...)
		rest = rest[n:]
	}
	if tailCap == 0 {
		return len(p), nil
	}
	for len(rest) > 0 {
		if len(c.tail) < tailCap {
			n := min(tailCap-len(c.tail), len(rest))
			c.tail = append(c.tail, rest[:n]...)
			rest = rest[n:]
			continue
		}
		if len(rest) >= tailCap {
			copy(c.tail, rest[len(rest)-tailCap:])
			c.start = 0
			break
		}
		for _, b := range rest {
			c.tail[c.start] = b
			c.start = (c.start + 1) % tailCap
		}
		break
	}
	return len(p), nil
}

// String is the kept output: all of it when it fit, else its start, a
// note of how much was cut, and its end.
func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	tail := append(append([]byte(nil), c.tail[c.start:]...), c.tail[:c.start]...)
	kept := int64(len(c.head) + len(tail))
	if kept == c.total {
		return validUTF8(string(c.head) + string(tail))
	}
	return validUTF8(string(c.head)) + fmt.Sprintf("\n…[%d bytes cut]…\n", c.total-kept) + validUTF8(string(tail))
}

// validUTF8 drops the bytes a cut left of a split character.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "")
}

// lastLine is the last non-empty line of s, at most 200 characters.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n\r\t "), "\n")
	line := strings.TrimSpace(lines[len(lines)-1])
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	return line
}
