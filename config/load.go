package config

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
)

// IntegrationValidator checks the type-specific keys of one integration
// (unknown keys, missing URLs, unknown types…). It is the extension point for
// integration packages: cmd/tourniquet passes one to [Load] that switches on
// in.Type.
//
// A returned Problem's Key is relative to the integration ("url", or "" for
// the integration as a whole); Load prefixes it with "integrations.<name>."
// and, when Line is 0, fills in the line of that key. Messages must not
// contain secret values (Load redacts known secrets anyway).
type IntegrationValidator func(name string, in Integration) []Problem

// EnvConfig names the variable holding the configuration file's path.
const EnvConfig = "TOURNIQUET_CONFIG"

// envVar maps one TOURNIQUET_* variable to a configuration key. Secret
// variables also have a _FILE variant.
type envVar struct {
	name   string
	key    string
	str    func(*Config) *string
	secret func(*Config) (*Secret, *string) // the value and its *_file path
}

var envVars = []envVar{
	{name: "TOURNIQUET_DATABASE_URL", key: "database_url", str: func(c *Config) *string { return &c.DatabaseURL }},
	{name: "TOURNIQUET_DATABASE_PASSWORD", key: "database_password", secret: func(c *Config) (*Secret, *string) { return &c.DatabasePassword, &c.DatabasePasswordFile }},
	{name: "TOURNIQUET_LISTEN", key: "listen", str: func(c *Config) *string { return &c.Listen }},
	{name: "TOURNIQUET_PUBLIC_URL", key: "public_url", str: func(c *Config) *string { return &c.PublicURL }},
	{name: "TOURNIQUET_SLACK_BOT_TOKEN", key: "slack.bot_token", secret: func(c *Config) (*Secret, *string) { return &c.Slack.BotToken, &c.Slack.BotTokenFile }},
	{name: "TOURNIQUET_SLACK_APP_TOKEN", key: "slack.app_token", secret: func(c *Config) (*Secret, *string) { return &c.Slack.AppToken, &c.Slack.AppTokenFile }},
	{name: "TOURNIQUET_SLACK_SIGNING_SECRET", key: "slack.signing_secret", secret: func(c *Config) (*Secret, *string) { return &c.Slack.SigningSecret, &c.Slack.SigningSecretFile }},
	{name: "TOURNIQUET_SLACK_API_URL", key: "slack.api_url", str: func(c *Config) *string { return &c.Slack.APIURL }},
	{name: "TOURNIQUET_DISCORD_BOT_TOKEN", key: "discord.bot_token", secret: func(c *Config) (*Secret, *string) { return &c.Discord.BotToken, &c.Discord.BotTokenFile }},
	{name: "TOURNIQUET_DISCORD_APP_ID", key: "discord.app_id", str: func(c *Config) *string { return &c.Discord.AppID }},
	{name: "TOURNIQUET_DISCORD_PUBLIC_KEY", key: "discord.public_key", str: func(c *Config) *string { return &c.Discord.PublicKey }},
	{name: "TOURNIQUET_DISCORD_API_URL", key: "discord.api_url", str: func(c *Config) *string { return &c.Discord.APIURL }},
	{name: "TOURNIQUET_OPENAI_API_KEY", key: "openai.api_key", secret: func(c *Config) (*Secret, *string) { return &c.OpenAI.APIKey, &c.OpenAI.APIKeyFile }},
	{name: "TOURNIQUET_OPENAI_BASE_URL", key: "openai.base_url", str: func(c *Config) *string { return &c.OpenAI.BaseURL }},
	{name: "TOURNIQUET_OPENAI_MODEL", key: "openai.model", str: func(c *Config) *string { return &c.OpenAI.Model }},
	{name: "TOURNIQUET_API_TOKEN", key: "api_token", secret: func(c *Config) (*Secret, *string) { return &c.APIToken, &c.APITokenFile }},
	{name: "TOURNIQUET_LINK_SECRET", key: "link_secret", secret: func(c *Config) (*Secret, *string) { return &c.LinkSecret, &c.LinkSecretFile }},
	{name: "TOURNIQUET_ALERTS_TOKEN", key: "alerts.token", secret: func(c *Config) (*Secret, *string) { return &c.Alerts.Token, &c.Alerts.TokenFile }},
	{name: "TOURNIQUET_ALERTS_BASIC_AUTH_PASSWORD", key: "alerts.basic_auth.password", secret: func(c *Config) (*Secret, *string) {
		return &c.Alerts.BasicAuth.Password, &c.Alerts.BasicAuth.PasswordFile
	}},
	{name: "TOURNIQUET_ALERTS_PAGERDUTY_SIGNING_SECRET", key: "alerts.pagerduty_signing_secret", secret: func(c *Config) (*Secret, *string) {
		return &c.Alerts.PagerDutySigningSecret, &c.Alerts.PagerDutySigningSecretFile
	}},
	{name: "TOURNIQUET_METRICS_TOKEN", key: "metrics_token", secret: func(c *Config) (*Secret, *string) { return &c.MetricsToken, &c.MetricsTokenFile }},
	{name: "TOURNIQUET_OIDC_CLIENT_SECRET", key: "oidc.client_secret", secret: func(c *Config) (*Secret, *string) { return &c.OIDC.ClientSecret, &c.OIDC.ClientSecretFile }},
	{name: "TOURNIQUET_OIDC_SESSION_KEY", key: "oidc.session_key", secret: func(c *Config) (*Secret, *string) { return &c.OIDC.SessionKey, &c.OIDC.SessionKeyFile }},
	{name: "TOURNIQUET_FOLLOW_UPS_TOKEN", key: "follow_ups.tracker.token", secret: func(c *Config) (*Secret, *string) { return &c.FollowUps.Tracker.Token, &c.FollowUps.Tracker.TokenFile }},
	{name: "TOURNIQUET_LOG_LEVEL", key: "log.level", str: func(c *Config) *string { return &c.Log.Level }},
	{name: "TOURNIQUET_LOG_FORMAT", key: "log.format", str: func(c *Config) *string { return &c.Log.Format }},
	{name: "TOURNIQUET_LOG_FILE", key: "log.file", str: func(c *Config) *string { return &c.Log.File }},
	// The change feed's webhook secrets (config/changes.go).
	{name: "TOURNIQUET_CHANGES_GITHUB_SECRET", key: "changes.github_secret", secret: func(c *Config) (*Secret, *string) { return &c.Changes.GitHubSecret, &c.Changes.GitHubSecretFile }},
	{name: "TOURNIQUET_CHANGES_LAUNCHDARKLY_SECRET", key: "changes.launchdarkly_secret", secret: func(c *Config) (*Secret, *string) {
		return &c.Changes.LaunchDarklySecret, &c.Changes.LaunchDarklySecretFile
	}},
	{name: "TOURNIQUET_CHANGES_ARGOCD_TOKEN", key: "changes.argocd_token", secret: func(c *Config) (*Secret, *string) { return &c.Changes.ArgoCDToken, &c.Changes.ArgoCDTokenFile }},
}

