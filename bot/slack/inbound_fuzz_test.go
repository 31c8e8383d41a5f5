package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// FuzzVerify: whatever the headers and body, the verifier accepts a
// request exactly when its signature is Slack's v0 HMAC of that timestamp
// and body under the signing secret, with the timestamp within five
// minutes and the body within the cap. Nobody without the secret gets in.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	body := []byte("token=x&team_id=T1&channel_id=C1&user_id=U1&command=%2Fincident&text=declare+sev1+db&trigger_id=1.2.3")
	ts, sig := Sign(testSecret, now, body)
	f.Add(ts, sig, body)
	f.Add(ts, sig, append(body, '&'))
	f.Add(strconv.FormatInt(now.Unix()-301, 10), sig, body)
	f.Add("0"+ts, sig, body)
	f.Add(ts, strings.ToUpper(sig), body)
	f.Add(ts, "v1="+sig[3:], body)
	f.Add("", "", []byte(nil))
	f.Add(ts, "v0=", body)
	f.Add("+"+ts, sig, body)
	v := verifier{secret: config.NewSecret(testSecret), clock: clock.NewFake(now), maxBody: 4096}
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, RouteCommands, bytes.NewReader(body))
		r.Header.Set(headerTimestamp, ts)
		r.Header.Set(headerSignature, sig)
		got, ok := v.read(httptest.NewRecorder(), r)

		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write([]byte("v0:" + ts + ":"))
		mac.Write(body)
		want := mac.Sum(nil)
		hexSig, prefixed := strings.CutPrefix(sig, "v0=")
		given, herr := hex.DecodeString(hexSig)
		signed := prefixed && herr == nil && hmac.Equal(given, want)
		secs, perr := strconv.ParseInt(ts, 10, 64)
		age := now.Sub(time.Unix(secs, 0))
		fresh := perr == nil && secs > 0 && len(ts) <= 12 && age <= 5*time.Minute && age >= -5*time.Minute
		small := int64(len(body)) <= v.maxBody

		if ok && !(signed && fresh && small) {
			t.Fatalf("accepted a request that is not signed, fresh and small: ts %q sig %q (signed %v fresh %v small %v)", ts, sig, signed, fresh, small)
		}
		if !ok && signed && fresh && small {
			t.Fatalf("refused a valid request: ts %q sig %q", ts, sig)
		}
		if ok && !bytes.Equal(got, body) {
			t.Fatal("the verified body is not the body sent")
		}
	})
}

// inboundFuzz is an adapter in HTTP mode with a real engine and store, its
// Web API a stub that answers ok.
type inboundFuzz struct {
	mux    *http.ServeMux
	clock  *clock.Fake
	routes []string
	store  storage.Store
}

