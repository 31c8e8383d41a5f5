// Package bottest has helpers for testing code built on package bot: a
// Deliverer that records what it is asked to deliver and can be told to
// fail, a harness that wires an engine and a sender to a store, and a
// Buffer for the logs and output that many goroutines write.
package bottest

import (
	"context"
	"fmt"
	"sync"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Delivery is one call a Recorder received.
type Delivery struct {
	Op        string // "open", "post", "update", "ephemeral", "topic"
	ChannelID string
	MessageID string
	Message   bot.Message
	Pin       bool
	User      incident.Actor
	Open      bot.OpenChannelRequest
	Topic     string
}

// Recorder is a bot.Deliverer that records every call. Fail, when set, is
// consulted first: a non-nil error fails the call without recording it.
type Recorder struct {
	Name string

	mu      sync.Mutex
	log     []Delivery
	n       int
	fail    func(op string, channelID string) error
	ChanSeq int
}

// NewRecorder returns a recorder for platform name.
func NewRecorder(name string) *Recorder { return &Recorder{Name: name} }

// FailWith makes calls fail while fn returns an error; nil stops failing.
func (r *Recorder) FailWith(fn func(op, channelID string) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fn
}

// Deliveries returns a copy of everything recorded so far.
func (r *Recorder) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.log...)
}

// Ops returns the recorded operations of kind op.
func (r *Recorder) Ops(op string) []Delivery {
	var out []Delivery
	for _, d := range r.Deliveries() {
		if d.Op == op {
			out = append(out, d)
		}
	}
	return out
}

func (r *Recorder) record(op, ch string, d Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(op, ch); err != nil {
			return err
		}
	}
	d.Op, d.ChannelID = op, ch
	r.log = append(r.log, d)
	return nil
}

// Platform implements bot.Deliverer.
func (r *Recorder) Platform() string { return r.Name }

// OpenChannel implements bot.Deliverer; channel IDs are C1, C2, ….
func (r *Recorder) OpenChannel(ctx context.Context, req bot.OpenChannelRequest) (string, error) {
	r.mu.Lock()
	r.ChanSeq++
	id := fmt.Sprintf("C%d", r.ChanSeq)
	r.mu.Unlock()
	if err := r.record("open", id, Delivery{Open: req}); err != nil {
		return "", err
	}
	return id, nil
}

// Post implements bot.Deliverer; message IDs are m1, m2, ….
func (r *Recorder) Post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions) (string, error) {
	r.mu.Lock()
	r.n++
	id := fmt.Sprintf("m%d", r.n)
	r.mu.Unlock()
	if err := r.record("post", channelID, Delivery{MessageID: id, Message: m, Pin: opts.Pin}); err != nil {
		return "", err
	}
	return id, nil
}

// Update implements bot.Deliverer.
func (r *Recorder) Update(ctx context.Context, channelID, messageID string, m bot.Message) error {
	return r.record("update", channelID, Delivery{MessageID: messageID, Message: m})
}

// Ephemeral implements bot.Deliverer.
func (r *Recorder) Ephemeral(ctx context.Context, channelID string, user incident.Actor, m bot.Message) error {
	return r.record("ephemeral", channelID, Delivery{User: user, Message: m})
}

// SetTopic implements bot.Topicer.
func (r *Recorder) SetTopic(ctx context.Context, channelID, topic string) error {
	return r.record("topic", channelID, Delivery{Topic: topic})
}
