package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Outbox operation kinds (storage.OutboxMessage.Kind).
const (
	OpOpenChannel = "open_channel"
	OpPost        = "post"
	OpUpdate      = "update"
	OpEphemeral   = "ephemeral"
	OpTopic       = "topic"
)

// Op is the JSON payload of an outbox message.
type Op struct {
	// IncidentID, when ChannelID is empty, targets the incident's channel
	// on the message's platform.
	IncidentID int64  `json:"incident_id,omitempty"`
	ChannelID  string `json:"channel_id,omitempty"`
	// Key names a message that may be updated later ("INC-7/card"); a post
	// stores the platform's message ID under it, an update looks it up.
	Key     string               `json:"key,omitempty"`
	Message *Message             `json:"message,omitempty"`
	Pin     bool                 `json:"pin,omitempty"`
	User    *incident.Actor      `json:"user,omitempty"`
	Open    *OpenChannelRequest  `json:"open,omitempty"`
	Topic   string               `json:"topic,omitempty"`
	Meta    map[string]string    `json:"meta,omitempty"`
	From    *incident.ChannelRef `json:"from,omitempty"`
}

// target says where an outgoing message goes: an incident's channel(s), or
// one explicit channel.
type target struct {
	incident *incident.Incident
	channel  incident.ChannelRef
}

// incidentTarget addresses the incident's own channel on every platform
// the incident lives on.
func incidentTarget(inc *incident.Incident) target { return target{incident: inc} }

// scope names the target incident in the buttons of m (scopeButtons).
func (t target) scope(m Message) Message {
	if t.incident == nil {
		return m
	}
	return scopeButtons(m, t.incident.Key)
}

// channelTarget addresses one channel.
func channelTarget(ch incident.ChannelRef) target { return target{channel: ch} }

// orderingKey groups the messages of one channel so they go out in order.
func incidentOrderingKey(id int64) string { return "inc:" + strconv.FormatInt(id, 10) }

// IncidentPlatforms lists the platforms an incident's messages go to: those
// of its channels, and the platform it was declared on.
func IncidentPlatforms(inc *incident.Incident) []string {
	var out []string
	add := func(p string) {
		if p == "" || p == incident.PlatformSystem {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	for _, c := range inc.Channels {
		add(c.Platform)
	}
	add(inc.Declarer.Platform)
	return out
}

// outbox collects the messages one command produces; they are enqueued in
// the command's transaction.
type outbox struct {
	now  time.Time
	msgs []storage.OutboxMessage
	// ops are msgs' operations with the payloads they were encoded to,
	// for enqueuedOps once they are enqueued.
	ops []memoOp
}

// remember puts in enqueuedOps the operation of each message whose
// payload is still what it was encoded to (redaction changed nothing).
func (o *outbox) remember() {
	for i, m := range o.msgs {
		if e := o.ops[i]; bytes.Equal(e.payload, m.Payload) {
			enqueuedOps.put(m.Payload, e.op)
		}
	}
}

func (o *outbox) add(platform, channel, kind string, incidentID int64, op Op) {
	payload, err := json.Marshal(op)
	if err != nil {
		panic(fmt.Sprintf("bot: outbox op does not marshal: %v", err)) // only plain data types above
	}
	o.msgs = append(o.msgs, storage.OutboxMessage{
		Platform: platform, Channel: channel, Kind: kind, Payload: payload,
		IncidentID: incidentID, Status: storage.OutboxPending, NextAttemptAt: o.now, CreatedAt: o.now,
	})
	o.ops = append(o.ops, memoOp{payload: payload, op: op})
}

func (o *outbox) each(t target, fn func(platform, channel string, op Op)) {
	if t.incident != nil {
		for _, p := range IncidentPlatforms(t.incident) {
			fn(p, incidentOrderingKey(t.incident.ID), Op{IncidentID: t.incident.ID})
		}
		return
	}
	fn(t.channel.Platform, "ch:"+t.channel.ChannelID, Op{ChannelID: t.channel.ChannelID})
}

// post sends m; when key is set the message can be updated later.
func (o *outbox) post(t target, key string, m Message, pin bool) {
	m = t.scope(m)
	o.each(t, func(p, ch string, op Op) {
		op.Key, op.Message, op.Pin = key, &m, pin
		o.add(p, ch, OpPost, op.IncidentID, op)
	})
}

// update replaces the message posted under key.
func (o *outbox) update(t target, key string, m Message) {
	m = t.scope(m)
	o.each(t, func(p, ch string, op Op) {
		op.Key, op.Message = key, &m
		o.add(p, ch, OpUpdate, op.IncidentID, op)
	})
}

// ephemeral shows m to one user in a channel.
func (o *outbox) ephemeral(ch incident.ChannelRef, user incident.Actor, m Message) {
	o.add(ch.Platform, "ch:"+ch.ChannelID, OpEphemeral, 0, Op{ChannelID: ch.ChannelID, User: &user, Message: &m})
}

// openChannel asks the incident's platform for a channel of its own.
func (o *outbox) openChannel(inc *incident.Incident, platform string, req OpenChannelRequest) {
	o.add(platform, incidentOrderingKey(inc.ID), OpOpenChannel, inc.ID, Op{IncidentID: inc.ID, Open: &req})
}

// topic sets the incident channel's topic where the platform has one.
func (o *outbox) topic(inc *incident.Incident, topic string) {
	o.each(incidentTarget(inc), func(p, ch string, op Op) {
		op.Topic = topic
		o.add(p, ch, OpTopic, op.IncidentID, op)
	})
}
