package termtest

import (
	"strconv"
	"strings"
)

// Render plays raw terminal output onto an unbounded screen and returns
// its lines, without trailing blanks, joined by "\n". It knows what line
// editors and coloured output use: printable text, CR, LF, backspace,
// erasing (CSI K, CSI J) and moving the cursor (CSI A, B, C, D, G); other
// escape sequences (colours) draw nothing. Every rune takes one column,
// and lines do not wrap.
func Render(raw string) string {
	s := &screen{lines: [][]rune{nil}}
	rs := []rune(raw)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			s.col = 0
		case r == '\n':
			s.row++
			s.grow()
		case r == '\b':
			s.col = max(0, s.col-1)
		case r == 0x1b:
			i = s.escape(rs, i)
		case r < 0x20 || r == 0x7f: // bell and other controls
		default:
			s.put(r)
		}
	}
	out := make([]string, len(s.lines))
	for i, l := range s.lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}

type screen struct {
	lines    [][]rune
	row, col int
}

func (s *screen) grow() {
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, nil)
	}
}

func (s *screen) put(r rune) {
	s.grow()
	l := s.lines[s.row]
	for len(l) <= s.col {
		l = append(l, ' ')
	}
	l[s.col] = r
	s.lines[s.row] = l
	s.col++
}

// escape applies the sequence starting at rs[i] (ESC) and returns the
// index of its last rune.
func (s *screen) escape(rs []rune, i int) int {
	if i+1 >= len(rs) || rs[i+1] != '[' {
		return min(i+1, len(rs)-1) // a two-rune escape: nothing drawn
	}
	j := i + 2
	for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
		j++
	}
	if j >= len(rs) {
		return len(rs) - 1
	}
	params := string(rs[i+2 : j])
	n, err := strconv.Atoi(params)
	if err != nil || n < 1 {
		n = 1
	}
	s.grow()
	switch rs[j] {
	case 'A':
		s.row = max(0, s.row-n)
	case 'B':
		s.row += n
		s.grow()
	case 'C':
		s.col += n
	case 'D':
		s.col = max(0, s.col-n)
	case 'G':
		s.col = n - 1
	case 'K':
		switch params {
		case "2":
			s.lines[s.row] = nil
		case "1":
			for c := 0; c <= s.col && c < len(s.lines[s.row]); c++ {
				s.lines[s.row][c] = ' '
			}
		default:
			s.truncate()
		}
	case 'J':
		if params == "" || params == "0" {
			s.truncate()
			s.lines = s.lines[:s.row+1]
		}
	}
	return j
}

// truncate erases from the cursor to the end of its line.
func (s *screen) truncate() {
	if l := s.lines[s.row]; s.col < len(l) {
		s.lines[s.row] = l[:s.col]
	}
}
