package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

var channelNameRe = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// handle answers one authenticated call as Slack would, and returns the
// message it took, if any; s.mu is held.
func (s *Server) handle(method string, c Call) (int, map[string]any, *Message) {
	p := c.Form.Get
	need := func(keys ...string) string {
		for _, k := range keys {
			if p(k) == "" {
				s.misuse("%s: missing %s in %v", method, k, c.Form)
				return k
			}
		}
		return ""
	}
	bot := s.o.BotUserID
	noMsg := func(status int, v map[string]any) (int, map[string]any, *Message) { return status, v, nil }
	switch method {
	case "auth.test":
		return noMsg(okv("url", "https://tq-test.slack.com/", "team", "Tourniquet Test", "user", "tourniquet",
			"team_id", "T1", "user_id", bot, "bot_id", "B1"))
	case "apps.connections.open":
		if s.wsURL == "" {
			return noMsg(fail("not_allowed"))
		}
		return noMsg(okv("url", s.wsURL))
	case "conversations.create":
		return noMsg(s.create(need, p("name"), p("is_private") == "true"))
	case "users.conversations":
		return noMsg(s.userConversations(c.Form))
	case "conversations.invite":
		if need("channel", "users") != "" {
			return noMsg(fail("no_user"))
		}
		return noMsg(s.invite(p("channel"), p("users"), p("force") == "true"))
	case "conversations.join":
		x := s.channel(p("channel"))
		if x == nil {
			return noMsg(fail("channel_not_found"))
		}
		if x.Private {
			return noMsg(fail("method_not_supported_for_channel_type"))
		}
		x.Members[bot] = true
		return noMsg(okv("channel", s.json(x)))
	case "conversations.info":
		x := s.channel(p("channel"))
		if x == nil || (x.Private && !x.Members[bot]) {
			return noMsg(fail("channel_not_found"))
		}
		return noMsg(okv("channel", s.json(x)))
	case "conversations.setTopic":
		need("channel", "topic")
		x, code := s.botIn(p("channel"))
		switch {
		case x == nil:
			return noMsg(fail(code))
		case utf8.RuneCountInString(p("topic")) > 250:
			return noMsg(fail("too_long"))
		}
		x.Topic = p("topic")
		return noMsg(okv("channel", s.json(x)))
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		return s.post(method, c, need)
	case "pins.add":
		need("channel", "timestamp")
		x, code := s.botIn(p("channel"))
		switch {
		case x == nil:
			return noMsg(fail(code))
		case x.find(p("timestamp")) == nil:
			return noMsg(fail("message_not_found"))
		case x.Pins[p("timestamp")]:
			return noMsg(fail("already_pinned"))
		}
		x.Pins[p("timestamp")] = true
		return noMsg(okv())
	case "chat.getPermalink":
		need("channel", "message_ts")
		x := s.channel(p("channel"))
		if x == nil {
			return noMsg(fail("channel_not_found"))
		}
		if x.find(p("message_ts")) == nil {
			return noMsg(fail("message_not_found"))
		}
		return noMsg(okv("channel", x.ID, "permalink", "https://tq-test.slack.com/archives/"+x.ID+"/p"+strings.ReplaceAll(p("message_ts"), ".", "")))
	case "conversations.history", "conversations.replies":
		need("channel")
		return noMsg(s.history(method, c.Form))
	case "users.info":
		need("user")
		name := s.userName(p("user"))
		if name == "" {
			return noMsg(fail("user_not_found"))
		}
		return noMsg(okv("user", map[string]any{"id": p("user"), "name": strings.ToLower(strings.Fields(name)[0]), "real_name": name,
			"deleted": s.deleted[p("user")], "profile": map[string]any{"display_name": name, "real_name": name}}))
	case "views.open":
		v, _ := c.JSON["view"].(map[string]any)
		if trig, _ := c.JSON["trigger_id"].(string); trig == "" {
			return noMsg(fail("invalid_trigger_id"))
		}
		if v == nil || v["type"] != "modal" || v["callback_id"] == "" {
			return noMsg(fail("invalid_arguments"))
		}
		s.seq++
		return noMsg(okv("view", map[string]any{"id": fmt.Sprintf("V%d", s.seq), "type": "modal", "callback_id": v["callback_id"], "hash": "h1"}))
	}
	s.misuse("unexpected Slack method %s", method)
	return noMsg(fail("unknown_method"))
}

