package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
)

// The whole wiring, as a team would run it: Alertmanager's notification
// reaches the server, its proposal shows in the terminal, a click (the
// button's command typed) declares; a sev1 route declares by itself and
// pages the on-call through PagerDuty, whose resolve closes the page.
func TestAlertsToTerminalAndPagerDuty(t *testing.T) {
	var (
		mu     sync.Mutex
		events []map[string]any
	)
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"INC-1"}`)
	}))
	defer pd.Close()
	got := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), events...)
	}

	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.Alerts.Token = config.NewSecret("alerts-token-0123456789")
	cfg.Alerts.Routes = []config.AlertRoute{{Match: map[string]string{"alertname": "CheckoutDown"}, Action: "declare", Severity: "sev1"}}
	cfg.Paging = config.Paging{PageOn: []string{"sev1"}, Targets: map[string]config.PagingTarget{
		"oncall": {Type: "pagerduty", URL: pd.URL + "/v2/enqueue", RoutingKey: config.NewSecret("R0UTINGKEY0123456789abcdef012345")}}}
	in, inW := io.Pipe()
	defer inW.Close()
	out := &bottest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := startServe(ctx, t, ServeOptions{Config: cfg, Console: true, Stdin: in, Stdout: out, Logger: slog.New(slog.DiscardHandler)})
	defer func() {
		cancel()
		_ = inW.Close()
		awaitStop(t, done, "serve did not stop")
	}()
	notify := func(name string) {
		t.Helper()
		body := fmt.Sprintf(`{"version":"4","groupKey":"{}:{alertname=\"%s\"}","status":"firing","receiver":"tourniquet",
			"groupLabels":{"alertname":"%s"},"commonLabels":{"alertname":"%s"},"commonAnnotations":{"summary":"%s on checkout"},
			"externalURL":"http://am","truncatedAlerts":0,"alerts":[{"status":"firing","labels":{"alertname":"%s"},
			"annotations":{},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"f-%s"}]}`,
			name, name, name, name, name, time.Now().UTC().Format(time.RFC3339), name)
		req, _ := http.NewRequest("POST", "http://"+addr+"/alerts/alertmanager", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer alerts-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /alerts/alertmanager: %d", resp.StatusCode)
		}
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s; terminal:\n%s", what, out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	notify("HighErrorRate")
	wait("the proposal in the terminal", func() bool { return strings.Contains(out.String(), "Alert HighErrorRate firing (1 alert)") })
	if !strings.Contains(out.String(), "Declare SEV2") {
		t.Errorf("the proposal has no Declare button:\n%s", out.String())
	}
	notify("CheckoutDown")
	wait("PagerDuty paged", func() bool { return len(got()) == 1 })
	ev := got()[0]
	if ev["event_action"] != "trigger" || ev["dedup_key"] != "INC-1" || ev["routing_key"] != "R0UTINGKEY0123456789abcdef012345" {
		t.Errorf("PagerDuty got %v", ev)
	}
	wait("the page on the timeline", func() bool { return strings.Contains(out.String(), "Paged oncall (pagerduty)") })

	fmt.Fprintln(inW, "/incident alert-declare 1")
	wait("INC-2 declared from the proposal", func() bool { return strings.Contains(out.String(), "Declared INC-2") })
	if len(got()) != 1 {
		t.Errorf("a sev2 declaration paged")
	}
	// The incident an alert declared is led by nobody: a responder claims
	// it, which acknowledges the page (a person is in charge).
	fmt.Fprintf(inW, "/incident INC-1 lead @%s\n", consoleUser().ID)
	wait("the page acknowledged", func() bool { return len(got()) == 2 })
	if ev := got()[1]; ev["event_action"] != "acknowledge" || ev["dedup_key"] != "INC-1" {
		t.Errorf("PagerDuty got %v, want an acknowledge of INC-1", ev)
	}
	fmt.Fprintln(inW, "/incident INC-1 resolve --ongoing fixed")
	wait("the page closed", func() bool { return len(got()) == 3 })
	if ev := got()[2]; ev["event_action"] != "resolve" || ev["dedup_key"] != "INC-1" {
		t.Errorf("PagerDuty got %v, want a resolve of INC-1", ev)
	}
	wait("the resolve counted", func() bool {
		_, body := get(t, "http://"+addr+"/metrics")
		return strings.Contains(body, `tourniquet_pages_total{action="resolve",outcome="sent",target="oncall"} 1`)
	})
	_, body := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{`tourniquet_alerts_received_total{new="true",source="alertmanager"} 2`,
		`tourniquet_pages_total{action="trigger",outcome="sent",target="oncall"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
