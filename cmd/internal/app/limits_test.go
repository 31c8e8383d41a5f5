package app

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	slackbot "github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
)

// chatBot is a bot serving Slack's HTTP mode and Discord's HTTP
// interactions, against fakes of both.
type chatBot struct {
	addr       string
	signing    string
	discordKey *discordtest.Key
	appID      string
}

const (
	limitsSlackToken   = "xoxb-limits-test-token"
	limitsSigning      = "limits-test-signing-secret"
	limitsDiscordToken = "discord-limits-test-token"
)

func startChatBot(t *testing.T, limits ServerLimits) chatBot {
	t.Helper()
	slackAPI, _ := fakeSlackAPI(t, limitsSlackToken)
	const appID, guild = "1111", "2222"
	discord := discordtest.New(t, limitsDiscordToken, appID)
	discord.AddChannel(discordtest.Channel{ID: "5555", GuildID: guild, Name: "lobby"})
	key := discordtest.NewKey()
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.Slack.BotToken = config.NewSecret(limitsSlackToken)
	cfg.Slack.SigningSecret = config.NewSecret(limitsSigning)
	cfg.Slack.APIURL = slackAPI.URL + "/api/"
	cfg.Discord.BotToken = config.NewSecret(limitsDiscordToken)
	cfg.Discord.AppID, cfg.Discord.PublicKey, cfg.Discord.APIURL, cfg.Discord.GuildID = appID, key.PublicHex, discord.APIURL(), guild
	addr := serveWith(t, ServeOptions{Config: cfg, Limits: limits})
	return chatBot{addr: addr, signing: limitsSigning, discordKey: key, appID: appID}
}

// trickle opens a connection that sends the headers of a POST to route
// announcing a 1000-byte body, then one byte of it every gap, until the
// server closes the connection or stop is closed. It returns the
// connection; the caller reads it to see what the server does.
func trickle(t *testing.T, addr, route string, header http.Header, gap time.Duration, stop <-chan struct{}) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n", route, addr)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n{")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatalf("write headers: %v", err)
	}
	go func() {
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	return conn
}

// closedWithin reads conn until the server closes it and reports whether
// that happened within d (a response before the close is fine).
func closedWithin(conn net.Conn, d time.Duration) (bool, error) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, nil
	}
	return true, err
}

// slackHeaders look like Slack's (a fresh timestamp, a signature of the
// right shape) so that the request gets as far as reading its body.
func slackHeaders() http.Header {
	return http.Header{
		"Content-Type":              {"application/x-www-form-urlencoded"},
		"X-Slack-Request-Timestamp": {fmt.Sprint(time.Now().Unix())},
		"X-Slack-Signature":         {"v0=" + strings.Repeat("0", 64)},
	}
}

