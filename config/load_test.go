package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	for name, yaml := range map[string]string{
		"no file":     "",
		"empty file":  "\n",
		"only nulls":  "slack:\ndiscord:\nlisten:\n",
		"document ma": "---\n# nothing\n",
	} {
		t.Run(name, func(t *testing.T) {
			var c *Config
			var err error
			if name == "no file" {
				c, err = Load("", nil, nil)
			} else {
				c, err = load(t, yaml, nil, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			want.PublicURL = "http://127.0.0.1:8080"
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got  %+v\nwant %+v", c, want)
			}
			checks := map[string][2]any{
				"database_url":      {c.DatabaseURL, "sqlite:tourniquet.db"},
				"listen":            {c.Listen, "127.0.0.1:8080"},
				"public_url":        {c.PublicURL, "http://127.0.0.1:8080"},
				"slack.api_url":     {c.Slack.APIURL, "https://slack.com/api/"},
				"discord.api_url":   {c.Discord.APIURL, "https://discord.com/api/v10/"},
				"timeline_emoji":    {c.Slack.TimelineEmoji, "pushpin"},
				"channel_mode":      {c.Discord.ChannelMode, "channel"},
				"sev1":              {c.Checkins.Cadence.Sev1, "@every 10m"},
				"sev2":              {c.Checkins.Cadence.Sev2, "@every 15m"},
				"sev3":              {c.Checkins.Cadence.Sev3, "@every 30m"},
				"sev4":              {c.Checkins.Cadence.Sev4, "@every 1h"},
				"diagnosis_cadence": {c.Checkins.DiagnosisCadence, "@every 30m"},
				"escalate_after":    {c.Checkins.EscalateAfter, 2},
				"openai.timeout":    {c.OpenAI.Timeout, 20 * time.Second},
				"log.level":         {c.Log.Level, "info"},
				"log.format":        {c.Log.Format, ""},
				"resolve":           {c.Permissions.Resolve, []string{"lead", "declarer"}},
				"severity":          {c.Permissions.Severity, []string{"lead", "declarer"}},
				"impact_start":      {c.Permissions.ImpactStart, []string{"lead", "declarer"}},
				"permissions.lead":  {c.Permissions.Lead, []string{"lead", "declarer"}},
				"rename":            {c.Permissions.Rename, []string{"lead", "declarer"}},
				"driver":            {c.DatabaseDriver(), DriverSQLite},
				"sqlite path":       {c.SQLitePath(), "tourniquet.db"},
				"slack off":         {c.Slack.Enabled(), false},
				"discord off":       {c.Discord.Enabled(), false},
				"openai off":        {c.OpenAI.Enabled(), false},
			}
			for k, gw := range checks {
				if !reflect.DeepEqual(gw[0], gw[1]) {
					t.Errorf("%s = %#v, want %#v", k, gw[0], gw[1])
				}
			}
		})
	}
}

func TestDerivedValues(t *testing.T) {
	for _, tc := range []struct {
		yaml      string
		publicURL string
		slackAPI  string
	}{
		{"listen: 127.0.0.1:9000", "http://127.0.0.1:9000", "https://slack.com/api/"},
		{"listen: ':9000'", "http://localhost:9000", "https://slack.com/api/"},
		{"listen: 0.0.0.0:80", "http://localhost:80", "https://slack.com/api/"},
		{"listen: '[::]:80'", "http://localhost:80", "https://slack.com/api/"},
		{"public_url: https://t.example.com/inc/\nslack: {api_url: 'http://127.0.0.1:1234/api'}", "https://t.example.com/inc", "http://127.0.0.1:1234/api/"},
	} {
		c := mustLoad(t, tc.yaml, nil, nil)
		if c.PublicURL != tc.publicURL || c.Slack.APIURL != tc.slackAPI {
			t.Errorf("%q: public_url %q, slack.api_url %q; want %q, %q", tc.yaml, c.PublicURL, c.Slack.APIURL, tc.publicURL, tc.slackAPI)
		}
	}
}

// fullConfig is DESIGN §4's example, completed.
const fullConfig = `
listen: 127.0.0.1:8080
public_url: https://tourniquet.example.com
database_url: postgres://tourniquet:pw@db/tourniquet      # or sqlite:/var/lib/tourniquet.db
slack:
  bot_token_file: /run/secrets/slack-bot-token
  app_token_file: /run/secrets/slack-app-token
  signing_secret_file: /run/secrets/slack-signing
  api_url: https://slack.com/api/
  announce_channel: C0123ABCD
  responders: ["slack:U0123ABCD", "group:sre"]
  timeline_emoji: pushpin
discord:
  bot_token_file: /run/secrets/discord
  app_id: "81234567890123000"
  public_key: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
  api_url: https://discord.com/api/v10/
  guild_id: "81234567890123001"
  incident_category: "81234567890123002"
  announce_channel: "81234567890123003"
  channel_mode: thread
  thread_parent_channel: "81234567890123004"
openai: {api_key_file: /run/secrets/openai, base_url: http://localhost:11434/v1, model: llama3.1, timeout: 45s}
checkins:
  cadence: {sev1: "@every 10s", sev2: "*/15 * * * *", sev3: "@every 30m", sev4: "@every 1h"}
  diagnosis_cadence: "@every 30m"
  escalate_after: 0
  tighten_on_no: true
  digest: {schedule: "0 9 * * MON", channel: "slack:C0123ABCD"}
log: {level: DEBUG, format: text}
groups:
  sre: ["slack:U0123ABCD", "discord:81234567890123456"]
permissions:
  resolve: [lead, declarer, "group:sre"]
  severity: [lead, declarer, "group:sre"]
  impact_start: []
defaults: &defaults
  allowed: [lead, "group:sre"]
integrations:
  flags: {type: launchdarkly, api_token_file: /run/secrets/ld, project: default, environment: production}
  deploy-hook: {type: webhook, url: "https://deploy.internal/rollback", secret_file: /run/secrets/hook, retries: 3}
actions:
  - id: kill-new-checkout
    title: "Kill switch: new checkout flow"
    kind: kill-switch
    integration: flags
    params: {flag: new-checkout, replicas: 3}
    services: [checkout]
    allowed: [lead, "group:sre"]
    confirm: false
    approval: true
    timeout: 30s
    undo: enable-new-checkout
  - id: enable-new-checkout
    kind: custom
    integration: flags
    allowed: ["console:alice"]
  - id: rollback
    kind: rollback
    integration: deploy-hook
    <<: {allowed: [lead]}
`

