package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Delivery results reported to SenderOptions.OnResult.
const (
	ResultDelivered   = "delivered"
	ResultDeferred    = "deferred"
	ResultRateLimited = "rate_limited"
	ResultRetry       = "retry"
	ResultDead        = "dead"
)

// SenderOptions configure a Sender.
type SenderOptions struct {
	Store      storage.Store
	Deliverers []Deliverer
	Clock      clock.Clock
	Logger     *slog.Logger
	// Lease is how long a claimed message is ours before another replica
	// may take it (default 30s).
	Lease time.Duration
	// Batch is how many channels are delivered to at once (default 128).
	Batch int
	// Poll is how often the outbox is checked without a wake-up (default 1s).
	Poll time.Duration
	// Gather is how long after a claim a wake-up waits before claiming
	// again (default 10ms; negative: never waits). Every command's commit
	// wakes the sender; claiming for each would cost a claim query (and a
	// lone mark) per message. Waiting gathers the messages committed
	// meanwhile into one claim, at the cost of at most Gather of delivery
	// delay, far below a channel's pace of one message a second.
	Gather time.Duration
	// MaxAttempts is how many failed tries make a message dead (default 10;
	// rate-limited tries count a third).
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the wait between tries (1s, 2m).
	BaseBackoff, MaxBackoff time.Duration
	// OnResult, if set, is told the result of every try (for metrics).
	OnResult func(msg storage.OutboxMessage, result string, took time.Duration)
	// Redact, if set, removes configured secrets from the error stored as
	// a message's last_error: Slack's and Discord's error answers may
	// quote the token they were sent.
	Redact func(string) string
}

// Sender delivers the outbox: one message of a channel at a time, in order,
// backing off on errors, honouring the platform's retry-after, and giving up
// after a limit with an error log, never silently. Any number of senders on
// any number of replicas may run on one store.
type Sender struct {
	o          SenderOptions
	deliverers map[string]Deliverer
	// due wakes Run when a deferred message becomes due.
	due      chan struct{}
	marks    *markBatcher
	channels channelCache
	// handed are messages the store leased to this sender as it enqueued
	// them (storage.OutboxHandoff), waiting for a slot; handedSig wakes
	// Run for them.
	handedMu  sync.Mutex
	handed    []handedMessage
	handedSig chan struct{}
	// live is Run's pipeline while it takes handed messages: a handed
	// message that finds a free slot and no queue starts at once from
	// take, without waking Run (a thread wake-up per message). Guarded by
	// handedMu.
	live *pipeline
	// turns counts Run's wake-ups (for tests: each is a thread wake-up).
	turns atomic.Int64
	// wakes counts the store's wake-ups Run has received: they mean
	// messages were enqueued unclaimed, perhaps behind a handed one.
	wakes atomic.Int64
}

// handedMessage is a message handed over by the store, with when it was
// (about when its lease began).
type handedMessage struct {
	m  storage.OutboxMessage
	at time.Time
	// wakes is Sender.wakes when it was handed over. Only a message
	// enqueued after it can be queued behind it in its channel (it was
	// its channel's head), and such a message wakes the sender: when
	// none did since, its delivery ending frees nothing to claim.
	wakes int64
}

// NewSender returns a sender with defaults filled in.
func NewSender(o SenderOptions) *Sender {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lease == 0 {
		o.Lease = 30 * time.Second
	}
	if o.Batch == 0 {
		o.Batch = 128
	}
	if o.Poll == 0 {
		o.Poll = time.Second
	}
	if o.Gather == 0 {
		o.Gather = 10 * time.Millisecond
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 10
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = time.Second
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 2 * time.Minute
	}
	if o.Redact == nil {
		o.Redact = func(s string) string { return s }
	}
	s := &Sender{o: o, deliverers: map[string]Deliverer{}, due: make(chan struct{}, 1),
		marks: &markBatcher{store: o.Store, now: o.Clock.Now}, handedSig: make(chan struct{}, 1)}
	for _, d := range o.Deliverers {
		s.deliverers[d.Platform()] = d
	}
	return s
}

