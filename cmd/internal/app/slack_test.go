package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	slackbot "github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
)

// serveSlack runs Serve with Slack configured against a fake Web API that
// answers auth.test (and refuses apps.connections.open) and returns the
// bot's base URL.
func serveSlack(t *testing.T, socket bool) (string, *atomic.Int32) {
	t.Helper()
	var authed atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth.test":
			if r.Header.Get("Authorization") != "Bearer xoxb-app-test" {
				_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			authed.Add(1)
			_, _ = io.WriteString(w, `{"ok":true,"team":"T","user_id":"UBOT","team_id":"T1"}`)
		default:
			_, _ = io.WriteString(w, `{"ok":false,"error":"not_allowed_token_type"}`)
		}
	}))
	t.Cleanup(fake.Close)
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.Slack.BotToken = config.NewSecret("xoxb-app-test")
	cfg.Slack.SigningSecret = config.NewSecret("app-test-signing-secret")
	if socket {
		cfg.Slack.AppToken = config.NewSecret("xapp-app-test")
	}
	cfg.Slack.APIURL = fake.URL + "/api/"
	return "http://" + serveWith(t, ServeOptions{Config: cfg}), &authed
}

func TestServeWithSlackHTTPMode(t *testing.T) {
	base, authed := serveSlack(t, false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == http.StatusOK {
			break
		}
		if !strings.Contains(body, "slack not connected") || time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %q", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if authed.Load() == 0 {
		t.Fatal("ready without auth.test")
	}
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "user_name": {"alice"},
		"command": {"/incident"}, "text": {"help"}, "trigger_id": {"trig.1"}}.Encode()
	post := func(route string, sign bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+route, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sign {
			ts, sig := slackbot.Sign("app-test-signing-secret", time.Now(), []byte(form))
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, route := range []string{"/slack/commands", "/slack/interactions", "/slack/events"} {
		if code, body := post(route, false); code != http.StatusUnauthorized || body != "" {
			t.Errorf("unsigned %s: %d %q, want a bare 401", route, code, body)
		}
	}
	code, body := post("/slack/commands", true)
	if code != http.StatusOK || !strings.Contains(body, `"response_type":"ephemeral"`) || !strings.Contains(body, "Tourniquet commands") {
		t.Fatalf("signed /incident help: %d %s", code, body)
	}
}

func TestServeWithSlackSocketModeNotConnected(t *testing.T) {
	base, _ := serveSlack(t, true)
	time.Sleep(200 * time.Millisecond) // auth.test passes; the socket never opens
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "slack not connected") {
		t.Fatalf("/readyz: %d %q, want 503 slack not connected", code, body)
	}
}
