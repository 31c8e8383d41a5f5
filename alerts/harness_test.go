package alerts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var (
	t0     = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice  = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob    = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	triage = incident.ChannelRef{Platform: "slack", ChannelID: "CTRIAGE"}
	lobby  = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

const token = "alerts-token-0123456789"

type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	cfg    config.Alerts
	engine *bot.Engine
	router *alerts.Router
	intake http.Handler
	sender *bot.Sender
	rec    *bottest.Recorder
}

func newHarness(t *testing.T, s storage.Store, cfg config.Alerts) *harness {
	t.Helper()
	if !cfg.Token.IsSet() {
		cfg.Token = config.NewSecret(token)
	}
	h := &harness{t: t, store: s, clock: clock.NewFake(t0), cfg: cfg, rec: bottest.NewRecorder("slack")}
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	h.start()
	return h
}

// start builds a fresh router, engine and intake on the store, as a
// process (re)starting would.
func (h *harness) start() {
	h.t.Helper()
	r, err := alerts.New(alerts.Options{Config: h.cfg, Triage: triage, Store: h.store, Clock: h.clock,
		Groups: incident.Groups{"sre": {"slack:U1"}}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.router = r
	h.engine = bottest.NewEngine(h.t, bot.Options{Store: h.store, Clock: h.clock,
		Commands: append(bot.Commands(), r.Commands()...)})
	mux := http.NewServeMux()
	alerts.NewIntake(alerts.IntakeOptions{Config: h.cfg, Store: h.store, Clock: h.clock}).Mount(mux)
	h.intake = mux
}

// post sends body to an intake endpoint with headers and returns the
// response.
func (h *harness) post(path string, body []byte, header http.Header) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.intake.ServeHTTP(w, req)
	return w
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// notify posts an Alertmanager notification with the right token and
// expects 200.
func (h *harness) notify(n amNotification) {
	h.t.Helper()
	if w := h.post("/alerts/alertmanager", n.json(h.t), bearer(token)); w.Code != http.StatusOK {
		h.t.Fatalf("POST /alerts/alertmanager: %d %s", w.Code, w.Body)
	}
}

// route routes what waits and delivers what it sent; it returns how many
// groups were routed.
func (h *harness) route() int {
	h.t.Helper()
	n, err := h.router.RouteAll(context.Background(), h.engine)
	if err != nil {
		h.t.Fatalf("RouteAll: %v", err)
	}
	h.drain()
	return n
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	h.drain()
	return r
}

func (h *harness) click(who incident.Actor, ch incident.ChannelRef, b bot.Button) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: b.Command, Source: incident.SourceButton})
	if err != nil {
		h.t.Fatalf("click %q: %v", b.Command, err)
	}
	h.drain()
	return r
}

// in returns the deliveries (posts and updates) to channel.
func (h *harness) in(channel string) []bottest.Delivery {
	var out []bottest.Delivery
	for _, d := range h.rec.Deliveries() {
		if d.ChannelID == channel && (d.Op == "post" || d.Op == "update") {
			out = append(out, d)
		}
	}
	return out
}

// button finds a button by label prefix in m.
func button(t *testing.T, m bot.Message, label string) bot.Button {
	t.Helper()
	for _, b := range m.AllButtons() {
		if strings.HasPrefix(b.Label, label) {
			return b
		}
	}
	t.Fatalf("no button %q in %q (buttons %v)", label, m.PlainText(), m.AllButtons())
	return bot.Button{}
}

func (h *harness) incident(key string) *incident.Incident {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) events(key string, kind incident.Kind) []incident.Event {
	h.t.Helper()
	evs, err := h.store.ListEvents(context.Background(), h.incident(key).ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// channelOf is the incident's Slack channel.
func (h *harness) channelOf(key string) incident.ChannelRef {
	h.t.Helper()
	ch, ok := h.incident(key).ChannelOn("slack")
	if !ok {
		h.t.Fatalf("%s has no channel", key)
	}
	return ch
}

// amNotification builds Alertmanager webhook v4 notifications.
type amNotification struct {
	groupKey string
	status   string
	common   map[string]string
	annots   map[string]string
	alerts   []amAlert
}

type amAlert struct {
	fp     string
	status string
	labels map[string]string
	starts time.Time
}

func (n amNotification) json(t *testing.T) []byte {
	t.Helper()
	var as []map[string]any
	for _, a := range n.alerts {
		labels := map[string]string{}
		for k, v := range n.common {
			labels[k] = v
		}
		for k, v := range a.labels {
			labels[k] = v
		}
		ends := "0001-01-01T00:00:00Z"
		if a.status == "resolved" {
			ends = t0.Add(time.Hour).Format(time.RFC3339)
		}
		as = append(as, map[string]any{"status": a.status, "labels": labels, "annotations": n.annots,
			"startsAt": a.starts.Format(time.RFC3339), "endsAt": ends, "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
			"fingerprint": a.fp})
	}
	b, err := json.Marshal(map[string]any{"version": "4", "groupKey": n.groupKey, "truncatedAlerts": 0, "status": n.status,
		"receiver": "tourniquet", "groupLabels": map[string]string{"alertname": n.common["alertname"]},
		"commonLabels": n.common, "commonAnnotations": n.annots, "externalURL": "http://alertmanager:9093", "alerts": as})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// highErrorRate is a group of n firing HighErrorRate alerts on checkout.
func highErrorRate(n int) amNotification {
	g := amNotification{groupKey: `{}:{alertname="HighErrorRate"}`, status: "firing",
		common: map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
		annots: map[string]string{"summary": "5xx above 2% on checkout"}}
	for i := range n {
		g.alerts = append(g.alerts, amAlert{fp: fmt.Sprintf("fp%d", i), status: "firing",
			labels: map[string]string{"instance": fmt.Sprintf("pod-%d", i)}, starts: t0.Add(-time.Duration(10-i) * time.Minute)})
	}
	return g
}

// resolved returns the notification with every alert resolved.
func (n amNotification) resolved() amNotification {
	r := n
	r.status = "resolved"
	r.alerts = nil
	for _, a := range n.alerts {
		a.status = "resolved"
		r.alerts = append(r.alerts, a)
	}
	return r
}

func forEachStore(t *testing.T, fn func(t *testing.T, s storage.Store)) { storagetest.ForEach(t, fn) }

// text is everything a message says: its blocks' words, as a person
// reads them (not the notification fallback).
func text(m bot.Message) string {
	m.Fallback = ""
	return m.PlainText()
}
