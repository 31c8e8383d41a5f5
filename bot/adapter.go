package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Invocation is one command that reached the bot: typed, a button
// clicked, a form submitted, a platform's typed options. Adapters build it;
// Engine.Handle runs it. It carries either a command line (Text) or a
// structured command (Command and Args): a form's answers and typed
// options are never flattened into a line and parsed again.
type Invocation struct {
	// ID identifies the inbound event or interaction on its platform, for
	// deduplicating retries and redeliveries. Empty means no deduplication.
	ID string
	// Channel is where the command was typed or the button clicked.
	Channel incident.ChannelRef
	// Actor is who typed or clicked, by immutable platform user ID.
	Actor incident.Actor
	// Text is a command line as typed or as a button carries it ("INC-7
	// answer 12 yes"), with or without the leading "/incident".
	Text string
	// Command, when Text is empty, names the command of a structured
	// invocation ("declare" from a form, any command from Discord's typed
	// options); all its arguments are in Args. Incident is the key it
	// names ("INC-7"), empty for the channel's incident.
	Command  string
	Incident string
	// Args are argument values by name, as a person gave them: all of a
	// structured invocation's, or the answers of the form a button opened
	// for the command in Text. Each goes through its argument's validator,
	// as a typed word does.
	Args map[string]string
	// Source is incident.SourceTyped or incident.SourceButton.
	Source incident.Source
}

// Reply is what the person who invoked a command sees at once, privately.
type Reply struct {
	Message Message
	// Error is true when the command was refused or malformed.
	Error bool
	// Duplicate is true when the invocation was seen before and ignored.
	Duplicate bool
	// IncidentKey is the incident the command applied to, if any.
	IncidentKey string
	// Command is the command that was read — its name and arguments —
	// whether it ran or was refused; zero when the invocation could not
	// be read. An adapter that acts on what ran (Slack joins the channel
	// of a "declare here") reads it here, never the text again.
	Command Command
}

// OpenChannelRequest asks a platform for a new incident channel.
type OpenChannelRequest struct {
	IncidentKey string
	// Name is the suggested channel name ("inc-7-checkout-errors");
	// adapters apply their platform's naming rules and resolve clashes.
	Name  string
	Topic string
	// Invite lists who to add to the channel.
	Invite []incident.Actor
	// From is the channel the incident was declared in.
	From incident.ChannelRef
	// Title and Severity describe the incident, for announcements.
	Title    string
	Severity string
	// Private asks for a channel only the invited people (and the bot)
	// can see, announced nowhere. An adapter that cannot open one must
	// fail with a PermanentError rather than open a public one.
	Private bool
	// Retry says an earlier try may have created the channel already: the
	// process died between the platform's answer and binding the channel
	// to the incident, or the platform failed in a way that leaves it
	// unknown. An adapter that can find the channel it created returns it
	// instead of opening a second one. The Sender sets it on each try; it
	// is not stored with the outbox message.
	Retry bool `json:"-"`
	// RequestedAt is when the opening was first asked for (the outbox
	// message's creation time), set by the Sender on each try and not
	// stored with the message. On a retry an adapter reuses only a
	// channel created since then (give or take clock skew): one that is
	// older was not made by a try of this request. Zero means unknown.
	RequestedAt time.Time `json:"-"`
}

// PostOptions are extras for a posted message.
type PostOptions struct {
	// Pin pins the message in its channel.
	Pin bool
	// Key identifies the message for good (the Sender's is unique to one
	// outbox message): every try of one message has the same key.
	Key string
	// Retry says an earlier try may have posted the message already: the
	// process died between the platform's answer and recording it, or the
	// platform failed in a way that leaves it unknown. An adapter that can
	// find a message by its Key returns the one posted instead of posting
	// it twice.
	Retry bool
}

// Deliverer delivers messages to one chat platform. The Sender calls it,
// one message of a channel at a time, in order. Errors may be a
// *RetryAfterError (the platform said to wait), a PermanentError (retrying
// cannot help) or anything else (retried with backoff).
type Deliverer interface {
	// Platform is "slack", "discord" or "console".
	Platform() string
	// OpenChannel creates an incident channel, invites people, and returns
	// the channel ID.
	OpenChannel(ctx context.Context, req OpenChannelRequest) (string, error)
	// Post sends m to a channel and returns the platform's message ID.
	Post(ctx context.Context, channelID string, m Message, opts PostOptions) (string, error)
	// Update replaces a message sent before.
	Update(ctx context.Context, channelID, messageID string, m Message) error
	// Ephemeral shows m to one user in a channel, and to nobody else.
	Ephemeral(ctx context.Context, channelID string, user incident.Actor, m Message) error
}

// Topicer is a Deliverer that can set a channel's topic.
type Topicer interface {
	SetTopic(ctx context.Context, channelID, topic string) error
}

// RetryAfterError is a delivery refused for now; try again after After
// (an HTTP 429 with Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
	// NotTried says the platform was not called at all (the adapter's own
	// pacing said wait): the try does not count as an attempt, and the
	// next one is not a retry of something that may have gone out.
	NotTried bool
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// PermanentError wraps err so that the Sender gives up on the message at
// once instead of retrying (a channel that does not exist, a bad request).
func PermanentError(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with PermanentError.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
