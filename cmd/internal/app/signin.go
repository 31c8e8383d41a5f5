package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// signinOptions is the OpenID Connect sign-in of the pages, nil when
// oidc.issuer is not configured.
func signinOptions(cfg *config.Config, states web.SigninStates) *web.OIDCOptions {
	o := cfg.OIDC
	if !o.Enabled() {
		return nil
	}
	return &web.OIDCOptions{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		PublicURL: cfg.PublicURL, GroupsClaim: o.GroupsClaim, SessionKey: o.SessionKey, SessionTTL: o.SessionTTL,
		States: states, Policy: web.Policy{AllowedDomains: o.AllowedDomains, AllowedGroups: o.AllowedGroups,
			PrivateGroups: o.PrivateGroups, PrivateEmails: o.PrivateEmails}}
}

// proxyUsers is the identity headers of a trusted authenticating proxy,
// none when proxy_auth.trusted_proxies is empty.
func proxyUsers(cfg *config.Config) []web.UserSource {
	p := cfg.ProxyAuth
	if !p.Enabled() {
		return nil
	}
	pol := web.Policy{AllowedDomains: p.AllowedDomains, AllowedGroups: p.AllowedGroups,
		PrivateGroups: p.PrivateGroups, PrivateEmails: p.PrivateEmails}
	return []web.UserSource{{Auth: &web.ProxyAuth{EmailHeader: p.EmailHeader, GroupsHeader: p.GroupsHeader,
		Trusted: p.Prefixes(), Policy: pol}, Policy: pol}}
}

// signinSweepEvery is how often used sign-in states past their expiry
// are deleted.
const signinSweepEvery = 30 * time.Minute

// startSigninSweeper deletes expired sign-in states in the background
// until ctx is done or stop is called.
func startSigninSweeper(ctx context.Context, store storage.SigninStore, clk clock.Clock, log *slog.Logger) (stop func()) {
	return runInBackground(ctx, func(ctx context.Context) error {
		tick := time.NewTicker(signinSweepEvery)
		defer tick.Stop()
		for {
			if _, err := store.DeleteExpiredSigninStates(ctx, clk.Now()); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "deleting expired sign-in states failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
	})
}
