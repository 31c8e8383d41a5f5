package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
)

// Engine is what the adapter needs of the engine (*bot.Engine is one):
// running what Discord sends, and the commands to register as /incident.
type Engine interface {
	Handle(ctx context.Context, inv bot.Invocation) (bot.Reply, error)
	Commands() []bot.CommandSpec
}

// Channel modes (config.ChannelModeChannel, config.ChannelModeThread).
const (
	ModeChannel = config.ChannelModeChannel
	ModeThread  = config.ChannelModeThread
)

// Options configure an Adapter.
type Options struct {
	Engine Engine
	// Token is the bot token (without "Bot ").
	Token config.Secret
	// AppID is the application ID; when empty it is asked of Discord
	// before registering commands.
	AppID string
	// PublicKey is the application's hex Ed25519 key; without it the HTTP
	// interactions endpoint refuses everything.
	PublicKey string
	// APIURL is the REST base (default https://discord.com/api/v10/).
	APIURL string
	// GuildID registers commands in one guild (instantly) instead of
	// globally, and is where incident channels are created.
	GuildID string
	// IncidentCategory is the category incident channels go under.
	IncidentCategory string
	// AnnounceChannel is where new incidents are announced with a link.
	AnnounceChannel string
	// ChannelMode is ModeChannel (a text channel per incident) or
	// ModeThread (a thread in ThreadParentChannel, or AnnounceChannel).
	ChannelMode         string
	ThreadParentChannel string

	Clock  clock.Clock
	Logger *slog.Logger
	// Transport carries REST requests after the base URL is rewritten
	// (default http.DefaultTransport).
	Transport http.RoundTripper
	// Dialer dials the gateway websocket (default websocket.DefaultDialer).
	Dialer *websocket.Dialer
	// DeferAfter is how long an interaction may take before it is
	// answered with a deferred response and finished by a follow-up
	// (default 2s; Discord allows 3s).
	DeferAfter time.Duration
	// MaxInlineWait is the longest a delivery waits in place for a known
	// rate limit to reset; longer waits go back to the outbox as a
	// *bot.RetryAfterError (default 2s).
	MaxInlineWait time.Duration
	// RequestTimeout bounds one REST request (default 15s).
	RequestTimeout time.Duration
}

// DefaultAPIURL is Discord's REST base.
const DefaultAPIURL = "https://discord.com/api/v10/"

// Adapter connects Tourniquet to Discord: it answers interactions (over
// HTTP or the gateway) and delivers the outbox. It is safe for concurrent
// use.
type Adapter struct {
	o      Options
	engine Engine
	log    *slog.Logger
	clock  clock.Clock
	pub    ed25519.PublicKey
	rt     *rewriteTransport
	// rest makes the bot's REST calls; its rate limiter tracks Discord's
	// buckets for the whole process.
	rest *discordgo.Session
	// hooks answers interactions (callbacks, follow-ups); see hookSession.
	hooksMu   sync.Mutex
	hooks     *discordgo.Session
	hooksBorn time.Time

	appID  atomic.Pointer[string]
	tokens *tokenCache
	// pending tracks follow-ups still running after an interaction was
	// answered with a deferred response.
	pending sync.WaitGroup

	registered atomic.Bool
	connected  atomic.Bool
}

var (
	_ bot.Deliverer = (*Adapter)(nil)
	_ bot.Topicer   = (*Adapter)(nil)
	_ http.Handler  = (*Adapter)(nil)
)

