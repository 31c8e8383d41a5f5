package main

import (
	"strings"
	"testing"
)

// `tourniquet --help` (and -h, help) lists every subcommand, one line each,
// on stdout, and exits 0.
func TestHelpListsEverySubcommand(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		t.Run(arg, func(t *testing.T) {
			r := runCLI(t, nil, "", arg)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("tourniquet %s: exit %d, stderr %q", arg, r.code, r.stderr)
			}
			for _, sub := range []string{"serve", "migrate", "export", "check-config", "version", "help"} {
				n := 0
				for _, l := range strings.Split(r.stdout, "\n") {
					if strings.HasPrefix(strings.TrimSpace(l), "tourniquet "+sub+" ") || strings.TrimSpace(l) == "tourniquet "+sub {
						n++
					}
					if strings.HasPrefix(strings.TrimSpace(l), "tourniquet ["+sub+"]") {
						n++
					}
				}
				if n != 1 {
					t.Errorf("want one line for %s, got %d:\n%s", sub, n, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "tourniquet <command> --help") {
				t.Errorf("help does not say how to see a command's flags:\n%s", r.stdout)
			}
		})
	}
}

// An unknown subcommand close to a real one gets a suggestion; one close
// to none does not.
func TestUnknownSubcommandSuggests(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"exprot", `tourniquet: unknown command "exprot" (did you mean export?)`},
		{"migrat", `tourniquet: unknown command "migrat" (did you mean migrate?)`},
		{"check", `tourniquet: unknown command "check" (did you mean check-config?)`},
		{"serv", `tourniquet: unknown command "serv" (did you mean serve?)`},
		{"frobnicate", `tourniquet: unknown command "frobnicate"`},
	} {
		r := runCLI(t, nil, "", tc.typed)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || first != tc.want {
			t.Errorf("tourniquet %s: exit %d, first line %q; want 2, %q", tc.typed, r.code, first, tc.want)
		}
		if !strings.Contains(r.stderr, "tourniquet --help") {
			t.Errorf("tourniquet %s: the error does not point at --help:\n%s", tc.typed, r.stderr)
		}
	}
}

// Each subcommand's --help shows what it does and its flags, on stdout,
// exit 0; a bad flag is a usage error on stderr, exit 2.
func TestSubcommandHelpShowsFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{"Usage: tourniquet [serve] [--config FILE] [--console]", "-config", "-console"}},
		{[]string{"--console", "-h"}, []string{"Usage: tourniquet [serve]", "-console"}},
		{[]string{"migrate", "-h"}, []string{"Usage: tourniquet migrate [--config FILE]", "-config"}},
		{[]string{"export", "--help"}, []string{"Usage: tourniquet export INCIDENT --format json|md", "-format", "-config"}},
		{[]string{"export", "INC-1", "--help"}, []string{"Usage: tourniquet export", "-format"}},
		{[]string{"check-config", "--help"}, []string{"Usage: tourniquet check-config [--config FILE]", "-config"}},
		{[]string{"version", "--help"}, []string{"Usage: tourniquet version"}},
		{[]string{"help", "export"}, []string{"Usage: tourniquet export", "-format"}},
	} {
		r := runCLI(t, nil, "", tc.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("tourniquet %s: exit %d, stderr %q", strings.Join(tc.args, " "), r.code, r.stderr)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("tourniquet %s: output lacks %q:\n%s", strings.Join(tc.args, " "), w, r.stdout)
			}
		}
	}
	r := runCLI(t, nil, "", "migrate", "--frob")
	if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined: -frob") || !strings.Contains(r.stderr, "Usage: tourniquet migrate") {
		t.Errorf("bad flag: exit %d, stderr %q", r.code, r.stderr)
	}
}
