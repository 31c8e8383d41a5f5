package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// HTTP mode routes (DESIGN §4).
const (
	RouteCommands     = "/slack/commands"
	RouteInteractions = "/slack/interactions"
	RouteEvents       = "/slack/events"
)

// Routes registers the HTTP mode endpoints on mux: POST /slack/commands,
// /slack/interactions and /slack/events. Every request is verified (the
// v0 signature over the raw body, a 5-minute timestamp window, a body
// cap) before anything else; a failure is a bare 401 and nothing happens.
// A request that cannot be recorded (the store is down) gets a 503 with
// an empty body so that Slack retries it; a verified but malformed one a
// 400.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.Handle("POST "+RouteCommands, a.handler(RouteCommands, a.httpCommand))
	mux.Handle("POST "+RouteInteractions, a.handler(RouteInteractions, a.httpInteraction))
	mux.Handle("POST "+RouteEvents, a.handler(RouteEvents, a.httpEvent))
}

type inboundFunc func(ctx context.Context, body []byte) (response, error)

func (a *Adapter) handler(route string, fn inboundFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, route, fn) })
}

func (a *Adapter) serve(w http.ResponseWriter, r *http.Request, route string, fn inboundFunc) {
	body, ok := a.verify.read(w, r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	resp, err := fn(r.Context(), body)
	switch {
	case errors.Is(err, errBadRequest):
		w.WriteHeader(http.StatusBadRequest)
		return
	case err != nil:
		a.log.ErrorContext(r.Context(), "could not record a Slack request; answering 503 so that Slack retries", "route", route, "err", sanitize(err))
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if resp.after != nil {
		a.spawn(r.Context(), resp.after)
	}
	if resp.body == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	buf, err := json.Marshal(resp.body)
	if err != nil {
		a.log.ErrorContext(r.Context(), "could not encode the answer", "route", route, "err", err)
		w.WriteHeader(http.StatusOK) // recorded: acknowledge anyway
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

func (a *Adapter) httpCommand(ctx context.Context, body []byte) (response, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return response{}, errBadRequest
	}
	if form.Get("ssl_check") == "1" {
		return response{}, nil
	}
	sc := slack.SlashCommand{
		TeamID:      form.Get("team_id"),
		ChannelID:   form.Get("channel_id"),
		ChannelName: form.Get("channel_name"),
		UserID:      form.Get("user_id"),
		UserName:    form.Get("user_name"),
		Command:     form.Get("command"),
		Text:        form.Get("text"),
		ResponseURL: form.Get("response_url"),
		TriggerID:   form.Get("trigger_id"),
		APIAppID:    form.Get("api_app_id"),
	}
	if sc.UserID == "" || sc.ChannelID == "" {
		return response{}, errBadRequest
	}
	return a.onSlashCommand(ctx, sc)
}

func (a *Adapter) httpInteraction(ctx context.Context, body []byte) (response, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		return response{}, errBadRequest
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return response{}, errBadRequest
	}
	return a.onInteraction(ctx, cb)
}

func (a *Adapter) httpEvent(ctx context.Context, body []byte) (response, error) {
	return a.onEvent(ctx, body)
}
