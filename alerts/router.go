package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Decisions: what became of a group (storage.AlertGroup.Decision).
const (
	DecisionProposed = "proposed"
	DecisionDeclared = "declared"
	DecisionAttached = "attached"
	DecisionIgnored  = "ignored"
)

// Engine is what the router needs of the chat engine (bot.Engine): units
// of work on someone's behalf in a channel, and of the bot itself on an
// incident.
type Engine interface {
	RunInvocation(ctx context.Context, q storage.Querier, inv bot.Invocation, fn func(ctx context.Context, tx *bot.Tx) error) error
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
}

// Options configure a Router. Zero values take the defaults.
type Options struct {
	Config config.Alerts
	// Triage is where proposals go, and where an incident a route declares
	// is declared from (its platform opens the incident's channel).
	Triage incident.ChannelRef
	// Groups resolve group:<name> in Config.Allowed.
	Groups incident.Groups
	Store  storage.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is the longest the router sleeps between passes (default 1s);
	// Wake makes it look at once.
	Poll time.Duration
}

// Router routes stored alert groups, on any number of replicas: each
// group is claimed in a transaction (FOR UPDATE SKIP LOCKED), routed
// through the engine in that transaction, and marked routed at the
// version it saw, so each delivery is handled once.
type Router struct {
	o      Options
	routes []*route
	wake   chan struct{}
}

// New compiles the routes of o.Config.
func New(o Options) (*Router, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	routes, err := compileRoutes(o.Config.Routes)
	if err != nil {
		return nil, err
	}
	return &Router{o: o, routes: routes, wake: make(chan struct{}, 1)}, nil
}

// Wake makes a running router look for groups at once.
func (r *Router) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run routes groups through engine until ctx is done.
func (r *Router) Run(ctx context.Context, engine Engine) error {
	t := time.NewTicker(r.o.Poll)
	defer t.Stop()
	for {
		if _, err := r.RouteAll(ctx, engine); err != nil && ctx.Err() == nil {
			r.o.Logger.WarnContext(ctx, "routing alerts failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.wake:
		}
	}
}

// RouteAll routes every group waiting, one transaction each, and says
// how many it routed.
func (r *Router) RouteAll(ctx context.Context, engine Engine) (int, error) {
	n := 0
	for {
		did, err := r.RouteOne(ctx, engine)
		if err != nil || !did {
			return n, err
		}
		n++
	}
}

// RouteOne claims one waiting group and routes it; false when none waits.
func (r *Router) RouteOne(ctx context.Context, engine Engine) (bool, error) {
	did := false
	err := r.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		gs, err := q.ClaimAlertGroups(ctx, 1)
		if err != nil || len(gs) == 0 {
			return err
		}
		did = true
		return r.routeGroup(ctx, q, engine, gs[0])
	})
	return did, err
}

// routeGroup handles one new delivery of a group, in q.
func (r *Router) routeGroup(ctx context.Context, q storage.Querier, engine Engine, row storage.AlertGroup) error {
	g, err := decodeGroup(row.Payload)
	if err != nil {
		// Never routable: skip it rather than retry it ahead of every other group.
		r.o.Logger.ErrorContext(ctx, "alert group has an unreadable payload; skipped", "group", row.ID, "err", err)
		row.RoutedVersion, row.UpdatedAt = row.Version, r.o.Clock.Now()
		return q.RouteAlertGroup(ctx, row)
	}
	rt := pick(r.routes, g)
	row.RoutedVersion, row.UpdatedAt = row.Version, r.o.Clock.Now()
	save := func() error { return q.RouteAlertGroup(ctx, row) }

	if row.IncidentID != 0 {
		inc, err := q.GetIncident(ctx, row.IncidentID)
		if err != nil {
			return err
		}
		if inc.Open() {
			err := engine.RunAsSystem(ctx, q, inc.ID, incident.SourceAlert, func(ctx context.Context, tx *bot.Tx) error {
				return r.sync(ctx, tx, row, g, rt)
			})
			if err != nil {
				return err
			}
			return save()
		}
		// Its incident is resolved: the group starts over.
		row.IncidentID, row.Decision = 0, ""
	}
	if g.Status == StatusResolved || row.Decision == DecisionIgnored {
		if row.Decision == DecisionProposed || row.Decision == DecisionIgnored {
			err := engine.RunInvocation(ctx, q, r.senderInvocation(g), func(ctx context.Context, tx *bot.Tx) error {
				tx.UpdateInChannel(r.o.Triage, proposalKey(row.ID), r.closedProposal(row, g, row.Decision, "", incident.Actor{}))
				return nil
			})
			if err != nil {
				return err
			}
		}
		if g.Status == StatusResolved {
			row.Decision = "" // the next firing is proposed (or routed) again
		}
		return save()
	}

	action := rt.action()
	var target *incident.Incident
	if action == config.AlertAttach {
		if target, err = r.openIncidentFor(ctx, q, rt.services(g)); err != nil {
			return err
		}
		if target == nil {
			action = config.AlertPropose // nothing to attach to: a person decides
		}
	}
	switch action {
	case config.AlertDeclare:
		err = engine.RunInvocation(ctx, q, r.senderInvocation(g), func(ctx context.Context, tx *bot.Tx) error {
			return r.declare(ctx, tx, &row, g, rt)
		})
		if errors.Is(err, errDeclareRefused) {
			// The engine refused what the alert said: a person decides
			// instead, and the group never blocks the others.
			r.o.Logger.WarnContext(ctx, "declaring from an alert was refused; proposing it", "group", row.ID, "err", err)
			err = r.propose(ctx, q, engine, &row, g, rt)
		}
	case config.AlertAttach:
		err = engine.RunAsSystem(ctx, q, target.ID, incident.SourceAlert, func(ctx context.Context, tx *bot.Tx) error {
			return r.attach(ctx, tx, &row, g, rt)
		})
	default:
		err = r.propose(ctx, q, engine, &row, g, rt)
	}
	if err != nil {
		return err
	}
	return save()
}

