package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	slackbot "github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/logctx"
)

// fakeSlackAPI answers the Web API methods the adapter uses, as Slack
// does, and counts them.
func fakeSlackAPI(t *testing.T, botToken string) (*httptest.Server, func(method string) int) {
	return fakeSlackAPIWith(t, botToken, nil)
}

// fakeSlackAPIWith is fakeSlackAPI where answer, when not nil, may answer
// a method itself (and return true) instead.
func fakeSlackAPIWith(t *testing.T, botToken string, answer func(method string, w http.ResponseWriter) bool) (*httptest.Server, func(method string) int) {
	var mu sync.Mutex
	calls := map[string]int{}
	var ts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		mu.Lock()
		calls[method]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/actions/") { // a response_url
			_, _ = io.WriteString(w, `{"ok":true}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+botToken {
			_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		if answer != nil && answer(method, w) {
			return
		}
		switch method {
		case "auth.test":
			_, _ = io.WriteString(w, `{"ok":true,"team":"T","user_id":"UBOT","team_id":"T1"}`)
		case "conversations.create":
			_, _ = io.WriteString(w, `{"ok":true,"channel":{"id":"CINC1","name":"inc-1-checkout-errors"}}`)
		case "chat.postMessage":
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":"CINC1","ts":"1700000000.%06d"}`, ts.Add(1))
		case "users.info":
			_, _ = io.WriteString(w, `{"ok":true,"user":{"id":"U1","name":"alice","real_name":"Alice","profile":{"display_name":"alice"}}}`)
		case "chat.getPermalink":
			_, _ = io.WriteString(w, `{"ok":true,"permalink":"https://example.slack.com/archives/CINC1/p1"}`)
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func(m string) int { mu.Lock(); defer mu.Unlock(); return calls[m] }
}

