package alerts_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// pdEvent is a PagerDuty v3 webhook delivery as its docs show it.
const pdEvent = `{"event":{"id":"01DEN1HNRMBXSRGEFHQMWQKM6N","event_type":"incident.triggered","resource_type":"incident",
"occurred_at":"2026-03-01T13:55:00.000Z","agent":null,"client":null,"data":{"id":"PGR0VU2","type":"incident",
"self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2",
"number":2,"status":"triggered","incident_key":"d3640fbd41094207a1c11e58e46b1662","created_at":"2026-03-01T13:55:00Z",
"title":"Checkout latency","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH",
"self":"https://api.pagerduty.com/services/PF9KMXH","summary":"checkout","type":"service_reference"},
"assignees":[],"escalation_policy":{"id":"PJ2Y1RA","type":"escalation_policy_reference","summary":"Default"},
"teams":[],"priority":null,"urgency":"high","conference_bridge":null,"resolve_reason":null}}}`

func TestIntakeAuthenticatesBeforeAnything(t *testing.T) {
	logs := &bottest.Buffer{}
	s := storagetest.NewSQLite(t)
	cfg := config.Alerts{Token: config.NewSecret(token),
		BasicAuth:              config.AlertsBasicAuth{Username: "am", Password: config.NewSecret("basic-pass-123")},
		PagerDutySigningSecret: config.NewSecret("old-pd-secret,new-pd-secret")}
	mux := http.NewServeMux()
	alerts.NewIntake(alerts.IntakeOptions{Config: cfg, Store: s, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}).Mount(mux)
	h := &harness{t: t, intake: mux}
	am := highErrorRate(1).json(t)
	basic := func(u, p string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))}}
	}
	for _, tc := range []struct {
		name   string
		path   string
		body   []byte
		header http.Header
		want   int
	}{
		{"no credentials", "/alerts/alertmanager", am, nil, 401},
		{"wrong token", "/alerts/alertmanager", am, bearer("nope"), 401},
		{"token as basic password", "/alerts/alertmanager", am, basic("am", token), 401},
		{"wrong basic user", "/alerts/alertmanager", am, basic("root", "basic-pass-123"), 401},
		{"bearer token", "/alerts/alertmanager", am, bearer(token), 200},
		{"basic auth", "/alerts/grafana", am, basic("am", "basic-pass-123"), 200},
		{"generic without token", "/alerts/generic", []byte(`{"key":"k","title":"t"}`), nil, 401},
		{"pagerduty without signature", "/alerts/pagerduty", []byte(pdEvent), nil, 401},
		{"pagerduty with the token only", "/alerts/pagerduty", []byte(pdEvent), bearer(token), 401},
		{"pagerduty signed by another secret", "/alerts/pagerduty", []byte(pdEvent),
			http.Header{"X-Pagerduty-Signature": {sign("someone-else", []byte(pdEvent))}}, 401},
		{"pagerduty signed over another body", "/alerts/pagerduty", []byte(pdEvent + " "),
			http.Header{"X-Pagerduty-Signature": {sign("new-pd-secret", []byte(pdEvent))}}, 401},
		{"pagerduty signed by the new secret", "/alerts/pagerduty", []byte(pdEvent),
			http.Header{"X-Pagerduty-Signature": {sign("new-pd-secret", []byte(pdEvent))}}, 200},
		{"pagerduty rotating: two signatures, one ours", "/alerts/pagerduty", []byte(pdEvent),
			http.Header{"X-Pagerduty-Signature": {sign("theirs", []byte(pdEvent)) + "," + sign("old-pd-secret", []byte(pdEvent))}}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.post(tc.path, tc.body, tc.header)
			if w.Code != tc.want {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.want)
			}
			if tc.want == 401 && w.Body.Len() != 0 {
				t.Errorf("a 401 with a body: %q", w.Body)
			}
		})
	}
	for _, secret := range []string{token, "basic-pass-123", "old-pd-secret", "new-pd-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret reached the log")
		}
	}
	if strings.Contains(logs.String(), sign("new-pd-secret", []byte(pdEvent))[3:]) {
		t.Errorf("a signature reached the log")
	}
}

