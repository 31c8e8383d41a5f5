package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

type handler struct {
	fn            HandlerFunc
	needsIncident bool
	// onResolved lets the command run on a resolved incident.
	onResolved bool
}

// Engine applies commands to incidents. It is safe for concurrent use; all
// coordination between replicas goes through the store.
type Engine struct {
	opts     Options
	store    storage.Store
	clock    clock.Clock
	log      *slog.Logger
	handlers map[string]handler
	hooks    []Hook
}

// NewEngine returns an engine with the built-in commands registered.
func NewEngine(opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DedupeTTL == 0 {
		opts.DedupeTTL = 24 * time.Hour
	}
	e := &Engine{opts: opts, store: opts.Store, clock: opts.Clock, log: opts.Logger, handlers: map[string]handler{}}
	e.registerBuiltins()
	return e
}

// Register adds or replaces the handler of a command. When needsIncident
// is set the handler gets tx.Incident loaded and locked, and is refused on
// a resolved incident unless onResolved is set.
func (e *Engine) Register(name string, needsIncident, onResolved bool, fn HandlerFunc) {
	e.handlers[name] = handler{fn: fn, needsIncident: needsIncident, onResolved: onResolved}
}

// AddHook adds a hook that sees every appended batch of events.
func (e *Engine) AddHook(h Hook) { e.hooks = append(e.hooks, h) }

// Clock is the engine's clock.
func (e *Engine) Clock() clock.Clock { return e.clock }

// Store is the engine's store.
func (e *Engine) Store() storage.Store { return e.store }

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

// Handle runs one invocation: parse, check, apply, record — the state
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
	cmd, err := Parse(inv.Text)
	if strings.TrimSpace(inv.Fields[FieldTitle]) != "" {
		// A form (Slack modal, Discord options) gave the title and flags
		// as fields: its text holds no title, so a title like "Here be
		// dragons" or "sev2 backlog" is never read as flags.
		cmd, err = parseFormDeclare(inv.Text)
	}
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return ErrorReply("%s", ue.Rich()), nil
		}
		return ErrorReply("%s", err.Error()), nil
	}
	if cmd.Name == CmdHelp {
		return helpReply(cmd), nil
	}
	h, ok := e.handlers[cmd.Name]
	if !ok {
		return ErrorReply("`%s` is not available: the feature behind it is not configured.", cmd.Name), nil
	}
	var reply Reply
	err = e.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		now := e.clock.Now()
		if inv.ID != "" {
			if err := q.ClaimDedupe(ctx, inv.ID, now, now.Add(e.opts.DedupeTTL)); err != nil {
				if errors.Is(err, storage.ErrConflict) {
					return errDuplicate
				}
				return fmt.Errorf("claim %s: %w", inv.ID, err)
			}
		}
		tx := &Tx{Q: q, Now: now, Inv: inv, engine: e, out: outbox{now: now}, command: cmd.Name}
		if h.needsIncident {
			inc, r, err := e.loadIncident(ctx, q, inv, cmd)
			if err != nil || inc == nil {
				reply = r
				return err
			}
			if !inc.Open() && !h.onResolved {
				reply = resolvedReply(inc)
				reply.IncidentKey = inc.Key
				return nil
			}
			tx.Incident = inc
			ctx = logctx.With(ctx, "incident", inc.Key)
		}
		r, err := h.fn(ctx, tx, cmd)
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
		inc, err = q.GetIncidentByChannel(ctx, inv.Channel)
		if errors.Is(err, storage.ErrNotFound) {
			r, err := noIncidentHere(ctx, q, inv.Channel, cmd)
			return nil, r, err
		}
		if err == nil {
			inc, err = q.GetIncidentForUpdate(ctx, inc.ID)
		}
	}
	if err != nil {
		return nil, Reply{}, fmt.Errorf("load incident: %w", err)
	}
	return inc, Reply{}, nil
}

func helpReply(cmd Command) Reply {
	if cmd.Text != "" {
		name := cmd.Text
		if a, ok := aliases[name]; ok {
			name = a
		}
		if u := Usage(name); u != "" {
			return TextReply("Usage: `%s`", u)
		}
	}
	return TextReply("%s", HelpText())
}

// Tx is the unit of work of one command: what it reads and writes commits
// together. Handlers and hooks record events and queue messages through it.
type Tx struct {
	// Q is the transaction; use it, never the Store, inside a handler.
	Q storage.Querier
	// Now is the command's time, fixed for the whole unit of work.
	Now time.Time
	// Inv is the invocation being handled.
	Inv Invocation
	// Incident is the incident the command applies to (loaded and locked),
	// or nil for commands that need none.
	Incident *incident.Incident

	engine *Engine
	// command is the name of the command being handled, for the audit.
	command  string
	out      outbox
	pending  []incident.Event
	dirty    bool
	created  bool
	cardSent bool
}

// Engine is the engine running the unit of work.
func (tx *Tx) Engine() *Engine { return tx.engine }

// Actor is who invoked the command.
func (tx *Tx) Actor() incident.Actor { return tx.Inv.Actor }