var fullFiles = files{
	"/run/secrets/slack-bot-token": "xoxb-1\n",
	"/run/secrets/slack-app-token": "xapp-1\n",
	"/run/secrets/slack-signing":   "signing\n",
	"/run/secrets/discord":         "discord-token",
	"/run/secrets/openai":          "sk-1\n",
	"/run/secrets/ld":              "ld-token\n",
	"/run/secrets/hook":            "hook-secret\n",
}

func TestFullConfig(t *testing.T) {
	// "defaults" is not a Tourniquet key, so the anchor trick needs a
	// hidden place; it must be reported.
	_, err := load(t, fullConfig, nil, fullFiles)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Key != "defaults" || ps[0].Line != lineOf(fullConfig, "defaults:") {
		t.Fatalf("want one unknown key 'defaults' at line %d, got:\n%v", lineOf(fullConfig, "defaults:"), err)
	}

	yaml := strings.Replace(fullConfig, "defaults: &defaults\n  allowed: [lead, \"group:sre\"]\n", "", 1)
	c := mustLoad(t, yaml, nil, fullFiles)
	if c.DatabaseDriver() != DriverPostgres || c.RedactedDatabaseURL() != "postgres://tourniquet:xxxxx@db/tourniquet" {
		t.Errorf("database: %s %s", c.DatabaseDriver(), c.RedactedDatabaseURL())
	}
	if !c.Slack.SocketMode() || c.Slack.BotToken.Reveal() != "xoxb-1" || c.Slack.SigningSecret.Reveal() != "signing" {
		t.Errorf("slack: %+v", c.Slack)
	}
	if !c.Discord.Enabled() || c.Discord.ChannelMode != ChannelModeThread || c.Discord.AppID != "81234567890123000" {
		t.Errorf("discord: %+v", c.Discord)
	}
	if !c.OpenAI.Enabled() || c.OpenAI.Timeout != 45*time.Second || c.OpenAI.APIKey.Reveal() != "sk-1" {
		t.Errorf("openai: %+v", c.OpenAI)
	}
	if c.Checkins.EscalateAfter != 0 || !c.Checkins.TightenOnNo || c.Checkins.Cadence.For("sev1") != "@every 10s" ||
		c.Checkins.Cadence.For("sev2") != "*/15 * * * *" || c.Checkins.Digest.Channel != "slack:C0123ABCD" {
		t.Errorf("checkins: %+v", c.Checkins)
	}
	if c.Log.Level != "debug" || c.Log.SlogLevel().String() != "DEBUG" || c.Log.FormatFor(false) != "text" {
		t.Errorf("log: %+v", c.Log)
	}
	if c.Permissions.ImpactStart == nil || len(c.Permissions.ImpactStart) != 0 {
		t.Errorf("explicit empty impact_start = %#v, want empty non-nil", c.Permissions.ImpactStart)
	}
	flags := c.Integrations["flags"]
	if flags.Type != "launchdarkly" || flags.Get("project") != "default" || flags.Secret("api_token").Reveal() != "ld-token" {
		t.Errorf("flags: %+v", flags)
	}
	hook := c.Integrations["deploy-hook"]
	if hook.Get("retries") != "3" || hook.Settings["retries"] != 3 || hook.Secret("secret").Reveal() != "hook-secret" {
		t.Errorf("hook: %+v", hook)
	}
	if l := lineOf(yaml, "deploy-hook:"); hook.KeyLine("secret_file") != l || hook.Line != l || hook.KeyLine("nope") != l {
		t.Errorf("hook lines: %d %d", hook.KeyLine("secret_file"), hook.Line)
	}
	keys := hook.Keys()
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"retries", "secret_file", "type", "url"}) {
		t.Errorf("hook keys %v", keys)
	}
	a := c.Actions[0]
	if a.ID != "kill-new-checkout" || a.NeedsConfirm() || !a.Approval || a.Timeout != 30*time.Second ||
		a.Params["replicas"] != "3" || a.Undo != "enable-new-checkout" || !slices.Equal(a.Services, []string{"checkout"}) {
		t.Errorf("action 0: %+v", a)
	}
	if !c.Actions[1].NeedsConfirm() || c.Actions[1].Confirm == nil || !*c.Actions[1].Confirm {
		t.Errorf("confirm should default to true: %+v", c.Actions[1])
	}
	if !slices.Equal(c.Actions[2].Allowed, []string{"lead"}) {
		t.Errorf("merge key: allowed = %v", c.Actions[2].Allowed)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	const yaml = `
listen: 127.0.0.1:1
public_url: https://file.example.com
database_url: sqlite:file.db
api_token: file-api
log: {level: error, format: text}
slack: {bot_token: xoxb-file, app_token: xapp-file, signing_secret: file-sign, api_url: https://file.example.com/api/}
discord: {bot_token: file-discord, app_id: "1", public_key: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", api_url: https://file.example.com/d/}
openai: {api_key: file-openai, base_url: https://file.example.com/v1, model: file-model}
`
	const key2 = "0000000000000000000000000000000000000000000000000000000000000000"
	tests := []struct {
		env  string
		val  string
		got  func(*Config) string
		want string
	}{
		{"TOURNIQUET_DATABASE_URL", "postgres://db/x", func(c *Config) string { return c.DatabaseURL }, ""},
		{"TOURNIQUET_DATABASE_PASSWORD", "env-db-password", func(c *Config) string { return c.DatabasePassword.Reveal() }, ""},
		{"TOURNIQUET_LISTEN", "127.0.0.1:2", func(c *Config) string { return c.Listen }, ""},
		{"TOURNIQUET_PUBLIC_URL", "https://env.example.com", func(c *Config) string { return c.PublicURL }, ""},
		{"TOURNIQUET_SLACK_BOT_TOKEN", "xoxb-env", func(c *Config) string { return c.Slack.BotToken.Reveal() }, ""},
		{"TOURNIQUET_SLACK_APP_TOKEN", "xapp-env", func(c *Config) string { return c.Slack.AppToken.Reveal() }, ""},
		{"TOURNIQUET_SLACK_SIGNING_SECRET", "env-sign", func(c *Config) string { return c.Slack.SigningSecret.Reveal() }, ""},
		{"TOURNIQUET_SLACK_API_URL", "https://env.example.com/api/", func(c *Config) string { return c.Slack.APIURL }, ""},
		{"TOURNIQUET_DISCORD_BOT_TOKEN", "env-discord", func(c *Config) string { return c.Discord.BotToken.Reveal() }, ""},
		{"TOURNIQUET_DISCORD_APP_ID", "2", func(c *Config) string { return c.Discord.AppID }, ""},
		{"TOURNIQUET_DISCORD_PUBLIC_KEY", key2, func(c *Config) string { return c.Discord.PublicKey }, ""},
		{"TOURNIQUET_DISCORD_API_URL", "https://env.example.com/d/", func(c *Config) string { return c.Discord.APIURL }, ""},
		{"TOURNIQUET_OPENAI_API_KEY", "env-openai", func(c *Config) string { return c.OpenAI.APIKey.Reveal() }, ""},
		{"TOURNIQUET_OPENAI_BASE_URL", "https://env.example.com/v1", func(c *Config) string { return c.OpenAI.BaseURL }, ""},
		{"TOURNIQUET_OPENAI_MODEL", "env-model", func(c *Config) string { return c.OpenAI.Model }, ""},
		{"TOURNIQUET_API_TOKEN", "env-api", func(c *Config) string { return c.APIToken.Reveal() }, ""},
		{"TOURNIQUET_LINK_SECRET", "env-link-secret-0123456789", func(c *Config) string { return c.LinkSecret.Reveal() }, ""},
		{"TOURNIQUET_METRICS_TOKEN", "env-metrics-token", func(c *Config) string { return c.MetricsToken.Reveal() }, ""},
		{"TOURNIQUET_ALERTS_TOKEN", "env-alerts", func(c *Config) string { return c.Alerts.Token.Reveal() }, ""},
		{"TOURNIQUET_ALERTS_BASIC_AUTH_PASSWORD", "env-basic", func(c *Config) string { return c.Alerts.BasicAuth.Password.Reveal() }, ""},
		{"TOURNIQUET_ALERTS_PAGERDUTY_SIGNING_SECRET", "env-pd", func(c *Config) string { return c.Alerts.PagerDutySigningSecret.Reveal() }, ""},
		{"TOURNIQUET_OIDC_CLIENT_SECRET", "env-oidc-client", func(c *Config) string { return c.OIDC.ClientSecret.Reveal() }, ""},
		{"TOURNIQUET_OIDC_SESSION_KEY", "env-oidc-session-key-0123456789abcdef", func(c *Config) string { return c.OIDC.SessionKey.Reveal() }, ""},
		{"TOURNIQUET_FOLLOW_UPS_TOKEN", "env-tracker-token", func(c *Config) string { return c.FollowUps.Tracker.Token.Reveal() }, ""},
		{"TOURNIQUET_LOG_LEVEL", "WARN", func(c *Config) string { return c.Log.Level }, "warn"},
		{"TOURNIQUET_LOG_FORMAT", "json", func(c *Config) string { return c.Log.Format }, ""},
		{"TOURNIQUET_LOG_FILE", "/var/log/tourniquet.log", func(c *Config) string { return c.Log.File }, ""},
		{"TOURNIQUET_CHANGES_GITHUB_SECRET", "env-github-secret", func(c *Config) string { return c.Changes.GitHubSecret.Reveal() }, ""},
		{"TOURNIQUET_CHANGES_LAUNCHDARKLY_SECRET", "env-ld-secret", func(c *Config) string { return c.Changes.LaunchDarklySecret.Reveal() }, ""},
		{"TOURNIQUET_CHANGES_ARGOCD_TOKEN", "env-argocd-token", func(c *Config) string { return c.Changes.ArgoCDToken.Reveal() }, ""},
	}
	base := mustLoad(t, yaml, nil, nil)
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = tc.val
			}
			if tc.got(base) == want {
				t.Fatalf("the file already has %q; the test proves nothing", want)
			}
			c := mustLoad(t, yaml, env{tc.env: tc.val}, nil)
			if got := tc.got(c); got != want {
				t.Errorf("%s=%s: got %q, want %q", tc.env, tc.val, got, want)
			}
		})
	}
	// Every variable in DESIGN §4 is covered above.
	var covered []string
	for _, tc := range tests {
		covered = append(covered, tc.env)
	}
	for _, v := range EnvironmentVariables() {
		if v != EnvConfig && !strings.HasSuffix(v, "_FILE") && !slices.Contains(covered, v) {
			t.Errorf("%s is not tested", v)
		}
	}
}

