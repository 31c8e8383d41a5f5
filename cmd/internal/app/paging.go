package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/opsgenie"
	"github.com/tourniquet/tourniquet/integrations/pagerduty"
	"github.com/tourniquet/tourniquet/integrations/pagewebhook"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/paging"
	"github.com/tourniquet/tourniquet/storage"
)

// newPaging builds paging from paging.targets: one client per target, by
// type.
func newPaging(cfg *config.Config, store storage.Store, clk clock.Clock, m *metrics.Metrics, log *slog.Logger) (*paging.Service, error) {
	var targets []paging.Target
	for name, t := range cfg.Paging.Targets {
		var (
			p   paging.Pager
			err error
		)
		switch t.Type {
		case config.PagerPagerDuty:
			p, err = pagerduty.New(t)
		case config.PagerOpsgenie:
			p, err = opsgenie.New(t)
		case config.PagerWebhook:
			p, err = pagewebhook.New(t)
		default:
			err = fmt.Errorf("unknown type %q", t.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("paging.targets.%s: %w", name, err)
		}
		targets = append(targets, paging.Target{Name: name, Type: t.Type, Pager: p})
	}
	groups := incident.Groups{}
	for name, members := range cfg.Groups {
		groups[name] = members
	}
	return paging.New(paging.Options{Config: cfg.Paging, Targets: targets, Groups: groups, Store: store, Clock: clk,
		Logger: log.With("component", "paging"), OnOutcome: m.Page})
}

// escalationPager is the check-in escalation's last step: paging, when
// paging.escalate_to names a target; nil (no such step) otherwise.
func escalationPager(cfg *config.Config, p *paging.Service) checkin.Pager {
	if cfg.Paging.EscalateTo == "" {
		return nil
	}
	return p
}

// StartPaging runs the paging worker through engine until ctx is done or
// stop is called.
func StartPaging(ctx context.Context, p *paging.Service, engine *bot.Engine) (stop func()) {
	return runInBackground(ctx, func(ctx context.Context) error { return p.Run(ctx, engine) })
}
