package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A CI step records a deploy; the server's first answer is a 503 (a
// restart), the retry is the same change, recorded once.
func TestChangeRecordFromCI(t *testing.T) {
	s := storagetest.NewSQLite(t)
	mux := http.NewServeMux()
	changes.NewIntake(changes.IntakeOptions{Store: s, APIToken: config.NewSecret("ci-token-123456")}).Register(mux)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			mux.ServeHTTP(httptest.NewRecorder(), r) // stored, but the answer is lost
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("ci-token-123456\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "change", "record", "--service", "checkout", "--kind", "deploy", "--version", "v42",
		"--previous", "v41", "--by", "ana", "--link", "https://ci.example/7", "--url", srv.URL, "--token-file", tokenFile)
	if r.code != 0 || !strings.Contains(r.stdout, "already recorded: deploy checkout v42") {
		t.Fatalf("change record = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	cs, err := s.ListChanges(t.Context(), storage.ChangeFilter{})
	if err != nil || len(cs) != 1 || cs[0].PreviousVersion != "v41" || cs[0].Source != "cli" || cs[0].By != "ana" {
		t.Fatalf("stored %+v, %v; want one change", cs, err)
	}

	r = runCLI(t, map[string]string{"TOURNIQUET_API_TOKEN": "wrong-token"}, "", "change", "record", "--service", "checkout", "--url", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "refused the API token") {
		t.Errorf("wrong token = %d %q", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{"TOURNIQUET_API_TOKEN": "ci-token-123456"}, "", "change", "record", "--service", "checkout", "--kind", "release", "--url", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, `kind "release": want one of deploy, flag, config, infra`) {
		t.Errorf("bad kind = %d %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, "", "change", "record", "--kind", "deploy")
	if r.code != 2 || !strings.Contains(r.stderr, "--service is required") || !strings.Contains(r.stderr, "Usage: tourniquet change record") {
		t.Errorf("no service = %d %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, "", "change", "recrod")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown subcommand "recrod"`) {
		t.Errorf("bad subcommand = %d %q", r.code, r.stderr)
	}
}