// Run delivers until ctx is done, waking on the store's outbox signal and
// polling in between. Up to Batch channels are delivered to at once, and
// slots freed by finished deliveries are refilled without waiting for the
// rest: a slow call (a paced post, a Slack API that takes seconds) holds up
// its own channel, never the others. (To spare the store a claim query per
// message, a freed slot is refilled once a quarter of the slots are free or
// none is in flight, and at the latest at the next poll; and a wake-up or
// a finished delivery soon after a claim waits for the rest of
// SenderOptions.Gather, so that one claim serves the messages committed
// meanwhile instead of one claim each.) The head of a
// channel in flight is leased, so a claim made meanwhile skips that channel
// and its order is kept; a delivery is cut off before its lease runs out
// (see deliverOne). Deliveries in flight when ctx ends are finished before
// Run returns.
//
// On a store that can hand messages over (storage.OutboxHandoff), the
// head of a channel is leased to this sender in the very transaction that
// enqueues it and handed over after its commit: most messages then need
// no claim at all (a write transaction, with its fsync or WAL flush, per
// gathering). The rest (a channel's later messages, deferred ones, other
// replicas') are claimed as before.
func (s *Sender) Run(ctx context.Context) error {
	wake := s.o.Store.OutboxWake()
	tick := time.NewTicker(s.o.Poll)
	defer tick.Stop()
	p := &pipeline{s: s, slots: make(chan struct{}, s.o.Batch), finished: make(chan struct{}, 1),
		idle: make(chan delivery), done: make(chan struct{}), handedCtx: context.WithoutCancel(ctx)}
	defer p.end()
	if h, ok := s.o.Store.(storage.OutboxHandoff); ok {
		s.handedMu.Lock()
		s.live = p
		s.handedMu.Unlock()
		stop := h.HandOffOutbox(s.o.Clock.Now, s.o.Lease, s.take)
		defer func() {
			// From here on take queues: p.end must not race a start.
			s.handedMu.Lock()
			s.live = nil
			s.handedMu.Unlock()
			// Handed messages are leased to us: deliver those still
			// waiting rather than leave them to their lease.
			stop()
			p.startHanded(ctx, waitForSlots)
		}()
	}
	// A finished delivery frees one slot; claiming for every single one
	// would cost a claim query per message under a backlog. After one,
	// the sender claims once a quarter of the slots are free (or none is
	// in flight); a wake-up, a due deferral or a tick claims for any.
	refill := max(1, s.o.Batch/4)
	need := 1
	// A wake-up or a finished delivery within Gather of the last claim
	// claims once Gather is over (gathered fires), for whatever was
	// committed or freed meanwhile; a tick or a due deferral claims now.
	var (
		lastClaim time.Time
		gathered  <-chan time.Time
		gather    = func() bool {
			wait := s.o.Gather - time.Since(lastClaim)
			if wait <= 0 {
				return false
			}
			if gathered == nil {
				gathered = time.After(wait)
			}
			return true
		}
	)
	for {
		p.startHanded(ctx, freeSlotsOnly)
		if need > 0 {
			p.fill(ctx, need)
			lastClaim = time.Now()
		}
		need = 1
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			s.wakes.Add(1)
			if gather() {
				need = 0
			}
		case <-p.finished:
			need = refill
			if !(p.claimAfter.Swap(false) || p.starved.Load()) || gather() {
				need = 0
			}
		case <-gathered:
			gathered = nil
		case <-s.handedSig:
			p.startHanded(ctx, freeSlotsOnly)
			need = 0
		case <-s.due:
		case <-tick.C:
		}
		s.turns.Add(1)
	}
}

