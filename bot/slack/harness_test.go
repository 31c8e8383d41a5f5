package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

const (
	testBotToken = "xoxb-test-bot-token"
	testAppToken = "xapp-test-app-token"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotUser  = "UBOT"
)

// newFakeSlack is the Slack the package's tests talk to: it takes the test
// tokens and knows Alice (U1), Bob (U2) and Carol (U3). now is its clock
// (nil: the real one).
func newFakeSlack(t *testing.T, now func() time.Time) *slacktest.Server {
	t.Helper()
	return slacktest.New(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, BotUserID: testBotUser, Now: now,
		Users: map[string]string{"U1": "Alice Example", "U2": "Bob", "U3": "Carol"}})
}

// harness wires a store, an engine, the adapter (HTTP mode, pointed at
// the fake Slack), a Sender delivering through it, and an HTTP server
// with the adapter's routes.
type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	fake   *slacktest.Server
	ad     *Adapter
	sender *bot.Sender
	srv    *httptest.Server
	logs   *bottest.Buffer
	seq    int
}

func newHarness(t *testing.T, store storage.Store, tweak ...func(*Options)) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	logs := &bottest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(),
		Store: store, Clock: clk, Logger: log,
		Responders: []incident.Actor{{Platform: Platform, ID: "U3"}},
		PublicURL:  "https://tourniquet.example.com",
	})
	// Nothing secret may reach a log line, whatever the test did (checked
	// last, once the adapter has stopped).
	t.Cleanup(func() {
		out := logs.String()
		for _, secret := range []string{testBotToken, testAppToken, testSecret, "/hooks/", "ticket="} {
			if strings.Contains(out, secret) {
				t.Errorf("a secret (%q) reached the log:\n%s", secret, out)
			}
		}
	})
	return startHarness(t, store, clk, engine, logs, log, tweak...)
}

// startHarness is the harness of engine: the fake Slack with a lobby
// (CLOBBY, where U1, U2, U3 and the bot are) and an announcements channel,
// the adapter in HTTP mode pointed at it, authenticated, and its routes on
// a test server; both stop when the test ends.
func startHarness(t *testing.T, store storage.Store, clk *clock.Fake, engine *bot.Engine, logs *bottest.Buffer, log *slog.Logger, tweak ...func(*Options)) *harness {
	t.Helper()
	fake := newFakeSlack(t, clk.Now)
	fake.AddChannel("CLOBBY", "general", false, "U1", "U2", "U3", testBotUser)
	fake.AddChannel("CANNOUNCE", "incidents", false, testBotUser)
	o := Options{
		Engine:          engine,
		Incidents:       store,
		BotToken:        config.NewSecret(testBotToken),
		SigningSecret:   config.NewSecret(testSecret),
		APIURL:          fake.APIURL(),
		AnnounceChannel: "CANNOUNCE",
		Clock:           clk,
		Logger:          log,
		PostInterval:    -1,
	}
	for _, fn := range tweak {
		fn(&o)
	}
	ad, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ad.authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ad.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); ad.Wait() })
	return &harness{
		t: t, store: store, clock: clk, engine: engine, fake: fake, ad: ad, srv: srv, logs: logs,
		sender: bot.NewSender(bot.SenderOptions{Store: store, Clock: clk, Deliverers: []bot.Deliverer{ad}, MaxAttempts: 3, Logger: log}),
	}
}

// signed builds a request to route as Slack would send it now.
func (h *harness) signed(route, contentType string, body []byte) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+route, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	ts, sig := Sign(testSecret, h.clock.Now(), body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, sig)
	return req
}

// do sends req and returns the status and body.
func (h *harness) do(req *http.Request) (int, string) {
	h.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (h *harness) next() string {
	h.seq++
	return strconv.Itoa(h.seq)
}

// slashForm is the body of a slash command.
func (h *harness) slashForm(user, channel, text string) []byte {
	n := h.next()
	return []byte(url.Values{
		"token": {"legacy-verification-token"}, "team_id": {"T1"}, "team_domain": {"tq-test"},
		"channel_id": {channel}, "channel_name": {"general"}, "user_id": {user},
		"user_name": {strings.ToLower(user)}, "command": {"/incident"}, "text": {text},
		"api_app_id": {"A1"}, "response_url": {h.fake.HookURL("cmd-" + n)}, "trigger_id": {"trig." + n},
	}.Encode())
}

// slash runs /incident text as user in channel over HTTP mode.
func (h *harness) slash(user, channel, text string) (int, string) {
	h.t.Helper()
	return h.do(h.signed(RouteCommands, "application/x-www-form-urlencoded", h.slashForm(user, channel, text)))
}

// interaction posts an interaction payload.
func (h *harness) interaction(payload any) (int, string) {
	h.t.Helper()
	js, err := json.Marshal(payload)
	if err != nil {
		h.t.Fatal(err)
	}
	body := []byte(url.Values{"payload": {string(js)}}.Encode())
	return h.do(h.signed(RouteInteractions, "application/x-www-form-urlencoded", body))
}

// clickPayload is a block_actions payload for a Tourniquet button.
func (h *harness) clickPayload(user, channel, value, actionTS string) map[string]any {
	return map[string]any{
		"type": "block_actions", "api_app_id": "A1", "token": "legacy",
		"team":         map[string]any{"id": "T1"},
		"user":         map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":      map[string]any{"id": channel, "name": "x"},
		"container":    map[string]any{"type": "message", "message_ts": "1772373600.000001", "channel_id": channel},
		"trigger_id":   "trig.click." + actionTS,
		"response_url": h.fake.HookURL("click-" + actionTS),
		"actions": []any{map[string]any{
			"type": "button", "block_id": "b1", "action_id": ActionIDPrefix + "1", "value": value,
			"text": map[string]any{"type": "plain_text", "text": "x"}, "action_ts": actionTS,
		}},
	}
}

// event posts an Events API callback carrying inner, retry times retried.
func (h *harness) event(eventID string, inner map[string]any, retry int) (int, string) {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": t0.Unix(), "event": inner,
		"authorizations": []any{map[string]any{"team_id": "T1", "user_id": testBotUser, "is_bot": true}},
	})
	req := h.signed(RouteEvents, "application/json", body)
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return h.do(req)
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// declareHere opens INC-n in channel as U1, through the engine, and
// delivers what it queued.
func (h *harness) declareHere(channel, title string) *incident.Incident {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{
		Channel: channelRef(channel), Actor: alice, Text: "declare here sev2 " + title,
	})
	if err != nil || r.Error {
		h.t.Fatalf("declare: %v %+v", err, r)
	}
	h.drain()
	inc, err := h.store.GetIncidentByKey(context.Background(), r.IncidentKey)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) events(key string) []incident.Event {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	evs, err := h.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func kinds(evs []incident.Event, k incident.Kind) []incident.Event {
	var out []incident.Event
	for _, e := range evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// countIncidents counts every incident in the store.
func (h *harness) countIncidents() int {
	h.t.Helper()
	n, err := h.store.CountIncidents(context.Background(), storage.IncidentFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// pendingOutbox counts undelivered outbox messages.
func (h *harness) pendingOutbox() int {
	h.t.Helper()
	stats, err := h.store.OutboxStats(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, s := range stats {
		n += s.Pending
	}
	return n
}
