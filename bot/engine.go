package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/logctx"
	"github.com/tourniquet/tourniquet/storage"
)

// Permissions say who may do the guarded commands, as rules for
// incident.Allowed ("lead", "declarer", "group:sre", "slack:U1"). A nil list
// means the default: the lead and whoever declared.
type Permissions struct {
	Resolve     []string
	Severity    []string
	ImpactStart []string
	// Lead guards naming the lead, the role the other rules and the
	// actions' allow-lists lean on most (see Engine.lead for the claim of
	// an incident nobody leads).
	Lead []string
	// Rename guards giving the incident a new title.
	Rename []string
	// Roles guards giving and taking the configured incident roles (see
	// Engine.role): a role grants what role:<name> rules grant.
	Roles []string
}

var defaultRules = []string{incident.RoleLead, incident.RoleDeclarer}

func rulesOrDefault(r []string) []string {
	if r == nil {
		return defaultRules
	}
	return r
}

// HandlerFunc handles one command inside its unit of work.
type HandlerFunc func(ctx context.Context, tx *Tx, cmd Command) (Reply, error)

// Hook sees every batch of events a command appended, inside the same
// transaction, and may record more (the check-in scheduler reschedules on
// "mitigated", "regressed", "severity_changed", "resolved").
type Hook interface {
	OnEvents(ctx context.Context, tx *Tx, evs []incident.Event) error
}

// Links makes the report links the bot posts.
type Links interface {
	// IncidentURL is a link to the incident's report page.
	IncidentURL(key string, now time.Time) string
}

// Options configure an Engine.
type Options struct {
	Store  storage.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Commands are every command the engine runs: bot.Commands() and the
	// features' (actions, check-ins, postmortem), in the order help lists
	// them within a section. A name or alias given twice is an error.
	Commands []CommandSpec
	// Hooks see every batch of events a unit of work appends, in order.
	Hooks []Hook
	// Panels add what features know about an incident (probes, changes)
	// to its card and check-ins, in order.
	Panels []Panel
	// Permissions guard resolve, severity and impact-start.
	Permissions Permissions
	Groups      incident.Groups
	// Responders are invited to every incident channel of their platform.
	Responders []incident.Actor
	// Links makes report links; nil links to PublicURL/incidents/KEY.
	Links     Links
	PublicURL string
	// ActionsFor lists the mitigation actions offered for an incident; nil
	// offers none.
	ActionsFor func(inc *incident.Incident) []ActionButton
	// Roles are the configured incident roles besides lead and declarer
	// (comms, scribe), in the order /incident role lists them.
	Roles []string
	// ListFilter, when set, says whether viewer may see inc in
	// /incident list (see Engine.visibleInList); nil lists every open
	// incident.
	ListFilter func(inc *incident.Incident, viewer incident.Actor) bool
	// DedupeTTL is how long an inbound ID is remembered (default 24h).
	DedupeTTL time.Duration
	// Redact, if set, removes configured secrets from every event (text
	// and data) and outbox message the engine stores, and from what
	// handlers pass through Tx.Redact: an integration or a chat platform
	// may quote the token it was sent in an error.
	Redact func(string) string
}

// Engine applies commands to incidents. Its commands and hooks are fixed
// when it is built; it is safe for concurrent use, and all coordination
// between replicas goes through the store.
type Engine struct {
	opts  Options
	store storage.Store
	clock clock.Clock
	log   *slog.Logger
	// specs are the commands in help's order (listed ones by section,
	// then the ones only buttons send); byWord finds one by name or alias.
	specs  []CommandSpec
	byWord map[string]int
	hooks  []Hook
}

// NewEngine returns an engine running opts.Commands. It refuses a command
// that is malformed (no handler, a bad name) and a name or alias that two
// commands claim: which of them would run must never depend on order.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DedupeTTL == 0 {
		opts.DedupeTTL = 24 * time.Hour
	}
	specs, byWord, err := commandTable(opts.Commands)
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, store: opts.Store, clock: opts.Clock, log: opts.Logger,
		specs: specs, byWord: byWord, hooks: slices.Clone(opts.Hooks)}
	return e, nil
}

// commandTable orders specs as help lists them (Listed ones by Section,
// stably, then the rest) and indexes them by name and alias.
func commandTable(in []CommandSpec) ([]CommandSpec, map[string]int, error) {
	specs := slices.Clone(in)
	slices.SortStableFunc(specs, func(a, b CommandSpec) int {
		if a.Shown != b.Shown {
			return cmp.Compare(a.Shown, b.Shown)
		}
		if a.Shown != Listed {
			return 0
		}
		return cmp.Compare(a.Section, b.Section)
	})
	byWord := map[string]int{}
	var errs []error
	for i, s := range specs {
		if err := s.check(); err != nil {
			errs = append(errs, err)
		}
		for _, w := range append([]string{s.Name}, s.Aliases...) {
			if j, taken := byWord[w]; taken {
				errs = append(errs, fmt.Errorf("command %q: %q is already the name or an alias of %q", s.Name, w, specs[j].Name))
				continue
			}
			byWord[w] = i
		}
	}
	return specs, byWord, errors.Join(errs...)
}

// Commands are the engine's commands, in the order help lists them (the
// listed ones first, by section), then those only buttons send: what a
// platform's command menu is built from.
func (e *Engine) Commands() []CommandSpec { return slices.Clone(e.specs) }

