package conformance

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func slackSpecT(t *testing.T) *SlackSpec {
	t.Helper()
	s, err := Slack()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func discordSpecT(t *testing.T) *DiscordSpec {
	t.Helper()
	s, err := Discord()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// want fails t unless exactly the violations containing each of wants are
// found (none when wants is empty).
func want(t *testing.T, got []Violation, wants ...string) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d violations %v, want %d %q", len(got), got, len(wants), wants)
	}
	for i, w := range wants {
		if !strings.Contains(got[i].String(), w) {
			t.Errorf("violation %d = %q, want it to say %q", i, got[i], w)
		}
	}
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func blocksJSON(t *testing.T, blocks ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func button(id, text, value string) map[string]any {
	return map[string]any{"type": "button", "action_id": id, "value": value, "text": map[string]any{"type": "plain_text", "text": text}}
}

func TestSlackCalls(t *testing.T) {
	s := slackSpecT(t)
	post := func(method string, f url.Values) SlackCall {
		return SlackCall{Method: method, HTTPMethod: "POST", Form: f, Bearer: true}
	}
	section := map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "hi"}}
	t.Run("a good call", func(t *testing.T) {
		want(t, s.Check(post("chat.postMessage", form("channel", "C1", "text", "hi", "blocks", blocksJSON(t, section), "metadata", "{}"))))
	})
	t.Run("unknown method", func(t *testing.T) {
		want(t, s.Check(post("chat.postMessages", form("channel", "C1"))), "no such Web API method")
	})
	t.Run("unknown argument", func(t *testing.T) {
		want(t, s.Check(post("chat.postMessage", form("channel", "C1", "text", "x", "colour", "red"))), "unknown argument colour")
	})
	t.Run("missing required argument", func(t *testing.T) {
		want(t, s.Check(post("chat.update", form("channel", "C1", "text", "x"))), "required argument ts is missing")
	})
	t.Run("wrong type", func(t *testing.T) {
		want(t, s.Check(SlackCall{Method: "conversations.history", HTTPMethod: "GET", Bearer: true,
			Form: form("channel", "C1", "limit", "ten", "inclusive", "yes")}),
			`argument inclusive: "yes" is not a boolean`, `argument limit: "ten" is not an integer`)
	})
	t.Run("token in the body, none in the header", func(t *testing.T) {
		c := post("auth.test", form("token", "xoxb-1"))
		c.Bearer = false
		want(t, s.Check(c), "no bearer token", "token travels in the request body")
	})
	t.Run("JSON call with a structured view", func(t *testing.T) {
		view := map[string]any{"type": "modal", "callback_id": "x", "title": map[string]any{"type": "plain_text", "text": "Declare an incident"},
			"blocks": []any{}}
		want(t, s.Check(SlackCall{Method: "views.open", HTTPMethod: "POST", Bearer: true, JSON: map[string]any{"trigger_id": "t", "view": view}}))
		view["title"] = map[string]any{"type": "plain_text", "text": "Declare an incident right now"}
		want(t, s.Check(SlackCall{Method: "views.open", HTTPMethod: "POST", Bearer: true, JSON: map[string]any{"trigger_id": "t", "view": view}}),
			"view title: text of 29 characters (1 to 24)")
	})
	t.Run("Block Kit limits", func(t *testing.T) {
		long := map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": strings.Repeat("h", 151)}}
		btn := button(strings.Repeat("a", 256), strings.Repeat("b", 76), strings.Repeat("v", 2001))
		want(t, s.Check(post("chat.postMessage", form("channel", "C1", "blocks",
			blocksJSON(t, long, map[string]any{"type": "actions", "elements": []any{btn, button("tq:1", "ok", "x"), button("tq:1", "dup", "y")}})))),
			"block 0 (header): text of 151 characters", "action_id of 256 characters", "text of 76 characters",
			"value of 2001 characters", `action_id "tq:1" used twice`)
		many := make([]map[string]any, 51)
		for i := range many {
			many[i] = section
		}
		want(t, s.Check(post("chat.postMessage", form("channel", "C1", "blocks", blocksJSON(t, many...)))), "51 blocks (at most 50)")
	})
	t.Run("newer arguments only where allowed", func(t *testing.T) {
		want(t, s.Check(post("conversations.invite", form("channel", "C1", "users", "U1", "force", "true"))))
		want(t, s.Check(post("chat.postEphemeral", form("channel", "C1", "user", "U1", "text", "x", "metadata", "{}"))), "unknown argument metadata")
	})
}

