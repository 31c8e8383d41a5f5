package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// fakeSocket is Slack's Socket Mode endpoint: each connection is handed
// to the test, which sends envelopes; acknowledgements from any
// connection are collected in one place.
type fakeSocket struct {
	t     *testing.T
	srv   *httptest.Server
	conns chan *websocket.Conn
	acks  chan sockAck

	mu   sync.Mutex
	seen map[string][]json.RawMessage // envelope ID → ack payloads
}

type sockAck struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

func newFakeSocket(t *testing.T) *fakeSocket {
	fs := &fakeSocket{t: t, conns: make(chan *websocket.Conn, 4), acks: make(chan sockAck, 64), seen: map[string][]json.RawMessage{}}
	// slack-go dials with the Origin Slack's own clients use.
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://api.slack.com" }}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("ticket") == "" {
			http.Error(w, "no ticket", http.StatusUnauthorized)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		go func() {
			for {
				var a sockAck
				if err := c.ReadJSON(&a); err != nil {
					return
				}
				fs.acks <- a
			}
		}()
		fs.conns <- c
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

// url is what apps.connections.open answers: a wss URL with a ticket.
func (fs *fakeSocket) url() string {
	return "ws" + strings.TrimPrefix(fs.srv.URL, "http") + "/link/?ticket=secret-ticket-1234&app_id=A1"
}

func (fs *fakeSocket) accept(t *testing.T) *websocket.Conn {
	t.Helper()
	select {
	case c := <-fs.conns:
		t.Cleanup(func() { _ = c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not connect")
		return nil
	}
}

func send(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// waitAck waits for an acknowledgement of envelope id and returns its
// payload.
func (fs *fakeSocket) waitAck(t *testing.T, id string) json.RawMessage {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		fs.mu.Lock()
		got := fs.seen[id]
		fs.mu.Unlock()
		if len(got) > 0 {
			return got[0]
		}
		select {
		case a := <-fs.acks:
			fs.mu.Lock()
			fs.seen[a.EnvelopeID] = append(fs.seen[a.EnvelopeID], a.Payload)
			fs.mu.Unlock()
		case <-deadline:
			t.Fatalf("envelope %s was never acknowledged", id)
		}
	}
}

func hello() map[string]any {
	return map[string]any{"type": "hello", "num_connections": 1, "debug_info": map[string]any{"host": "fake-applink"}, "connection_info": map[string]any{"app_id": "A1"}}
}

func slashEnvelope(id, user, channel, text, trigger string) map[string]any {
	return map[string]any{"envelope_id": id, "type": "slash_commands", "accepts_response_payload": true, "payload": map[string]any{
		"token": "legacy", "team_id": "T1", "team_domain": "tq-test", "channel_id": channel, "channel_name": "x",
		"user_id": user, "user_name": strings.ToLower(user), "command": "/incident", "text": text,
		"api_app_id": "A1", "response_url": "https://hooks.slack.com/commands/T1/1/secret", "trigger_id": trigger,
	}}
}

// socketHarness is a harness in Socket Mode whose apps.connections.open
// answers the URL of a fake socket.
func socketHarness(t *testing.T, s storage.Store) (*harness, *fakeSocket) {
	t.Helper()
	h := newHarness(t, s, func(o *Options) { o.AppToken = config.NewSecret(testAppToken) })
	fs := newFakeSocket(t)
	h.fake.SetSocketURL(fs.url())
	return h, fs
}

// runSocketMode runs the adapter's Socket Mode until the test ends, and
// returns the context it runs in.
func (h *harness) runSocketMode(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ad.RunSocketMode(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ctx
}

func TestSocketModeAcksReconnectsAndLosesNothing(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h, fs := socketHarness(t, s)
		h.fake.AddChannel("CSOCK", "sock-room", false, "U1", "U2", "U3", testBotUser)
		msgTS := h.fake.AddMessage("CSOCK", "U2", "cache flushed on all nodes")
		ctx := h.runSocketMode(t)

		c1 := fs.accept(t)
		send(t, c1, hello())
		waitFor(t, "Ready", func() bool { return h.ad.Ready(ctx) == nil })

		send(t, c1, slashEnvelope("e1", "U1", "CSOCK", "declare here sev2 Socket test", "sock.1"))
		var reply map[string]any
		if err := json.Unmarshal(fs.waitAck(t, "e1"), &reply); err != nil || !strings.Contains(reply["text"].(string), "Declared INC-1") || reply["response_type"] != "ephemeral" {
			t.Fatalf("slash command ack payload: %v (%v)", reply, err)
		}
		click := h.clickPayload("U2", "CSOCK", "update mitigation plan: flush caches", "1772373660.000001")
		send(t, c1, map[string]any{"envelope_id": "e2", "type": "interactive", "accepts_response_payload": false, "payload": click})
		if p := fs.waitAck(t, "e2"); len(p) > 0 && string(p) != "null" {
			t.Errorf("click ack payload %s, want none", p)
		}
		reaction := map[string]any{"type": "event_callback", "event_id": "EvSock1", "team_id": "T1", "api_app_id": "A1",
			"event": map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
				"item": map[string]any{"type": "message", "channel": "CSOCK", "ts": msgTS}, "event_ts": "1772373661.000001"}}
		send(t, c1, map[string]any{"envelope_id": "e3", "type": "events_api", "accepts_response_payload": false, "payload": reaction})
		fs.waitAck(t, "e3")

		// Slack asks for a refresh right after sending one more envelope,
		// which may or may not be acknowledged before the socket goes.
		send(t, c1, slashEnvelope("e4", "U1", "CSOCK", "note sent just before the refresh", "sock.4"))
		send(t, c1, map[string]any{"type": "disconnect", "reason": "refresh_requested", "debug_info": map[string]any{"host": "fake-applink"}})

		c2 := fs.accept(t)
		send(t, c2, hello())
		// Slack delivers again what it is not sure was acknowledged — here
		// the last envelope and, at least once, an old event.
		send(t, c2, slashEnvelope("e4", "U1", "CSOCK", "note sent just before the refresh", "sock.4"))
		send(t, c2, map[string]any{"envelope_id": "e3-again", "type": "events_api", "retry_attempt": 1, "retry_reason": "timeout", "payload": reaction})
		send(t, c2, slashEnvelope("e5", "U1", "CSOCK", "update after the refresh", "sock.5"))
		for _, id := range []string{"e4", "e3-again", "e5"} {
			fs.waitAck(t, id)
		}
		h.ad.Wait()

		opens := h.fake.OK("apps.connections.open")
		if len(opens) < 2 {
			t.Fatalf("apps.connections.open called %d times, want a reconnect", len(opens))
		}
		evs := h.events("INC-1")
		count := func(k incident.Kind, text string) int {
			n := 0
			for _, e := range kinds(evs, k) {
				if strings.Contains(e.Text, text) {
					n++
				}
			}
			return n
		}
		for _, c := range []struct {
			kind incident.Kind
			text string
		}{
			{incident.KindDeclared, "Socket test"},
			{incident.KindStatusUpdate, "flush caches"},
			{incident.KindNote, "cache flushed on all nodes"},
			{incident.KindNote, "just before the refresh"},
			{incident.KindStatusUpdate, "after the refresh"},
		} {
			if n := count(c.kind, c.text); n != 1 {
				t.Errorf("%s %q recorded %d times, want exactly once", c.kind, c.text, n)
			}
		}
		if len(evs) != 5 {
			t.Errorf("%d events, want 5: %+v", len(evs), evs)
		}
	})
}

func TestSocketModeDoesNotAckWhatItCouldNotRecord(t *testing.T) {
	s := storagetest.NewSQLite(t)
	h, fs := socketHarness(t, s)
	h.runSocketMode(t)
	c := fs.accept(t)
	send(t, c, hello())
	_ = s.Close()
	send(t, c, slashEnvelope("down1", "U1", "CLOBBY", "declare sev2 Store is down", "sock.down"))
	send(t, c, slashEnvelope("help1", "U1", "CLOBBY", "help", "sock.help")) // needs no store
	fs.waitAck(t, "help1")
	h.ad.Wait()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.seen["down1"]) != 0 {
		t.Error("a request that was not recorded was acknowledged")
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
