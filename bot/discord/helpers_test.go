package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

const (
	botToken = "MTIz.fake-bot-token.sekrit"
	appID    = "1111"
	guildID  = "2222"
	category = "3333"
	announce = "4444"
	lobby    = "5555"
)

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = discordtest.User{ID: "81", Username: "alice", GlobalName: "Alice Adams"}
	bob   = discordtest.User{ID: "82", Username: "bob", Nick: "Bobby"}
)

// env is one replica: an engine and a Discord adapter on a store, a sender
// delivering through the adapter, and the HTTP endpoint; plus the fake
// Discord they talk to.
type env struct {
	t      testing.TB
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	fake   *discordtest.Server
	key    *discordtest.Key
	a      *discord.Adapter
	sender *bot.Sender
	srv    *httptest.Server
	logs   *bottest.Buffer
}

func newEnv(t testing.TB, s storage.Store, mut func(*discord.Options)) *env {
	t.Helper()
	fake := discordtest.New(t, botToken, appID)
	return newReplica(t, s, fake, discordtest.NewKey(), clock.NewFake(t0), mut)
}

// newReplica is another replica on the same store and fake Discord.
func newReplica(t testing.TB, s storage.Store, fake *discordtest.Server, key *discordtest.Key, clk *clock.Fake, mut func(*discord.Options)) *env {
	t.Helper()
	logs := &bottest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(), Store: s, Clock: clk, Logger: log, PublicURL: "https://tq.example.com",
		ActionsFor: func(inc *incident.Incident) []bot.ActionButton {
			return []bot.ActionButton{{ID: "rollback-checkout", Title: "Roll back checkout-api", Danger: true, Confirm: "Roll back checkout-api to the previous release?"}}
		}})
	return startEnv(t, s, fake, key, clk, engine, logs, log, mut)
}

// startEnv is the env of engine: the guild's announcements channel, lobby
// and incident category at the fake, the adapter pointed at it, a sender
// delivering through it, and its HTTP endpoint; they stop when the test
// ends.
func startEnv(t testing.TB, s storage.Store, fake *discordtest.Server, key *discordtest.Key, clk *clock.Fake, engine *bot.Engine,
	logs *bottest.Buffer, log *slog.Logger, mut func(*discord.Options)) *env {
	t.Helper()
	for _, id := range []string{announce, lobby} {
		fake.AddChannel(discordtest.Channel{ID: id, Type: 0, GuildID: guildID, Name: "ch-" + id})
	}
	fake.AddChannel(discordtest.Channel{ID: category, Type: 4, GuildID: guildID, Name: "incidents"})
	o := discord.Options{
		Engine: engine, Token: config.NewSecret(botToken), AppID: appID, PublicKey: key.PublicHex,
		APIURL: fake.APIURL(), GuildID: guildID, IncidentCategory: category, AnnounceChannel: announce,
		Clock: clk, Logger: log,
	}
	if mut != nil {
		mut(&o)
	}
	a, err := discord.New(o)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, clock: clk, engine: engine, fake: fake, key: key, a: a, logs: logs}
	e.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Logger: log, Deliverers: []bot.Deliverer{a}, MaxAttempts: 3})
	e.srv = httptest.NewServer(a)
	t.Cleanup(e.srv.Close)
	t.Cleanup(a.Wait)
	return e
}

// post sends a signed interaction to the HTTP endpoint.
func (e *env) post(body []byte, header http.Header) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// answer is an interaction response as Discord reads it.
type answer struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data *answerData                       `json:"data"`
}

type answerData struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.ActionsRow            `json:"components"`
	Flags           discordgo.MessageFlags            `json:"flags"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// signed sends body signed now and decodes the interaction response.
func (e *env) signed(body []byte) answer {
	e.t.Helper()
	status, b := e.post(body, e.key.Sign(body, e.clock.Now()))
	if status != http.StatusOK {
		e.t.Fatalf("status %d: %s", status, b)
	}
	var r answer
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("answer %s: %v", b, err)
	}
	return r
}

// ids makes interaction IDs unique across every env of the test binary.
var ids atomic.Int64

func (e *env) nextID() string { return fmt.Sprintf("70%07d", ids.Add(1)) }

func (e *env) command(channel string, by discordtest.User, sub string, opts ...discordtest.Option) []byte {
	return discordtest.Command(e.nextID(), appID, guildID, channel, by, sub, opts)
}

func (e *env) drain() {
	e.t.Helper()
	if err := e.sender.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) incidentCount() int {
	e.t.Helper()
	n, err := e.store.CountIncidents(context.Background(), storage.IncidentFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) kinds(key string) []string {
	e.t.Helper()
	inc, err := e.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	evs, err := e.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Kind))
	}
	return out
}

func (e *env) events(key string) []incident.Event {
	e.t.Helper()
	inc, err := e.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	evs, err := e.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// text is everything a response shows, for assertions.
func text(d *answerData) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(d.Content)
	for _, em := range d.Embeds {
		b.WriteString("\n" + em.Title + "\n" + em.Description)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sqlite is a fresh SQLite store.
func sqlite(t *testing.T) storage.Store { return storagetest.NewSQLite(t) }

// eventually polls cond until it holds or a few seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interaction decodes an interaction payload as the gateway would deliver it.
func interaction(t *testing.T, body []byte) *discordgo.Interaction {
	t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		t.Fatal(err)
	}
	return &i
}

// body decodes a fake request's JSON body.
func body(t *testing.T, r discordtest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := r.JSON(&m); err != nil {
		t.Fatalf("%s %s: %v (%s)", r.Method, r.Path, err, r.Body)
	}
	return m
}
