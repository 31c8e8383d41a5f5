// Package golist is what the layout tests read the import graph with:
// `go list`'s view of packages (their direct imports and their transitive
// dependencies, without tests, as the binary links them), with import
// paths made relative to the module ("timeline/web", "incident").
//
// It is test support, imported by tests only, and a leaf: like every
// package under internal/, it imports the standard library and at most
// other leaves under internal/, never a package of the product.
package golist

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Module is Tourniquet's module path.
const Module = "github.com/tourniquet/tourniquet"

// Package is one listed package. Path is relative to the module for
// Tourniquet's own packages ("checkin") and the full import path for
// others; Imports and Deps keep only Tourniquet's, relative, except Std,
// which keeps the standard library's ("net/http") and Others, the rest.
type Package struct {
	Path string
	// Imports are the packages of Tourniquet it imports directly.
	Imports []string
	// Deps are the packages of Tourniquet it depends on, directly or not.
	Deps []string
	// Std are the standard library packages it depends on, directly or not.
	Std []string
	// Others are the third-party packages it depends on, directly or not.
	Others []string
}

type listed struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// List lists the packages matching patterns ("./...", Module+"/timeline"),
// by relative path. It fails t if go list fails or reports a broken
// package.
func List(t testing.TB, patterns ...string) map[string]Package {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to list packages with: %v", err)
	}
	args := append([]string{"list", "-e", "-json=ImportPath,Standard,Imports,Deps,Error"}, patterns...)
	var stderr bytes.Buffer
	cmd := exec.Command(gobin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	std := func(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }
	pkgs := map[string]Package{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		pkg := Package{Path: Rel(p.ImportPath), Imports: Ours(p.Imports), Deps: Ours(p.Deps)}
		for _, d := range p.Deps {
			switch {
			case strings.HasPrefix(d, Module+"/") || d == Module:
			case std(d):
				pkg.Std = append(pkg.Std, d)
			default:
				pkg.Others = append(pkg.Others, d)
			}
		}
		pkgs[pkg.Path] = pkg
	}
	return pkgs
}

// Rel is path relative to the module when it is one of Tourniquet's
// packages ("" for the module's root package), else path itself.
func Rel(path string) string {
	if path == Module {
		return ""
	}
	if rel, ok := strings.CutPrefix(path, Module+"/"); ok {
		return rel
	}
	return path
}

// Ours returns the packages of Tourniquet among paths, relative to the
// module ("config", "integrations/kit/spec").
func Ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rel, ok := strings.CutPrefix(p, Module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

// Under reports whether rel is one of roots or inside one of them:
// Under("bot/slack/slacktest", "bot/slack") is true, Under("bots", "bot")
// is false.
func Under(rel string, roots ...string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return rel == r || strings.HasPrefix(rel, r+"/") })
}
