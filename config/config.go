package config

import (
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Config is Tourniquet's whole configuration. The yaml tags are the public
// key names of DESIGN §4. After a successful [Load] every *_file has been
// read into its Secret, defaults are filled in and everything is valid.
type Config struct {
	// Listen is the HTTP listen address, host:port.
	Listen string `yaml:"listen" json:"listen"`
	// PublicURL is the base URL of links the bot posts, without a trailing
	// slash. Defaults to "http://" + Listen (localhost for an unspecified host).
	PublicURL string `yaml:"public_url" json:"public_url"`
	// DatabaseURL is postgres://…, postgresql://… or sqlite:PATH. It may hold
	// a password: print it with [Config.RedactedDatabaseURL].
	DatabaseURL string `yaml:"database_url" json:"database_url"`
	// DatabasePassword, when set, is the password of DatabaseURL's user
	// (which then names none): one secret file for the server and the bot.
	DatabasePassword     Secret `yaml:"database_password" json:"database_password"`
	DatabasePasswordFile string `yaml:"database_password_file" json:"database_password_file"`
	// APIToken is the bearer token for /api/v1/*; unset means no API access.
	APIToken     Secret `yaml:"api_token" json:"api_token"`
	APITokenFile string `yaml:"api_token_file" json:"api_token_file"`
	// LinkSecret keys the HMAC of the signed report links the bot posts;
	// unset, the key is derived from APIToken. Every replica needs the same.
	LinkSecret     Secret `yaml:"link_secret" json:"link_secret"`
	LinkSecretFile string `yaml:"link_secret_file" json:"link_secret_file"`
	// MetricsToken, when set, is the bearer token /metrics requires;
	// unset, /metrics is open to whoever reaches the listen address.
	MetricsToken     Secret `yaml:"metrics_token" json:"metrics_token"`
	MetricsTokenFile string `yaml:"metrics_token_file" json:"metrics_token_file"`

	Log          Log                    `yaml:"log" json:"log"`
	Slack        Slack                  `yaml:"slack" json:"slack"`
	Discord      Discord                `yaml:"discord" json:"discord"`
	OpenAI       OpenAI                 `yaml:"openai" json:"openai"`
	Checkins     Checkins               `yaml:"checkins" json:"checkins"`
	Groups       map[string][]string    `yaml:"groups" json:"groups"`
	Permissions  Permissions            `yaml:"permissions" json:"permissions"`
	Integrations map[string]Integration `yaml:"integrations" json:"integrations"`
	Actions      []Action               `yaml:"actions" json:"actions"`
	// Alerts configures alert intake and routing; Paging the on-call.
	Alerts    Alerts    `yaml:"alerts" json:"alerts"`
	Paging    Paging    `yaml:"paging" json:"paging"`
	OIDC      OIDC      `yaml:"oidc" json:"oidc"`
	ProxyAuth ProxyAuth `yaml:"proxy_auth" json:"proxy_auth"`
	FollowUps FollowUps `yaml:"follow_ups" json:"follow_ups"`
	// Probes watch customer impact in metrics or a synthetic check (probes.go).
	Probes  []Probe `yaml:"probes" json:"probes"`
	Changes Changes `yaml:"changes" json:"changes"`

	// Roles are the incident roles besides lead and declarer that people
	// can be given with /incident role (comms, scribe, ops): lower-case
	// words, usable in permissions and allow-lists as role:<name>.
	Roles []string `yaml:"roles" json:"roles"`

	// Warnings are things that work but are probably not what was meant
	// (for example a Slack bot token that does not start with xoxb-).
	Warnings []Problem `yaml:"-" json:"-"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error (lower case after loading).
	Level string `yaml:"level" json:"level"`
	// Format is "json", "text" or "" for automatic: see [Log.FormatFor].
	Format string `yaml:"format" json:"format"`
	// File is where logs are appended. Empty means stderr, except in an
	// interactive terminal session, whose screen is the chat: there logs
	// go to a file in the state directory (cmd/tourniquet decides).
	File string `yaml:"file" json:"file"`
}

// Slack configures the Slack adapter. It is enabled when BotToken is set:
// Socket Mode when AppToken is set too, HTTP mode (verified with
// SigningSecret) otherwise.
type Slack struct {
	BotToken          Secret `yaml:"bot_token" json:"bot_token"`
	BotTokenFile      string `yaml:"bot_token_file" json:"bot_token_file"`
	AppToken          Secret `yaml:"app_token" json:"app_token"`
	AppTokenFile      string `yaml:"app_token_file" json:"app_token_file"`
	SigningSecret     Secret `yaml:"signing_secret" json:"signing_secret"`
	SigningSecretFile string `yaml:"signing_secret_file" json:"signing_secret_file"`
	// APIURL is the Web API base, always ending in "/".
	APIURL          string `yaml:"api_url" json:"api_url"`
	AnnounceChannel string `yaml:"announce_channel" json:"announce_channel"`
	// Responders are invited to every incident channel: slack:<id> users or
	// group:<name> (only the group's Slack members apply).
	Responders    []string `yaml:"responders" json:"responders"`
	TimelineEmoji string   `yaml:"timeline_emoji" json:"timeline_emoji"`
}

// Enabled reports whether Slack is configured (a bot token is set).
func (s Slack) Enabled() bool { return s.BotToken.IsSet() }

// SocketMode reports whether Slack should connect over Socket Mode.
func (s Slack) SocketMode() bool { return s.Enabled() && s.AppToken.IsSet() }

// Discord channel modes.
const (
	ChannelModeChannel = "channel"
	ChannelModeThread  = "thread"
)

// Discord configures the Discord adapter. It is enabled when BotToken is set.
type Discord struct {
	BotToken     Secret `yaml:"bot_token" json:"bot_token"`
	BotTokenFile string `yaml:"bot_token_file" json:"bot_token_file"`
	AppID        string `yaml:"app_id" json:"app_id"`
	// PublicKey is the application's hex-encoded Ed25519 public key.
	PublicKey string `yaml:"public_key" json:"public_key"`
	// APIURL is the REST base, always ending in "/".
	APIURL           string `yaml:"api_url" json:"api_url"`
	GuildID          string `yaml:"guild_id" json:"guild_id"`
	IncidentCategory string `yaml:"incident_category" json:"incident_category"`
	AnnounceChannel  string `yaml:"announce_channel" json:"announce_channel"`
	// ChannelMode is "channel" (a channel per incident) or "thread".
	ChannelMode string `yaml:"channel_mode" json:"channel_mode"`
	// ThreadParentChannel is where incident threads are opened in thread
	// mode; AnnounceChannel when empty.
	ThreadParentChannel string `yaml:"thread_parent_channel" json:"thread_parent_channel"`
	// Responders are invited to every incident channel: discord:<id> users
	// or group:<name> (only the group's Discord members apply).
	Responders []string `yaml:"responders" json:"responders"`
}

// Enabled reports whether Discord is configured (a bot token is set).
func (d Discord) Enabled() bool { return d.BotToken.IsSet() }

// OpenAI configures summaries through any OpenAI-compatible server.
type OpenAI struct {
	APIKey     Secret `yaml:"api_key" json:"api_key"`
	APIKeyFile string `yaml:"api_key_file" json:"api_key_file"`
	// BaseURL is the API base (for example http://localhost:11434/v1); empty
	// means the client library's default (api.openai.com).
	BaseURL string        `yaml:"base_url" json:"base_url"`
	Model   string        `yaml:"model" json:"model"`
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
}

// Enabled reports whether summaries are on: they need an API key or a base
// URL (local servers often need no key).
func (o OpenAI) Enabled() bool { return o.APIKey.IsSet() || o.BaseURL != "" }

// Checkins configures the mitigation check-in.
type Checkins struct {
	Cadence Cadence `yaml:"cadence" json:"cadence"`
	// DiagnosisCadence is how often to ask about the cause once impact is
	// mitigated; a robfig/cron spec.
	DiagnosisCadence string `yaml:"diagnosis_cadence" json:"diagnosis_cadence"`
	// EscalateAfter is how many unanswered check-ins trigger an escalation;
	// 0 never escalates.
	EscalateAfter int `yaml:"escalate_after" json:"escalate_after"`
	// Escalation names the steps of an escalation, in order, each taken
	// after another EscalateAfter unanswered check-ins: "lead" (mention
	// the lead), "channel" (mention the whole channel), "page" (page
	// paging.escalate_to). Empty: lead, channel, then page when
	// paging.escalate_to is set.
	Escalation []string `yaml:"escalation" json:"escalation,omitempty"`
	// TightenOnNo shortens the cadence after a "No, still impacting" answer.
	TightenOnNo bool   `yaml:"tighten_on_no" json:"tighten_on_no"`
	Digest      Digest `yaml:"digest" json:"digest"`
}

// Cadence holds one robfig/cron spec per severity (cron.ParseStandard
// syntax: "@every 10m", "*/15 * * * *").
type Cadence struct {
	Sev1 string `yaml:"sev1" json:"sev1"`
	Sev2 string `yaml:"sev2" json:"sev2"`
	Sev3 string `yaml:"sev3" json:"sev3"`
	Sev4 string `yaml:"sev4" json:"sev4"`
}

// For returns the spec for severity s, and the sev2 spec for an invalid one.
func (c Cadence) For(s incident.Severity) string {
	switch s {
	case incident.Sev1:
		return c.Sev1
	case incident.Sev3:
		return c.Sev3
	case incident.Sev4:
		return c.Sev4
	}
	return c.Sev2
}

// Digest configures a periodic summary of open incidents. It is off when
// Schedule is empty.
type Digest struct {
	// Schedule is a robfig/cron spec, for example "0 9 * * MON".
	Schedule string `yaml:"schedule" json:"schedule"`
	// Channel is platform:channel, for example "slack:C0123ABCD".
	Channel string `yaml:"channel" json:"channel"`
}

// Permissions lists who may do what besides posting updates and notes. Each
// entry is a user (slack:<id>, discord:<id>, console:<id>), a role (lead,
// declarer, or a configured one as role:<name>) or group:<name>.
type Permissions struct {
	Resolve     []string `yaml:"resolve" json:"resolve"`
	Severity    []string `yaml:"severity" json:"severity"`
	ImpactStart []string `yaml:"impact_start" json:"impact_start"`
	// Lead is who may name the incident lead. The lead is itself a role
	// the other rules and the actions' allow-lists grant power to, so it
	// is guarded like them; anyone may still claim an incident nobody
	// leads by naming themselves.
	Lead []string `yaml:"lead" json:"lead"`
	// Rename is who may give the incident a new title.
	Rename []string `yaml:"rename" json:"rename"`
	// Roles is who may give or take the configured incident roles. A role
	// grants what role:<name> rules grant, so it is guarded like the lead;
	// whoever holds a role may always give it up.
	Roles []string `yaml:"roles" json:"roles"`
}

// RolePrefix starts a reference to a configured incident role, as in
// "role:comms".
const RolePrefix = "role:"

// Roles usable in permissions and action allow-lists.
const (
	RoleLead     = "lead"
	RoleDeclarer = "declarer"
)

// GroupPrefix starts a group reference, as in "group:sre".
const GroupPrefix = "group:"

// Action kinds.
const (
	KindRollback           = "rollback"
	KindKillSwitch         = "kill-switch"
	KindDisableIntegration = "disable-integration"
	KindRouteAway          = "route-away"
	KindConfigRevert       = "config-revert"
	KindDegrade            = "degrade"
	KindInstrumentation    = "instrumentation"
	KindCustom             = "custom"
)

// ActionKinds lists every valid action kind.
var ActionKinds = []string{
	KindRollback, KindKillSwitch, KindDisableIntegration, KindRouteAway,
	KindConfigRevert, KindDegrade, KindInstrumentation, KindCustom,
}

// Action is one configured mitigation.
type Action struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Kind is one of [ActionKinds].
	Kind string `yaml:"kind" json:"kind"`
	// Integration names an entry of Config.Integrations; empty for an action
	// that calls nothing (a recorded manual step).
	Integration string            `yaml:"integration" json:"integration"`
	Params      map[string]string `yaml:"params" json:"params"`
	// Services limits the action to incidents naming one of them; empty
	// applies it to every incident.
	Services []string `yaml:"services" json:"services"`
	// Allowed are who may run it (users, roles, groups); empty denies all.
	Allowed []string `yaml:"allowed" json:"allowed"`
	// Confirm asks for a confirmation click; nil means true. Use
	// [Action.NeedsConfirm].
	Confirm  *bool `yaml:"confirm" json:"confirm"`
	Approval bool  `yaml:"approval" json:"approval"`
	// Timeout bounds the call to the integration; 0 means the caller's
	// default.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Undo names the action that reverses this one.
	Undo string `yaml:"undo" json:"undo"`
	// Drill are the params a drill runs it with instead of Params (a
	// staging flag environment, a staging application); empty: it cannot
	// run in a drill (docs/readiness.md).
	Drill map[string]string `yaml:"drill" json:"drill,omitempty"`
	// UndoFor, when set, offers the action as the undo of matching
	// changes (config/changes.go).
	UndoFor *UndoFor `yaml:"undo_for" json:"undo_for,omitempty"`
}

// NeedsConfirm reports whether running the action asks for confirmation
// (the default).
func (a Action) NeedsConfirm() bool { return a.Confirm == nil || *a.Confirm }

// Default returns the configuration used when nothing is set. PublicURL is
// left empty; [Load] derives it from Listen.
func Default() *Config {
	return &Config{
		Listen:      "127.0.0.1:8080",
		DatabaseURL: "sqlite:tourniquet.db",
		Log:         Log{Level: "info"},
		Slack: Slack{
			APIURL:        "https://slack.com/api/",
			TimelineEmoji: "pushpin",
		},
		Discord: Discord{
			APIURL:      "https://discord.com/api/v10/",
			ChannelMode: ChannelModeChannel,
		},
		OpenAI: OpenAI{Timeout: 20 * time.Second},
		Changes: Changes{Retention: DefaultChangeRetention, Window: DefaultChangeWindow,
			VerifyTimeout: DefaultVerifyTimeout},
		OIDC:      OIDC{GroupsClaim: DefaultGroupsClaim, SessionTTL: DefaultSessionTTL},
		ProxyAuth: ProxyAuth{EmailHeader: DefaultEmailHeader, GroupsHeader: DefaultGroupsHeader},
		FollowUps: FollowUps{Create: CreateOnCommand, Poll: 10 * time.Minute},
		Checkins: Checkins{
			Cadence: Cadence{
				Sev1: "@every 10m",
				Sev2: "@every 15m",
				Sev3: "@every 30m",
				Sev4: "@every 1h",
			},
			DiagnosisCadence: "@every 30m",
			EscalateAfter:    2,
		},
		Permissions: Permissions{
			Resolve:     []string{RoleLead, RoleDeclarer},
			Severity:    []string{RoleLead, RoleDeclarer},
			ImpactStart: []string{RoleLead, RoleDeclarer},
			Lead:        []string{RoleLead, RoleDeclarer},
			Rename:      []string{RoleLead, RoleDeclarer},
			Roles:       []string{RoleLead, RoleDeclarer},
		},
	}
}

// defaultPublicURL is "http://" + listen, with localhost standing in for an
// unspecified host so that the links work.
func defaultPublicURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Database drivers returned by [Config.DatabaseDriver].
const (
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
)

// DatabaseDriver returns DriverPostgres or DriverSQLite according to
// DatabaseURL's scheme.
func (c *Config) DatabaseDriver() string {
	if strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return DriverPostgres
	}
	return DriverSQLite
}

// SQLitePath returns the file path of a sqlite: database URL, "" otherwise.
func (c *Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
		return p
	}
	return ""
}

// RedactedDatabaseURL returns DatabaseURL with any password replaced by
// "xxxxx", fit for logs.
func (c *Config) RedactedDatabaseURL() string {
	if c.DatabaseDriver() != DriverPostgres {
		return c.DatabaseURL
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres://(unparseable)"
	}
	return u.Redacted()
}

// Log formats.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// FormatFor returns the log format to use: Format when set, otherwise
// "text" when writing to a terminal and "json" when not.
func (l Log) FormatFor(isTTY bool) string {
	switch {
	case l.Format != "":
		return l.Format
	case isTTY:
		return FormatText
	default:
		return FormatJSON
	}
}

// SlogLevel returns Level as a slog.Level (info for anything unknown).
func (l Log) SlogLevel() slog.Level {
	lv, ok := parseLevel(l.Level)
	if !ok {
		return slog.LevelInfo
	}
	return lv
}

// Handler returns a slog handler writing to w at the configured level in the
// format [Log.FormatFor] chooses.
func (l Log) Handler(w io.Writer, isTTY bool) slog.Handler {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.FormatFor(isTTY) == FormatText {
		return slog.NewTextHandler(w, opts)
	}
	return slog.NewJSONHandler(w, opts)
}

func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, true
	case "info", "":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}