func TestIntakeRefusesBadBodiesSpecifically(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Alerts{})
	for _, tc := range []struct {
		name, path, body string
		want             int
		says             string
	}{
		{"not JSON", "/alerts/alertmanager", `{"version":`, 400, "invalid JSON"},
		{"old webhook version", "/alerts/alertmanager", `{"version":"3","groupKey":"k","alerts":[{}]}`, 400, `version "3"`},
		{"no group key", "/alerts/alertmanager", `{"version":"4","alerts":[{}]}`, 400, "groupKey is missing"},
		{"no alerts", "/alerts/grafana", `{"groupKey":"k","alerts":[]}`, 400, "alerts is empty"},
		{"generic without a key", "/alerts/generic", `{"title":"x"}`, 400, "key is missing"},
		{"generic with a typo", "/alerts/generic", `{"key":"k","title":"x","lables":{}}`, 400, `unknown field "lables"`},
		{"generic bad status", "/alerts/generic", `{"key":"k","title":"x","status":"maybe"}`, 400, `status "maybe"`},
		{"generic bad time", "/alerts/generic", `{"key":"k","title":"x","starts_at":"yesterday"}`, 400, `starts_at "yesterday"`},
		{"too big", "/alerts/generic", `{"key":"` + strings.Repeat("x", alerts.MaxBody) + `"}`, 413, "larger than 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.post(tc.path, []byte(tc.body), bearer(token))
			var e struct{ Error string }
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != tc.want || !strings.Contains(e.Error, tc.says) {
				t.Errorf("%d %s, want %d saying %q", w.Code, w.Body, tc.want, tc.says)
			}
		})
	}
	if n := h.route(); n != 0 {
		t.Errorf("refused bodies were stored: %d groups routed", n)
	}
}

type failingStore struct{}

func (failingStore) ReceiveAlertGroup(context.Context, *storage.AlertGroup) (bool, error) {
	return false, errors.New("connection refused")
}

// Nothing is acknowledged that was not stored: the sender is told to retry.
func TestIntakeAnswers503WhenItCannotStore(t *testing.T) {
	mux := http.NewServeMux()
	alerts.NewIntake(alerts.IntakeOptions{Config: config.Alerts{Token: config.NewSecret(token)}, Store: failingStore{}}).Mount(mux)
	req := httptest.NewRequest(http.MethodPost, "/alerts/alertmanager", strings.NewReader(string(highErrorRate(1).json(t))))
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("%d %s, want 503", w.Code, w.Body)
	}
}

// The generic shape and PagerDuty's events become groups like any other:
// proposed, and a PagerDuty redelivery (same event id) changes nothing.
func TestGenericAndPagerDutyArePropposed(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Alerts{PagerDutySigningSecret: config.NewSecret("pd-secret")})
	w := h.post("/alerts/generic", []byte(`{"key":"dd-monitor-42","status":"Triggered","title":"Checkout p99 above 2s",
		"labels":{"service":"checkout"},"annotations":{"summary":"p99 2.4s"},"starts_at":"1772373300","url":"https://app.datadoghq.com/monitors/42"}`), bearer(token))
	if w.Code != 200 {
		t.Fatalf("generic: %d %s", w.Code, w.Body)
	}
	sig := http.Header{"X-Pagerduty-Signature": {sign("pd-secret", []byte(pdEvent))}}
	for range 2 {
		if w := h.post("/alerts/pagerduty", []byte(pdEvent), sig); w.Code != 200 {
			t.Fatalf("pagerduty: %d %s", w.Code, w.Body)
		}
	}
	if n := h.route(); n != 2 {
		t.Fatalf("routed %d groups, want 2", n)
	}
	var texts []string
	for _, d := range h.in(triage.ChannelID) {
		texts = append(texts, text(d.Message))
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"Alert Checkout p99 above 2s firing (1 alert)", "p99 2.4s", "Alert Checkout latency firing (1 alert)", "From PagerDuty"} {
		if !strings.Contains(all, want) {
			t.Errorf("proposals %q lack %q", all, want)
		}
	}
	// Tourniquet's own page coming back from PagerDuty is not proposed.
	own := strings.Replace(strings.Replace(pdEvent, "d3640fbd41094207a1c11e58e46b1662", "INC-7", 1), "01DEN1HNRMBXSRGEFHQMWQKM6N", "01OWNPAGE", 1)
	own = strings.Replace(own, `"id":"PGR0VU2"`, `"id":"PXXXXX1"`, 1)
	if w := h.post("/alerts/pagerduty", []byte(own), http.Header{"X-Pagerduty-Signature": {sign("pd-secret", []byte(own))}}); w.Code != 200 {
		t.Errorf("own page: %d", w.Code)
	}
	// A ping is acknowledged, not stored.
	ping := `{"event":{"id":"01ABC","event_type":"pagey.ping","resource_type":"pagey","occurred_at":"2026-03-01T13:55:00Z","data":{"message":"Hello from your friend Pagey!","type":"ping"}}}`
	if w := h.post("/alerts/pagerduty", []byte(ping), http.Header{"X-Pagerduty-Signature": {sign("pd-secret", []byte(ping))}}); w.Code != 200 {
		t.Errorf("ping: %d", w.Code)
	}
	if n := h.route(); n != 0 {
		t.Errorf("a ping was routed")
	}
}
