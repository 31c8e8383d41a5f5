package discord

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
)

type nopEngine struct{}

func (nopEngine) Commands() []bot.CommandSpec { return bot.Commands() }

func (nopEngine) Handle(ctx context.Context, inv bot.Invocation) (bot.Reply, error) {
	return bot.Reply{}, nil
}

func TestRewriteToAnyBase(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"5","channel_id":"42"}`))
	}))
	defer srv.Close()
	before := discordgo.EndpointAPI
	// Two adapters at two bases in one process, concurrently: nothing global.
	var wg sync.WaitGroup
	for _, base := range []string{srv.URL + "/proxy/discord/api/v10", srv.URL + "/other/"} {
		a, err := New(Options{Engine: nopEngine{}, Token: config.NewSecret("t"), APIURL: base})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Post(t.Context(), "42", textMessage("hi"), bot.PostOptions{}); err != nil {
				t.Error(err)
			}
			if _, err := a.hookSession().FollowupMessageCreate(&discordgo.Interaction{AppID: "1", Token: "tok"}, true, &discordgo.WebhookParams{Content: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if discordgo.EndpointAPI != before {
		t.Fatal("discordgo's endpoints were changed")
	}
	want := map[string]bool{
		"/proxy/discord/api/v10/channels/42/messages": true, "/proxy/discord/api/v10/webhooks/1/tok?wait=true": true,
		"/other/channels/42/messages": true, "/other/webhooks/1/tok?wait=true": true,
	}
	if len(paths) != len(want) {
		t.Fatalf("paths %v", paths)
	}
	for _, p := range paths {
		if !want[p] {
			t.Errorf("unexpected request %s (all: %v)", p, paths)
		}
	}
}

func TestRequestsOutsideTheAPIAreRefused(t *testing.T) {
	rt, err := newRewriteTransport("http://127.0.0.1:1/api/v10/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, discordgo.EndpointCDN+"avatars/1/2.png", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, errOutsideAPI) {
		t.Fatalf("CDN request: %v", err)
	}
	if _, err := newRewriteTransport("discord.com/api", nil); err == nil {
		t.Fatal("a relative base was accepted")
	}
}

func TestErrorsNameNoURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"oops","code":0}`))
	}))
	defer srv.Close()
	a, err := New(Options{Engine: nopEngine{}, Token: config.NewSecret("t"), APIURL: srv.URL + "/api/v10/"})
	if err != nil {
		t.Fatal(err)
	}
	i := &discordgo.Interaction{ID: "9", AppID: "1", Token: "SECRET-INTERACTION-TOKEN"}
	err = a.followUp(t.Context(), i, Render(textMessage("x")))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 500 || bot.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("error names the URL: %v", err)
	}
	srv.Close()
	err = a.followUp(t.Context(), i, Render(textMessage("x")))
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("network error: %v", err)
	}
}