// EnvironmentVariables lists every variable Load reads, TOURNIQUET_CONFIG
// and the *_FILE variants included, in the order of DESIGN §4.
func EnvironmentVariables() []string {
	out := []string{EnvConfig}
	for _, ev := range envVars {
		out = append(out, ev.name)
		if ev.secret != nil {
			out = append(out, ev.name+"_FILE")
		}
	}
	return out
}

// ConfigPath returns the configuration file to load: flag when set (the
// --config flag), else $TOURNIQUET_CONFIG, else "" (no file).
func ConfigPath(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if getenv == nil {
		return ""
	}
	return getenv(EnvConfig)
}

// FromEnvironment loads the configuration of the running process: the file
// named by configFlag (the --config flag) or $TOURNIQUET_CONFIG, overridden
// by the process environment.
func FromEnvironment(configFlag string, validators ...IntegrationValidator) (*Config, error) {
	return Load(ConfigPath(configFlag, os.Getenv), os.Getenv, os.ReadFile, validators...)
}

// Load reads the YAML file at path ("" for none), applies the TOURNIQUET_*
// variables that getenv returns (an empty value counts as unset), reads every
// *_file with readFile, fills in defaults and validates the result, also
// with validators.
//
// On any problem it returns a nil Config and an [*Errors] listing all of
// them. A nil getenv means no environment; a nil readFile means os.ReadFile.
func Load(path string, getenv func(string) string, readFile func(string) ([]byte, error), validators ...IntegrationValidator) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	l := &loader{
		cfg:      Default(),
		getenv:   getenv,
		readFile: readFile,
		lines:    map[string]int{},
		envs:     map[string]string{},
	}
	if path != "" {
		data, err := readFile(path)
		if err != nil {
			return nil, &Errors{File: path, Problems: []Problem{{Msg: "cannot read the configuration file: " + fileError(err)}}}
		}
		root, problems := parse(data)
		if len(problems) > 0 {
			return nil, &Errors{File: path, Problems: problems}
		}
		if root != nil {
			d := &decoder{lines: l.lines}
			d.value("", root, reflect.ValueOf(l.cfg).Elem())
			l.problems = append(l.problems, d.problems...)
		}
	}
	l.checkFileConflicts()
	l.applyEnv()
	l.readSecretFiles()
	l.normalize()
	l.validate()
	l.validateIntegrations(validators)

	secrets := l.secretValues()
	redact(l.problems, secrets)
	redact(l.warnings, secrets)
	sortProblems(l.problems)
	sortProblems(l.warnings)
	if len(l.problems) > 0 {
		return nil, &Errors{File: path, Problems: l.problems, Warnings: l.warnings}
	}
	l.cfg.Warnings = l.warnings
	return l.cfg, nil
}

