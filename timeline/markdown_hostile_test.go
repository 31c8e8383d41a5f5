package timeline

import (
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	gmtext "github.com/yuin/goldmark/text"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// TestMarkdownHostileText: a report pasted into any Markdown renderer
// (CommonMark, GitHub's tables and strikethrough) shows what people typed
// as text: no HTML, no image, no link but the bare addresses they wrote,
// no emphasis, heading, quote or list they did not ask the report for.
// Each hostile string is a title, a lead's name, an update, a fail-forward
// reason, an action, a cause and a resolution.
func TestMarkdownHostileText(t *testing.T) {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, h := range bottest.Hostile {
		lead := incident.Actor{Platform: "slack", ID: "U9", Name: h}
		s := timelinetest.Declare(t, timelinetest.HM(10, 0), incident.Sev1, h)
		s.Do(s.Incident.AssignLead(timelinetest.HM(10, 1), timelinetest.Alice, lead))
		s.Do(s.Incident.Update(timelinetest.HM(10, 2), lead, h))
		s.Do(s.Incident.FailForward(timelinetest.HM(10, 3), lead, h))
		s.Action("r1", h, "rollback", lead, timelinetest.HM(10, 4), time.Minute, incident.KindActionSucceeded, h)
		s.Do(s.Incident.Mitigate(timelinetest.HM(10, 6), lead, h))
		s.Do(s.Incident.Diagnose(timelinetest.HM(10, 7), lead, h))
		s.Do(s.Incident.Resolve(timelinetest.HM(10, 8), lead, h))
		src := []byte(build(s, timelinetest.HM(11, 0)).Markdown())
		doc := md.Parser().Parse(gmtext.NewReader(src))
		err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n.Kind() {
			case ast.KindRawHTML, ast.KindHTMLBlock, ast.KindImage, ast.KindLink, ast.KindCodeSpan, ast.KindCodeBlock,
				ast.KindFencedCodeBlock, ast.KindBlockquote, east.KindStrikethrough:
				t.Errorf("%q: the report has a %s: %q", h, n.Kind(), nodeText(n, src))
			case ast.KindAutoLink:
				if url := string(n.(*ast.AutoLink).URL(src)); !strings.HasPrefix(url, "http") || strings.Contains(h, "javascript") && strings.Contains(url, "javascript") {
					t.Errorf("%q: the report links %q", h, url)
				}
			case ast.KindHeading:
				if l := n.(*ast.Heading).Level; l == 1 && !strings.HasPrefix(nodeText(n, src), "INC-7") || l > 2 {
					t.Errorf("%q: a heading the report did not write: %q", h, nodeText(n, src))
				}
			}
			return ast.WalkContinue, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// FuzzMDEscapePlain: mdEscape's shortcut for plain text gives what the
// Replacer over incident.Printable gives.
func FuzzMDEscapePlain(f *testing.F) {
	for _, s := range []string{"", "plain text 123", "a*b", "x\ny", "\u202etab\t", "café", "#1 [x](y) <b> & ~~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mdEscape(s), mdEscaper.Replace(incident.Printable(s)); got != want {
			t.Fatalf("mdEscape(%q) = %q, want %q", s, got, want)
		}
	})
}