// take is the store's handoff. It starts the delivery of each message
// that finds a free slot with none queued before it, and queues the rest
// for Run. It does not block. (Messages handed at the same time head
// different channels, so their starting order does not matter.)
func (s *Sender) take(msgs []storage.OutboxMessage) {
	at, wakes := time.Now(), s.wakes.Load()
	queued := false
	s.handedMu.Lock()
	for _, m := range msgs {
		if p := s.live; p != nil && len(s.handed) == 0 && p.trySlot() {
			p.start(p.handedCtx, m, at, func() bool { return s.wakes.Load() > wakes })
			continue
		}
		s.handed = append(s.handed, handedMessage{m: m, at: at, wakes: wakes})
		queued = true
	}
	s.handedMu.Unlock()
	if !queued {
		return
	}
	select {
	case s.handedSig <- struct{}{}:
	default:
	}
}

// handedWaiting says whether handed messages wait for a slot.
func (s *Sender) handedWaiting() bool {
	s.handedMu.Lock()
	defer s.handedMu.Unlock()
	return len(s.handed) > 0
}

// popHanded takes the oldest handed message off the queue.
func (s *Sender) popHanded() (handedMessage, bool) {
	s.handedMu.Lock()
	defer s.handedMu.Unlock()
	if len(s.handed) == 0 {
		return handedMessage{}, false
	}
	h := s.handed[0]
	s.handed[0] = handedMessage{}
	s.handed = s.handed[1:]
	if len(s.handed) == 0 {
		s.handed = nil
	}
	return h, true
}

// slotWait says whether starting a delivery may wait for a slot.
type slotWait int

const (
	freeSlotsOnly slotWait = iota // stop when no slot is free
	waitForSlots                  // wait for deliveries to end (shutdown)
)

// pipeline is Run's set of delivery slots.
type pipeline struct {
	s        *Sender
	slots    chan struct{} // one token per delivery in flight
	finished chan struct{} // signalled when a delivery ends
	// claimAfter is set by an ended delivery after which a claim may find
	// its channel's next message.
	claimAfter atomic.Bool
	// starved: the last claim filled every free slot, so due messages
	// may be waiting for one. Written by Run's goroutine.
	starved atomic.Bool
	// idle takes a started delivery to a worker waiting for one (work);
	// done, closed when Run ends, ends each worker once its delivery has
	// ended; workers counts them, so waiting for it waits for every
	// delivery started.
	idle    chan delivery
	done    chan struct{}
	workers sync.WaitGroup
	// handedCtx is Run's context without its cancellation, for the
	// deliveries take starts (a started delivery is finished, as in
	// startHanded). The pipeline lives as long as that call of Run.
	handedCtx context.Context
}

// fill claims messages for the free slots and starts their deliveries,
// as long as at least need slots are free (or nothing is in flight) and
// the store has due messages. Deliveries outlive ctx (see Flush).
func (p *pipeline) fill(ctx context.Context, need int) {
	dctx := context.WithoutCancel(ctx)
	for {
		free := cap(p.slots) - len(p.slots)
		if free == 0 || (free < need && len(p.slots) > 0) {
			return
		}
		need = 1
		msgs, err := p.s.o.Store.ClaimOutbox(ctx, p.s.o.Clock.Now(), p.s.o.Lease, free)
		p.starved.Store(err == nil && len(msgs) == free)
		if err != nil {
			if ctx.Err() == nil {
				p.s.o.Logger.WarnContext(ctx, "outbox pass failed", "err", fmt.Errorf("claim outbox: %w", err))
			}
			return
		}
		leased := time.Now()
		for _, m := range msgs {
			p.slots <- struct{}{}
			p.start(dctx, m, leased, claimAfterAny)
		}
		if len(msgs) < free {
			return
		}
	}
}

