package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

// validate checks values and cross-field rules. Messages quote values only
// for non-secret keys; URLs are never quoted since they may carry
// credentials.
func (l *loader) validate() {
	c := l.cfg

	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		l.fail("listen", "want host:port, for example 127.0.0.1:8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail("listen", "port must be a number from 0 to 65535")
	}
	l.checkURL("public_url", c.PublicURL)
	l.checkDatabaseURL(c.DatabaseURL)
	l.applyDatabasePassword(c)
	if _, ok := parseLevel(c.Log.Level); !ok {
		l.fail("log.level", fmt.Sprintf("unknown level %q (want debug, info, warn or error)", c.Log.Level))
	}
	switch c.Log.Format {
	case "", FormatJSON, FormatText:
	default:
		l.fail("log.format", fmt.Sprintf("unknown format %q (want json or text, or leave unset for text on a terminal and json otherwise)", c.Log.Format))
	}

	l.validateSlack(&c.Slack)
	l.validateDiscord(&c.Discord)

	l.validateLinks(c)
	l.validateSignin(c)
	l.validateFollowUps(&c.FollowUps)
	if c.OpenAI.BaseURL != "" {
		l.checkURL("openai.base_url", c.OpenAI.BaseURL)
	}
	if c.OpenAI.Timeout <= 0 {
		l.fail("openai.timeout", "must be positive")
	}

	l.validateCheckins(&c.Checkins)
	l.validateGroups(c.Groups)
	l.validateRoles(c.Roles)
	l.checkRefs("permissions.roles", c.Permissions.Roles, refAny, "")
	l.checkRefs("permissions.resolve", c.Permissions.Resolve, refAny, "")
	l.checkRefs("permissions.severity", c.Permissions.Severity, refAny, "")
	l.checkRefs("permissions.impact_start", c.Permissions.ImpactStart, refAny, "")
	l.checkRefs("permissions.lead", c.Permissions.Lead, refAny, "")
	l.checkRefs("permissions.rename", c.Permissions.Rename, refAny, "")

	for _, name := range sortedKeys(c.Integrations) {
		if in := c.Integrations[name]; !in.invalid && strings.TrimSpace(in.Type) == "" {
			l.fail("integrations."+name+".type", "required: every integration needs a type")
		}
	}
	l.validateActions(c.Actions)
	l.validateAlerts(&c.Alerts)
	l.validatePaging(&c.Paging)
	if slices.Contains(c.Checkins.Escalation, EscalatePage) && c.Paging.EscalateTo == "" {
		l.fail("checkins.escalation", "the page step needs paging.escalate_to: the paging target it pages")
	}
	l.validateProbes(c.Probes)
	l.validateChanges(c)
}

func (l *loader) checkURL(key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.fail(key, "want an absolute http:// or https:// URL")
	}
}

func (l *loader) checkDatabaseURL(raw string) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			l.fail("database_url", "not a valid postgres:// URL")
		}
	case strings.HasPrefix(raw, "sqlite:"):
		if strings.TrimSpace(strings.TrimPrefix(raw, "sqlite:")) == "" {
			l.fail("database_url", "sqlite: needs a path, for example sqlite:/var/lib/tourniquet.db")
		}
	default:
		l.fail("database_url", "want postgres://…, postgresql://… or sqlite:PATH")
	}
}

func (l *loader) validateSlack(s *Slack) {
	l.checkURL("slack.api_url", s.APIURL)
	l.checkRefs("slack.responders", s.Responders, refUser|refGroup, PlatformSlack)
	if s.AppToken.IsSet() && !s.BotToken.IsSet() {
		l.fail("slack.app_token", "app_token needs bot_token too")
	}
	if s.BotToken.IsSet() && !s.AppToken.IsSet() && !s.SigningSecret.IsSet() {
		l.fail("slack.signing_secret", "required for HTTP mode: bot_token is set without app_token, so set signing_secret (or app_token for Socket Mode)")
	}
	if s.BotToken.IsSet() && !strings.HasPrefix(s.BotToken.Reveal(), "xoxb-") {
		l.warn("slack.bot_token", "does not look like a bot token (xoxb-…)")
	}
	if s.AppToken.IsSet() && !strings.HasPrefix(s.AppToken.Reveal(), "xapp-") {
		l.warn("slack.app_token", "does not look like an app-level token (xapp-…)")
	}
	if strings.TrimSpace(s.TimelineEmoji) == "" || strings.ContainsAny(s.TimelineEmoji, " :") {
		l.fail("slack.timeline_emoji", "want an emoji name without colons, for example pushpin")
	}
}