// Record queues an event on tx.Incident's timeline, from the invoker unless
// the event names another actor, tagged with the invocation's source
// unless it has one, and marks the incident changed.
func (tx *Tx) Record(ev incident.Event) {
	if ev.Actor.IsZero() {
		ev.Actor = tx.Inv.Actor
	}
	if ev.Source == "" {
		ev.Source = tx.Inv.Source
	}
	if ev.At.IsZero() {
		ev.At = tx.Now
	}
	tx.pending = append(tx.pending, ev)
	tx.dirty = true
}

// Announce posts a line to the incident's channel(s).
func (tx *Tx) Announce(text Rich) {
	m := Message{Fallback: text.String()}
	m.Text(text)
	tx.out.post(incidentTarget(tx.Incident), "", m, false)
}

// PostToIncident posts m to the incident's channel(s); with a key it can be
// updated later with UpdateInIncident.
func (tx *Tx) PostToIncident(key string, m Message) {
	tx.out.post(incidentTarget(tx.Incident), key, m, false)
}

// UpdateInIncident replaces the incident message posted under key.
func (tx *Tx) UpdateInIncident(key string, m Message) {
	tx.out.update(incidentTarget(tx.Incident), key, m)
}

// PostTo posts m to one channel.
func (tx *Tx) PostTo(ch incident.ChannelRef, m Message) {
	tx.out.post(channelTarget(ch), "", m, false)
}

// Ephemeral shows m, later, to the invoker only, in the invocation's channel.
func (tx *Tx) Ephemeral(m Message) {
	tx.out.ephemeral(tx.Inv.Channel, tx.Inv.Actor, scopeButtons(m, keyOf(tx.Incident)))
}

// Deny refuses the command: the refusal is recorded on the timeline and in
// the audit log, and the returned reply explains it to the invoker.
func (tx *Tx) Deny(ctx context.Context, what string, rules []string) (Reply, error) {
	who := DescribeRules(rules)
	tx.Record(incident.NewEvent(tx.Now, incident.KindPermissionDenied, tx.Inv.Actor,
		fmt.Sprintf("%s may not %s", tx.Inv.Actor.Display(), what), map[string]any{"command": what}))
	var incID int64
	if tx.Incident != nil {
		incID = tx.Incident.ID
	}
	command := tx.command
	if command == "" { // a unit of work the system started
		command = strings.Fields(what)[0]
	}
	if _, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: incID, Actor: tx.Inv.Actor,
		Action: "command." + command, Subject: keyOf(tx.Incident), Step: "denied", Outcome: "denied",
		Detail: map[string]any{"rules": rules, "source": string(tx.Inv.Source)}}); err != nil {
		return Reply{}, fmt.Errorf("audit denial: %w", err)
	}
	return ErrorReply("Only %s may %s. This refusal is recorded on the timeline.", who, what), nil
}

func keyOf(inc *incident.Incident) string {
	if inc == nil {
		return ""
	}
	return inc.Key
}

// DescribeRules says who a permission rule list allows, in words: "the
// lead, whoever declared it or group:sre"; an empty list is nobody.
func DescribeRules(rules []string) string {
	if len(rules) == 0 {
		return "nobody (no one is allowed in the configuration)"
	}
	var parts []string
	for _, r := range rules {
		switch {
		case r == incident.RoleLead:
			parts = append(parts, "the lead")
		case r == incident.RoleDeclarer:
			parts = append(parts, "whoever declared it")
		case strings.HasPrefix(r, incident.RolePrefix):
			parts = append(parts, "whoever holds "+strings.TrimPrefix(r, incident.RolePrefix))
		default:
			parts = append(parts, r)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// Card is the incident's card as of the unit of work.
func (tx *Tx) Card() Message {
	return IncidentCard(tx.Incident, tx.Now, tx.engine.Actions(tx.Incident))
}

// commit writes the incident, its events (running hooks on each batch),
// the card update and the outbox.
func (tx *Tx) commit(ctx context.Context) error {
	inc := tx.Incident
	if inc != nil && tx.dirty && !tx.created {
		if err := tx.Q.UpdateIncident(ctx, inc); err != nil {
			return fmt.Errorf("save %s: %w", inc.Key, err)
		}
	}
	for guard := 0; inc != nil && len(tx.pending) > 0; guard++ {
		if guard > 10 {
			return errors.New("hooks keep recording events")
		}
		batch := tx.pending
		tx.pending = nil
		tx.engine.redactEvents(batch)
		saved, err := tx.Q.AppendEvents(ctx, inc.ID, batch...)
		if err != nil {
			return fmt.Errorf("append events to %s: %w", inc.Key, err)
		}
		for _, h := range tx.engine.hooks {
			if err := h.OnEvents(ctx, tx, saved); err != nil {
				return fmt.Errorf("hook: %w", err)
			}
		}
		if tx.dirty && !tx.created && len(tx.pending) > 0 {
			if err := tx.Q.UpdateIncident(ctx, inc); err != nil {
				return fmt.Errorf("save %s: %w", inc.Key, err)
			}
		}
	}
	if inc != nil && tx.dirty && !tx.cardSent {
		tx.out.update(incidentTarget(inc), CardKey(inc), tx.Card())
		tx.out.topic(inc, Topic(inc))
	}
	if len(tx.out.msgs) == 0 {
		return nil
	}
	tx.engine.redactOutbox(tx.out.msgs)
	if err := tx.Q.EnqueueOutbox(ctx, tx.out.msgs...); err != nil {
		return fmt.Errorf("enqueue messages: %w", err)
	}
	return nil
}
