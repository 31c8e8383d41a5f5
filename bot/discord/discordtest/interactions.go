package discordtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Key signs interactions like Discord does.
type Key struct {
	priv ed25519.PrivateKey
	// PublicHex is the public key as the developer portal shows it.
	PublicHex string
}

// NewKey generates a signing key.
func NewKey() *Key {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return &Key{priv: priv, PublicHex: hex.EncodeToString(pub)}
}

// Sign returns the X-Signature-Ed25519 and X-Signature-Timestamp headers
// for body sent at t.
func (k *Key) Sign(body []byte, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	sig := ed25519.Sign(k.priv, append([]byte(ts), body...))
	h := http.Header{}
	h.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	h.Set("X-Signature-Timestamp", ts)
	h.Set("Content-Type", "application/json")
	return h
}

// User is who interacts.
type User struct {
	ID         string
	Username   string
	GlobalName string
	Nick       string
}

func (u User) member() map[string]any {
	m := map[string]any{"user": map[string]any{"id": u.ID, "username": u.Username, "global_name": nullable(u.GlobalName)}}
	if u.Nick != "" {
		m["nick"] = u.Nick
	}
	return m
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Option is a typed option of a slash command.
type Option struct {
	Name  string
	Type  int // 3 string, 5 boolean, 6 user
	Value any
}

// Str, Bool and UserOpt build options.
func Str(name, v string) Option       { return Option{Name: name, Type: 3, Value: v} }
func Bool(name string, v bool) Option { return Option{Name: name, Type: 5, Value: v} }
func UserOpt(name, id string) Option  { return Option{Name: name, Type: 6, Value: id} }

// Ping is a PING interaction.
func Ping(id, appID string) []byte {
	return mustJSON(map[string]any{"id": id, "application_id": appID, "type": 1, "token": "ping-token-" + id, "version": 1})
}

// Command is an /incident <sub> interaction in a guild channel. Users named
// by user options are resolved from resolve.
func Command(id, appID, guildID, channelID string, by User, sub string, opts []Option, resolve ...User) []byte {
	var os []map[string]any
	for _, o := range opts {
		os = append(os, map[string]any{"name": o.Name, "type": o.Type, "value": o.Value})
	}
	data := map[string]any{"id": "cmd-1", "name": "incident", "type": 1,
		"options": []map[string]any{{"name": sub, "type": 1, "options": os}}}
	if len(resolve) > 0 {
		users, members := map[string]any{}, map[string]any{}
		for _, u := range resolve {
			users[u.ID] = map[string]any{"id": u.ID, "username": u.Username, "global_name": nullable(u.GlobalName)}
			members[u.ID] = map[string]any{"nick": nullable(u.Nick)}
		}
		data["resolved"] = map[string]any{"users": users, "members": members}
	}
	return mustJSON(map[string]any{
		"id": id, "application_id": appID, "type": 2, "token": "itoken-" + id, "version": 1,
		"guild_id": guildID, "channel_id": channelID, "member": by.member(), "data": data,
	})
}

// Click is a button click (or, with values, a select menu choice) on a
// message. message is the clicked message as Discord echoes it (its JSON
// body), or nil; ephemeral marks the message as private.
func Click(id, appID, guildID, channelID string, by User, customID string, values []string, message map[string]any, ephemeral bool) []byte {
	data := map[string]any{"custom_id": customID, "component_type": 2}
	if values != nil {
		data["component_type"], data["values"] = 3, values
	}
	msg := map[string]any{"id": "msg-clicked", "channel_id": channelID, "content": ""}
	for k, v := range message {
		msg[k] = v
	}
	if ephemeral {
		msg["flags"] = 64
	}
	return mustJSON(map[string]any{
		"id": id, "application_id": appID, "type": 3, "token": "itoken-" + id, "version": 1,
		"guild_id": guildID, "channel_id": channelID, "member": by.member(), "data": data, "message": msg,
	})
}

// ModalSubmit is the submission of a modal whose custom_id was customID,
// with a text input per entry of values (custom_id → what was typed), in
// a guild channel.
func ModalSubmit(id, appID, guildID, channelID string, by User, customID string, values map[string]string) []byte {
	var rows []map[string]any
	for k, v := range values {
		rows = append(rows, map[string]any{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": k, "value": v}}})
	}
	return mustJSON(map[string]any{
		"id": id, "application_id": appID, "type": 5, "token": "itoken-" + id, "version": 1,
		"guild_id": guildID, "channel_id": channelID, "member": by.member(),
		"data": map[string]any{"custom_id": customID, "components": rows},
	})
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b.Bytes())
}