// botIn returns a channel the bot is in, or nil and the code Slack
// refuses with: channel_not_found, not_in_channel. s.mu is held.
func (s *Server) botIn(id string) (*channel, string) {
	x := s.channel(id)
	switch {
	case x == nil:
		return nil, "channel_not_found"
	case !x.Members[s.o.BotUserID]:
		return nil, "not_in_channel"
	}
	return x, ""
}

// create answers conversations.create: the bot creates the channel and is
// its only member.
func (s *Server) create(need func(...string) string, name string, private bool) (int, map[string]any) {
	if need("name") != "" {
		return fail("invalid_name_required")
	}
	switch {
	case utf8.RuneCountInString(name) > 80:
		return fail("invalid_name_maxlength")
	case !channelNameRe.MatchString(name):
		return fail("invalid_name_specials")
	}
	for _, x := range s.channels {
		if x.Name == name {
			return fail("name_taken")
		}
	}
	s.seq++
	x := s.newChannel(fmt.Sprintf("CNEW%d", s.seq), name, private, s.o.BotUserID)
	x.Members[s.o.BotUserID] = true
	return okv("channel", s.json(x))
}

// invite answers conversations.invite: with force, the users who can be
// added are, and the others are reported; without, one that cannot fails
// the call.
func (s *Server) invite(channelID, users string, force bool) (int, map[string]any) {
	x, code := s.botIn(channelID)
	if x == nil {
		return fail(code)
	}
	added := 0
	var errs []string
	for _, u := range strings.Split(users, ",") {
		switch {
		case u == s.o.BotUserID:
			errs = append(errs, "cant_invite_self")
		case s.userName(u) == "":
			errs = append(errs, "user_not_found")
		case x.Members[u]:
			errs = append(errs, "already_in_channel")
		default:
			x.Members[u] = true
			added++
		}
	}
	if len(errs) > 0 && (added == 0 || !force) {
		return fail(errs[0])
	}
	return okv("channel", s.json(x))
}

// post answers chat.postMessage, chat.postEphemeral and chat.update.
func (s *Server) post(method string, c Call, need func(...string) string) (int, map[string]any, *Message) {
	p := c.Form.Get
	bot := s.o.BotUserID
	refuse := func(code string) (int, map[string]any, *Message) {
		status, v := fail(code)
		return status, v, nil
	}
	x := s.channel(p("channel"))
	if x == nil || (x.Private && !x.Members[bot]) {
		return refuse("channel_not_found")
	}
	if !x.Members[bot] && (!s.publicWrite || method == "chat.update") {
		return refuse("not_in_channel")
	}
	if p("text") == "" && p("blocks") == "" {
		return refuse("no_text")
	}
	var blocks []any
	if b := p("blocks"); b != "" {
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			return refuse("invalid_blocks_format")
		}
		if problem := CheckBlocks(blocks); problem != "" {
			if s.tb != nil {
				s.tb.Logf("%s: invalid blocks: %s", method, problem)
			}
			return http.StatusOK, map[string]any{"ok": false, "error": "invalid_blocks", "errors": []string{problem}}, nil
		}
	}
	m := Message{Method: method, Channel: x.ID, User: bot, Text: p("text"), Blocks: blocks, Values: buttonValues(blocks), At: s.o.Now()}
	switch method {
	case "chat.postEphemeral":
		if need("user") != "" {
			return refuse("user_not_found")
		}
		if !s.member(x, p("user")) {
			return refuse("user_not_in_channel")
		}
		m.To, m.TS = p("user"), s.nextTS()
		s.messages = append(s.messages, m)
		status, v := okv("message_ts", m.TS)
		return status, v, &m
	case "chat.update":
		kept := x.find(p("ts"))
		if kept == nil {
			return refuse("message_not_found")
		}
		kept.Text, kept.Blocks, kept.Values = m.Text, m.Blocks, m.Values
		m.TS, m.Thread, m.Metadata = kept.TS, kept.Thread, kept.Metadata
		s.messages = append(s.messages, m)
		status, v := okv("channel", x.ID, "ts", m.TS, "text", m.Text)
		return status, v, &m
	}
	if md := p("metadata"); md != "" {
		var v struct {
			EventType string `json:"event_type"`
		}
		if json.Unmarshal([]byte(md), &v) != nil || v.EventType == "" {
			return refuse("invalid_metadata_format")
		}
		m.Metadata = md
	}
	m.TS, m.Thread = s.nextTS(), p("thread_ts")
	kept := m
	x.msgs = append(x.msgs, &kept)
	s.messages = append(s.messages, m)
	status, v := okv("channel", x.ID, "ts", m.TS, "message", map[string]any{"type": "message", "user": bot, "text": m.Text, "ts": m.TS})
	return status, v, &m
}