func TestEnvironmentVariables(t *testing.T) {
	want := []string{
		"TOURNIQUET_CONFIG", "TOURNIQUET_DATABASE_URL",
		"TOURNIQUET_DATABASE_PASSWORD", "TOURNIQUET_DATABASE_PASSWORD_FILE", "TOURNIQUET_LISTEN", "TOURNIQUET_PUBLIC_URL",
		"TOURNIQUET_SLACK_BOT_TOKEN", "TOURNIQUET_SLACK_BOT_TOKEN_FILE",
		"TOURNIQUET_SLACK_APP_TOKEN", "TOURNIQUET_SLACK_APP_TOKEN_FILE",
		"TOURNIQUET_SLACK_SIGNING_SECRET", "TOURNIQUET_SLACK_SIGNING_SECRET_FILE",
		"TOURNIQUET_SLACK_API_URL",
		"TOURNIQUET_DISCORD_BOT_TOKEN", "TOURNIQUET_DISCORD_BOT_TOKEN_FILE",
		"TOURNIQUET_DISCORD_APP_ID", "TOURNIQUET_DISCORD_PUBLIC_KEY", "TOURNIQUET_DISCORD_API_URL",
		"TOURNIQUET_OPENAI_API_KEY", "TOURNIQUET_OPENAI_API_KEY_FILE",
		"TOURNIQUET_OPENAI_BASE_URL", "TOURNIQUET_OPENAI_MODEL",
		"TOURNIQUET_API_TOKEN", "TOURNIQUET_API_TOKEN_FILE",
		"TOURNIQUET_LINK_SECRET", "TOURNIQUET_LINK_SECRET_FILE",
		"TOURNIQUET_ALERTS_TOKEN", "TOURNIQUET_ALERTS_TOKEN_FILE",
		"TOURNIQUET_ALERTS_BASIC_AUTH_PASSWORD", "TOURNIQUET_ALERTS_BASIC_AUTH_PASSWORD_FILE",
		"TOURNIQUET_ALERTS_PAGERDUTY_SIGNING_SECRET", "TOURNIQUET_ALERTS_PAGERDUTY_SIGNING_SECRET_FILE",
		"TOURNIQUET_METRICS_TOKEN", "TOURNIQUET_METRICS_TOKEN_FILE",
		"TOURNIQUET_OIDC_CLIENT_SECRET", "TOURNIQUET_OIDC_CLIENT_SECRET_FILE",
		"TOURNIQUET_OIDC_SESSION_KEY", "TOURNIQUET_OIDC_SESSION_KEY_FILE",
		"TOURNIQUET_FOLLOW_UPS_TOKEN", "TOURNIQUET_FOLLOW_UPS_TOKEN_FILE",
		"TOURNIQUET_LOG_LEVEL", "TOURNIQUET_LOG_FORMAT", "TOURNIQUET_LOG_FILE",
		"TOURNIQUET_CHANGES_GITHUB_SECRET", "TOURNIQUET_CHANGES_GITHUB_SECRET_FILE",
		"TOURNIQUET_CHANGES_LAUNCHDARKLY_SECRET", "TOURNIQUET_CHANGES_LAUNCHDARKLY_SECRET_FILE",
		"TOURNIQUET_CHANGES_ARGOCD_TOKEN", "TOURNIQUET_CHANGES_ARGOCD_TOKEN_FILE",
	}
	if got := EnvironmentVariables(); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// Every Secret field has a sibling XFile field with the yaml key x_file and
// an environment variable with a _FILE variant.
func TestEverySecretHasFileAndEnv(t *testing.T) {
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			switch {
			case f.Type == secretType:
				sib, ok := typ.FieldByName(f.Name + "File")
				if !ok || sib.Tag.Get("yaml") != key+"_file" || sib.Type.Kind() != reflect.String {
					t.Errorf("%s%s has no %sFile field tagged %s_file", path, key, f.Name, key)
				}
				if !slices.ContainsFunc(envVars, func(e envVar) bool { return e.key == path+key && e.secret != nil }) {
					t.Errorf("%s%s has no environment variable", path, key)
				}
			case f.Type.Kind() == reflect.Struct && f.Type != durationType:
				walk(path+key+".", f.Type)
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
}

func TestSecretFiles(t *testing.T) {
	fs := files{
		"/s/yaml": "from-yaml-file\n",
		"/s/env":  "from-env-file\r\n",
		"/s/two":  "two-lines\n\n",
	}
	tests := []struct {
		name string
		yaml string
		env  env
		want string
	}{
		{"inline yaml", "api_token: inline", nil, "inline"},
		{"yaml _file", "api_token_file: /s/yaml", nil, "from-yaml-file"},
		{"only one newline trimmed", "api_token_file: /s/two", nil, "two-lines\n"},
		{"env _FILE", "", env{"TOURNIQUET_API_TOKEN_FILE": "/s/env"}, "from-env-file"},
		{"env beats inline yaml", "api_token: inline", env{"TOURNIQUET_API_TOKEN": "from-env"}, "from-env"},
		{"env _FILE beats inline yaml", "api_token: inline", env{"TOURNIQUET_API_TOKEN_FILE": "/s/env"}, "from-env-file"},
		{"env _FILE beats yaml _file", "api_token_file: /s/yaml", env{"TOURNIQUET_API_TOKEN_FILE": "/s/env"}, "from-env-file"},
		{"env beats yaml _file, which is not read", "api_token_file: /missing", env{"TOURNIQUET_API_TOKEN": "from-env"}, "from-env"},
		{"empty env is unset", "api_token: inline", env{"TOURNIQUET_API_TOKEN": ""}, "inline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, tc.yaml, tc.env, fs)
			if got := c.APIToken.Reveal(); got != tc.want {
				t.Errorf("api_token = %q, want %q", got, tc.want)
			}
		})
	}

	// Each secret's _FILE variable lands in the right field.
	for _, ev := range envVars {
		if ev.secret == nil {
			continue
		}
		t.Run(ev.name+"_FILE", func(t *testing.T) {
			e := env{ev.name + "_FILE": "/s/env"}
			if ev.name == "TOURNIQUET_SLACK_APP_TOKEN" {
				e["TOURNIQUET_SLACK_BOT_TOKEN"] = "xoxb-x"
			}
			if ev.name == "TOURNIQUET_SLACK_BOT_TOKEN" {
				e["TOURNIQUET_SLACK_SIGNING_SECRET"] = "s"
			}
			c := mustLoad(t, "", e, fs)
			sec, path := ev.secret(c)
			if sec.Reveal() != "from-env-file" || *path != "/s/env" {
				t.Errorf("got %q from %q", sec.Reveal(), *path)
			}
		})
	}
}

func TestBothSet(t *testing.T) {
	fs := files{"/s/tok": "tok\n"}
	tests := []struct {
		name    string
		yaml    string
		env     env
		key     string
		line    int
		envName string
		msg     string
	}{
		{"env", "", env{"TOURNIQUET_SLACK_BOT_TOKEN": "xoxb-a", "TOURNIQUET_SLACK_BOT_TOKEN_FILE": "/s/tok", "TOURNIQUET_SLACK_SIGNING_SECRET": "s"},
			"slack.bot_token", 0, "TOURNIQUET_SLACK_BOT_TOKEN", "both TOURNIQUET_SLACK_BOT_TOKEN and TOURNIQUET_SLACK_BOT_TOKEN_FILE are set"},
		{"yaml", "openai:\n  api_key: k\n  api_key_file: /s/tok\n", nil,
			"openai.api_key_file", 3, "", "set either api_key or api_key_file, not both"},
		{"yaml top level", "api_token: k\napi_token_file: /s/tok\n", nil,
			"api_token_file", 2, "", "set either api_token or api_token_file, not both"},
		{"integration", "integrations:\n  h:\n    type: webhook\n    secret: k\n    secret_file: /s/tok\n", nil,
			"integrations.h.secret_file", 5, "", "set either secret or secret_file, not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.yaml, tc.env, fs)
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want 1 problem, got:\n%v", err)
			}
			p := ps[0]
			if p.Key != tc.key || p.Line != tc.line || p.Env != tc.envName || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %+v\nwant key %s line %d env %s msg %q", p, tc.key, tc.line, tc.envName, tc.msg)
			}
		})
	}
}

