package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func loadYAML(t *testing.T, yaml string) (*config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tourniquet.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return LoadConfig(path, func(string) string { return "" }, os.ReadFile)
}

// TestCheckConfigActions: what check-config reports about actions and
// integrations, every problem at once, none holding a secret.
func TestCheckConfigActions(t *testing.T) {
	_, err := loadYAML(t, `
integrations:
  helm:
    type: exec
    command: [helm, rollback, "{{.Params.release}}"]
    token: sup3r-s3cret-value
  odd:
    type: carrier-pigeon
  demo:
    type: sandbox
actions:
  - id: rollback-shop
    kind: rollback
    integration: helm
    params: {release: shop, relase: typo}
    allowed: [lead]
  - id: nothing
    kind: custom
    integration: helm
    allowed: [lead]
    undo: rollback-shopp
`)
	var cerr *config.Errors
	if !errors.As(err, &cerr) {
		t.Fatalf("LoadConfig = %v, want *config.Errors", err)
	}
	text := cerr.Error()
	for _, want := range []string{
		`integrations.odd.type: unknown integration type "carrier-pigeon" (known: argocd, exec, flagsmith, githubactions, kubernetes, launchdarkly, unleash, webhook)`,
		"integrations.demo.type: sandbox is only the demo",
		`actions[1].undo: "rollback-shopp" names no action`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "sup3r-s3cret-value") {
		t.Errorf("a secret leaked:\n%s", text)
	}

	// Once the rest is right, unknown and missing params are reported, as
	// each integration type declares them.
	_, err = loadYAML(t, `
integrations:
  helm:
    type: exec
    command: [helm, rollback, "{{.Params.release}}"]
  flags:
    type: launchdarkly
    api_token: api-0123456789abcdef
    project: default
    environment: production
actions:
  - id: rollback-shop
    kind: rollback
    integration: helm
    params: {relase: typo}
    allowed: [lead]
  - id: kill-new-checkout
    kind: kill-switch
    integration: flags
    params: {flg: new-checkout}
    allowed: [lead]
`)
	if !errors.As(err, &cerr) {
		t.Fatalf("LoadConfig = %v, want *config.Errors", err)
	}
	text = cerr.Error()
	for _, want := range []string{
		"actions[0].params.relase: unknown param (accepted: release) (integration helm, type exec)",
		"actions[0].params.release: required: used in the command (integration helm, type exec)",
		"actions[1].params.flg: unknown param (accepted: flag, project, environment) (integration flags, type launchdarkly)",
		"actions[1].params.flag: required: the flag key (integration flags, type launchdarkly)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}

	cfg, err := loadYAML(t, `
integrations:
  helm:
    type: exec
    command: [helm, rollback, "{{.Params.release}}"]
actions:
  - id: rollback-shop
    kind: rollback
    integration: helm
    params: {release: shop}
    allowed: [lead]
`)
	if err != nil {
		t.Fatalf("a valid configuration: %v", err)
	}
	if sandboxMode(cfg) {
		t.Error("the sandbox is active although an action is configured")
	}
}

// TestStartActionsSandbox: with nothing configured the demo actions are
// offered, run through the wired runner, and counted in the metrics.
func TestStartActionsSandbox(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	if !sandboxMode(cfg) {
		t.Fatal("no configuration, yet no sandbox")
	}
	store := storagetest.NewSQLite(t)
	m := metrics.New()
	f, err := newFeatures(cfg, store, clock.Real{}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, EngineOptions(cfg, f, nil))
	stop, err := StartActions(ctx, f, engine, m)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	you := incident.Actor{Platform: "console", ID: "you", Name: "you"}
	ch := incident.ChannelRef{Platform: "console", ChannelID: "INC-1"}
	for _, line := range []string{"declare here sev1 Checkout errors", "run rollback-demo-shop"} {
		r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: you, Text: line, Source: incident.SourceButton})
		if err != nil || r.Error {
			t.Fatalf("%q: %v %+v", line, err, r.Message)
		}
	}
	inc, _ := store.GetIncidentByKey(ctx, "INC-1")
	if got := engine.Actions(inc); len(got) != 2 || got[0].Title != "Roll back demo-shop to v41" || got[1].Title != "Kill switch: new-checkout" {
		t.Errorf("offered actions %+v", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	var run storage.ActionRun
	for {
		runs, err := store.ListActionRuns(ctx, inc.ID)
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs %v, %v", runs, err)
		}
		if run = runs[0]; !run.Status.Active() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if run.Status != storage.RunSucceeded || !strings.Contains(run.Summary, "sandbox: demo-shop rolled back from v42 to v41") {
		t.Fatalf("run %+v", run)
	}
	if n := testutil.ToFloat64(m.ActionRuns.WithLabelValues("sandbox", "rollback", "succeeded")); n != 1 {
		t.Errorf("tourniquet_action_runs_total{sandbox,rollback,succeeded} = %v, want 1", n)
	}
}

func TestFeaturesRefuseBadActions(t *testing.T) {
	cfg := config.Default()
	cfg.Integrations = map[string]config.Integration{"helm": {Type: "exec", Settings: map[string]any{"command": []any{"helm", "{{.Params.release}}"}}}}
	cfg.Actions = []config.Action{{ID: "x", Kind: "rollback", Integration: "helm", Params: map[string]string{"nope": "1"}, Allowed: []string{"lead"}}}
	if _, err := newFeatures(cfg, storagetest.NewSQLite(t), clock.Real{}, nil, nil); err == nil || !strings.Contains(err.Error(), "actions[0].params.nope") {
		t.Fatalf("newFeatures = %v", err)
	}
}

// TestStartActionsWithWebhook: a configured HTTP integration is built by
// type and called by the wired runner once, with the run ID as its
// Idempotency-Key; the sandbox stays off.
func TestStartActionsWithWebhook(t *testing.T) {
	ctx := context.Background()
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Method+" "+r.URL.Path+" "+r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	cfg, err := loadYAML(t, `
integrations:
  deploy-hook:
    type: webhook
    url: "`+srv.URL+`/services/{{pathescape .Params.service}}/rollback"
actions:
  - id: rollback-shop
    title: Roll back shop
    kind: rollback
    integration: deploy-hook
    params: {service: shop}
    allowed: [lead]
`)
	if err != nil {
		t.Fatal(err)
	}
	if sandboxMode(cfg) {
		t.Fatal("sandbox on with an action configured")
	}
	store := storagetest.NewSQLite(t)
	f, err := newFeatures(cfg, store, clock.Real{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, EngineOptions(cfg, f, nil))
	stop, err := StartActions(ctx, f, engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	alice := incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "C1"}
	for _, line := range []string{"declare here sev1 Shop down", "run rollback-shop", "run rollback-shop"} {
		if _, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: alice, Text: line, Source: incident.SourceButton}); err != nil {
			t.Fatal(err)
		}
	}
	inc, _ := store.GetIncidentByKey(ctx, "INC-1")
	if got := engine.Actions(inc); len(got) != 1 || got[0].ID != "rollback-shop" {
		t.Errorf("offered %+v, want only the configured action", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	var runs []storage.ActionRun
	for {
		runs, _ = store.ListActionRuns(ctx, inc.ID)
		if (len(runs) == 1 && !runs[0].Status.Active()) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(runs) != 1 || runs[0].Status != storage.RunSucceeded {
		t.Fatalf("runs %+v", runs)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "POST /services/shop/rollback " + runs[0].ID; len(keys) != 1 || keys[0] != want {
		t.Errorf("webhook calls %q, want one %q", keys, want)
	}
}