type loader struct {
	cfg      *Config
	getenv   func(string) string
	readFile func(string) ([]byte, error)
	lines    map[string]int    // key path → YAML line of its value
	envs     map[string]string // key path → variable that set it
	problems []Problem
	warnings []Problem
}

// at says where a key's value came from: its YAML line, or the variable
// that set it. For a key that was not set it falls back to the closest
// parent that was ("slack" for "slack.signing_secret").
func (l *loader) at(key string) (line int, env string) {
	for k := key; k != ""; k = parent(k) {
		if env, ok := l.envs[k]; ok {
			return 0, env
		}
		if line, ok := l.lines[k]; ok {
			return line, ""
		}
	}
	return 0, ""
}

func parent(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

func (l *loader) problem(key, msg string) Problem {
	line, env := l.at(key)
	return Problem{Key: key, Line: line, Env: env, Msg: msg}
}

func (l *loader) fail(key, msg string) { l.problems = append(l.problems, l.problem(key, msg)) }

func (l *loader) warn(key, msg string) { l.warnings = append(l.warnings, l.problem(key, msg)) }

// checkFileConflicts reports secrets set both inline and as *_file in YAML.
func (l *loader) checkFileConflicts() {
	for _, ev := range envVars {
		if ev.secret == nil {
			continue
		}
		_, inline := l.lines[ev.key]
		_, file := l.lines[ev.key+"_file"]
		sec, path := ev.secret(l.cfg)
		if inline && file && sec.IsSet() && *path != "" {
			k := ev.key[strings.LastIndex(ev.key, ".")+1:]
			l.fail(ev.key+"_file", "set either "+k+" or "+k+"_file, not both")
		}
	}
}

func (l *loader) setByEnv(key, name string) {
	l.envs[key] = name
	delete(l.lines, key)
}

func (l *loader) applyEnv() {
	for _, ev := range envVars {
		v := l.getenv(ev.name)
		if ev.str != nil {
			if v != "" {
				*ev.str(l.cfg) = v
				l.setByEnv(ev.key, ev.name)
			}
			continue
		}
		fileVar := ev.name + "_FILE"
		fv := l.getenv(fileVar)
		sec, path := ev.secret(l.cfg)
		switch {
		case v != "" && fv != "":
			l.problems = append(l.problems, Problem{Key: ev.key, Env: ev.name,
				Msg: "both " + ev.name + " and " + fileVar + " are set; set one"})
		case v != "":
			*sec, *path = NewSecret(v), ""
			l.setByEnv(ev.key, ev.name)
			l.setByEnv(ev.key+"_file", ev.name)
		case fv != "":
			*sec, *path = Secret{}, fv
			l.setByEnv(ev.key, fileVar)
			l.setByEnv(ev.key+"_file", fileVar)
		}
	}
}

// readSecret reads a secret file, trimming one trailing newline. Problems
// name the key and the path, never the content.
func (l *loader) readSecret(key, path string) (Secret, bool) {
	data, err := l.readFile(path)
	if err != nil {
		l.fail(key, "cannot read "+path+": "+fileError(err))
		return Secret{}, false
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if s == "" {
		l.fail(key, path+" is empty")
		return Secret{}, false
	}
	return NewSecret(s), true
}

// fileError is err without the path os.PathError repeats.
func fileError(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func (l *loader) readSecretFiles() {
	for _, ev := range envVars {
		if ev.secret == nil {
			continue
		}
		sec, path := ev.secret(l.cfg)
		if *path == "" {
			continue
		}
		if s, ok := l.readSecret(ev.key+"_file", *path); ok {
			*sec = s
		}
	}
	for _, name := range sortedKeys(l.cfg.Integrations) {
		in := l.cfg.Integrations[name]
		for _, base := range sortedKeys(in.files) {
			if in.files[base] == "" {
				continue
			}
			if s, ok := l.readSecret("integrations."+name+"."+base+"_file", in.files[base]); ok {
				in.Secrets[base] = s
			}
		}
	}
}

// normalize fills derived defaults and canonical forms.
func (l *loader) normalize() {
	c := l.cfg
	c.Log.Level = strings.ToLower(strings.TrimSpace(c.Log.Level))
	c.Log.Format = strings.ToLower(strings.TrimSpace(c.Log.Format))
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Listen)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Slack.APIURL != "" && !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
	if c.Discord.APIURL != "" && !strings.HasSuffix(c.Discord.APIURL, "/") {
		c.Discord.APIURL += "/"
	}
	for i := range c.Actions {
		if c.Actions[i].Confirm == nil {
			t := true
			c.Actions[i].Confirm = &t
		}
	}
}

func (l *loader) validateIntegrations(validators []IntegrationValidator) {
	for _, name := range sortedKeys(l.cfg.Integrations) {
		in := l.cfg.Integrations[name]
		for _, v := range validators {
			for _, p := range v(name, in) {
				if p.Line == 0 && p.Env == "" {
					p.Line = in.KeyLine(p.Key)
				}
				p.Key = strings.TrimSuffix(join("integrations."+name, p.Key), ".")
				l.problems = append(l.problems, p)
			}
		}
	}
}

// secretValues returns every secret value, for redaction: the loaded
// ones and what the secret variables say.
func (l *loader) secretValues() []string {
	out := l.cfg.SecretValues()
	for _, ev := range envVars {
		if v := l.getenv(ev.name); v != "" && ev.secret != nil {
			out = append(out, v)
		}
	}
	return out
}

// SecretValues returns the value of every secret of the configuration
// that is set: each top-level secret (the Slack, Discord, OpenAI, API,
// link and metrics ones), every integration's, action params under a
// secret-looking key ([IsSecretKey]) and the database password. It is
// what a redactor removes from logs and stored text; a new secret
// variable is part of it by being declared in envVars.
func (c *Config) SecretValues() []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v)
		}
	}
	for _, ev := range envVars {
		if ev.secret != nil {
			sec, _ := ev.secret(c)
			add(sec.Reveal())
		}
	}
	for _, name := range sortedKeys(c.Integrations) {
		in := c.Integrations[name]
		for _, k := range sortedKeys(in.Secrets) {
			add(in.Secrets[k].Reveal())
		}
	}
	for _, a := range c.Actions {
		for _, k := range sortedKeys(a.Params) {
			if IsSecretKey(k) {
				add(a.Params[k])
			}
		}
	}
	for _, s := range c.Alerts.PagerDutySecrets() {
		add(s.Reveal())
	}
	out = append(out, c.Paging.secretValues()...)
	out = append(out, c.probeSecretValues()...)
	if c.DatabaseDriver() == DriverPostgres {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			if pw, ok := u.User.Password(); ok {
				add(pw)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
