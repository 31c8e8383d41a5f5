package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/web"
)

const (
	argoToken = "argo-api-token-0123456789"
	revV41    = "4141414aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	revV42    = "4242424bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// e2eArgo is an Argo CD (its REST API's shapes: bearer token, grpc-gateway
// errors) with checkout deployed at v41 then v42, whose rollback is
// Progressing for two looks before it is Healthy at the revision rolled
// back to.
type e2eArgo struct {
	mu        sync.Mutex
	rollbacks []string
	target    string
	looks     int
}

func (f *e2eArgo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+argoToken {
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"no session information","code":16,"message":"no session information"}`)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/applications/checkout/rollback":
		body, _ := io.ReadAll(r.Body)
		f.rollbacks = append(f.rollbacks, string(body))
		if strings.Contains(string(body), `"id":41`) {
			f.target = revV41
		}
		io.WriteString(w, `{"metadata":{"name":"checkout"}}`)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/applications/checkout":
		op, health, at := "", "Healthy", revV42
		if f.target != "" {
			f.looks++
			op, health = "Running", "Progressing"
			if f.looks > 2 {
				op, health, at = "Succeeded", "Healthy", f.target
			}
			op = fmt.Sprintf(`,"operationState":{"phase":%q,"operation":{"sync":{"revision":%q}},"syncResult":{"revision":%q}}`, op, f.target, at)
		}
		fmt.Fprintf(w, `{"metadata":{"name":"checkout","namespace":"argocd"},"spec":{"source":{"targetRevision":"main"}},
			"status":{"sync":{"status":"Synced","revision":%q},"health":{"status":%q},
			"history":[{"id":41,"revision":%q},{"id":42,"revision":%q}]%s}}`, revV42, health, revV41, revV42, op)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"error":"Not Found","code":5,"message":"Not Found"}`)
	}
}