func newInboundFuzz(f *testing.F) *inboundFuzz {
	f.Helper()
	ctx := context.Background()
	store := storagetest.New(f)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		resp := map[string]any{"ok": true}
		switch method {
		case "auth.test":
			resp["user_id"], resp["team"] = testBotUser, "Fuzz"
		case "users.info":
			resp["user"] = map[string]any{"id": "U1", "name": "u", "real_name": "U", "profile": map[string]any{"display_name": "U"}}
		case "conversations.info":
			resp["channel"] = map[string]any{"id": "C1", "is_member": true}
		case "views.open":
			resp["view"] = map[string]any{"id": "V1"}
		case "conversations.history", "conversations.replies":
			resp["messages"] = []any{}
		case "chat.getPermalink":
			resp["permalink"] = "https://x.slack.com/archives/C1/p1"
		}
		_ = json.NewEncoder(w).Encode(resp)
	}))
	f.Cleanup(api.Close)
	clk := clock.NewFake(time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	engine := bottest.NewEngine(f, bot.Options{Commands: bot.Commands(), Store: store, Clock: clk, Logger: log})
	ad, err := New(Options{Engine: engine, Incidents: store, BotToken: config.NewSecret(testBotToken), SigningSecret: config.NewSecret(testSecret),
		APIURL: api.URL + "/api/", Clock: clk, Logger: log, PostInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	if err := ad.authenticate(ctx); err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	ad.Routes(mux)
	f.Cleanup(ad.Wait)
	return &inboundFuzz{mux: mux, clock: clk, store: store,
		routes: []string{RouteCommands, RouteInteractions, RouteEvents}}
}

// post sends body to route, signed with secret ("" for no signature), and
// returns the status and body of the answer.
func (z *inboundFuzz) post(route string, body []byte, secret string) (int, string) {
	r := httptest.NewRequest(http.MethodPost, route, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		ts, sig := Sign(secret, z.clock.Now(), body)
		r.Header.Set(headerTimestamp, ts)
		r.Header.Set(headerSignature, sig)
	}
	w := httptest.NewRecorder()
	z.mux.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// FuzzInbound sends arbitrary bodies to the three HTTP mode routes. Signed
// with the signing secret, a body is handled or refused as malformed
// (200 or 400), never a panic or a 5xx (which would make Slack retry a
// request that can never succeed); unsigned or signed with another secret,
// it is a bare 401 and changes nothing.
func FuzzInbound(f *testing.F) {
	z := newInboundFuzz(f)
	cmd := func(text string) []byte {
		return []byte(url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "user_name": {"alice"},
			"command": {"/incident"}, "text": {text}, "trigger_id": {"13345.7.abc"}, "response_url": {"https://hooks.slack.com/commands/1"}}.Encode())
	}
	click := func(payload string) []byte { return []byte(url.Values{"payload": {payload}}.Encode()) }
	seeds := []struct {
		route byte
		body  []byte
	}{
		{0, cmd("declare sev2 checkout is down")},
		{0, cmd("")},
		{0, cmd("note \x00nul and \xff bytes")},
		{0, cmd("INC-1 mitigated rolled back")},
		{0, []byte("ssl_check=1&token=x")},
		{0, []byte("%zz")},
		{1, click(`{"type":"block_actions","user":{"id":"U1","name":"a"},"channel":{"id":"C1"},"response_url":"https://hooks.slack.com/actions/1","actions":[{"action_id":"tq:1","value":"status","action_ts":"1.2"}]}`)},
		{1, click(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"tq_declare","private_metadata":"C1","state":{"values":{"title":{"title":{"type":"plain_text_input","value":"x"}}}}}}`)},
		{1, click(`{"type":"message_action","callback_id":"add_to_timeline","user":{"id":"U1"},"channel":{"id":"C1"},"message":{"ts":"1.1","text":"hi","user":"U2"}}`)},
		{1, click(`{"type":`)},
		{2, []byte(`{"type":"url_verification","challenge":"abc"}`)},
		{2, []byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"reaction_added","user":"U1","reaction":"pushpin","item":{"type":"message","channel":"C1","ts":"1.1"},"item_user":"U2"}}`)},
		{2, []byte(`{"type":"event_callback","event_id":"Ev2","event":{"type":"pin_added","user":"U1","channel_id":"C1","item":{"type":"message","message":{"ts":"1.1","text":"x"}}}}`)},
	}
	for _, s := range seeds {
		f.Add(s.route, s.body)
	}
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		route := z.routes[int(which)%len(z.routes)]
		n0, err := z.store.CountIncidents(context.Background(), storage.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"", "not-the-signing-secret"} {
			if status, out := z.post(route, body, secret); status != http.StatusUnauthorized || out != "" {
				t.Fatalf("%s with signing secret %q: %d %q; want a bare 401", route, secret, status, out)
			}
		}
		if n, _ := z.store.CountIncidents(context.Background(), storage.IncidentFilter{}); n != n0 {
			t.Fatalf("an unsigned request changed the store: %d incidents, was %d", n, n0)
		}
		status, out := z.post(route, body, testSecret)
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Fatalf("%s %q: status %d %q; want 200 or 400", route, body, status, out)
		}
		if strings.Contains(out, testSecret) || strings.Contains(out, testBotToken) {
			t.Fatal("the answer holds a secret")
		}
	})
}
