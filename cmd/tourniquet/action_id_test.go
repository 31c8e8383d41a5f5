package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An action's ID travels in its button ("run <id>", at most 100 characters
// on Discord) and is typed in /incident run <id>: check-config refuses IDs
// that are too long or hold characters the command grammar does not read,
// naming the key and the line.
func TestCheckConfigRefusesActionIDsButtonsCannotCarry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "actions.yaml")
	long := strings.Repeat("a", 65)
	if err := os.WriteFile(path, []byte(`actions:
  - id: rollback-web
    kind: rollback
    allowed: [lead]
  - id: `+long+`
    kind: rollback
    allowed: [lead]
  - id: "kill/new checkout"
    kind: kill-switch
    allowed: [lead]
  - id: "-flag"
    kind: kill-switch
    allowed: [lead]
  - id: "café"
    kind: kill-switch
    allowed: [lead]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "check-config", "--config", path)
	if r.code == 0 {
		t.Fatalf("check-config accepted unusable action IDs:\n%s", r.stdout)
	}
	for _, want := range []string{
		path + ":5: actions[1].id:", "65 bytes", "at most 64",
		path + ":8: actions[2].id:", `"kill/new checkout"`, "A-Z a-z 0-9",
		path + ":11: actions[3].id:", "start with a letter or a digit",
		path + ":14: actions[4].id:",
		"4 problems found",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "actions[0]") {
		t.Errorf("a good ID was refused:\n%s", r.stderr)
	}
}