// New checks the options and returns an adapter. It makes no request.
func New(o Options) (*Adapter, error) {
	if o.Engine == nil {
		return nil, errors.New("discord: an engine is required")
	}
	if !o.Token.IsSet() {
		return nil, errors.New("discord: a bot token is required")
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	switch o.ChannelMode {
	case "":
		o.ChannelMode = ModeChannel
	case ModeChannel:
	case ModeThread:
		if o.ThreadParentChannel == "" {
			o.ThreadParentChannel = o.AnnounceChannel
		}
		if o.ThreadParentChannel == "" {
			return nil, errors.New("discord: thread mode needs thread_parent_channel or announce_channel")
		}
	default:
		return nil, fmt.Errorf("discord: unknown channel mode %q (want channel or thread)", o.ChannelMode)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DeferAfter == 0 {
		o.DeferAfter = 2 * time.Second
	}
	if o.MaxInlineWait == 0 {
		o.MaxInlineWait = 2 * time.Second
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 15 * time.Second
	}
	a := &Adapter{o: o, engine: o.Engine, log: o.Logger.With("platform", Platform), clock: o.Clock, tokens: newTokenCache()}
	if o.PublicKey != "" {
		k, err := hex.DecodeString(o.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord: public key: want 64 hexadecimal characters")
		}
		a.pub = ed25519.PublicKey(k)
	}
	rt, err := newRewriteTransport(o.APIURL, o.Transport)
	if err != nil {
		return nil, err
	}
	a.rt = rt
	if o.AppID != "" {
		id := o.AppID
		a.appID.Store(&id)
	}
	a.rest = a.newSession()
	return a, nil
}

// newSession returns a discordgo session that sends REST requests to the
// configured base, never retries by itself (the outbox does), and
// identifies on the gateway with no intents.
func (a *Adapter) newSession() *discordgo.Session {
	s, _ := discordgo.New("Bot " + a.o.Token.Reveal()) // New cannot fail
	s.Client = &http.Client{Transport: a.rt, Timeout: a.o.RequestTimeout}
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	s.Identify.Intents = discordgo.IntentsNone
	if a.o.Dialer != nil {
		s.Dialer = a.o.Dialer
	}
	return s
}

// hookSessionTTL is how long one session answers interactions before a
// fresh one replaces it. discordgo keys rate-limit buckets by URL, and
// interaction URLs hold a new token each time, so a long-lived session
// would keep one bucket per interaction forever; a fresh session drops
// them. Interaction endpoints are not subject to the bot's global limit,
// so nothing is lost.
const hookSessionTTL = time.Hour

func (a *Adapter) hookSession() *discordgo.Session {
	a.hooksMu.Lock()
	defer a.hooksMu.Unlock()
	if a.hooks == nil || time.Since(a.hooksBorn) > hookSessionTTL {
		a.hooks, a.hooksBorn = a.newSession(), time.Now()
	}
	return a.hooks
}

// Platform implements bot.Deliverer.
func (a *Adapter) Platform() string { return Platform }

// call makes one REST call: it returns at once with a *bot.RetryAfterError
// when the route's bucket (or the global limit) is known to be exhausted
// for longer than MaxInlineWait, and classifies the call's error.
func (a *Adapter) call(ctx context.Context, s *discordgo.Session, op, bucket string, fn func(...discordgo.RequestOption) error) error {
	if bucket != "" {
		if err := a.checkBucket(s, op, bucket); err != nil {
			return err
		}
	}
	ctx, info := withRespInfo(ctx)
	return classify(op, fn(discordgo.WithContext(ctx)), info)
}

// checkBucket looks at discordgo's view of a rate-limit bucket: discordgo
// would sleep (without a context) until it resets; a long wait belongs to
// the outbox instead.
func (a *Adapter) checkBucket(s *discordgo.Session, op, key string) error {
	rl := s.Ratelimiter
	b := rl.GetBucket(key)
	b.Lock()
	wait := rl.GetWaitTime(b, 1)
	b.Unlock()
	if wait > a.o.MaxInlineWait {
		return &bot.RetryAfterError{After: wait, Err: fmt.Errorf("discord: %s: waiting for a rate limit to reset", op)}
	}
	return nil
}

// Ready reports a problem while the adapter has not yet registered its
// commands or, when the gateway runs, connected once; nil afterwards.
func (a *Adapter) Ready(gateway bool) error {
	switch {
	case !a.registered.Load():
		return errors.New("discord: commands not registered yet")
	case gateway && !a.connected.Load():
		return errors.New("discord: gateway not connected yet")
	}
	return nil
}

// Wait blocks until follow-ups of deferred interactions are done (for
// shutdown and tests).
func (a *Adapter) Wait() { a.pending.Wait() }
