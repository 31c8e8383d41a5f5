package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/config"
)

func TestServeWithDiscord(t *testing.T) {
	const token, appID, guild, lobby = "discord-bot-token", "1111", "2222", "5555"
	fake := discordtest.New(t, token, appID)
	fake.AddChannel(discordtest.Channel{ID: lobby, GuildID: guild, Name: "lobby"})
	key := discordtest.NewKey()

	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.Discord.BotToken = config.NewSecret(token)
	cfg.Discord.AppID, cfg.Discord.PublicKey, cfg.Discord.APIURL, cfg.Discord.GuildID = appID, key.PublicHex, fake.APIURL(), guild
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startServe(ctx, t, ServeOptions{Config: cfg, Stdin: strings.NewReader(""), Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	base := "http://" + addr

	// Ready once /incident is registered and the gateway is up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %q", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(fake.Find("PUT", "applications/"+appID+"/guilds/"+guild+"/commands")) != 1 || len(fake.Identified()) != 1 {
		t.Fatal("commands not registered or gateway not identified")
	}

	// The HTTP endpoint verifies, then answers; the outbox delivers.
	post := func(body []byte, h http.Header) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", bytes.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ping := discordtest.Ping("1", appID)
	if code, _ := post(ping, http.Header{}); code != http.StatusUnauthorized {
		t.Fatalf("unsigned ping: %d", code)
	}
	if code, body := post(ping, key.Sign(ping, time.Now())); code != 200 || !strings.Contains(body, `"type":1`) {
		t.Fatalf("ping: %d %s", code, body)
	}
	declare := discordtest.Command("9000001", appID, guild, lobby, discordtest.User{ID: "81", Username: "alice"}, "declare",
		[]discordtest.Option{discordtest.Str("title", "Checkout errors"), discordtest.Str("severity", "sev1")})
	if code, body := post(declare, key.Sign(declare, time.Now())); code != 200 || !strings.Contains(body, "Declared INC-1") {
		t.Fatalf("declare: %d %s", code, body)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(fake.ChannelsNamed("inc-1-checkout-errors")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the incident channel was never created")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := awaitStop(t, done, "serve did not shut down"); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