func TestDiscordRequests(t *testing.T) {
	s := discordSpecT(t)
	msg := func(body string) DiscordRequest {
		return DiscordRequest{Method: "POST", Path: "channels/123/messages", Body: []byte(body)}
	}
	t.Run("a good message", func(t *testing.T) {
		want(t, s.Check(msg(`{"content":"hi","tts":false,"embeds":[{"type":"rich","title":"t","color":1,"fields":[{"name":"a","value":"b","inline":true}]}],
			"components":[{"type":1,"components":[{"type":2,"label":"Yes","style":1,"custom_id":"mitigated"}]}],
			"allowed_mentions":{"parse":[],"replied_user":false},"sticker_ids":null,"nonce":"abc","enforce_nonce":true}`)))
	})
	t.Run("unknown route and method", func(t *testing.T) {
		want(t, s.Check(DiscordRequest{Method: "GET", Path: "channels/123/messages/456/bogus"}), "no such route")
		want(t, s.Check(DiscordRequest{Method: "PUT", Path: "channels/123/messages"}), "has no PUT on this route")
	})
	t.Run("deprecated route", func(t *testing.T) {
		want(t, s.Check(DiscordRequest{Method: "PUT", Path: "channels/1/pins/2"}), "deprecated operation deprecated_create_pin")
		want(t, s.Check(DiscordRequest{Method: "PUT", Path: "channels/1/messages/pins/2"}))
	})
	t.Run("unknown field", func(t *testing.T) {
		want(t, s.Check(msg(`{"content":"hi","embeds":[{"title":"t","colour":1}]}`)), "additional properties 'colour' not allowed")
	})
	t.Run("wrong type", func(t *testing.T) {
		want(t, s.Check(msg(`{"content":42}`)), "at /content: got number, want null or string")
	})
	t.Run("missing required field", func(t *testing.T) {
		want(t, s.Check(DiscordRequest{Method: "POST", Path: "guilds/1/channels", Body: []byte(`{"type":0}`)}), "missing property 'name'")
	})
	t.Run("query parameters", func(t *testing.T) {
		want(t, s.Check(DiscordRequest{Method: "POST", Path: "webhooks/1/tok", Query: "wait=true", Body: []byte(`{"content":"x","flags":64}`)}))
		want(t, s.Check(DiscordRequest{Method: "POST", Path: "webhooks/1/tok", Query: "wait=soon&colour=1", Body: []byte(`{"content":"x"}`)}),
			"unknown query parameter colour", `query parameter wait="soon": at /: got string, want boolean`)
	})
	t.Run("component limits", func(t *testing.T) {
		id := strings.Repeat("x", 101)
		got := s.Check(msg(`{"components":[{"type":1,"components":[{"type":2,"label":"a","style":2,"custom_id":"` + id + `"},
			{"type":2,"label":"off","style":2,"custom_id":"~off:1","disabled":true}]}]}`))
		var limits []Violation
		for _, v := range got {
			if strings.Contains(v.Problem, "custom_id of 101") || strings.Contains(v.Problem, "shown disabled") {
				limits = append(limits, v)
			}
		}
		if len(limits) != 2 {
			t.Fatalf("violations %v: want the 101-character custom_id and the disabled button", got)
		}
		rows := make([]string, 6)
		for i := range rows {
			rows[i] = `{"type":1,"components":[{"type":2,"label":"b","style":2,"custom_id":"c` + string(rune('0'+i)) + `"}]}`
		}
		want(t, s.Check(msg(`{"components":[`+strings.Join(rows, ",")+`]}`)), "6 action rows")
		want(t, s.Check(msg(`{"content":"`+strings.Repeat("c", 2001)+`"}`)), "content of 2001 characters")
	})
	t.Run("commands", func(t *testing.T) {
		put := DiscordRequest{Method: "PUT", Path: "applications/1/guilds/2/commands",
			Body: []byte(`[{"name":"incident","description":"d","type":1,"options":[{"type":1,"name":"Declare","description":"d"}]}]`)}
		want(t, s.Check(put), "incident Declare: name \"Declare\" is not a lower-case")
	})
}