// startHanded starts the deliveries of handed messages, in the order they
// were handed, while slots are free (or, with waitForSlots, all of them,
// waiting for slots). A channel has at most one message in flight: the
// store hands over only a channel's head.
func (p *pipeline) startHanded(ctx context.Context, wait slotWait) {
	dctx := context.WithoutCancel(ctx)
	for {
		if wait == freeSlotsOnly && len(p.slots) == cap(p.slots) {
			return
		}
		h, ok := p.s.popHanded()
		if !ok {
			return
		}
		p.slots <- struct{}{}
		p.start(dctx, h.m, h.at, func() bool { return p.s.wakes.Load() > h.wakes })
	}
}

// claimAfterAny: after a claimed message, its channel may hold more.
func claimAfterAny() bool { return true }

// start delivers m, leased at leased, in a slot the caller has taken;
// when it ends, wantClaim says whether a claim may find something new.
// A worker waiting for work takes it; when none waits, a new one starts.
func (p *pipeline) start(ctx context.Context, m storage.OutboxMessage, leased time.Time, wantClaim func() bool) {
	d := delivery{ctx: ctx, m: m, leased: leased, wantClaim: wantClaim}
	select {
	case p.idle <- d:
	default:
		p.workers.Add(1)
		go p.work(d)
	}
}

// delivery is a started delivery, as a worker runs it.
type delivery struct {
	ctx       context.Context
	m         storage.OutboxMessage
	leased    time.Time
	wantClaim func() bool
}

// workerIdle is how long a delivery worker waits for the next delivery
// before it ends.
const workerIdle = time.Minute

// work runs d, then the deliveries handed to it while it waits, until it
// has waited workerIdle for one or the pipeline ends. A worker outlives
// its delivery so that its stack, which slack-go's request encoding grows
// to several times a new goroutine's, is grown once rather than for
// every message: a goroutine per message spent 3% of a command's CPU
// copying stacks.
func (p *pipeline) work(d delivery) {
	defer p.workers.Done()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		p.run(d)
		idle.Reset(workerIdle)
		select {
		case d = <-p.idle:
		case <-idle.C:
			return
		case <-p.done:
			return
		}
	}
}

// run delivers d and gives its slot back.
func (p *pipeline) run(d delivery) {
	p.s.deliverOne(d.ctx, d.m, d.leased)
	want := d.wantClaim()
	if want {
		p.claimAfter.Store(true)
	}
	<-p.slots
	// Run has work after a delivery only when a claim may find
	// something or messages wait for the slot; waking it for nothing
	// costs a thread wake-up per message.
	if !want && !p.starved.Load() && !p.s.handedWaiting() {
		return
	}
	select {
	case p.finished <- struct{}{}:
	default:
	}
}

// end ends the workers and waits for them: a worker running a delivery
// finishes it first.
func (p *pipeline) end() {
	close(p.done)
	p.workers.Wait()
}

// trySlot takes a free slot, if there is one.
func (p *pipeline) trySlot() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Flush makes one pass: it claims the due head message of up to Batch
// channels, delivers them concurrently, and says how many it tried.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	msgs, err := s.o.Store.ClaimOutbox(ctx, s.o.Clock.Now(), s.o.Lease, s.o.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim outbox: %w", err)
	}
	// A claimed message is delivered and its result recorded even when ctx
	// ends meanwhile (shutdown): cutting the call short or failing to mark
	// it would send it again after the lease, a duplicate in the channel.
	// The adapters' own timeouts bound the call.
	dctx := context.WithoutCancel(ctx)
	leased := time.Now()
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.deliverOne(dctx, m, leased)
		}()
	}
	wg.Wait()
	return len(msgs), nil
}