// TestChangeToUndoToEffect is the story of issue 20 end to end: CI records
// a deploy over HTTP; the next incident of the service shows it on its
// card with an undo button; a click (the confirmation is the button's
// dialog) runs the configured Argo CD rollback to the previous version
// through the run lifecycle; the effect is verified (Progressing, then
// Healthy); the timeline has the whole story.
func TestChangeToUndoToEffect(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, store storage.Store) {
		ctx := context.Background()
		argo := &e2eArgo{}
		argoSrv := httptest.NewServer(argo)
		defer argoSrv.Close()
		cfg, err := loadYAML(t, `
api_token: ci-api-token-0123456789
changes: {verify_timeout: 20s}
integrations:
  argocd: {type: argocd, url: "`+argoSrv.URL+`", token: `+argoToken+`}
actions:
  - id: rollback-checkout
    title: Roll back checkout
    kind: rollback
    integration: argocd
    params: {application: checkout}
    services: [checkout]
    allowed: [lead]
    undo_for: {kind: deploy, params: {revision: "{{ .Change.PreviousVersion }}"}}
`)
		if err != nil {
			t.Fatal(err)
		}
		f, err := newFeatures(cfg, store, clock.Real{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.verifyPoll = 5 * time.Millisecond
		engine := bottest.NewEngine(t, EngineOptions(cfg, f, nil))
		stop, err := StartActions(ctx, f, engine, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		mux := http.NewServeMux()
		changeIntake(cfg, store, clock.Real{}, nil).Register(mux)
		api := httptest.NewServer(mux)
		defer api.Close()
		rec := bottest.NewRecorder("slack")
		sender := bot.NewSender(bot.SenderOptions{Store: store, Deliverers: []bot.Deliverer{rec}})

		// CI: the deploy of v42, replacing v41 (commit 4141414).
		req, _ := http.NewRequest(http.MethodPost, api.URL+"/api/v1/changes", strings.NewReader(
			`{"service":"checkout","kind":"deploy","version":"v42","previous_version":"4141414","by":"ana","source":"cli","external_id":"ci-77"}`))
		req.Header.Set("Authorization", "Bearer ci-api-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("record the deploy: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()

		alice := incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
		ch := incident.ChannelRef{Platform: "slack", ChannelID: "C1"}
		handle := func(who incident.Actor, line string) bot.Reply {
			t.Helper()
			r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: who, Text: line, Source: incident.SourceButton})
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return r
		}
		handle(alice, "declare here sev1 Checkout errors")
		handle(alice, "services checkout")
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var undo *bot.Button
		var card string
		for _, d := range rec.Deliveries() {
			for _, b := range d.Message.AllButtons() {
				if strings.Contains(b.Command, "undo-change") {
					undo, card = &b, blocksText(d.Message)
				}
			}
		}
		if undo == nil {
			t.Fatalf("no card with an undo button; delivered %+v", rec.Deliveries())
		}
		if undo.Label != "Roll back to 4141414" || undo.Confirm == nil || !strings.Contains(card, "deploy checkout v42 by ana") {
			t.Fatalf("undo button %+v on card %q", undo, card)
		}
		mallory := incident.Actor{Platform: "slack", ID: "U666", Name: "alice"}
		if r := handle(mallory, undo.Command); !r.Error {
			t.Fatal("a click by someone not allowed was not refused")
		}
		if r := handle(alice, undo.Command); r.Error {
			t.Fatalf("click: %s", r.Message.PlainText())
		}

		inc, err := store.GetIncidentByKey(ctx, "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		var effect incident.Event
		for effect.Kind == "" && time.Now().Before(deadline) {
			evs, _ := store.ListEvents(ctx, inc.ID, 0, 0)
			for _, e := range evs {
				if e.Kind == incident.KindActionEffective || e.Kind == incident.KindActionIneffective {
					effect = e
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if effect.Kind != incident.KindActionEffective || !strings.Contains(effect.Text, "Healthy, its last operation Succeeded at revision 4141414") {
			t.Fatalf("effect = %s %q", effect.Kind, effect.Text)
		}
		argo.mu.Lock()
		rollbacks := argo.rollbacks
		argo.mu.Unlock()
		if len(rollbacks) != 1 || !strings.Contains(rollbacks[0], `"id":41`) {
			t.Errorf("Argo CD rollbacks: %v; want one, to history 41 (v41)", rollbacks)
		}
		runs, _ := store.ListActionRuns(ctx, inc.ID)
		if len(runs) != 1 || runs[0].Status != storage.RunSucceeded {
			t.Fatalf("runs %+v", runs)
		}
		if l, err := store.ChangeRunOf(ctx, runs[0].ID); err != nil || l.Change.Version != "v42" {
			t.Errorf("the run's change: %+v, %v", l, err)
		}
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var said bool
		for _, d := range rec.Deliveries() {
			said = said || strings.Contains(blocksText(d.Message), "took effect")
		}
		if !said {
			t.Error("the channel was not told the rollback took effect")
		}

		// Customers are fine: the report tells the story in order.
		handle(alice, "mitigated after the rollback")
		x, err := web.Load(ctx, store, "INC-1", time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Changes) != 1 || x.Changes[0].Undo == nil || x.Changes[0].Undo.Effect != "effective" || x.Changes[0].Undo.MitigatedAt == nil {
			t.Fatalf("report changes %+v", x.Changes)
		}
		story := strings.Join(x.ChangeLines(), "\n")
		for _, want := range []string{"deploy checkout v42 by ana", "before impact → undone with Roll back checkout", "→ succeeded → took effect",
			"after the click → impact mitigated at"} {
			if !strings.Contains(story, want) {
				t.Errorf("the report's story does not say %q:\n%s", want, story)
			}
		}
	})
}

// blocksText is what a message's text blocks say.
func blocksText(m bot.Message) string {
	var b strings.Builder
	for _, bl := range m.Blocks {
		b.WriteString(bl.Text.Notation() + "\n")
	}
	return b.String()
}
