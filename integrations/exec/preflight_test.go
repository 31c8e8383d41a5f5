package exec_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
)

func TestPreflightChecksTheProgramWithoutRunningIt(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	script := filepath.Join(dir, "rollback.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExec := filepath.Join(dir, "plain.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := actiontype.Request{Params: map[string]string{}}
	if err := client(t, []any{script}, nil).Preflight(ctx, req); err != nil {
		t.Errorf("an executable script: %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the preflight ran the program")
	}
	for prog, want := range map[string]string{
		notExec:                        "not executable",
		filepath.Join(dir, "missing"):  "does not exist",
		dir:                            "is a directory",
		"tourniquet-no-such-program-x": "not found in PATH",
	} {
		err := client(t, []any{prog}, nil).Preflight(ctx, req)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", prog, err, want)
		}
	}
	if err := client(t, []any{"sh"}, nil).Preflight(ctx, req); err != nil {
		t.Errorf("sh in PATH: %v", err)
	}
}
