package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/postmortem/openai"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// linkSigner signs report links with a key derived from link_secret, or
// from api_token when there is no link secret; nil when neither is set.
// Both are configuration, so every replica signs and verifies alike.
func linkSigner(cfg *config.Config) *web.Signer {
	if cfg.LinkSecret.IsSet() {
		return web.NewSigner(cfg.LinkSecret)
	}
	return web.NewSigner(cfg.APIToken)
}

// reportLinks makes the report links the bot posts: signed, or plain when
// there is no key (then only open local mode lets them in).
func reportLinks(cfg *config.Config) web.Links {
	return web.Links{Base: cfg.PublicURL, Signer: linkSigner(cfg)}
}

// Reports serves the report pages and the JSON API and writes the
// postmortem drafts.
type Reports struct {
	site *web.Site
	stop func()
}

// StartReports builds the report pages and runs the postmortem draft
// worker through engine until ctx is done or Stop is called; Mount the
// pages. (The hook and the /incident timeline command that ask for drafts
// are the postmortem's, among the engine's features.)
func StartReports(ctx context.Context, cfg *config.Config, engine *bot.Engine, store storage.Store, clk clock.Clock, log *slog.Logger) (*Reports, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "reports")
	access := web.Access{Token: cfg.APIToken, Signer: linkSigner(cfg),
		Open: openLocalMode(cfg), Users: proxyUsers(cfg)}
	signin := signinOptions(cfg, store)
	switch {
	case signin != nil:
		log.Info("report pages: sign-in with OpenID Connect", "issuer", cfg.OIDC.Issuer, "redirect_uri", cfg.PublicURL+"/auth/callback")
	case len(access.Users) > 0:
		log.Info("report pages: sign-in by the identity headers of the trusted proxies", "header", cfg.ProxyAuth.EmailHeader)
	case access.Open:
		log.Info("report pages are open without sign-in: no API token is configured and the listen address is loopback; "+
			"only requests to localhost, 127.0.0.1, [::1] or the public URL's host are answered", "listen", cfg.Listen)
	case access.Signer == nil:
		log.Warn("report pages refuse everyone: set TOURNIQUET_API_TOKEN or TOURNIQUET_LINK_SECRET")
	}
	cache := web.NewEventCache(50000, web.DefaultCacheMinEvents)
	site, err := web.New(web.Options{Store: store, Clock: clk, Access: access,
		Logger: log, Listen: cfg.Listen, Cache: cache, SignIn: signin, Readiness: readinessPage(cfg, store),
		FollowUps: store, ChangeWindow: cfg.Changes.Window})
	if err != nil {
		return nil, fmt.Errorf("report pages: %w", err)
	}

	var sum postmortem.Summarizer
	model := ""
	if cfg.OpenAI.Enabled() {
		s, err := openai.New(openai.Options{APIKey: cfg.OpenAI.APIKey, BaseURL: cfg.OpenAI.BaseURL,
			Model: cfg.OpenAI.Model, Timeout: cfg.OpenAI.Timeout})
		if err != nil {
			return nil, err
		}
		sum, model = s, s.Model()
		log.Info("postmortem summaries by a language model", "model", model)
	}
	worker := postmortem.NewWorker(postmortem.Options{Store: store, Engine: engine, Summarizer: sum,
		Model: model, Timeout: cfg.OpenAI.Timeout, Redact: postmortem.NewRedactor(cfg.SecretValues()),
		Clock: clk, Logger: log, Events: cache.Lister(store)})

	stopWorker := runInBackground(ctx, worker.Run)
	stop := stopWorker
	if signin != nil {
		stopSweeper := startSigninSweeper(ctx, store, clk, log)
		stop = func() { stopSweeper(); stopWorker() }
	}
	return &Reports{site: site, stop: stop}, nil
}

// Mount adds GET /incidents, /incidents/{key}, /incidents/{key}/report.md,
// /reports, /api/v1/incidents and /api/v1/incidents/{key}/timeline.
func (r *Reports) Mount(mux *http.ServeMux) { r.site.Register(mux) }

// Stop stops the draft worker and waits for it.
func (r *Reports) Stop() { r.stop() }