// A body trickled a byte at a time is cut off once the read timeout is
// over, on both chat endpoints (neither needs credentials to start
// sending a body).
func TestSlowBodyIsCutOff(t *testing.T) {
	const readTimeout = time.Second
	bot := startChatBot(t, ServerLimits{ReadTimeout: readTimeout})
	stop := make(chan struct{})
	defer close(stop)
	for route, h := range map[string]http.Header{
		"/discord/interactions": {"Content-Type": {"application/json"}},
		"/slack/commands":       slackHeaders(),
	} {
		t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
			start := time.Now()
			conn := trickle(t, bot.addr, route, h, 200*time.Millisecond, stop)
			closed, err := closedWithin(conn, 2*readTimeout)
			if !closed {
				t.Fatalf("a body trickled to %s still holds its connection after %s (read timeout %s)",
					route, time.Since(start).Round(time.Millisecond), readTimeout)
			}
			t.Logf("%s: connection closed after %s (%v)", route, time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// A keep-alive connection that sends nothing after its request is closed
// once the idle timeout is over.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	const idle = time.Second
	bot := startChatBot(t, ServerLimits{IdleTimeout: idle, ReadTimeout: 30 * time.Second})
	conn, err := net.DialTimeout("tcp", bot.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", bot.addr)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("/healthz: %d, close %v; want 200 on a kept-alive connection", res.StatusCode, res.Close)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(2 * idle))
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("an idle keep-alive connection is still open after %s (idle timeout %s)", time.Since(start).Round(time.Millisecond), idle)
	}
	if !errors.Is(err, io.EOF) {
		t.Logf("closed with %v", err)
	}
}

// Headers over the cap are refused with 431 before any handler runs.
func TestOversizedHeadersAreRefused(t *testing.T) {
	bot := startChatBot(t, ServerLimits{})
	req, _ := http.NewRequest(http.MethodGet, "http://"+bot.addr+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 200<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("200 KiB of headers: %d, want 431", res.StatusCode)
	}
}

// Connections past the cap wait to be accepted: while two slow clients
// hold both slots a third request is not answered, and it is once the
// read timeout has cut them off.
func TestConnectionCap(t *testing.T) {
	const readTimeout = time.Second
	bot := startChatBot(t, ServerLimits{MaxConns: 2, ReadTimeout: readTimeout})
	stop := make(chan struct{})
	defer close(stop)
	for range 2 {
		trickle(t, bot.addr, "/discord/interactions", http.Header{"Content-Type": {"application/json"}}, 200*time.Millisecond, stop)
	}
	time.Sleep(100 * time.Millisecond) // both are accepted
	answered := make(chan int, 1)
	go func() {
		res, err := http.Get("http://" + bot.addr + "/healthz")
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	select {
	case code := <-answered:
		t.Fatalf("a third connection was served (%d) while two slow clients held the cap of 2", code)
	case <-time.After(300 * time.Millisecond):
	}
	select {
	case code := <-answered:
		if code != http.StatusOK {
			t.Fatalf("/healthz after the slow clients were cut off: %d", code)
		}
	case <-time.After(3 * readTimeout):
		t.Fatal("the third connection was never served")
	}
}

// Signed chat requests are acknowledged within Slack's and Discord's 3
// seconds while 500 slow clients trickle bodies to the same endpoints,
// with the default limits.
func TestSignedRequestsAckedUnderSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 500 connections")
	}
	bot := startChatBot(t, ServerLimits{})
	stop := make(chan struct{})
	defer close(stop)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	for i := range 500 {
		wg.Go(func() {
			route, h := "/discord/interactions", http.Header{"Content-Type": {"application/json"}}
			if i%2 == 0 {
				route, h = "/slack/commands", slackHeaders()
			}
			c := trickle(t, bot.addr, route, h, 500*time.Millisecond, stop)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		})
	}
	wg.Wait()
	time.Sleep(200 * time.Millisecond)

	ack := func(what string, req *http.Request, want string) {
		t.Helper()
		start := time.Now()
		client := &http.Client{Timeout: 10 * time.Second}
		res, err := client.Do(req)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s under 500 slow clients: %v after %s", what, err, took.Round(time.Millisecond))
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d %s", what, res.StatusCode, b)
		}
		if took >= 3*time.Second {
			t.Fatalf("%s acknowledged after %s under 500 slow clients, past the 3s budget", what, took.Round(time.Millisecond))
		}
		t.Logf("%s acknowledged in %s under 500 slow clients", what, took.Round(time.Millisecond))
	}

	form := url.Values{"team_id": {"T1"}, "channel_id": {"CLOBBY"}, "user_id": {"U1"}, "user_name": {"alice"},
		"command": {"/incident"}, "text": {"declare sev2 Checkout slow"}, "trigger_id": {"trig.1"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, "http://"+bot.addr+"/slack/commands", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := slackbot.Sign(bot.signing, time.Now(), []byte(form))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	ack("a signed Slack /incident declare", req, "INC-1")

	ping := discordtest.Ping("1", bot.appID)
	req, _ = http.NewRequest(http.MethodPost, "http://"+bot.addr+"/discord/interactions", bytes.NewReader(ping))
	req.Header = bot.discordKey.Sign(ping, time.Now())
	ack("a signed Discord ping", req, `"type":1`)

	// The slow clients were still connected throughout.
	mu.Lock()
	defer mu.Unlock()
	open := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open++
			}
		}
	}
	if open < 450 {
		t.Fatalf("only %d of the 500 slow clients were still connected; the test did not load the server", open)
	}
}