func (l *loader) validateDiscord(d *Discord) {
	l.checkURL("discord.api_url", d.APIURL)
	l.checkRefs("discord.responders", d.Responders, refUser|refGroup, PlatformDiscord)
	switch d.ChannelMode {
	case ChannelModeChannel:
	case ChannelModeThread:
		if d.Enabled() && d.ThreadParentChannel == "" && d.AnnounceChannel == "" {
			l.fail("discord.thread_parent_channel", "required when channel_mode is thread (or set announce_channel)")
		}
	default:
		l.fail("discord.channel_mode", fmt.Sprintf("unknown mode %q (want channel or thread)", d.ChannelMode))
	}
	if d.PublicKey != "" {
		if b, err := hex.DecodeString(d.PublicKey); err != nil || len(b) != 32 {
			l.fail("discord.public_key", "want the application's public key: 64 hexadecimal characters")
		}
	}
}

func (l *loader) validateCheckins(c *Checkins) {
	l.checkSchedule("checkins.cadence.sev1", c.Cadence.Sev1, true)
	l.checkSchedule("checkins.cadence.sev2", c.Cadence.Sev2, true)
	l.checkSchedule("checkins.cadence.sev3", c.Cadence.Sev3, true)
	l.checkSchedule("checkins.cadence.sev4", c.Cadence.Sev4, true)
	l.checkSchedule("checkins.diagnosis_cadence", c.DiagnosisCadence, true)
	if err := CheckEscalation(c.Escalation); err != nil {
		l.fail("checkins.escalation", err.Error())
	}
	if c.EscalateAfter < 0 {
		l.fail("checkins.escalate_after", "must be 0 (never) or more")
	}
	l.checkSchedule("checkins.digest.schedule", c.Digest.Schedule, false)
	switch {
	case c.Digest.Schedule != "" && c.Digest.Channel == "":
		l.fail("checkins.digest.channel", "required when digest.schedule is set")
	case c.Digest.Channel != "":
		if _, err := ParseChannel(c.Digest.Channel); err != nil {
			l.fail("checkins.digest.channel", err.Error())
		}
	}
}

func (l *loader) checkSchedule(key, spec string, required bool) {
	if strings.TrimSpace(spec) == "" {
		if required {
			l.fail(key, `required: a cron spec such as "@every 10m" or "*/15 * * * *"`)
		}
		return
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		l.fail(key, fmt.Sprintf("invalid schedule %q: %v", spec, err))
	}
}

func (l *loader) validateGroups(groups map[string][]string) {
	for _, name := range sortedKeys(groups) {
		key := "groups." + name
		if name == "" || strings.ContainsAny(name, " \t:") {
			l.fail(key, fmt.Sprintf("group name %q must be non-empty, without spaces or colons", name))
		}
		l.checkRefs(key, groups[name], refUser, "")
	}
}

type refKinds int

const (
	refUser refKinds = 1 << iota
	refRole
	refGroup
	refAny = refUser | refRole | refGroup
)

// checkRefs checks a list of user references. platform, when set, limits
// users to that platform.
func (l *loader) checkRefs(key string, refs []string, allow refKinds, platform string) {
	for i, ref := range refs {
		k := fmt.Sprintf("%s[%d]", key, i)
		if msg := l.checkRef(ref, allow, platform); msg != "" {
			l.fail(k, msg)
		}
	}
}

