package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/readiness"
)

const (
	exampleLDToken    = "api-readiness-test-ld-token-0001"
	exampleHookToken  = "hook-readiness-test-token-0002"
	exampleSlackToken = "xoxb-readiness-test-0003"
	exampleDiscordTok = "discord-readiness-test-0004"
	exampleGuild      = "223456789012345678"
)

// exampleWithFakes is deploy/examples/tourniquet.yaml with its secret
// files written to a temporary directory and its integrations, Slack and
// Discord pointed at fakes. It returns the config path, the environment,
// and the fakes.
func exampleWithFakes(t *testing.T) (string, map[string]string, *httpxtest.ReadOnly, *httpxtest.ReadOnly, *slacktest.Server, *discordtest.Server) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "examples", "tourniquet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secrets := map[string]string{"ld": exampleLDToken, "hook": "hook-signing-secret-0005", "slack-bot-token": exampleSlackToken,
		"slack-app-token": "xapp-readiness-0006", "discord-bot-token": exampleDiscordTok}
	for _, m := range regexp.MustCompile(`/run/secrets/([\w.-]+)`).FindAllStringSubmatch(string(b), -1) {
		v, ok := secrets[m[1]]
		if !ok {
			v = "readiness-test-secret-" + m[1]
		}
		if err := os.WriteFile(filepath.Join(dir, m[1]), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ld := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: exampleLDToken,
		Unauthorized: `{"code":"unauthorized","message":"Invalid access token"}`, NotFound: `{"code":"not_found","message":"Unknown resource"}`,
		Routes: map[string]httpxtest.Route{"GET /api/v2/flags/default/new-checkout": {Body: `{"key":"new-checkout","environments":{"production":{"on":true}}}`}}}
	hook := &httpxtest.ReadOnly{NotFound: `{"error":"not found"}`, Routes: map[string]httpxtest.Route{"GET /ready": {Body: `{"ok":true}`}}}
	ldSrv, hookSrv := ld.Serve(t), hook.Serve(t)
	yaml := strings.ReplaceAll(string(b), "/run/secrets/", dir+"/")
	yaml = strings.Replace(yaml, "{type: launchdarkly, ", "{type: launchdarkly, url: \""+ldSrv.URL+"\", ", 1)
	yaml = strings.Replace(yaml, `url: "https://deploy.internal/rollback"`, `url: "`+hookSrv.URL+`/rollback", preflight: "`+hookSrv.URL+`/ready"`, 1)
	path := filepath.Join(dir, "tourniquet.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	sl := slacktest.New(t, slacktest.Options{BotToken: exampleSlackToken, Users: map[string]string{"U0123ABCD": "Sam SRE"}})
	dc := discordtest.New(t, exampleDiscordTok, "1234567890123456789")
	dc.AddMember(exampleGuild, "81234567890123456")
	env := map[string]string{"TOURNIQUET_DATABASE_URL": "sqlite:" + filepath.Join(dir, "none.db"),
		"TOURNIQUET_SLACK_API_URL": sl.APIURL(), "TOURNIQUET_DISCORD_API_URL": dc.APIURL(), "TOURNIQUET_LOG_LEVEL": "error"}
	return path, env, ld, hook, sl, dc
}

// TestReadinessOnTheExampleConfig: `tourniquet readiness` on the example
// configuration, against fakes, prints an honest table; the preflights
// only read; a token that stopped working and people who left lower the
// score, and --min-score turns that into a failing exit for CI.
func TestReadinessOnTheExampleConfig(t *testing.T) {
	path, env, ld, hook, sl, dc := exampleWithFakes(t)

	r := runCLI(t, env, "", "readiness", "--config", path)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.HasPrefix(lines[0], "SERVICE") || len(lines) < 2 {
		t.Fatalf("no table:\n%s", r.stdout)
	}
	// checkout: kill switch and rollback (20), both allowed lists resolve
	// (20), both preflights pass (20), never ran nor drilled (0).
	if f := strings.Fields(lines[1]); f[0] != "checkout" || f[1] != "60" || f[2] != "kill-switch,rollback" && f[2] != "rollback,kill-switch" ||
		f[3] != "route-away,config-revert" || f[4] != "2/2" || f[5] != "2/2" || f[6] != "never" || f[7] != "never" {
		t.Errorf("checkout row %q", lines[1])
	}
	if !strings.Contains(r.stderr, "no database") {
		t.Errorf("the missing database is not said:\n%s", r.stderr)
	}
	ld.AssertOnlyReads(t)
	hook.AssertOnlyReads(t)
	for _, req := range hook.Requests() {
		if req != "GET /ready" {
			t.Errorf("readiness called the webhook's %s", req)
		}
	}

	// The LaunchDarkly token expires; everyone in group:sre leaves.
	ld.Auth = "a-newer-token"
	sl.DeleteUser("U0123ABCD")
	dc.RemoveMember(exampleGuild, "81234567890123456")
	r = runCLI(t, env, "", "readiness", "--config", path, "--json", "--min-score", "50")
	if r.code != 1 {
		t.Fatalf("exit %d under the threshold, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var rep readiness.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	co := rep.Services[0]
	// 20 coverage + people 1/2 (10: the lead may still kill) + preflight
	// 1/2 (10) = 40.
	if co.Score != 40 {
		t.Errorf("score %d, want 40: %+v", co.Score, co)
	}
	for _, a := range co.Actions {
		switch a.ID {
		case "kill-new-checkout":
			if a.Preflight != readiness.PreflightFailed || !strings.Contains(a.Detail, "401") {
				t.Errorf("kill-new-checkout preflight %q %q", a.Preflight, a.Detail)
			}
		case "rollback-checkout":
			if a.People.OK || !strings.Contains(a.People.Detail, "slack:U0123ABCD") || !strings.Contains(a.People.Detail, "discord:81234567890123456") {
				t.Errorf("rollback-checkout people %+v", a.People)
			}
		}
	}
	if !strings.Contains(r.stderr, "checkout scores 40, under --min-score 50") {
		t.Errorf("stderr does not say what is under the threshold:\n%s", r.stderr)
	}
	for _, secret := range []string{exampleLDToken, exampleSlackToken, exampleDiscordTok} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("a secret was printed")
		}
	}
	ld.AssertOnlyReads(t)
}

func TestReadinessFlags(t *testing.T) {
	if r := runCLI(t, nil, "", "readiness", "--min-score", "101"); r.code != 2 || !strings.Contains(r.stderr, "from 0 to 100") {
		t.Errorf("--min-score 101: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "", "readiness", "extra"); r.code != 2 || !strings.Contains(r.stderr, "unexpected argument") {
		t.Errorf("extra argument: %d %s", r.code, r.stderr)
	}
}
