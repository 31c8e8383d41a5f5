package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	tqslack "github.com/tourniquet/tourniquet/bot/slack"
)

// GoApp is the comparison's Bolt app written in Go, with the libraries
// Tourniquet itself uses (net/http, slack-go, Tourniquet's Slack
// transport): it checks the signature, acknowledges, then posts one
// message; declare opens a channel and posts in it; a click is answered on
// its response URL. Nothing is durable and nothing is rendered. It is the
// floor under any Go bot's cost for the same traffic: what receiving,
// acknowledging and posting cost in Go, so that the comparison shows how
// much of Tourniquet's cost is its own work and how much is the exchange.
type GoApp struct {
	// Token, SigningSecret and APIURL are TOURNIQUET_SLACK_BOT_TOKEN,
	// TOURNIQUET_SLACK_SIGNING_SECRET and TOURNIQUET_SLACK_API_URL.
	Token, SigningSecret, APIURL string
	// Log receives failed Web API calls (default: discarded).
	Log *slog.Logger
}

// GoAppFromEnv reads the app's settings the way Tourniquet reads its own.
func GoAppFromEnv(getenv func(string) string) GoApp {
	return GoApp{Token: getenv("TOURNIQUET_SLACK_BOT_TOKEN"), SigningSecret: getenv("TOURNIQUET_SLACK_SIGNING_SECRET"),
		APIURL: getenv("TOURNIQUET_SLACK_API_URL")}
}

// Serve answers on ln until ctx ends.
func (a GoApp) Serve(ctx context.Context, ln net.Listener) error {
	if a.SigningSecret == "" || a.Token == "" {
		return errors.New("go app: the bot token and the signing secret are required")
	}
	log := a.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second,
		Transport: tqslack.BearerTransport(http.DefaultTransport, a.APIURL)})}
	if a.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.APIURL))
	}
	api := slack.New(a.Token, opts...)
	// Like Bolt's listeners, the posts run after the answer and outlive
	// the request; they share the server's lifetime.
	bg := context.WithoutCancel(ctx)
	var declared atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) {
		if !a.verified(w, r) {
			return
		}
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		go func() {
			fields := strings.Fields(cmd.Text)
			if len(fields) > 0 && fields[0] == "declare" {
				name := strings.ToLower(fmt.Sprintf("inc-%d-%s", declared.Add(1), strings.Join(fields[min(2, len(fields)):], "-")))
				ch, err := api.CreateConversationContext(bg, slack.CreateConversationParams{ChannelName: name[:min(80, len(name))]})
				if err != nil {
					log.Error("conversations.create", "err", err)
					return
				}
				cmd.ChannelID, cmd.Text = ch.ID, "card"
			}
			if _, _, err := api.PostMessageContext(bg, cmd.ChannelID, slack.MsgOptionText(cmd.Text, false)); err != nil {
				log.Error("chat.postMessage", "err", err)
			}
		}()
	})
	mux.HandleFunc("POST /slack/interactions", func(w http.ResponseWriter, r *http.Request) {
		if !a.verified(w, r) {
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(r.PostFormValue("payload")), &cb); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		go func() {
			msg := &slack.WebhookMessage{Text: "status", ResponseType: slack.ResponseTypeEphemeral}
			if err := slack.PostWebhookContext(bg, cb.ResponseURL, msg); err != nil {
				log.Error("response URL", "err", err)
			}
		}()
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// verified checks Slack's signature over the body and leaves the body in
// place for the handler; an unsigned or badly signed request gets a bare
// 401.
func (a GoApp) verified(w http.ResponseWriter, r *http.Request) bool {
	v, err := slack.NewSecretsVerifier(r.Header, a.SigningSecret)
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	body, err := io.ReadAll(io.TeeReader(http.MaxBytesReader(w, r.Body, 1<<20), &v))
	if err != nil || v.Ensure() != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}
