package app

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the dump of the store's file

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	slackbot "github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/logctx"
)

// dumpedRow is one row of a table, every value as text.
type dumpedRow struct {
	table string
	cols  map[string]string
}

// dumpSQLite returns every row of every table of the SQLite file at path,
// with JSON's \u003c and \u003e unescaped so that "<secret>" reads alike
// in a text column and in a JSON one.
func dumpSQLite(t *testing.T, path string) []dumpedRow {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	unescape := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">")
	var out []dumpedRow
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := dumpedRow{table: table, cols: map[string]string{}}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				row.cols[cols[i]] = unescape.Replace(fmt.Sprint(v))
			}
			out = append(out, row)
		}
		rows.Close()
	}
	return out
}

// column returns the values of one column of one table in rows.
func column(rows []dumpedRow, table, col string) []string {
	var out []string
	for _, r := range rows {
		if r.table == table {
			out = append(out, r.cols[col])
		}
	}
	return out
}

// metric returns the value of one Prometheus sample line of /metrics
// ("" when absent).
func metric(t *testing.T, base, token, sample string) string {
	t.Helper()
	_, body := getWith(t, base+"/metrics", token)
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), sample+" "); ok {
			return v
		}
	}
	return ""
}

// Slack, Discord and an integration answer errors that quote the token
// they were sent. The bot logs those errors, stores them as the outbox's
// last_error, and puts the integration's on the timeline, in the audit log
// and in the message it posts: none of them may hold a configured secret,
// and each says <secret> where the token was.
func TestNoSecretFromUpstreamErrors(t *testing.T) {
	const (
		slackToken   = "xoxb-ECHOED-bot-1111"
		signing      = "signing-ECHOED-2222"
		apiToken     = "api-ECHOED-3333-token"
		metricsToken = "metrics-ECHOED-4444"
		discordToken = "discord-ECHOED-5555"
		hookToken    = "hook-ECHOED-6666-token"
		appID, guild = "1111", "2222"
	)
	secrets := []string{slackToken, signing, apiToken, metricsToken, discordToken, hookToken}

	// Slack refuses every post, quoting the token in its error code.
	slackAPI, slackCalls := fakeSlackAPIWith(t, slackToken, func(method string, w http.ResponseWriter) bool {
		if method != "chat.postMessage" {
			return false
		}
		_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth: token `+slackToken+` is revoked","token":"`+slackToken+`"}`)
		return true
	})
	// Discord fails to create channels with a 500 that quotes the token.
	discord := discordtest.New(t, discordToken, appID)
	discord.AddChannel(discordtest.Channel{ID: "5555", GuildID: guild, Name: "lobby"})
	discord.Fail("POST", "guilds/"+guild+"/channels", 1000, http.StatusInternalServerError, nil,
		`{"message":"internal error checking Bot `+discordToken+`","code":0}`)
	key := discordtest.NewKey()
	// The deploy hook refuses the rollback, quoting the token it got.
	var hookCalls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"token `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+` may not roll back checkout"}`)
	}))
	defer hook.Close()

	dbPath := filepath.Join(t.TempDir(), "t.db")
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + dbPath
	cfg.Listen = "127.0.0.1:0"
	cfg.Log.Level = "debug"
	cfg.APIToken = config.NewSecret(apiToken)
	cfg.MetricsToken = config.NewSecret(metricsToken)
	cfg.Slack.BotToken = config.NewSecret(slackToken)
	cfg.Slack.SigningSecret = config.NewSecret(signing)
	cfg.Slack.APIURL = slackAPI.URL + "/api/"
	cfg.Discord.BotToken = config.NewSecret(discordToken)
	cfg.Discord.AppID, cfg.Discord.PublicKey, cfg.Discord.APIURL, cfg.Discord.GuildID = appID, key.PublicHex, discord.APIURL(), guild
	cfg.Integrations = map[string]config.Integration{"deploy-hook": {Type: "webhook",
		Settings: map[string]any{"url": hook.URL + "/rollback"},
		Secrets:  map[string]config.Secret{"token": config.NewSecret(hookToken)}}}
	no := false
	cfg.Actions = []config.Action{{ID: "rollback-checkout", Title: "Roll back checkout", Kind: "rollback",
		Integration: "deploy-hook", Allowed: []string{"lead"}, Confirm: &no}}

	var logs bottest.Buffer
	log := slog.New(logctx.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	serveCtx := serveWith(t, ServeOptions{Config: cfg, Logger: log})
	base := "http://" + serveCtx
	waitFor(t, "ready", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })

	slackCommand := func(channel, text, trigger string) {
		t.Helper()
		form := url.Values{"team_id": {"T1"}, "channel_id": {channel}, "user_id": {"U1"}, "user_name": {"alice"},
			"command": {"/incident"}, "text": {text}, "trigger_id": {trigger}}.Encode()
		req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ts, sig := slackbot.Sign(signing, time.Now(), []byte(form))
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%q: %d", text, res.StatusCode)
		}
	}
	slackCommand("CLOBBY", "declare sev1 Checkout errors", "trig.1")
	waitFor(t, "the Slack channel", func() bool { return slackCalls("conversations.create") == 1 })
	// The channel is the incident's once the bot has recorded it, after
	// Slack created it: a command typed there before is answered "no
	// incident here". The card's post into it (refused) comes after.
	waitFor(t, "the card's post into the new channel", func() bool { return slackCalls("chat.postMessage") >= 1 })
	slackCommand("CINC1", "run rollback-checkout", "trig.2")
	waitFor(t, "the webhook call", func() bool { return hookCalls.Load() == 1 })

	declare := discordtest.Command("9000001", appID, guild, "5555", discordtest.User{ID: "81", Username: "bob"}, "declare",
		[]discordtest.Option{discordtest.Str("title", "Search down"), discordtest.Str("severity", "sev2")})
	req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", bytes.NewReader(declare))
	req.Header = key.Sign(declare, time.Now())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("discord declare: %d", res.StatusCode)
	}

	waitFor(t, "Slack posts given up on", func() bool {
		return metric(t, base, metricsToken, `tourniquet_deliveries_total{platform="slack",result="dead"}`) != ""
	})
	waitFor(t, "a Discord channel retried", func() bool {
		return metric(t, base, metricsToken, `tourniquet_deliveries_total{platform="discord",result="retry"}`) != ""
	})
	waitFor(t, "the failed run on the timeline", func() bool {
		_, body := getWith(t, base+"/api/v1/incidents/INC-1/timeline", apiToken)
		return strings.Contains(body, `"kind":"action_failed"`)
	})
	time.Sleep(200 * time.Millisecond) // the progress message is enqueued with the event

	rows := dumpSQLite(t, dbPath)
	var dump strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&dump, "%s: %v\n", r.table, r.cols)
	}
	lastErrors := strings.Join(column(rows, "outbox", "last_error"), "\n")
	for _, want := range []string{"invalid_auth: token <secret> is revoked", "internal error checking Bot <secret>"} {
		if !strings.Contains(lastErrors, want) {
			t.Errorf("no outbox last_error says %q; they are:\n%s", want, redactFor(lastErrors, secrets))
		}
	}
	const hookSays = "token <secret> may not roll back checkout"
	for _, where := range []struct{ table, col string }{{"action_runs", "error"}, {"audit_log", "detail"}, {"events", "text"}, {"outbox", "payload"}} {
		if !strings.Contains(strings.Join(column(rows, where.table, where.col), "\n"), hookSays) {
			t.Errorf("no %s.%s holds the hook's error with <secret> for its token", where.table, where.col)
		}
	}

	out := logs.String()
	if !strings.Contains(out, "invalid_auth: token <secret> is revoked") {
		t.Errorf("the Slack error was not logged (with <secret>)")
	}
	for _, s := range secrets {
		for what, text := range map[string]string{"the logs": out, "the database": dump.String()} {
			if i := strings.Index(strings.ToLower(text), strings.ToLower(s)); i >= 0 {
				t.Errorf("%s hold the secret %s…: …%s…", what, s[:6], redactFor(text[max(0, i-120):i], secrets))
			}
		}
	}
}

// redactFor replaces secrets in text so that a failing test does not
// print them.
func redactFor(text string, secrets []string) string {
	for _, s := range secrets {
		text = strings.ReplaceAll(text, s, "<SECRET>")
	}
	return text
}