// Drain flushes until nothing is due; tests and the terminal use it.
func (s *Sender) Drain(ctx context.Context) error {
	for {
		n, err := s.Flush(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

func (s *Sender) deliverOne(ctx context.Context, m storage.OutboxMessage, leased time.Time) {
	start := time.Now()
	// The call must end while the message is still leased to us:
	// otherwise a claim (ours or another replica's) would take it again
	// and send it twice. A call cut off has an unknown outcome; the retry
	// is marked as such, and adapters look for what the first try did.
	// A handed message that waited for a slot has less of its lease left;
	// one with none left is not tried: it is claimed again, as a retry.
	deadline := leased.Add(s.o.Lease * 4 / 5)
	if !start.Before(deadline) {
		s.messageLogger(m)().WarnContext(ctx, "lease ran out before the delivery could start; it will be claimed again")
		return
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	err := s.deliver(dctx, m)
	cancel()
	now := s.o.Clock.Now()
	// The message's logger is built only for a line to log: With formats
	// and redacts its attributes at once, and most deliveries log nothing.
	log := s.messageLogger(m)
	result := ResultDelivered
	var ra *RetryAfterError
	switch {
	case err == nil:
		if merr := s.marks.mark(ctx, m.ID); merr != nil {
			log().ErrorContext(ctx, "delivered but not marked; it may be sent again", "err", merr)
		}
	case errors.As(err, &ra) && ra.NotTried:
		// Paced by the adapter: free the slot for other channels instead
		// of waiting in it, and come back when the channel's turn is due.
		result = ResultDeferred
		if derr := s.o.Store.DeferOutbox(ctx, m.ID, now.Add(ra.After)); derr != nil {
			log().ErrorContext(ctx, "could not defer message; the lease will expire", "err", derr)
		}
		time.AfterFunc(ra.After, func() {
			select {
			case s.due <- struct{}{}:
			default:
			}
		})
	case errors.As(err, &ra) && m.Attempts < 3*s.o.MaxAttempts:
		result = ResultRateLimited
		log().InfoContext(ctx, "rate limited", "retry_after", ra.After)
		s.retry(ctx, log(), m, now.Add(ra.After), err)
	case IsPermanent(err) || m.Attempts >= s.o.MaxAttempts:
		result = ResultDead
		log().ErrorContext(ctx, "giving up on message", "attempts", m.Attempts, "permanent", IsPermanent(err), "err", err)
		if kerr := s.o.Store.KillOutbox(ctx, m.ID, s.o.Redact(err.Error())); kerr != nil {
			log().ErrorContext(ctx, "could not mark message dead", "err", kerr)
		}
	default:
		result = ResultRetry
		wait := s.backoff(m.Attempts)
		log().WarnContext(ctx, "delivery failed, will retry", "attempt", m.Attempts, "in", wait, "err", err)
		s.retry(ctx, log(), m, now.Add(wait), err)
	}
	if s.o.OnResult != nil {
		s.o.OnResult(m, result, time.Since(start))
	}
}

// messageLogger returns a function building, once, the logger of lines
// about m: the sender's, with the message's ID, platform, kind and
// incident.
func (s *Sender) messageLogger(m storage.OutboxMessage) func() *slog.Logger {
	var log *slog.Logger
	return func() *slog.Logger {
		if log == nil {
			log = s.o.Logger.With("outbox_id", m.ID, "platform", m.Platform, "kind", m.Kind)
			if m.IncidentID != 0 {
				log = log.With("incident", incident.KeyFor(m.IncidentID))
			}
		}
		return log
	}
}

func (s *Sender) retry(ctx context.Context, log *slog.Logger, m storage.OutboxMessage, at time.Time, cause error) {
	if err := s.o.Store.RetryOutbox(ctx, m.ID, at, s.o.Redact(cause.Error())); err != nil {
		log.ErrorContext(ctx, "could not schedule retry; the lease will expire", "err", err)
	}
}

// backoff is exponential from BaseBackoff, capped, with ±20% jitter.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.o.BaseBackoff
	for i := 1; i < attempt && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.o.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func refKey(platform, key string) string { return platform + "/" + key }

func (s *Sender) deliver(ctx context.Context, m storage.OutboxMessage) error {
	d, ok := s.deliverers[m.Platform]
	if !ok {
		return fmt.Errorf("no %s adapter is configured", m.Platform)
	}
	op, ok := enqueuedOps.take(m.Payload)
	if !ok {
		if err := json.Unmarshal(m.Payload, &op); err != nil {
			return PermanentError(fmt.Errorf("bad outbox payload: %w", err))
		}
	}
	if m.Kind == OpOpenChannel {
		if op.Open == nil {
			return PermanentError(errors.New("open_channel without a request"))
		}
		req := *op.Open
		req.Retry = m.Attempts > 1 // an earlier try may have created the channel
		req.RequestedAt = m.CreatedAt
		id, err := d.OpenChannel(ctx, req)
		if err != nil {
			return err
		}
		err = s.o.Store.AddIncidentChannel(ctx, op.IncidentID, incident.ChannelRef{Platform: m.Platform, ChannelID: id})
		if err != nil {
			return fmt.Errorf("bind channel %s: %w", id, err)
		}
		return nil
	}
	channel, err := s.channelOf(ctx, m.Platform, op)
	if err != nil {
		return err
	}
	// Every try of one message carries the same key, unique to it; a
	// message claimed before may already be out (see PostOptions.Retry).
	po := PostOptions{Pin: op.Pin, Key: "tq-" + strconv.FormatInt(m.ID, 10) + "-" + strconv.FormatInt(m.CreatedAt.UnixNano(), 36),
		Retry: m.Attempts > 1}
	switch m.Kind {
	case OpPost:
		return s.post(ctx, d, m.Platform, channel, op, po)
	case OpUpdate:
		ref, err := s.o.Store.GetMessageRef(ctx, refKey(m.Platform, op.Key))
		if errors.Is(err, storage.ErrNotFound) {
			// The original never arrived (it was given up on): post anew.
			return s.post(ctx, d, m.Platform, channel, op, po)
		}
		if err != nil {
			return fmt.Errorf("look up %s: %w", op.Key, err)
		}
		return d.Update(ctx, ref.ChannelID, ref.MessageID, *op.Message)
	case OpEphemeral:
		if op.User == nil || op.Message == nil {
			return PermanentError(errors.New("ephemeral without user or message"))
		}
		return d.Ephemeral(ctx, channel, *op.User, *op.Message)
	case OpTopic:
		if t, ok := d.(Topicer); ok {
			return t.SetTopic(ctx, channel, op.Topic)
		}
		return nil
	}
	return PermanentError(fmt.Errorf("unknown outbox kind %q", m.Kind))
}

// channelOf is where op goes on platform: its explicit channel, or its
// incident's channel there (cached, see channelCache).
func (s *Sender) channelOf(ctx context.Context, platform string, op Op) (string, error) {
	if op.ChannelID != "" {
		return op.ChannelID, nil
	}
	if ch, ok := s.channels.get(op.IncidentID, platform); ok {
		return ch, nil
	}
	inc, err := s.o.Store.GetIncident(ctx, op.IncidentID)
	if err != nil {
		return "", fmt.Errorf("load incident %d: %w", op.IncidentID, err)
	}
	ch, ok := inc.ChannelOn(platform)
	if !ok {
		return "", fmt.Errorf("%s has no %s channel yet", inc.Key, platform)
	}
	s.channels.put(op.IncidentID, platform, ch.ChannelID)
	return ch.ChannelID, nil
}

func (s *Sender) post(ctx context.Context, d Deliverer, platform, channel string, op Op, po PostOptions) error {
	if op.Message == nil {
		return PermanentError(errors.New("post without a message"))
	}
	id, err := d.Post(ctx, channel, *op.Message, po)
	if err != nil {
		return err
	}
	if op.Key != "" {
		if err := s.o.Store.PutMessageRef(ctx, refKey(platform, op.Key), storage.MessageRef{Platform: platform, ChannelID: channel, MessageID: id}); err != nil {
			return fmt.Errorf("remember %s: %w", op.Key, err)
		}
	}
	return nil
}
