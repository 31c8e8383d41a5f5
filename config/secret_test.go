package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecretFormatting(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-12s|", "%T"} {
		got := fmt.Sprintf(verb, s)
		if strings.Contains(got, "hunter2") {
			t.Errorf("Sprintf(%q) = %q leaks the secret", verb, got)
		}
		if verb != "%T" && !strings.Contains(got, Redacted) {
			t.Errorf("Sprintf(%q) = %q, want %s", verb, got, Redacted)
		}
	}
	if got := fmt.Sprintf("%q", s); got != `"<secret>"` {
		t.Errorf("%%q = %s", got)
	}
	if got := fmt.Sprintf("[%-10v]", s); got != "[<secret>  ]" {
		t.Errorf("width = %s", got)
	}
	if s.String() != Redacted || s.GoString() != Redacted {
		t.Error("String/GoString not redacted")
	}
	var decoded string
	if j, _ := json.Marshal(s); json.Unmarshal(j, &decoded) != nil || decoded != Redacted {
		t.Errorf("json = %s", j)
	}
	if txt, _ := s.MarshalText(); string(txt) != Redacted {
		t.Errorf("text = %s", txt)
	}
	if y, _ := yaml.Marshal(s); strings.TrimSpace(string(y)) != Redacted {
		t.Errorf("yaml = %s", y)
	}
	if s.LogValue().String() != Redacted {
		t.Error("LogValue not redacted")
	}
	if s.Reveal() != "hunter2-very-secret" || !s.IsSet() {
		t.Error("Reveal lost the value")
	}
	if !s.Matches("hunter2-very-secret") || s.Matches("hunter2") || (Secret{}).Matches("") {
		t.Error("Matches wrong")
	}
	if !s.Equal(NewSecret("hunter2-very-secret")) || s.Equal(Secret{}) {
		t.Error("Equal wrong")
	}

	var empty Secret
	if fmt.Sprint(empty) != "" || empty.IsSet() || empty.Reveal() != "" {
		t.Error("empty secret should print empty")
	}
	if NewSecret("").IsSet() {
		t.Error("NewSecret(\"\") is set")
	}
}

// secretConfig holds a secret in every secret field, inline and from files,
// top level and in an integration.
const secretConfig = `
api_token: SEKRIT-api
slack:
  bot_token: xoxb-SEKRIT-bot
  app_token_file: /s/app
  signing_secret: SEKRIT-signing
discord:
  bot_token_file: /s/discord
openai:
  api_key: SEKRIT-openai
integrations:
  flags: {type: launchdarkly, api_token_file: /s/ld, project: default}
  hook: {type: webhook, url: "https://deploy.internal/rollback", secret: SEKRIT-hook, password: SEKRIT-pw}
`

var secretFiles = files{
	"/s/app":     "xapp-SEKRIT-app\n",
	"/s/discord": "SEKRIT-discord\n",
	"/s/ld":      "SEKRIT-ld\r\n",
}

// holder reaches a config through unexported fields, where fmt cannot call
// methods.
type holder struct {
	cfg   Config
	slack Slack
	tok   Secret
}

func TestSecretsNeverPrinted(t *testing.T) {
	cfg := mustLoad(t, secretConfig, nil, secretFiles)

	// The values really are there.
	for name, got := range map[string]string{
		"api_token": cfg.APIToken.Reveal(), "slack.bot_token": cfg.Slack.BotToken.Reveal(),
		"slack.app_token": cfg.Slack.AppToken.Reveal(), "slack.signing_secret": cfg.Slack.SigningSecret.Reveal(),
		"discord.bot_token": cfg.Discord.BotToken.Reveal(), "openai.api_key": cfg.OpenAI.APIKey.Reveal(),
		"flags.api_token": cfg.Integrations["flags"].Secret("api_token").Reveal(),
		"hook.secret":     cfg.Integrations["hook"].Secret("secret").Reveal(),
		"hook.password":   cfg.Integrations["hook"].Secret("password").Reveal(),
	} {
		if !strings.Contains(got, "SEKRIT") {
			t.Errorf("%s = %q, want the loaded secret", name, got)
		}
	}
	if got := cfg.Integrations["flags"].Secret("api_token").Reveal(); got != "SEKRIT-ld" {
		t.Errorf("trailing CRLF not trimmed: %q", got)
	}

	outputs := map[string]string{
		"%v":             fmt.Sprintf("%v", cfg),
		"%+v":            fmt.Sprintf("%+v", cfg),
		"%#v":            fmt.Sprintf("%#v", cfg),
		"%v value":       fmt.Sprintf("%v", *cfg),
		"%+v unexported": fmt.Sprintf("%+v", holder{cfg: *cfg, slack: cfg.Slack, tok: cfg.APIToken}),
		"%#v unexported": fmt.Sprintf("%#v", holder{cfg: *cfg, slack: cfg.Slack, tok: cfg.APIToken}),
		"error":          fmt.Errorf("starting: %w", fmt.Errorf("config %+v: %w", cfg, errors.New("boom"))).Error(),
	}
	for _, verb := range []string{"%s", "%x", "%q", "%d"} {
		outputs[verb] = fmt.Sprintf(verb, *cfg)
	}
	j, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = strings.ReplaceAll(strings.ReplaceAll(string(j), `\u003c`, "<"), `\u003e`, ">")
	y, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml"] = string(y)
	var jl, tl bytes.Buffer
	slog.New(slog.NewJSONHandler(&jl, nil)).Info("loaded", "config", cfg, "token", cfg.Slack.BotToken, "slack", cfg.Slack)
	outputs["slog json"] = jl.String()
	slog.New(slog.NewTextHandler(&tl, nil)).Info("loaded", "config", cfg, "token", cfg.Slack.BotToken)
	outputs["slog text"] = tl.String()

	for name, out := range outputs {
		if strings.Contains(out, "SEKRIT") {
			t.Errorf("%s leaks a secret:\n%s", name, out)
		}
	}
	for _, name := range []string{"%+v", "json", "yaml", "slog json"} {
		if !strings.Contains(outputs[name], Redacted) {
			t.Errorf("%s shows no %s:\n%s", name, Redacted, outputs[name])
		}
	}
	if !strings.Contains(outputs["json"], `"api_token_file":"/s/ld"`) {
		t.Errorf("json lost the integration's file path: %s", outputs["json"])
	}
}