// lookup is the command named or aliased word.
func (e *Engine) lookup(word string) (CommandSpec, bool) {
	i, ok := e.byWord[word]
	if !ok {
		return CommandSpec{}, false
	}
	return e.specs[i], true
}

// Actions lists the mitigation actions offered for inc.
func (e *Engine) Actions(inc *incident.Incident) []ActionButton {
	if e.opts.ActionsFor == nil || inc == nil {
		return nil
	}
	return e.opts.ActionsFor(inc)
}

// IncidentURL is the report link of an incident.
func (e *Engine) IncidentURL(key string, now time.Time) string {
	if e.opts.Links != nil {
		return e.opts.Links.IncidentURL(key, now)
	}
	if e.opts.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(e.opts.PublicURL, "/") + "/incidents/" + key
}

// errDuplicate rolls back a transaction whose invocation was seen before.
var errDuplicate = errors.New("duplicate invocation")

// Handle runs one invocation: read, check, apply, record — the state
// change, its events and its outgoing messages in one transaction — and
// returns what the invoker sees at once. Malformed and refused commands
// come back as a Reply with Error set; the error result is only for
// infrastructure failures (the store is down), where nothing was recorded
// and the platform should be told to retry.
func (e *Engine) Handle(ctx context.Context, inv Invocation) (Reply, error) {
	inv = inv.clean()
	if inv.Source == "" {
		inv.Source = incident.SourceTyped
	}
	ctx = logctx.With(ctx, "platform", inv.Channel.Platform)
	spec, cmd, err := e.read(inv)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return ErrorReply("%s", ue.Rich()), nil
		}
		return ErrorReply("%s", err.Error()), nil
	}
	reply, err := e.run(ctx, inv, spec, cmd)
	if err != nil {
		return Reply{}, err
	}
	reply.Command = cmd
	return reply, nil
}

// run runs the command read from inv in its unit of work.
func (e *Engine) run(ctx context.Context, inv Invocation, spec CommandSpec, cmd Command) (Reply, error) {
	if spec.Needs == Nothing {
		now := e.clock.Now()
		return spec.Handle(ctx, &Tx{Now: now, Inv: inv, engine: e, out: outbox{now: now}, command: cmd.Name}, cmd)
	}
	var reply Reply
	err := e.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		now := e.clock.Now()
		// The claim may travel with the incident's load (one round trip
		// on Postgres); its outcome is checked before anything loaded is.
		claimed := func() error { return nil }
		if inv.ID != "" {
			claimed = q.ClaimDedupeLater(ctx, inv.ID, now, now.Add(e.opts.DedupeTTL))
		}
		checkClaim := func() error {
			if err := claimed(); err != nil {
				if errors.Is(err, storage.ErrConflict) {
					return errDuplicate
				}
				return fmt.Errorf("claim %s: %w", inv.ID, err)
			}
			return nil
		}
		tx := &Tx{Q: inUnit(q), Now: now, Inv: inv, engine: e, out: outbox{now: now}, command: cmd.Name}
		if !spec.Needs.needsIncident() {
			if err := checkClaim(); err != nil {
				return err
			}
		} else {
			inc, r, err := e.loadIncident(ctx, q, inv, cmd)
			if cerr := checkClaim(); cerr != nil {
				return cerr
			}
			if err != nil || inc == nil {
				reply = r
				return err
			}
			if !inc.Open() && spec.Needs != AnyIncident {
				reply = resolvedReply(inc)
				reply.IncidentKey = inc.Key
				return nil
			}
			if err := tx.loaded(ctx, inc, true); err != nil {
				return err
			}
			ctx = logctx.With(ctx, "incident", inc.Key)
		}
		r, err := spec.Handle(ctx, tx, cmd)
		if err != nil {
			return err
		}
		if err := tx.commit(ctx); err != nil {
			return err
		}
		reply = r
		if reply.IncidentKey == "" && tx.Incident != nil {
			reply.IncidentKey = tx.Incident.Key
		}
		reply.Message = scopeButtons(reply.Message, reply.IncidentKey)
		return nil
	})
	if errors.Is(err, errDuplicate) {
		return Reply{Duplicate: true}, nil
	}
	if err != nil {
		e.log.ErrorContext(ctx, "command failed", "command", cmd.Name, "err", err)
		return Reply{}, fmt.Errorf("handle %s: %w", cmd.Name, err)
	}
	return reply, nil
}

// loadIncident finds the command's incident: the key it names, or the
// channel it was typed in. A nil incident with a nil error means the reply
// explains why there is none.
func (e *Engine) loadIncident(ctx context.Context, q storage.Querier, inv Invocation, cmd Command) (*incident.Incident, Reply, error) {
	var (
		inc *incident.Incident
		err error
	)
	if cmd.Incident != "" {
		id, perr := incident.ParseKey(cmd.Incident)
		if perr != nil {
			return nil, ErrorReply("%s", perr.Error()), nil
		}
		inc, err = q.GetIncidentForUpdate(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, ErrorReply("There is no incident %s.", cmd.Incident), nil
		}
	} else {
		// One read finds and locks it (not a lookup, then a locked load).
		inc, err = q.GetIncidentByChannelForUpdate(ctx, inv.Channel)
		if errors.Is(err, storage.ErrNotFound) {
			r, err := noIncidentHere(ctx, q, inv.Channel, cmd)
			return nil, r, err
		}
	}
	if err != nil {
		return nil, Reply{}, fmt.Errorf("load incident: %w", err)
	}
	return inc, Reply{}, nil
}