func (l *loader) checkRef(ref string, allow refKinds, platform string) string {
	want := refWant(allow, platform, l.cfg.Roles)
	switch {
	case ref == RoleLead || ref == RoleDeclarer:
		if allow&refRole == 0 {
			return fmt.Sprintf("%q: roles are not allowed here (want %s)", ref, want)
		}
		return ""
	case strings.HasPrefix(ref, RolePrefix):
		if allow&refRole == 0 {
			return fmt.Sprintf("%q: roles are not allowed here (want %s)", ref, want)
		}
		if name := strings.TrimPrefix(ref, RolePrefix); !slices.Contains(l.cfg.Roles, name) {
			return fmt.Sprintf("%q: role %q is not defined in roles", ref, name)
		}
		return ""
	case strings.HasPrefix(ref, GroupPrefix):
		if allow&refGroup == 0 {
			return fmt.Sprintf("%q: groups are not allowed here (want %s)", ref, want)
		}
		name := strings.TrimPrefix(ref, GroupPrefix)
		if _, ok := l.cfg.Groups[name]; !ok {
			return fmt.Sprintf("%q: group %q is not defined in groups", ref, name)
		}
		return ""
	}
	a, err := ParseUser(ref)
	if err != nil || allow&refUser == 0 {
		return fmt.Sprintf("%q: want %s", ref, want)
	}
	if platform != "" && a.Platform != platform {
		return fmt.Sprintf("%q: want a %s user (%s:<id>)", ref, platform, platform)
	}
	return ""
}

func refWant(allow refKinds, platform string, roles []string) string {
	var parts []string
	if allow&refUser != 0 {
		if platform != "" {
			parts = append(parts, platform+":<user id>")
		} else {
			parts = append(parts, "slack:<user id>", "discord:<user id>", "console:<user id>")
		}
	}
	if allow&refRole != 0 {
		parts = append(parts, RoleLead, RoleDeclarer)
		if len(roles) > 0 {
			parts = append(parts, RolePrefix+"<name>")
		}
	}
	if allow&refGroup != 0 {
		parts = append(parts, "group:<name>")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func (l *loader) validateActions(actions []Action) {
	ids := map[string]int{}
	for i, a := range actions {
		p := fmt.Sprintf("actions[%d]", i)
		switch msg := actionIDProblem(a.ID); {
		case msg != "":
			l.fail(p+".id", msg)
		default:
			if first, dup := ids[a.ID]; dup {
				l.fail(p+".id", fmt.Sprintf("duplicate action id %q (also actions[%d])", a.ID, first))
			} else {
				ids[a.ID] = i
			}
		}
		switch {
		case a.Kind == "":
			l.fail(p+".kind", "required: one of "+strings.Join(ActionKinds, ", "))
		case !slices.Contains(ActionKinds, a.Kind):
			l.fail(p+".kind", fmt.Sprintf("unknown kind %q (want one of %s)", a.Kind, strings.Join(ActionKinds, ", ")))
		}
		if a.Integration != "" {
			if _, ok := l.cfg.Integrations[a.Integration]; !ok {
				l.fail(p+".integration", fmt.Sprintf("integration %q is not defined in integrations", a.Integration))
			}
		}
		for j, s := range a.Services {
			if strings.TrimSpace(s) == "" {
				l.fail(fmt.Sprintf("%s.services[%d]", p, j), "service names must not be empty")
			}
		}
		l.checkRefs(p+".allowed", a.Allowed, refAny, "")
		if len(a.Allowed) == 0 {
			l.warn(p+".allowed", "nobody may run this action: allowed is empty")
		}
		if a.Timeout < 0 {
			l.fail(p+".timeout", "must not be negative")
		}
	}
	for i, a := range actions {
		if a.Undo == "" {
			continue
		}
		p := fmt.Sprintf("actions[%d].undo", i)
		if _, ok := ids[a.Undo]; !ok {
			l.fail(p, fmt.Sprintf("%q names no action", a.Undo))
		} else if a.Undo == a.ID {
			l.fail(p, "an action cannot undo itself")
		}
	}
}

// minLinkSecret is the shortest link secret accepted: it keys an HMAC.
const minLinkSecret = 12

// validateLinks checks the link secret and warns when the report pages
// can be reached by nobody: no token, no link secret, and a listen address
// others can reach (pages are open only on loopback).
func (l *loader) validateLinks(c *Config) {
	if c.LinkSecret.IsSet() && len(c.LinkSecret.Reveal()) < minLinkSecret {
		l.fail("link_secret", fmt.Sprintf("too short: use at least %d random characters (openssl rand -hex 32)", minLinkSecret))
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil || c.APIToken.IsSet() || c.LinkSecret.IsSet() {
		return
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	l.warn("link_secret", "neither api_token nor link_secret is set and listen is not a loopback address: "+
		"the report pages and the links the bot posts will refuse everyone")
}
