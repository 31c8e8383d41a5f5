package bot

import (
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Redact removes configured secrets from s, as Options.Redact does (s as
// it is when none is set). Code that stores text of its own inside the
// unit of work (an action run's error, an audit row) passes it through.
func (tx *Tx) Redact(s string) string { return tx.engine.redact(s) }

// RedactData returns d with Redact applied to every string in it, at any
// depth of maps and lists.
func (tx *Tx) RedactData(d map[string]any) map[string]any {
	if tx.engine.opts.Redact == nil {
		return d
	}
	out, _ := tx.engine.redactValue(d).(map[string]any)
	return out
}

func (e *Engine) redact(s string) string {
	if e.opts.Redact == nil {
		return s
	}
	return e.opts.Redact(s)
}

// redactValue applies Redact to every string in v, copying the maps and
// lists it changes.
func (e *Engine) redactValue(v any) any {
	switch x := v.(type) {
	case string:
		return e.redact(x)
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = e.redactValue(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = e.redactValue(val)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, val := range x {
			out[i] = e.redact(val)
		}
		return out
	}
	return v
}

// redactEvents applies Redact to the texts and data of evs, in place.
func (e *Engine) redactEvents(evs []incident.Event) {
	if e.opts.Redact == nil {
		return
	}
	for i := range evs {
		evs[i].Text = e.redact(evs[i].Text)
		if d, ok := e.redactValue(evs[i].Data).(map[string]any); ok {
			evs[i].Data = d
		}
	}
}

// redactOutbox applies Redact to the payloads of msgs, in place. A
// payload is JSON; a secret inside one of its strings becomes "<secret>",
// which is still a valid JSON string.
func (e *Engine) redactOutbox(msgs []storage.OutboxMessage) {
	if e.opts.Redact == nil {
		return
	}
	for i := range msgs {
		// The payload is kept when nothing was redacted: the sender then
		// finds its operation in enqueuedOps.
		s := string(msgs[i].Payload)
		if r := e.redact(s); r != s {
			msgs[i].Payload = []byte(r)
		}
	}
}
