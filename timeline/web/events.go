package web

import (
	"bytes"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

// htmlWriter builds markup with text escaped as html/template escapes a
// text node: & < > " ' and NUL. Rendering an incident's events this way
// rather than through the template keeps a 10,000-event page fast.
type htmlWriter struct {
	// b is a bytes.Buffer rather than a strings.Builder so that flush can
	// reuse it: one buffer for a whole streamed table.
	b   bytes.Buffer
	buf []byte
	// sink, if set, receives what was written whenever flush finds
	// enough of it: the page's event table is streamed rather than built
	// whole (3 MB for 10,000 events), then copied into the page.
	sink io.Writer
	err  error
}

// flush hands what was written to the sink once it is worth a write.
func (w *htmlWriter) flush(force bool) {
	if w.sink == nil || w.err != nil || !force && w.b.Len() < 32<<10 {
		return
	}
	_, w.err = w.sink.Write(w.b.Bytes())
	w.b.Reset()
}

func (w *htmlWriter) raw(s string) { w.b.WriteString(s) }

func (w *htmlWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&#34;"
		case '\'':
			rep = "&#39;"
		case 0:
			rep = "\uFFFD"
		default:
			continue
		}
		w.b.WriteString(s[last:i])
		w.b.WriteString(rep)
		last = i + 1
	}
	w.b.WriteString(s[last:])
}

func (w *htmlWriter) time(t time.Time, layout string) {
	w.buf = t.AppendFormat(w.buf[:0], layout)
	w.b.Write(w.buf)
}

// attrSafe reduces s to what may appear in a class name.
func attrSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

// eventsHTML renders the first max events of filter show as tables, one
// per run of events in the same impact phase, and says how many it
// rendered. A run of unanswered check-in questions is one row with a
// count.
func eventsHTML(x timeline.Export, max int, show string) (template.HTML, int) {
	var w htmlWriter
	n := writeEvents(&w, x, max, show)
	return template.HTML(w.b.String()), n // every text went through w.text
}

// shownEvents is the events eventsHTML renders: the first max of filter
// show.
func shownEvents(x timeline.Export, max int, show string) []timeline.Event {
	evs := filterEvents(x.Events, show)
	if len(evs) > max {
		evs = evs[:max]
	}
	return evs
}

// writeEvents is eventsHTML into w, flushed to w's sink (if any) as it
// goes; it returns how many events it rendered.
func writeEvents(w *htmlWriter, x timeline.Export, max int, show string) int {
	evs := shownEvents(x, max, show)
	instr := map[time.Time]bool{}
	for _, f := range x.Analysis.Instrumentation {
		instr[f.At] = true
	}
	labels := map[incident.Kind][2]string{} // kind → class, label
	if w.sink == nil {
		w.b.Grow(len(evs) * 420)
	}
	regression := 0
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && evs[j].Phase == evs[i].Phase {
			j++
		}
		group := evs[i:j]
		ph := evs[i].Phase
		label := strings.ToUpper(string(ph[:1])) + string(ph[1:])
		if evs[i].Kind == incident.KindRegressed {
			regression++
			label += " — regression #" + strconv.Itoa(regression)
		}
		first, last := phaseSpan(x, ph, group[0].At, group[len(group)-1].At)
		w.raw(`<div class="phase phase-`)
		w.raw(attrSafe(phaseClass(ph)))
		w.raw(`"><h3>`)
		w.text(label)
		w.raw(`</h3><span class="range">`)
		w.time(first, "15:04")
		w.raw(" – ")
		w.time(last, "15:04 UTC")
		w.raw(" · " + timeline.FormatSeconds(secs(first, last)) + " · " + plural(len(group), "1 event", strconv.Itoa(len(group))+" events"))
		w.raw(`</span></div>` + "\n" + `<table class="events"><colgroup><col class="c-time"><col class="c-off"><col class="c-kind"><col><col class="c-who"><col class="c-src"></colgroup><tbody>` + "\n")
		for k := 0; k < len(group); k++ {
			ev := group[k]
			if n := checkinRun(group[k:]); n > 1 {
				w.raw(`<tr class="collapsed"><td class="t">`)
				w.time(ev.At, "15:04:05")
				w.raw(`</td><td class="t">`)
				w.buf = timeline.AppendOffset(w.buf[:0], x.ImpactStartedAt, ev.At)
				w.b.Write(w.buf)
				w.raw(`</td><td class="kind"><span class="k k-checkin_sent">`)
				w.text(timeline.KindLabel(ev.Kind))
				w.raw(`</span> <span class="count">×` + strconv.Itoa(n) + `</span></td><td>`)
				w.text("asked " + strconv.Itoa(n) + " times, until ")
				w.time(group[k+n-1].At, "15:04 UTC")
				w.raw(`</td><td class="who">`)
				w.text(ev.Actor.Display())
				w.raw(`</td><td class="src">`)
				w.text(string(ev.Source))
				w.raw("</td></tr>\n")
				k += n - 1
				continue
			}
			kl, ok := labels[ev.Kind]
			if !ok {
				kl = [2]string{attrSafe(string(ev.Kind)), timeline.KindLabel(ev.Kind)}
				labels[ev.Kind] = kl
			}
			w.raw(`<tr><td class="t">`)
			w.time(ev.At, "15:04:05")
			w.raw(`</td><td class="t">`)
			w.buf = timeline.AppendOffset(w.buf[:0], x.ImpactStartedAt, ev.At)
			w.b.Write(w.buf)
			w.raw(`</td><td class="kind"><span class="k k-`)
			w.raw(kl[0])
			w.raw(`">`)
			w.text(kl[1])
			w.raw(`</span></td><td>`)
			w.codeText(humanText(ev))
			if instr[ev.At] && (ev.IsAction() || ev.Data["instrumentation_during_impact"] == true) {
				w.raw(`<span class="tag tag-instr">microscope during impact</span>`)
			}
			if ev.Kind == incident.KindFailForward {
				w.raw(`<span class="tag tag-ff">decision</span>`)
			}
			w.raw(`</td><td class="who">`)
			w.text(ev.Actor.Display())
			w.raw(`</td><td class="src">`)
			w.text(string(ev.Source))
			w.raw("</td></tr>\n")
			w.flush(false)
		}
		w.raw("</tbody></table>\n")
		w.flush(false)
		i = j
	}
	w.flush(true)
	return len(evs)
}

// actionsHTML renders the rows of the actions table.
func actionsHTML(x timeline.Export) template.HTML {
	var w htmlWriter
	for _, a := range x.Analysis.Actions {
		kind := a.Kind
		if kind == "" {
			kind = "—"
		}
		w.raw(`<tr><td class="num">`)
		w.time(a.FirstAt, "15:04:05")
		w.raw(`</td><td>`)
		w.text(a.Action)
		if a.Kind == timeline.InstrumentationKind && a.Phase == timeline.PhaseDuringImpact {
			w.raw(`<span class="tag tag-instr">instrumentation</span>`)
		}
		w.raw(`</td><td>`)
		w.text(kind)
		w.raw(`</td><td>`)
		w.text(a.By.Display())
		w.raw(`</td><td><span class="k k-action_`)
		w.raw(attrSafe(a.Outcome))
		w.raw(`">`)
		w.text(a.Outcome)
		w.raw(`</span>`)
		if a.Text != "" {
			w.raw(` <span class="muted">— `)
			w.text(a.Text)
			w.raw(`</span>`)
		}
		w.raw(`</td><td>`)
		w.text(string(a.Phase))
		w.raw("</td></tr>\n")
	}
	return template.HTML(w.b.String()) // every text above went through w.text
}