// TestNoSecretInDebugLogs runs a whole incident through Slack (HTTP mode),
// a mitigation action through a signed webhook, the report API, a model
// summary and Discord, all at debug level, and then searches everything
// logged for every configured secret.
func TestNoSecretInDebugLogs(t *testing.T) {
	const (
		slackToken    = "xoxb-SECRET-bot-1111"
		signing       = "signing-SECRET-2222"
		apiToken      = "api-SECRET-3333-token"
		linkSecret    = "link-SECRET-4444-xx"
		openaiKey     = "sk-SECRET-5555"
		discordToken  = "discord-SECRET-6666"
		hookSecret    = "hook-SECRET-7777"
		responseToken = "RESPONSE-SECRET-8888"
		appID, guild  = "1111", "2222"
	)
	secrets := []string{slackToken, signing, apiToken, linkSecret, openaiKey, discordToken, hookSecret, responseToken}

	slackAPI, slackCalls := fakeSlackAPI(t, slackToken)
	var hookCalls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookCalls.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer hook.Close()
	var modelCalls atomic.Int32
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		modelCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Customers were hurt for a few minutes; a rollback stopped it."}}]}`)
	}))
	defer model.Close()
	discord := discordtest.New(t, discordToken, appID)
	discord.AddChannel(discordtest.Channel{ID: "5555", GuildID: guild, Name: "lobby"})
	key := discordtest.NewKey()

	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.Log.Level = "debug"
	cfg.APIToken = config.NewSecret(apiToken)
	cfg.LinkSecret = config.NewSecret(linkSecret)
	cfg.Slack.BotToken = config.NewSecret(slackToken)
	cfg.Slack.SigningSecret = config.NewSecret(signing)
	cfg.Slack.APIURL = slackAPI.URL + "/api/"
	cfg.Discord.BotToken = config.NewSecret(discordToken)
	cfg.Discord.AppID, cfg.Discord.PublicKey, cfg.Discord.APIURL, cfg.Discord.GuildID = appID, key.PublicHex, discord.APIURL(), guild
	cfg.OpenAI.APIKey = config.NewSecret(openaiKey)
	cfg.OpenAI.BaseURL = model.URL + "/v1"
	cfg.OpenAI.Model = "m"
	cfg.Integrations = map[string]config.Integration{"deploy-hook": {Type: "webhook",
		Settings: map[string]any{"url": hook.URL + "/rollback"},
		Secrets:  map[string]config.Secret{"secret": config.NewSecret(hookSecret)}}}
	cfg.Actions = []config.Action{{ID: "rollback-checkout", Title: "Roll back checkout", Kind: "rollback",
		Integration: "deploy-hook", Services: []string{"checkout"}, Allowed: []string{"lead"}}}

	var logs bottest.Buffer
	log := slog.New(logctx.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := startServe(ctx, t, ServeOptions{Config: cfg, Stdout: io.Discard, NoConsoleInput: true, Logger: log})
	base := "http://" + addr
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("ready", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })

	post := func(route, ctype, body string, sign bool) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+route, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if sign {
			ts, sig := slackbot.Sign(signing, time.Now(), []byte(body))
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
		} else {
			req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(time.Now().Unix()))
			req.Header.Set("X-Slack-Signature", "v0=0000000000000000000000000000000000000000000000000000000000000000")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	responseURL := slackAPI.URL + "/actions/T1/" + responseToken
	command := func(channel, text, trigger string) {
		t.Helper()
		form := url.Values{"team_id": {"T1"}, "channel_id": {channel}, "user_id": {"U1"}, "user_name": {"alice"},
			"command": {"/incident"}, "text": {text}, "trigger_id": {trigger}, "response_url": {responseURL}}.Encode()
		if code := post("/slack/commands", "application/x-www-form-urlencoded", form, true); code != 200 {
			t.Fatalf("%q: %d", text, code)
		}
	}
	click := func(value, actionTS string) {
		t.Helper()
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "trigger_id": "trig." + actionTS, "response_url": responseURL,
			"user": map[string]any{"id": "U1", "username": "alice", "name": "alice"}, "team": map[string]any{"id": "T1"},
			"channel":   map[string]any{"id": "CINC1"},
			"container": map[string]any{"type": "message", "message_ts": "1700000000.000001", "channel_id": "CINC1"},
			"actions":   []map[string]any{{"action_id": slackbot.ActionIDPrefix + "0", "block_id": "b", "type": "button", "value": value, "action_ts": actionTS}},
		})
		body := url.Values{"payload": {string(payload)}}.Encode()
		if code := post("/slack/interactions", "application/x-www-form-urlencoded", body, true); code != 200 {
			t.Fatalf("click %q: %d", value, code)
		}
	}

	// An unsigned request: its computed signature must not be logged either.
	if code := post("/slack/commands", "application/x-www-form-urlencoded", "text=help", false); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	command("CLOBBY", "declare sev1 Checkout errors", "trig.1")
	waitFor("the incident channel", func() bool { return slackCalls("conversations.create") == 1 && slackCalls("pins.add") >= 1 })
	command("CINC1", "services checkout", "trig.2")
	click("run rollback-checkout", "1700000001.000001")
	waitFor("the webhook call", func() bool { return hookCalls.Load() == 1 })
	click("mitigated", "1700000002.000001")
	command("CINC1", "diagnosed bad flag default", "trig.3")
	command("CINC1", "resolve flag fixed", "trig.4")
	waitFor("the model summary", func() bool { return modelCalls.Load() >= 1 })

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/incidents/INC-1/timeline", nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"kind":"action_succeeded"`) || !strings.Contains(string(b), `"kind":"resolved"`) {
		t.Fatalf("timeline API: %d %s", res.StatusCode, b)
	}
	var lastMetrics string
	defer func() {
		if t.Failed() {
			for _, l := range strings.Split(lastMetrics, "\n") {
				if strings.HasPrefix(l, "tourniquet_outbox") || strings.HasPrefix(l, "tourniquet_deliveries_total") {
					t.Log(l)
				}
			}
		}
	}()
	waitFor("the outbox to drain", func() bool {
		stats, _ := http.Get(base + "/metrics")
		if stats == nil {
			return false
		}
		defer stats.Body.Close()
		body, _ := io.ReadAll(stats.Body)
		lastMetrics = string(body)
		return strings.Contains(string(body), `tourniquet_outbox_depth{platform="slack"} 0`)
	})

	cancel()
	_ = awaitStop(t, done, "serve did not shut down")
	out := logs.String()
	if !strings.Contains(out, `"level":"DEBUG"`) || strings.Count(out, "\n") < 20 {
		t.Fatalf("expected a full debug log, got %d lines", strings.Count(out, "\n"))
	}
	tagged := false
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"route":"POST /slack/commands"`) && strings.Contains(line, `"request_id":"`) {
			tagged = true
		}
	}
	if !tagged {
		t.Error("request log lines do not carry the request ID")
	}
	lower := strings.ToLower(out)
	for _, s := range secrets {
		if strings.Contains(lower, strings.ToLower(s)) {
			i := strings.Index(lower, strings.ToLower(s))
			t.Errorf("the logs contain the secret %q, e.g. …%s…", s[:6]+"…", out[max(0, i-80):i])
		}
	}
}
