package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack"
)

// Slack's HTTP mode routes on the server.
const (
	routeCommands     = "/slack/commands"
	routeInteractions = "/slack/interactions"
)

// SlashCommand is one /incident invocation as Slack sends it.
type SlashCommand struct {
	Channel, User, Text string
	// TriggerID is Slack's per-invocation ID; the server deduplicates on it.
	TriggerID string
	// ResponseURL is where a delayed answer may go.
	ResponseURL string
}

// form is the body Slack posts for c.
func (c SlashCommand) form() url.Values {
	return url.Values{
		"token":                 {"legacy-verification-token-unused"},
		"team_id":               {"TLOAD"},
		"team_domain":           {"tq-load"},
		"channel_id":            {c.Channel},
		"channel_name":          {"load"},
		"user_id":               {c.User},
		"user_name":             {"load-" + c.User},
		"command":               {"/incident"},
		"text":                  {c.Text},
		"api_app_id":            {"ALOAD"},
		"is_enterprise_install": {"false"},
		"response_url":          {c.ResponseURL},
		"trigger_id":            {c.TriggerID},
	}
}

// Click is one button click (a block_actions interaction) on a message the
// bot posted: Value is the button's value, the command it carries.
type Click struct {
	Channel, User, Value string
	// ActionTS is the click's timestamp; with the user it identifies the
	// click for deduplication.
	ActionTS    string
	MessageTS   string
	TriggerID   string
	ResponseURL string
}

// form is the body Slack posts for c: payload=<JSON>.
func (c Click) form() url.Values {
	payload := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "TLOAD", "domain": "tq-load"},
		"user":         map[string]any{"id": c.User, "username": "load-" + c.User, "name": "load-" + c.User, "team_id": "TLOAD"},
		"api_app_id":   "ALOAD",
		"token":        "legacy-verification-token-unused",
		"container":    map[string]any{"type": "message", "message_ts": c.MessageTS, "channel_id": c.Channel, "is_ephemeral": false},
		"trigger_id":   c.TriggerID,
		"channel":      map[string]any{"id": c.Channel, "name": "load"},
		"message":      map[string]any{"type": "message", "ts": c.MessageTS, "user": BotUserID, "text": ""},
		"response_url": c.ResponseURL,
		"actions": []map[string]any{{
			"action_id": slack.ActionIDPrefix + "2", "block_id": "tqa", "type": "button", "value": c.Value,
			"text": map[string]any{"type": "plain_text", "text": "button", "emoji": true}, "action_ts": c.ActionTS,
		}},
	}
	buf, _ := json.Marshal(payload) // plain data: cannot fail
	return url.Values{"payload": {string(buf)}}
}

// Signer posts signed Slack requests to a server.
type Signer struct {
	// Secret is the Slack signing secret the server is configured with.
	Secret string
	Client *http.Client
	// Now stamps the requests (default time.Now).
	Now func() time.Time
}

// Command posts c to base's /slack/commands and returns the HTTP status and body.
func (s Signer) Command(ctx context.Context, base string, c SlashCommand) (int, []byte, error) {
	return s.post(ctx, base+routeCommands, c.form())
}

// Click posts c to base's /slack/interactions.
func (s Signer) Click(ctx context.Context, base string, c Click) (int, []byte, error) {
	return s.post(ctx, base+routeInteractions, c.form())
}

func (s Signer) post(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	body := []byte(form.Encode())
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts, sig := slack.Sign(s.Secret, now(), body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, out, err
}
