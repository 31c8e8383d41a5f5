package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// env builds a getenv over a map, so tests never read the real environment.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, kv map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, args, strings.NewReader(stdin), &out, &errb, env(kv))
	return result{code, out.String(), errb.String()}
}

func TestScriptedTerminalSessionAndExport(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "tq.db")
			if db == "postgres" {
				url = storagetest.PostgresURL(t)
			}
			kv := map[string]string{"TOURNIQUET_DATABASE_URL": url, "TOURNIQUET_LISTEN": "127.0.0.1:0", "TOURNIQUET_LOG_LEVEL": "warn"}
			script := strings.Join([]string{
				"/incident declare sev1 Checkout errors",
				"/incident update Error rate 40% on /pay",
				"/incident sev 9",
				"1", // [1] Yes, mitigated
				"/incident diagnosed bad default for the new-checkout flag",
				"/incident resolve flag default fixed",
				"/incident timeline",
			}, "\n") + "\n"
			r := runCLI(t, kv, script)
			if r.code != 0 {
				t.Fatalf("serve exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{
				"Declared INC-1 (SEV1): Checkout errors",
				"#inc-1-checkout-errors opened for INC-1",
				"[1] Yes, mitigated",
				"📣 Update from",
				`"9" is not a severity`,
				"Usage: `/incident sev <1-4>`",
				"Customer impact mitigated",
				"Cause identified",
				"INC-1 resolved by",
				"Timeline of INC-1",
				"mitigated after",
				"cause identified after",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("transcript lacks %q", want)
				}
			}
			if t.Failed() {
				t.Logf("transcript:\n%s", r.stdout)
			}

			x := runCLI(t, kv, "", "export", "INC-1", "--format", "json")
			if x.code != 0 {
				t.Fatalf("export: %d %s", x.code, x.stderr)
			}
			var doc struct {
				Incident struct {
					Key, Severity, Impact, Cause, State string
					Lead                                struct{ Platform, ID string }
				}
				ImpactStartedAt time.Time  `json:"impact_started_at"`
				DeclaredAt      time.Time  `json:"declared_at"`
				MitigatedAt     *time.Time `json:"mitigated_at"`
				DiagnosedAt     *time.Time `json:"diagnosed_at"`
				ResolvedAt      *time.Time `json:"resolved_at"`
				Metrics         map[string]any
				Events          []struct{ Kind, Source string }
			}
			if err := json.Unmarshal([]byte(x.stdout), &doc); err != nil {
				t.Fatalf("export is not JSON: %v\n%s", err, x.stdout)
			}
			if doc.Incident.Key != "INC-1" || doc.Incident.State != "resolved" || doc.Incident.Impact != "mitigated" ||
				doc.Incident.Cause != "identified" || doc.MitigatedAt == nil || doc.ResolvedAt == nil || doc.DeclaredAt.IsZero() || doc.ImpactStartedAt.IsZero() || doc.Incident.Lead.Platform != "console" {
				t.Fatalf("export: %+v", doc)
			}
			for _, k := range []string{"time_to_mitigate", "time_to_diagnose", "time_to_resolve", "customer_impact", "regressions", "mitigated_before_diagnosed"} {
				if _, ok := doc.Metrics[k]; !ok {
					t.Errorf("metrics lack %s", k)
				}
			}
			var ks []string
			for _, e := range doc.Events {
				ks = append(ks, e.Kind+"/"+e.Source)
			}
			if got := strings.Join(ks, " "); !strings.Contains(got, "declared/typed status_update/typed mitigated/button diagnosed/typed resolved/typed") {
				t.Fatalf("events: %s", got)
			}

			md := runCLI(t, kv, "", "export", "1", "--format", "md")
			if md.code != 0 || !strings.Contains(md.stdout, "# INC-1: Checkout errors") || !strings.Contains(md.stdout, "Time to mitigate") {
				t.Fatalf("markdown export: %d\n%s%s", md.code, md.stdout, md.stderr)
			}
			missing := runCLI(t, kv, "", "export", "INC-99")
			if missing.code != 1 || strings.TrimSpace(missing.stderr) != "tourniquet: no incident INC-99" {
				t.Fatalf("unknown incident: %d %q", missing.code, missing.stderr)
			}
		})
	}
}

func TestCheckConfigPrintsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	os.WriteFile(path, []byte(`listen: 127.0.0.1:8080
slack:
  bot_tokn: xoxb-123
checkins:
  cadence:
    sev1: "every ten minutes"
log:
  level: loud
`), 0o600)
	r := runCLI(t, nil, "", "check-config", "--config", path)
	if r.code == 0 {
		t.Fatalf("check-config accepted a bad file:\n%s", r.stdout)
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, path+":") {
			lines++
		}
	}
	for _, want := range []string{"slack.bot_tokn", "checkins.cadence.sev1", "log.level", ":3:", ":6:", ":8:", "3 problems found"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stderr)
		}
	}
	if lines != 3 {
		t.Fatalf("want exactly three problem lines, got %d:\n%s", lines, r.stderr)
	}

	good := runCLI(t, nil, "", "check-config", "--config", filepath.Join("..", "..", "deploy", "examples", "tourniquet.yaml"))
	if good.code != 0 {
		t.Skipf("example config needs its secret files (%s)", strings.TrimSpace(good.stderr))
	}
}

func TestUnreachableDatabaseFailsFastWithoutPassword(t *testing.T) {
	start := time.Now()
	r := runCLI(t, map[string]string{
		"TOURNIQUET_DATABASE_URL": "postgres://tourniquet:hunter2-s3cret@127.0.0.1:1/tourniquet?sslmode=disable",
	}, "", "migrate")
	if r.code == 0 {
		t.Fatal("migrate succeeded against a closed port")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %s to give up", took)
	}
	if strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("password in the error: %s", r.stderr)
	}
	if !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Fatalf("error does not name the host: %s", r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
		t.Fatalf("want a one-line error, got:\n%s", r.stderr)
	}
}

func TestMigrateBothStores(t *testing.T) {
	for name, url := range map[string]string{
		"sqlite":   "sqlite:" + filepath.Join(t.TempDir(), "m.db"),
		"postgres": storagetest.PostgresURL(t),
	} {
		t.Run(name, func(t *testing.T) {
			for range 2 { // twice: the second run is a no-op
				if r := runCLI(t, map[string]string{"TOURNIQUET_DATABASE_URL": url}, "", "migrate"); r.code != 0 {
					t.Fatalf("migrate: %d %s", r.code, r.stderr)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	if r := runCLI(t, nil, "", "frob"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frob"`) || !strings.Contains(r.stderr, `Run "tourniquet --help"`) {
		t.Fatalf("unknown subcommand: %+v", r)
	}
	if r := runCLI(t, nil, "", "export", "INC-1", "--format", "pdf"); r.code != 2 || !strings.Contains(r.stderr, "json or md") {
		t.Fatalf("bad format: %+v", r)
	}
	if r := runCLI(t, nil, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "tourniquet ") {
		t.Fatalf("version: %+v", r)
	}
}

// A scripted session that clicks a sandbox action and ends right away
// still shows the action's outcome: shutdown lets the run finish and
// delivers what it recorded.
func TestSandboxActionOutcomeShownBeforeExit(t *testing.T) {
	kv := map[string]string{"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "tq.db"),
		"TOURNIQUET_LISTEN": "127.0.0.1:0", "TOURNIQUET_LOG_LEVEL": "warn"}
	r := runCLI(t, kv, "/incident declare sev1 Checkout errors\n4\ny\n")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Roll back demo-shop to v41", "Running… started", "succeeded", "sandbox", "not the same as mitigation"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, r.stdout)
		}
	}
}

// One problem is "1 problem found", not "1 problem(s) found".
func TestCheckConfigCountsInWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.yaml")
	os.WriteFile(path, []byte("log:\n  level: loud\n"), 0o600)
	r := runCLI(t, nil, "", "check-config", "--config", path)
	if r.code != 1 || !strings.HasSuffix(r.stderr, "\n1 problem found\n") {
		t.Fatalf("check-config: exit %d\n%s", r.code, r.stderr)
	}
}
