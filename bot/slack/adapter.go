package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/retry"
)

// DefaultAPIURL is Slack's Web API base.
const DefaultAPIURL = "https://slack.com/api/"

// DefaultTimelineEmoji is the reaction that adds a message to the timeline.
const DefaultTimelineEmoji = "pushpin"

// afterTimeout bounds the slow work done after a request is answered
// (an ephemeral reply, joining a channel, a users.info refresh).
const afterTimeout = 30 * time.Second

// Engine is what the adapter needs of the engine (*bot.Engine is one):
// running what Slack sends. What ran comes back in the reply
// (bot.Reply.Command), so the adapter never reads a command's text itself.
type Engine interface {
	Handle(ctx context.Context, inv bot.Invocation) (bot.Reply, error)
}

// Incidents finds the incident a channel belongs to (storage.Store is
// one): a message is captured onto a timeline only in an incident's
// channel, checked before asking Slack for the message.
type Incidents interface {
	GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error)
}

// Options configure an Adapter.
type Options struct {
	// Engine runs what Slack sends; required to receive, not to deliver.
	Engine Engine
	// Incidents finds a channel's incident; required with Engine.
	Incidents Incidents
	// BotToken (xoxb-…) calls the Web API. Required.
	BotToken config.Secret
	// AppToken (xapp-…), when set, makes RunSocketMode connect.
	AppToken config.Secret
	// SigningSecret verifies HTTP mode requests; without it Routes
	// answers every request with 401.
	SigningSecret config.Secret
	// APIURL is the Web API base (default https://slack.com/api/).
	APIURL string
	// AnnounceChannel, when set, gets a line with a link to every new
	// incident channel.
	AnnounceChannel string
	// TimelineEmoji is the reaction that captures a message onto the
	// timeline (default pushpin).
	TimelineEmoji string
	// HTTPClient is used for the Web API and response URLs (default: a
	// client with a 15 s timeout). Its transport is wrapped, not changed.
	HTTPClient *http.Client
	// Clock checks request timestamps and ages cached names (default real).
	Clock  clock.Clock
	Logger *slog.Logger
	// PostInterval spaces chat.postMessage calls per channel (default
	// 1s; negative: no pacing).
	PostInterval time.Duration
	// MaxBody caps an HTTP mode request body (default 1 MiB).
	MaxBody int64
}

// Adapter is the Slack chat platform: a bot.Deliverer and bot.Topicer
// for the outbox, and the receiving end of Socket Mode and HTTP mode.
// It is safe for concurrent use.
type Adapter struct {
	o      Options
	api    *slack.Client
	http   *http.Client // response URLs: no bearer token
	verify verifier
	pace   *pacer
	users  *users
	log    *slog.Logger
	emoji  string

	wg sync.WaitGroup // slow work after answers, Socket Mode handlers

	mu        sync.Mutex
	botUserID string
	authOK    bool
	socket    bool // Socket Mode is connected
	opened    map[string]string
}

var (
	_ bot.Deliverer = (*Adapter)(nil)
	_ bot.Topicer   = (*Adapter)(nil)
)

// New returns an adapter. It makes no call to Slack: Run checks the token.
func New(o Options) (*Adapter, error) {
	if !o.BotToken.IsSet() {
		return nil, errors.New("slack: a bot token (xoxb-…) is required")
	}
	if o.Engine != nil && o.Incidents == nil {
		return nil, errors.New("slack: an adapter that receives needs Incidents, to know the incident of a channel")
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	if o.TimelineEmoji == "" {
		o.TimelineEmoji = DefaultTimelineEmoji
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PostInterval == 0 {
		o.PostInterval = DefaultPostInterval
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	apiHTTP := *o.HTTPClient
	apiHTTP.Transport = newBearerTransport(o.HTTPClient.Transport, o.APIURL)
	opts := []slack.Option{slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(&apiHTTP)}
	if o.AppToken.IsSet() {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken.Reveal()))
	}
	a := &Adapter{
		o:      o,
		api:    slack.New(o.BotToken.Reveal(), opts...),
		http:   o.HTTPClient,
		verify: verifier{secret: o.SigningSecret, clock: o.Clock, maxBody: o.MaxBody},
		pace:   newPacer(o.PostInterval),
		log:    o.Logger.With("platform", Platform),
		emoji:  strings.Trim(o.TimelineEmoji, ":"),
		opened: map[string]string{},
	}
	a.users = newUsers(a.api, o.Clock, func(fn func(context.Context)) { a.spawn(context.Background(), fn) })
	return a, nil
}

// Platform implements bot.Deliverer: "slack".
func (a *Adapter) Platform() string { return Platform }

// Run checks the bot token with auth.test (retrying with backoff until it
// passes) to learn the bot's own user ID, then, with an app-level token,
// keeps a Socket Mode connection open. It returns when ctx is done.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.authenticate(ctx); err != nil {
		return nil // ctx is done
	}
	if a.o.AppToken.IsSet() {
		return a.RunSocketMode(ctx)
	}
	<-ctx.Done()
	return nil
}

// authenticate calls auth.test until it succeeds or ctx is done.
func (a *Adapter) authenticate(ctx context.Context) error {
	return retry.Do(ctx, retry.Reconnect, func(func()) error {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := a.api.AuthTestContext(cctx)
		cancel()
		if err != nil {
			return err
		}
		a.mu.Lock()
		a.botUserID, a.authOK = res.UserID, true
		a.mu.Unlock()
		a.log.InfoContext(ctx, "slack connected", "team", res.Team, "bot_user", res.UserID)
		return nil
	}, func(err error, next time.Duration) {
		a.log.ErrorContext(ctx, "slack auth.test failed; check the bot token and api_url", "err", sanitize(err), "retry_in", next)
	})
}

// Ready reports whether Slack is reachable: the token passed auth.test
// and, in Socket Mode, the connection is up. It is the /readyz check.
func (a *Adapter) Ready(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.authOK || (a.o.AppToken.IsSet() && !a.socket) {
		return errors.New("slack not connected")
	}
	return nil
}

// Wait blocks until the work started after answering requests is done.
// Call it after the transports stopped, before closing the store.
func (a *Adapter) Wait() { a.wg.Wait() }

// BotUserID is the bot's own user ID, once Run authenticated.
func (a *Adapter) BotUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUserID
}

func (a *Adapter) setSocket(up bool) {
	a.mu.Lock()
	a.socket = up
	a.mu.Unlock()
}

// spawn runs fn in the background with its own deadline, detached from
// the cancellation of ctx (the request it follows has been answered).
func (a *Adapter) spawn(ctx context.Context, fn func(ctx context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterTimeout)
		defer cancel()
		fn(ctx)
	}()
}

// actor is the Slack user id, named from the cache or the request.
func (a *Adapter) actor(id, fallback string) incident.Actor {
	return incident.Actor{Platform: Platform, ID: id, Name: a.users.name(id, fallback)}
}

func channelRef(id string) incident.ChannelRef {
	return incident.ChannelRef{Platform: Platform, ChannelID: id}
}

// errNoEngine answers requests when the adapter only delivers.
var errNoEngine = errors.New("slack: no engine configured to handle requests")
