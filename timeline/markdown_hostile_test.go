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
		s := declare(t, hm(10, 0), incident.Sev1, h)
		s.do(s.inc.AssignLead(hm(10, 1), alice, lead))
		s.do(s.inc.Update(hm(10, 2), lead, h))
		s.do(s.inc.FailForward(hm(10, 3), lead, h))
		s.action("r1", h, "rollback", lead, hm(10, 4), time.Minute, incident.KindActionSucceeded, h)
		s.do(s.inc.Mitigate(hm(10, 6), lead, h))
		s.do(s.inc.Diagnose(hm(10, 7), lead, h))
		s.do(s.inc.Resolve(hm(10, 8), lead, h))
		src := []byte(s.export(hm(11, 0)).Markdown())
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
