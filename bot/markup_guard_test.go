package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// markupFuncs take a format that is the bot's own markup, as Textf does.
var markupFuncs = map[string]bool{"Textf": true, "Contextf": true, "ErrorReply": true, "TextReply": true}

// TestMarkupFormatsAreTheBots: every format given to Textf and its kin is
// written in the source (a literal, a constant, or a sum of them), never
// text computed at run time, which could carry what a person typed into
// the markup. Arguments are data; only the format is read as markup.
func TestMarkupFormatsAreTheBots(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if !markupFuncs[name] && !(strings.Contains(path, "checkin") && (name == "refuse" || name == "reply")) {
				return true
			}
			checked++
			format := call.Args[0]
			if name == "refuse" || name == "reply" { // (inc, format, args…)
				format = call.Args[1]
			}
			if !writtenInSource(format) {
				t.Errorf("%s: %s's format is computed at run time; pass the text as an argument (%%s)", fset.Position(call.Pos()), name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d calls checked: is the walk looking at the repository?", checked)
	}
}

// writtenInSource reports whether e is a string literal, a named constant
// or a sum of them (a call, an index or a field of a value is not).
func writtenInSource(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.Ident:
		// A constant, or a wrapper's own format parameter (its callers
		// are checked in turn).
		return x.Obj == nil || x.Obj.Kind == ast.Con || x.Name == "format"
	case *ast.SelectorExpr:
		_, pkg := x.X.(*ast.Ident)
		return pkg // pkg.Constant
	case *ast.BinaryExpr:
		return x.Op == token.ADD && writtenInSource(x.X) && writtenInSource(x.Y)
	case *ast.ParenExpr:
		return writtenInSource(x.X)
	}
	return false
}
