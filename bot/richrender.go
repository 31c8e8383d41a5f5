package bot

import (
	"regexp"
	"strings"
)

// Markers are a platform's emphasis markers, each an opening and a closing
// string ("*", "*" for Slack bold). An empty pair means the platform shows
// no such emphasis.
type Markers struct {
	Bold, Italic, Strike [2]string
}

// RenderRich renders r for one platform. piece renders a span's content
// (escaped for the platform, and wrapped as code when the span is code);
// emphasis is added around runs of spans with the same bold, italic and
// strike flags, line by line and inside any white space at a run's edges,
// because chat markdown only opens a marker before a non-space character
// and never across a line break. Adjacent text spans with the same
// emphasis are merged first, so that a code span typed in two parts
// ("`/incident %s`") renders as one.
func RenderRich(r Rich, piece func(Span) string, mk Markers) string {
	var b strings.Builder
	spans := mergeText(r)
	for i := 0; i < len(spans); {
		e := spans[i].Emph &^ EmCode
		var inner strings.Builder
		j := i
		for ; j < len(spans) && spans[j].Emph&^EmCode == e; j++ {
			inner.WriteString(piece(spans[j]))
		}
		i = j
		open, closing := mk.wrap(e)
		if open == "" {
			b.WriteString(inner.String())
			continue
		}
		for k, line := range strings.Split(inner.String(), "\n") {
			if k > 0 {
				b.WriteByte('\n')
			}
			core := strings.TrimSpace(line)
			if core == "" {
				b.WriteString(line)
				continue
			}
			lead := line[:strings.Index(line, core)]
			trail := line[len(lead)+len(core):]
			b.WriteString(lead + open + core + closing + trail)
		}
	}
	return b.String()
}

func (mk Markers) wrap(e Emph) (string, string) {
	var open, closing string
	add := func(m [2]string) {
		open += m[0]
		closing = m[1] + closing
	}
	if e&EmBold != 0 {
		add(mk.Bold)
	}
	if e&EmItalic != 0 {
		add(mk.Italic)
	}
	if e&EmStrike != 0 {
		add(mk.Strike)
	}
	return open, closing
}

// mergeText joins adjacent literal spans of equal emphasis.
func mergeText(r Rich) Rich {
	out := make(Rich, 0, len(r))
	for _, s := range r {
		if n := len(out); n > 0 && s.Kind == SpanText && out[n-1].Kind == SpanText && out[n-1].Emph == s.Emph {
			out[n-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}

// urlRe finds web addresses in user text. A renderer shows each as a link
// whose label is the address itself, so what a person reads is where it
// goes; it stops at white space, angle brackets, quotes and pipes, which
// no renderer's link syntax can carry.
var urlRe = regexp.MustCompile(`https?://[^\s<>|"'\x60\\]+`)

// SplitURLs cuts user text into plain parts and web addresses, calling
// text and url for each in order. Trailing punctuation (a full stop
// after an address) stays text.
func SplitURLs(s string, text, url func(string)) {
	last := 0
	for _, loc := range urlRe.FindAllStringIndex(s, -1) {
		end := loc[1]
		for end > loc[0] && strings.ContainsRune(".,;:!?)]}", rune(s[end-1])) {
			end--
		}
		if end-loc[0] <= len("https://") {
			continue
		}
		if loc[0] > last {
			text(s[last:loc[0]])
		}
		url(s[loc[0]:end])
		last = end
	}
	if last < len(s) {
		text(s[last:])
	}
}
