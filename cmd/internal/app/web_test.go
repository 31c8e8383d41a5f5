package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getWith(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The served bot posts signed report links and a postmortem draft, and the
// pages and the API answer as configured.
func TestServeReports(t *testing.T) {
	const token = "api-token-for-the-serve-test"
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.APIToken = config.NewSecret(token)
	cfg.PublicURL = "https://tourniquet.example.com"
	in, inW := io.Pipe()
	out := &bottest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startServe(ctx, t, ServeOptions{Config: cfg, Console: true, Stdin: in, Stdout: out, Logger: slog.New(slog.DiscardHandler)})
	base := "http://" + addr
	fmt.Fprintln(inW, "/incident declare sev1 Checkout errors")
	waitFor(t, "the incident card", func() bool { return strings.Contains(out.String(), "INC-1") })
	fmt.Fprintln(inW, "/incident resolve --ongoing fixed")
	waitFor(t, "the postmortem draft", func() bool { return strings.Contains(out.String(), "Postmortem draft") })

	// The links name the public URL; the path is served here.
	link := regexp.MustCompile(`https://tourniquet\.example\.com(/incidents/INC-1\?exp=\d+&sig=[A-Za-z0-9_-]+)`).FindStringSubmatch(out.String())
	if link == nil {
		t.Fatalf("no signed link in the output:\n%s", out.String())
	}
	path := link[1]
	if code, body := get(t, base+path); code != 200 || !strings.Contains(body, "Checkout errors") {
		t.Errorf("signed link: %d", code)
	}
	if code, _ := get(t, base+strings.Replace(path, "sig=", "sig=x", 1)); code != 403 {
		t.Errorf("tampered link: %d, want 403", code)
	}
	if code, body := get(t, base+"/incidents"); code != 401 || body != "" {
		t.Errorf("list without the token: %d %q, want a bare 401", code, body)
	}
	if code, body := getWith(t, base+"/api/v1/incidents/INC-1/timeline", token); code != 200 || !strings.Contains(body, `"time_to_resolve"`) {
		t.Errorf("API with the token: %d", code)
	}
	if code, body := getWith(t, base+"/api/v1/incidents", "wrong"); code != 401 || body != "" {
		t.Errorf("API with a wrong token: %d %q", code, body)
	}
	inW.Close()
	_ = awaitStop(t, done, "serve did not stop")
}
