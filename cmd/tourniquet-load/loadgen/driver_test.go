package loadgen

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/cmd/internal/app"
)

// serve runs Tourniquet in process on SQLite, in Slack HTTP mode, pointed
// at fake, and returns its base URL.
func serve(t *testing.T, f *slacktest.Server, secret string) string {
	t.Helper()
	env := map[string]string{
		"TOURNIQUET_DATABASE_URL":         "sqlite:" + filepath.Join(t.TempDir(), "t.db"),
		"TOURNIQUET_LISTEN":               "127.0.0.1:0",
		"TOURNIQUET_SLACK_BOT_TOKEN":      "xoxb-test",
		"TOURNIQUET_SLACK_SIGNING_SECRET": secret,
		"TOURNIQUET_SLACK_API_URL":        f.APIURL(),
	}
	cfg, err := app.LoadConfig("", func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(ctx, app.ServeOptions{Config: cfg, NoConsoleInput: true, Stdout: io.Discard,
			Logger: slog.New(slog.DiscardHandler), Ready: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// The driver declares incidents, sends commands and clicks at a rate, and
// matches each to the message it caused at the fake.
func TestDriverMatchesRequestsToDeliveries(t *testing.T) {
	f := newTestFake(t)
	const secret = "load-test-signing-secret"
	base := serve(t, f, secret)
	d, err := New(Options{Targets: []string{base}, SigningSecret: secret, Fake: f, Rate: 40, Duration: time.Second,
		Concurrency: 8, Incidents: 4, ClickEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Incidents()); n != 4 {
		t.Fatalf("%d incident channels", n)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if missing := d.Wait(ctx, 30*time.Second); missing != 0 {
		t.Fatalf("%d requests without their message", missing)
	}
	rep := d.Summarize()
	if rep.Sent != 40 || rep.OK != 40 || len(rep.Errors) != 0 || rep.Duplicates != 0 || rep.Delivery.N != 40 {
		t.Fatalf("report: %+v", rep)
	}
	clicks := 0
	for _, o := range d.Outcomes() {
		if o.Kind == "click" {
			clicks++
		}
		if len(o.Deliveries) != 1 || o.Deliveries[0].Before(o.Due) {
			t.Fatalf("%s: deliveries %v (due %s)", o.Token, o.Deliveries, o.Due)
		}
	}
	if clicks != 10 {
		t.Fatalf("%d clicks; want every 4th of 40", clicks)
	}

	// A request signed with another secret is refused.
	bad := Signer{Secret: "not-it"}
	if status, _, err := bad.Command(ctx, base, SlashCommand{Channel: "C1", User: "U1", Text: "help", TriggerID: "x"}); err != nil || status != 401 {
		t.Fatalf("wrongly signed: %d %v", status, err)
	}
}

// A request that failed on one target is retried on the next one, and each
// request starts on the target after the previous request's first: a dead
// replica costs a request one retry, not every request behind it.
func TestSendRetriesOnTheNextTarget(t *testing.T) {
	d, err := New(Options{Targets: []string{"a", "b", "c"}, SigningSecret: "s", Fake: newTestFake(t)})
	if err != nil {
		t.Fatal(err)
	}
	var tried []string
	try := func(target string) (int, []byte, error) {
		tried = append(tried, target)
		if target == "a" {
			return 0, nil, errors.New("connection refused")
		}
		return http.StatusOK, nil, nil
	}
	for range 2 {
		if status, _, err := d.send(context.Background(), try, 3); err != nil || status != http.StatusOK {
			t.Fatalf("send: %d %v", status, err)
		}
	}
	if got := strings.Join(tried, " "); got != "a b b" {
		t.Fatalf("targets tried: %s; want a b b (the retry on b, the next request starting on b)", got)
	}
}