func TestNoSecretInErrors(t *testing.T) {
	const cfg = `
api_token: SEKRIT-api
log: {level: SEKRIT-api}
slack:
  bot_token: xoxb-SEKRIT-bot
  bot_token_file: /s/bot
  app_token: [SEKRIT-in-a-list]
  api_url: "https://SEKRIT-signing@slack.example/api"
  signing_secret: SEKRIT-signing
  bot_tokn: SEKRIT-typo
database_url: "postgres://u:SEKRIT-db@"
checkins: {escalate_after: SEKRIT-api}
integrations:
  hook: {secret: SEKRIT-hook, secret_file: /s/hook, url: SEKRIT-hook}
`
	_, err := load(t, cfg, env{"TOURNIQUET_LISTEN": "SEKRIT-api"}, files{"/s/bot": "SEKRIT-from-file", "/s/hook": ""})
	ps := problems(t, err)
	if len(ps) < 8 {
		t.Errorf("got %d problems, want at least 8:\n%v", len(ps), err)
	}
	if strings.Contains(strings.ToUpper(err.Error()), "SEKRIT") {
		t.Errorf("error leaks a secret:\n%v", err)
	}
	for _, p := range ps {
		if strings.Contains(strings.ToUpper(p.String()), "SEKRIT") {
			t.Errorf("problem leaks a secret: %v", p)
		}
	}
}

func TestRedact(t *testing.T) {
	ps := []Problem{{Msg: `value "ABCDEF-123 and abcdef-12345" is wrong; key short`}}
	redact(ps, []string{"abcdef-123", "abcdef-12345", "short", ""})
	if got, want := ps[0].Msg, `value "<secret> and <secret>" is wrong; key short`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// SecretValues lists every secret the configuration holds, so that the
// redactor built from it knows them all.
func TestSecretValuesListsEverySecret(t *testing.T) {
	c := mustLoad(t, `
database_url: postgres://tq:db-password-1@db/tq
api_token: api-token-1
link_secret: link-secret-0123456789
metrics_token: metrics-token-1
slack: {bot_token: xoxb-bot-1, app_token: xapp-app-1, signing_secret: signing-1}
discord: {bot_token: discord-bot-1, app_id: "1"}
openai: {api_key: sk-openai-1}
integrations:
  flags: {type: launchdarkly, api_token: ld-token-1, project: p, environment: e}
  hook: {type: webhook, url: "https://x.example/", secret_file: /s/hook, token: hook-token-1}
actions:
  - {id: a, title: A, kind: custom, integration: hook, params: {service: shop, password: param-password-1}, allowed: [lead]}
`, nil, files{"/s/hook": "hook-secret-from-file\n"})
	got := c.SecretValues()
	for _, want := range []string{"db-password-1", "api-token-1", "link-secret-0123456789", "metrics-token-1", "xoxb-bot-1",
		"xapp-app-1", "signing-1", "discord-bot-1", "sk-openai-1", "ld-token-1", "hook-secret-from-file", "hook-token-1", "param-password-1"} {
		if !slices.Contains(got, want) {
			t.Errorf("SecretValues lacks %s", want)
		}
	}
	if slices.Contains(got, "shop") || slices.Contains(got, "") {
		t.Errorf("SecretValues holds a setting or an empty value: %d values", len(got))
	}
}