// propose posts (or updates) the group's proposal in the triage channel.
func (r *Router) propose(ctx context.Context, q storage.Querier, engine Engine, row *storage.AlertGroup, g *Group, rt *route) error {
	return engine.RunInvocation(ctx, q, r.senderInvocation(g), func(ctx context.Context, tx *bot.Tx) error {
		m, err := r.proposal(ctx, tx.Q, *row, g, rt)
		if err != nil {
			return err
		}
		tx.UpdateInChannel(r.o.Triage, proposalKey(row.ID), m)
		row.Decision = DecisionProposed
		return nil
	})
}

// senderInvocation is a unit of work of the alert's sender in the triage
// channel.
func (r *Router) senderInvocation(g *Group) bot.Invocation {
	return bot.Invocation{Channel: r.o.Triage, Actor: incident.AlertSender(r.o.Triage.Platform, senderName(g.Source)),
		Source: incident.SourceAlert}
}

func senderName(source string) string {
	switch source {
	case SourceAlertmanager:
		return "Alertmanager"
	case SourceGrafana:
		return "Grafana"
	case SourcePagerDuty:
		return "PagerDuty"
	}
	return "an alert"
}

// errDeclareRefused rolls back a declaration the engine refused.
var errDeclareRefused = errors.New("declare refused")

// declare opens an incident for the group through the declare command, in
// tx (whose invoker is the sender or whoever clicked Declare), and
// attaches the group's alerts to it.
func (r *Router) declare(ctx context.Context, tx *bot.Tx, row *storage.AlertGroup, g *Group, rt *route) error {
	args := map[string]string{bot.FieldTitle: rt.titleOf(g), bot.FieldSeverity: string(rt.severity(g))}
	if svcs := rt.services(g); len(svcs) > 0 {
		args[bot.FieldServices] = joinComma(svcs)
	}
	if d := g.CommonAnnotations["description"]; d != "" {
		args[bot.FieldDescription] = cut(incident.CleanText(d, incident.MultiLine), 2000)
	}
	reply, err := tx.Dispatch(ctx, bot.CmdDeclare, args)
	if err != nil {
		return err
	}
	if reply.Error || tx.Incident == nil {
		return fmt.Errorf("%w: %s", errDeclareRefused, reply.Message.PlainText())
	}
	proposed := row.Decision == DecisionProposed
	row.IncidentID, row.Decision = tx.Incident.ID, DecisionDeclared
	if proposed {
		tx.UpdateInChannel(r.o.Triage, proposalKey(row.ID), r.closedProposal(*row, g, DecisionDeclared, tx.Incident.Key, tx.Actor()))
	}
	return r.sync(ctx, tx, *row, g, rt)
}

// attach attaches the group's alerts to tx.Incident.
func (r *Router) attach(ctx context.Context, tx *bot.Tx, row *storage.AlertGroup, g *Group, rt *route) error {
	proposed := row.Decision == DecisionProposed
	row.IncidentID, row.Decision = tx.Incident.ID, DecisionAttached
	if proposed {
		tx.UpdateInChannel(r.o.Triage, proposalKey(row.ID), r.closedProposal(*row, g, DecisionAttached, tx.Incident.Key, tx.Actor()))
	}
	tx.Announce(bot.Textf("📎 %s: %s attached to %s (%s).", senderName(g.Source), g.Name(), tx.Incident.Key, alertCount(g)))
	return r.sync(ctx, tx, *row, g, rt)
}

// openIncidentFor is the newest open incident that names one of
// services; nil when there is none (or no services).
func (r *Router) openIncidentFor(ctx context.Context, q storage.Querier, services []string) (*incident.Incident, error) {
	var best *incident.Incident
	for _, s := range services {
		incs, err := q.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen, Service: s, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("open incidents of %s: %w", s, err)
		}
		if len(incs) > 0 && (best == nil || incs[0].ID > best.ID) {
			best = incs[0]
		}
	}
	return best, nil
}

// candidates are open incidents that name one of services, newest first,
// at most three: the proposal's Attach buttons.
func (r *Router) candidates(ctx context.Context, q storage.Querier, services []string) ([]*incident.Incident, error) {
	var out []*incident.Incident
	seen := map[int64]bool{}
	for _, s := range services {
		incs, err := q.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen, Service: s, Limit: 3})
		if err != nil {
			return nil, fmt.Errorf("open incidents of %s: %w", s, err)
		}
		for _, inc := range incs {
			if !seen[inc.ID] {
				seen[inc.ID] = true
				out = append(out, inc)
			}
		}
	}
	sortNewest(out)
	if len(out) > 3 {
		out = out[:3]
	}
	return out, nil
}