func TestThreeMistakes(t *testing.T) {
	const yaml = `listen: 127.0.0.1:8080
slack:
  bot_tokn: xoxb-123
log:
  level: loud
checkins:
  cadence:
    sev1: "every 10 minutes"
`
	_, err := load(t, yaml, nil, nil)
	ps := problems(t, err)
	want := []Problem{
		{Key: "slack.bot_tokn", Line: 3},
		{Key: "log.level", Line: 5},
		{Key: "checkins.cadence.sev1", Line: 8},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want 3:\n%v", len(ps), err)
	}
	for i, w := range want {
		if ps[i].Key != w.Key || ps[i].Line != w.Line {
			t.Errorf("problem %d = %+v, want key %s line %d", i, ps[i], w.Key, w.Line)
		}
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("Error() has %d lines, want 3:\n%v", len(lines), err)
	}
	for i, w := range []string{
		"/etc/tourniquet.yaml:3: slack.bot_tokn: unknown key (did you mean bot_token?)",
		`/etc/tourniquet.yaml:5: log.level: unknown level "loud"`,
		`/etc/tourniquet.yaml:8: checkins.cadence.sev1: invalid schedule "every 10 minutes"`,
	} {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestUnknownKeys(t *testing.T) {
	const yaml = `slack:
  bot_tokn: x
discord:
  chanel_mode: thread
checkins:
  cadence:
    sev5: "@every 1m"
actions:
  - id: a
    kind: custom
    allowed: [lead]
    timout: 30s
colour: blue
permissions: {resolve: [lead], close: [lead]}
`
	_, err := load(t, yaml, nil, nil)
	ps := problems(t, err)
	want := []Problem{
		{Key: "slack.bot_tokn", Line: 2, Msg: "unknown key (did you mean bot_token?)"},
		{Key: "discord.chanel_mode", Line: 4, Msg: "unknown key (did you mean channel_mode?)"},
		{Key: "checkins.cadence.sev5", Line: 7, Msg: "unknown key (did you mean sev1?)"},
		{Key: "actions[0].timout", Line: 12, Msg: "unknown key (did you mean timeout?)"},
		{Key: "colour", Line: 13, Msg: "unknown key"},
		{Key: "permissions.close", Line: 14, Msg: "unknown key"},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got\n%v\nwant\n%v", ps, want)
	}
}

func TestProblems(t *testing.T) {
	fs := files{"/s/empty": "\n", "/s/tok": "tok"}
	tests := []struct {
		name string
		yaml string
		env  env
		key  string
		line int
		msg  string
	}{
		{"syntax", "slack:\n  bot_token: x\n   app_token: y\n", nil, "", 3, "invalid YAML"},
		{"tabs", "slack:\n\tbot_token: x\n", nil, "", 2, "invalid YAML"},
		{"two documents", "listen: a:1\n---\nlisten: b:2\n", nil, "", 2, "only one YAML document"},
		{"duplicate key", "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", nil, "listen", 2, "duplicate key (first at line 1)"},
		{"root not a mapping", "- a\n- b\n", nil, "", 1, "must be a mapping, not a list"},
		{"section not a mapping", "slack: [a]\n", nil, "slack", 1, "must be a mapping, not a list"},
		{"string not a list", "listen: [a]\n", nil, "listen", 1, "must be a string, not a list"},
		{"list not a string", "slack: {responders: slack:U1}\n", nil, "slack.responders", 1, "must be a list"},
		{"slack user among discord responders", "discord:\n  responders: [slack:U1]\n", nil, "discord.responders[0]", 2, `"slack:U1"`},
		{"undefined group among discord responders", "discord:\n  responders: [group:sre]\n", nil, "discord.responders[0]", 2, `group "sre" is not defined`},
		{"bad duration", "openai:\n  timeout: 20\n", nil, "openai.timeout", 2, `invalid duration "20"`},
		{"bad duration unit", "actions:\n - {id: a, kind: custom, allowed: [lead], timeout: 30 seconds}\n", nil, "actions[0].timeout", 2, "invalid duration"},
		{"zero timeout", "openai: {timeout: 0s}\n", nil, "openai.timeout", 1, "must be positive"},
		{"bad bool", "checkins: {tighten_on_no: maybe}\n", nil, "checkins.tighten_on_no", 1, "must be true or false"},
		{"bad int", "checkins: {escalate_after: two}\n", nil, "checkins.escalate_after", 1, "must be a whole number"},
		{"negative int", "checkins: {escalate_after: -1}\n", nil, "checkins.escalate_after", 1, "must be 0 (never) or more"},
		{"bad log level", "log: {level: loud}\n", nil, "log.level", 1, `unknown level "loud"`},
		{"bad log level env", "", env{"TOURNIQUET_LOG_LEVEL": "loud"}, "log.level", 0, `unknown level "loud"`},
		{"bad log format", "log: {format: xml}\n", nil, "log.format", 1, `unknown format "xml"`},
		{"bad listen", "listen: localhost\n", nil, "listen", 1, "want host:port"},
		{"bad port", "listen: localhost:99999\n", nil, "listen", 1, "port must be"},
		{"bad public_url", "public_url: tourniquet.example.com\n", nil, "public_url", 1, "want an absolute http:// or https:// URL"},
		{"bad slack api_url", "slack: {api_url: 'ftp://x/'}\n", nil, "slack.api_url", 1, "absolute http"},
		{"bad discord api_url", "discord: {api_url: '/api'}\n", nil, "discord.api_url", 1, "absolute http"},
		{"bad openai base_url", "openai: {base_url: 'localhost:11434'}\n", nil, "openai.base_url", 1, "absolute http"},
		{"bad database_url", "database_url: mysql://db/x\n", nil, "database_url", 1, "want postgres://…, postgresql://… or sqlite:PATH"},
		{"bad database_url env", "", env{"TOURNIQUET_DATABASE_URL": "tourniquet.db"}, "database_url", 0, "want postgres://"},
		{"empty sqlite path", "database_url: 'sqlite:'\n", nil, "database_url", 1, "needs a path"},
		{"bad cadence", "checkins:\n  cadence: {sev3: '@every soon'}\n", nil, "checkins.cadence.sev3", 2, "invalid schedule"},
		{"empty cadence", "checkins:\n  cadence: {sev4: ''}\n", nil, "checkins.cadence.sev4", 2, "required"},
		{"bad diagnosis cadence", "checkins: {diagnosis_cadence: '* * *'}\n", nil, "checkins.diagnosis_cadence", 1, "invalid schedule"},
		{"bad digest", "checkins:\n  digest: {schedule: '0 9 * * FUNDAY', channel: 'slack:C1'}\n", nil, "checkins.digest.schedule", 2, "invalid schedule"},
		{"digest without channel", "checkins:\n  digest: {schedule: '0 9 * * MON'}\n", nil, "checkins.digest.channel", 2, "required when digest.schedule is set"},
		{"bad digest channel", "checkins:\n  digest: {schedule: '0 9 * * MON', channel: C1}\n", nil, "checkins.digest.channel", 2, "want platform:channel"},
		{"bad channel_mode", "discord: {channel_mode: forum}\n", nil, "discord.channel_mode", 1, `unknown mode "forum"`},
		{"thread without parent", "discord: {bot_token: t, channel_mode: thread}\n", nil, "discord.thread_parent_channel", 1, "required when channel_mode is thread"},
		{"bad public key", "discord: {public_key: abc}\n", nil, "discord.public_key", 1, "64 hexadecimal"},
		{"bad emoji", "slack: {timeline_emoji: ':pushpin:'}\n", nil, "slack.timeline_emoji", 1, "without colons"},
		{"bad responder", "slack:\n  responders: [U0123]\n", nil, "slack.responders[0]", 2, `"U0123": want slack:<user id> or group:<name>`},
		{"discord responder on slack", "slack:\n  responders: ['slack:U1', 'discord:123']\n", nil, "slack.responders[1]", 2, "want a slack user"},
		{"role as responder", "slack:\n  responders: [lead]\n", nil, "slack.responders[0]", 2, "roles are not allowed here"},
		{"undefined group", "permissions:\n  resolve: [lead, 'group:sre']\n", nil, "permissions.resolve[1]", 2, `group "sre" is not defined in groups`},
		{"bad permission", "permissions:\n  severity: [bob]\n", nil, "permissions.severity[0]", 2, `"bob": want slack:<user id>, discord:<user id>, console:<user id>, lead, declarer or group:<name>`},
		{"bad platform", "permissions:\n  impact_start: ['teams:bob']\n", nil, "permissions.impact_start[0]", 2, `"teams:bob"`},
		{"bad lead permission", "permissions:\n  lead: [lead, 'group:oncall']\n", nil, "permissions.lead[1]", 2, `group "oncall" is not defined in groups`},
		{"bad rename permission", "permissions:\n  rename: [everyone]\n", nil, "permissions.rename[0]", 2, `"everyone": want`},
		{"role in group", "groups:\n  sre: ['slack:U1', lead]\n", nil, "groups.sre[1]", 2, "roles are not allowed here"},
		{"group in group", "groups:\n  a: ['group:b']\n  b: ['slack:U1']\n", nil, "groups.a[0]", 2, "groups are not allowed here"},
		{"bad allowed", "groups: {sre: []}\nactions:\n  - id: a\n    kind: custom\n    allowed: ['group:sre', 'group:ops']\n", nil, "actions[0].allowed[1]", 5, `group "ops" is not defined`},
		{"app token without bot token", "slack:\n  app_token: xapp-1\n", nil, "slack.app_token", 2, "app_token needs bot_token too"},
		{"bot token without app token or signing secret", "slack:\n  bot_token: xoxb-1\n", nil, "slack.signing_secret", 2, "required for HTTP mode"},
		{"bot token from env without mode", "", env{"TOURNIQUET_SLACK_BOT_TOKEN": "xoxb-1"}, "slack.signing_secret", 0, "required for HTTP mode"},
		{"unreadable file", "slack:\n  signing_secret: s\n  bot_token_file: /s/nope\n", nil, "slack.bot_token_file", 3, "cannot read /s/nope: file does not exist"},
		{"unreadable env file", "", env{"TOURNIQUET_API_TOKEN_FILE": "/s/nope"}, "api_token_file", 0, "cannot read /s/nope"},
		{"empty file", "api_token_file: /s/empty\n", nil, "api_token_file", 1, "/s/empty is empty"},
		{"unreadable integration file", "integrations:\n  h:\n    type: webhook\n    secret_file: /s/nope\n", nil, "integrations.h.secret_file", 4, "cannot read /s/nope"},
		{"integration without type", "integrations:\n  h:\n    url: https://x\n", nil, "integrations.h.type", 2, "every integration needs a type"},
		{"integration not a mapping", "integrations:\n  h: webhook\n", nil, "integrations.h", 2, "must be a mapping"},
		{"action without id", "actions:\n  - kind: custom\n    allowed: [lead]\n", nil, "actions[0].id", 2, "required"},
		{"action id with space", "actions:\n  - {id: a b, kind: custom, allowed: [lead]}\n", nil, "actions[0].id", 2, "must not contain spaces"},
		{"duplicate action", "actions:\n  - {id: a, kind: custom, allowed: [lead]}\n  - {id: a, kind: custom, allowed: [lead]}\n", nil, "actions[1].id", 3, `duplicate action id "a" (also actions[0])`},
		{"action without kind", "actions:\n  - {id: a, allowed: [lead]}\n", nil, "actions[0].kind", 2, "required: one of rollback, kill-switch"},
		{"unknown kind", "actions:\n  - id: a\n    kind: reboot\n    allowed: [lead]\n", nil, "actions[0].kind", 3, `unknown kind "reboot"`},
		{"unknown integration", "actions:\n  - id: a\n    kind: rollback\n    integration: argo\n    allowed: [lead]\n", nil, "actions[0].integration", 4, `integration "argo" is not defined in integrations`},
		{"undo nowhere", "actions:\n  - {id: a, kind: custom, allowed: [lead], undo: b}\n", nil, "actions[0].undo", 2, `"b" names no action`},
		{"undo itself", "actions:\n  - {id: a, kind: custom, allowed: [lead], undo: a}\n", nil, "actions[0].undo", 2, "cannot undo itself"},
		{"bad params", "actions:\n  - {id: a, kind: custom, allowed: [lead], params: {x: [1]}}\n", nil, "actions[0].params.x", 2, "must be a string"},
		{"empty service", "actions:\n  - {id: a, kind: custom, allowed: [lead], services: ['']}\n", nil, "actions[0].services[0]", 2, "must not be empty"},
		{"negative timeout", "actions:\n  - {id: a, kind: custom, allowed: [lead], timeout: -1s}\n", nil, "actions[0].timeout", 2, "must not be negative"},
		{"bad confirm", "actions:\n  - {id: a, kind: custom, allowed: [lead], confirm: sure}\n", nil, "actions[0].confirm", 2, "must be true or false"},
		{"bad merge", "slack:\n  <<: [a]\n", nil, "slack", 2, "<< must merge a mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.yaml, tc.env, fs)
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want exactly 1 problem, got %d:\n%v", len(ps), err)
			}
			p := ps[0]
			if p.Key != tc.key || p.Line != tc.line || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %+v\nwant key %q line %d msg containing %q", p, tc.key, tc.line, tc.msg)
			}
			if tc.env != nil && p.Env == "" && tc.line == 0 && !strings.Contains(tc.name, "without mode") {
				t.Errorf("problem from the environment does not name the variable: %+v", p)
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := Load("/nope.yaml", nil, files{}.read)
	ps := problems(t, err)
	if len(ps) != 1 || !strings.Contains(err.Error(), "/nope.yaml: cannot read the configuration file: file does not exist") {
		t.Errorf("got %v", err)
	}
}

func TestWarnings(t *testing.T) {
	c := mustLoad(t, `
slack: {bot_token: not-a-bot-token, app_token: xapp-1}
actions:
  - {id: a, kind: custom}
`, nil, nil)
	var keys []string
	for _, w := range c.Warnings {
		keys = append(keys, w.Key)
	}
	if !slices.Equal(keys, []string{"slack.bot_token", "actions[0].allowed"}) {
		t.Errorf("warnings %v", c.Warnings)
	}

	// With problems, the warnings travel in the error.
	_, err := load(t, "log: {level: loud}\nactions:\n  - {id: a, kind: custom}\n", nil, nil)
	var ce *Errors
	if !errors.As(err, &ce) || len(ce.Warnings) != 1 || len(ce.Problems) != 1 {
		t.Errorf("got %#v", err)
	}
}

func TestIntegrationValidator(t *testing.T) {
	const yaml = `integrations:
  hook:
    type: webhook
    url: https://x
    methd: POST
  flags:
    type: launchdarkly
    token_file: /s/tok
`
	var seen []string
	v := func(name string, in Integration) []Problem {
		seen = append(seen, name+"="+in.Type)
		var ps []Problem
		for _, k := range in.Keys() {
			if in.Type == "webhook" && k != "type" && k != "url" && k != "secret_file" {
				ps = append(ps, Problem{Key: k, Msg: "unknown key for a webhook"})
			}
		}
		if in.Type == "launchdarkly" && in.Secret("token").Reveal() != "tok" {
			ps = append(ps, Problem{Msg: "token not resolved"})
		}
		return ps
	}
	_, err := load(t, yaml, nil, files{"/s/tok": "tok\n"}, v)
	ps := problems(t, err)
	want := []Problem{{Key: "integrations.hook.methd", Line: 5, Msg: "unknown key for a webhook"}}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got %v, want %v", ps, want)
	}
	if !slices.Equal(seen, []string{"flags=launchdarkly", "hook=webhook"}) {
		t.Errorf("validator saw %v", seen)
	}
}

func TestConfigPath(t *testing.T) {
	e := env{"TOURNIQUET_CONFIG": "/env.yaml"}
	if got := ConfigPath("/flag.yaml", e.get); got != "/flag.yaml" {
		t.Errorf("flag: %s", got)
	}
	if got := ConfigPath("", e.get); got != "/env.yaml" {
		t.Errorf("env: %s", got)
	}
	if got := ConfigPath("", env{}.get); got != "" {
		t.Errorf("none: %s", got)
	}
}

func TestFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/t.yaml"
	if err := writeFile(path, "listen: 127.0.0.1:7000\n"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOURNIQUET_CONFIG", path)
	t.Setenv("TOURNIQUET_LOG_LEVEL", "debug")
	c, err := FromEnvironment("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7000" || c.Log.Level != "debug" {
		t.Errorf("got %+v", c)
	}
}

func TestLogFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		tty    bool
		want   string
	}{
		{"", true, "text"}, {"", false, "json"}, {"json", true, "json"}, {"text", false, "text"},
	} {
		if got := (Log{Format: tc.format}).FormatFor(tc.tty); got != tc.want {
			t.Errorf("FormatFor(%q, tty=%v) = %s, want %s", tc.format, tc.tty, got, tc.want)
		}
	}
	var b strings.Builder
	Log{Level: "warn"}.Handler(&b, false).Handle(t.Context(), recordAt("hello"))
	if !strings.HasPrefix(b.String(), "{") {
		t.Errorf("not json: %s", b.String())
	}
	if (Log{Level: "warn"}).Handler(&b, false).Enabled(t.Context(), -4) {
		t.Error("debug enabled at warn")
	}
}
