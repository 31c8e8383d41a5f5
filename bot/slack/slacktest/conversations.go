package slacktest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// history answers conversations.history (the channel's top-level
// messages) and conversations.replies (a thread: its parent and replies),
// newest first, between oldest and latest (inclusive or not), at most
// limit, with message metadata when include_all_metadata is set; s.mu is
// held.
func (s *Server) history(method string, form url.Values) (int, map[string]any) {
	p := form.Get
	x := s.channel(p("channel"))
	if x == nil || !x.Members[s.o.BotUserID] {
		return fail("channel_not_found")
	}
	withMeta := p("include_all_metadata") == "1" || p("include_all_metadata") == "true"
	var out []map[string]any
	for _, m := range x.msgs {
		top := m.Thread == "" || m.Thread == m.TS
		if method == "conversations.history" && !top {
			continue
		}
		if method == "conversations.replies" && m.Thread != p("ts") && m.TS != p("ts") {
			continue
		}
		if inRange(m.TS, p("oldest"), p("latest"), p("inclusive") == "true" || p("inclusive") == "1") {
			msg := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS}
			if m.User == s.o.BotUserID {
				msg["bot_id"] = "B1"
			}
			if m.Metadata != "" && withMeta {
				msg["metadata"] = json.RawMessage(m.Metadata)
			}
			out = append(out, msg)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["ts"].(string) > out[j]["ts"].(string) })
	if n, _ := strconv.Atoi(p("limit")); n > 0 && len(out) > n {
		out = out[:n]
	}
	if method == "conversations.replies" && len(out) == 0 {
		return fail("thread_not_found")
	}
	return okv("messages", out, "has_more", false)
}

// inRange reports whether ts is between oldest and latest ("" for no
// bound), the bounds themselves only when inclusive.
func inRange(ts, oldest, latest string, inclusive bool) bool {
	if oldest != "" && (ts < oldest || !inclusive && ts == oldest) {
		return false
	}
	if latest != "" && (ts > latest || !inclusive && ts == latest) {
		return false
	}
	return true
}

// userConversations answers users.conversations as Slack does: the
// channels user (default: the caller, the bot) is a member of, of types
// (default public_channel; private ones only where the bot is a member
// too), exclude_archived, limit (default 100, at most 1000) and an opaque
// cursor, with response_metadata.next_cursor "" on the last page. s.mu is
// held.
func (s *Server) userConversations(form url.Values) (int, map[string]any) {
	user := form.Get("user")
	if user == "" {
		user = s.o.BotUserID
	}
	if s.userName(user) == "" {
		return fail("user_not_found")
	}
	types := map[string]bool{"public_channel": true}
	if t := form.Get("types"); t != "" {
		types = map[string]bool{}
		for _, x := range strings.Split(t, ",") {
			if x != "public_channel" && x != "private_channel" && x != "mpim" && x != "im" {
				return fail("invalid_types")
			}
			types[x] = true
		}
	}
	limit := 100
	if l := form.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return fail("invalid_limit")
		}
		limit = min(n, 1000)
	}
	start := 0
	if cur := form.Get("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		n, ok := strings.CutPrefix(string(raw), "next:")
		if err != nil || !ok {
			return fail("invalid_cursor")
		}
		if start, err = strconv.Atoi(n); err != nil || start < 0 || start > len(s.order) {
			return fail("invalid_cursor")
		}
	}
	exclude := form.Get("exclude_archived") == "true" || form.Get("exclude_archived") == "1"
	out, next := []map[string]any{}, ""
	i := start
	for ; i < len(s.order) && len(out) < limit; i++ {
		x := s.channels[s.order[i]]
		switch {
		case !s.member(x, user):
		case x.Private && (!types["private_channel"] || !x.Members[s.o.BotUserID]):
		case !x.Private && !types["public_channel"]:
		case exclude && x.Archived:
		default:
			out = append(out, s.json(x))
		}
	}
	if i < len(s.order) {
		next = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(i)))
	}
	return okv("channels", out, "response_metadata", map[string]any{"next_cursor": next})
}
