package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// BotUserID is the bot's own user ID at the fake (auth.test).
const BotUserID = "UTQBOT"

// Message is one message the fake received: a chat.postMessage,
// chat.update or chat.postEphemeral call, or a post to a response URL
// (Method "hook", Channel the hook's ID).
type Message struct {
	Method  string
	Channel string
	TS      string
	User    string // chat.postEphemeral's user
	Text    string
	// Values are the values of the buttons in the message's blocks.
	Values []string
	// Metadata is the message metadata posted with it (JSON), if any.
	Metadata string
	At       time.Time
}

// Channel is a channel at the fake.
type Channel struct {
	ID, Name, Topic string
	Private         bool
	Members         map[string]bool
	Created         time.Time
}

// Outage makes the fake answer every Web API call with the given statuses
// in turn until Until: 429 (with Retry-After: RetryAfter seconds) or any
// 5xx. Response URLs and auth.test are not affected.
type Outage struct {
	Until      time.Time
	Statuses   []int
	RetryAfter int
}

// FakeSlack is a Slack Web API for load and fault tests. It is safe for
// concurrent use. Create it with NewFakeSlack and Close it.
type FakeSlack struct {
	token string
	srv   *http.Server
	ln    net.Listener

	mu       sync.Mutex
	channels map[string]*Channel
	names    map[string]string // name → ID
	messages []Message
	byTS     map[string]int // channel/ts → index in messages of the post
	calls    map[string]int // "method status" → count
	seq      int64
	outage   Outage
	failN    int
	watchers []func(Message)
	before   func(Message)
	started  time.Time
}

// NewFakeSlack starts a fake Slack Web API on addr ("127.0.0.1:0" for any
// free port) that accepts botToken.
func NewFakeSlack(addr, botToken string) (*FakeSlack, error) {
	if botToken == "" {
		return nil, errors.New("fake slack: a bot token is required")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake slack: listen: %w", err)
	}
	f := &FakeSlack{
		token: botToken, ln: ln,
		channels: map[string]*Channel{}, names: map[string]string{},
		byTS: map[string]int{}, calls: map[string]int{}, started: time.Now(),
	}
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// Close stops the fake.
func (f *FakeSlack) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return f.srv.Shutdown(ctx)
}

// URL is the fake's base URL (http://host:port).
func (f *FakeSlack) URL() string { return "http://" + f.ln.Addr().String() }

// APIURL is the Web API base for TOURNIQUET_SLACK_API_URL.
func (f *FakeSlack) APIURL() string { return f.URL() + "/api/" }

// HookURL is a response URL at the fake; posts to it are Messages with
// Method "hook" and Channel id.
func (f *FakeSlack) HookURL(id string) string { return f.URL() + "/hooks/" + id }

// Watch calls fn with every message as it arrives, before the fake
// answers, outside its lock. fn must be quick and safe for concurrent use.
func (f *FakeSlack) Watch(fn func(Message)) {
	f.mu.Lock()
	f.watchers = append(f.watchers, fn)
	f.mu.Unlock()
}

// Intercept calls fn with every message the Web API accepts, after the
// fake stored it and before it answers: a server killed in fn never learns
// that its message was posted. nil stops intercepting.
func (f *FakeSlack) Intercept(fn func(Message)) {
	f.mu.Lock()
	f.before = fn
	f.mu.Unlock()
}

// SetOutage makes the Web API fail as o says until o.Until.
func (f *FakeSlack) SetOutage(o Outage) {
	f.mu.Lock()
	f.outage, f.failN = o, 0
	f.mu.Unlock()
}

// Messages returns every message received so far, in arrival order.
func (f *FakeSlack) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Channels returns the channels the bot created (conversations.create),
// oldest first.
func (f *FakeSlack) Channels() []Channel {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Channel
	for _, c := range f.channels {
		if !c.Created.IsZero() {
			out = append(out, *c)
		}
	}
	sortChannels(out)
	return out
}

func sortChannels(cs []Channel) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].Created.Before(cs[j-1].Created); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// Calls returns how many calls each method got, keyed "method status"
// ("chat.postMessage 200", "chat.postMessage 429").
func (f *FakeSlack) Calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.calls))
	for k, v := range f.calls {
		out[k] = v
	}
	return out
}

func (f *FakeSlack) nextTS() string {
	f.seq++
	// Slack's ts: seconds.microseconds, unique per channel; ours are
	// unique across the workspace and increase.
	return fmt.Sprintf("%d.%06d", f.started.Unix(), f.seq)
}

// ServeHTTP is the fake's whole API.
func (f *FakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/hooks/"); ok {
		f.hook(w, r, id, body)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || method == "" {
		http.NotFound(w, r)
		return
	}
	form := url.Values{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodGet:
		form = r.URL.Query()
	case ct == "application/x-www-form-urlencoded":
		form, _ = url.ParseQuery(string(body))
	case ct == "application/json":
		var m map[string]any
		if len(body) > 0 && json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				if s, ok := v.(string); ok {
					form.Set(k, s)
				}
			}
		}
	}
	f.mu.Lock()
	status, v, hdr, msg := f.answer(method, r.Header.Get("Authorization"), form)
	f.calls[method+" "+strconv.Itoa(status)]++
	watchers, before := f.watchers, f.before
	f.mu.Unlock()
	if msg != nil && before != nil {
		before(*msg)
	}
	if msg != nil {
		for _, fn := range watchers {
			fn(*msg)
		}
	}
	for k, val := range hdr {
		w.Header().Set(k, val)
	}
	if status == http.StatusOK || status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	if s, ok := v.(string); ok {
		_, _ = io.WriteString(w, s)
	} else {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (f *FakeSlack) hook(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	var m struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	msg := Message{Method: "hook", Channel: id, Text: m.Text, Values: buttonValues(m.Blocks), At: time.Now()}
	f.mu.Lock()
	f.messages = append(f.messages, msg)
	f.calls["hook 200"]++
	watchers := f.watchers
	f.mu.Unlock()
	for _, fn := range watchers {
		fn(msg)
	}
	_, _ = w.Write([]byte("ok"))
}

func slackErr(code string) (int, any) {
	return http.StatusOK, map[string]any{"ok": false, "error": code}
}

func okv(kv ...any) (int, any) {
	m := map[string]any{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return http.StatusOK, m
}

// answer handles one Web API call; f.mu is held. msg is the message the
// call delivered, if any.
func (f *FakeSlack) answer(method, auth string, form url.Values) (status int, v any, hdr map[string]string, msg *Message) {
	if form.Has("token") {
		// Tourniquet sends the token in the Authorization header only.
		status, v = slackErr("invalid_auth")
		return status, v, nil, nil
	}
	if auth != "Bearer "+f.token {
		status, v = slackErr("invalid_auth")
		return status, v, nil, nil
	}
	if method != "auth.test" && time.Now().Before(f.outage.Until) && len(f.outage.Statuses) > 0 {
		st := f.outage.Statuses[f.failN%len(f.outage.Statuses)]
		f.failN++
		if st == http.StatusTooManyRequests {
			ra := f.outage.RetryAfter
			if ra <= 0 {
				ra = 1
			}
			return st, map[string]any{"ok": false, "error": "ratelimited"}, map[string]string{"Retry-After": strconv.Itoa(ra)}, nil
		}
		return st, "<html><body>Internal Server Error</body></html>", map[string]string{"Content-Type": "text/html"}, nil
	}
	status, v, msg = f.handle(method, form)
	return status, v, nil, msg
}

var channelNameRe = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// channel returns a channel by ID; a channel ID the workspace has not
// seen is taken to be an existing public channel the bot is not in.
func (f *FakeSlack) channel(id string) *Channel {
	if id == "" {
		return nil
	}
	c := f.channels[id]
	if c == nil && (id[0] == 'C' || id[0] == 'G') {
		c = &Channel{ID: id, Name: strings.ToLower(id), Members: map[string]bool{}}
		f.channels[id] = c
	}
	return c
}

func (c *Channel) json() map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "is_channel": true, "is_private": c.Private,
		"is_member": c.Members[BotUserID], "topic": map[string]any{"value": c.Topic}}
}

func (f *FakeSlack) handle(method string, form url.Values) (int, any, *Message) {
	p := form.Get
	noMsg := func(s int, v any) (int, any, *Message) { return s, v, nil }
	switch method {
	case "auth.test":
		return noMsg(okv("url", "https://tq-load.slack.com/", "team", "Tourniquet Load", "user", "tourniquet",
			"team_id", "TLOAD", "user_id", BotUserID, "bot_id", "BLOAD"))
	case "users.info":
		u := p("user")
		if u == "" || u[0] != 'U' {
			return noMsg(slackErr("user_not_found"))
		}
		name := "Load " + u
		return noMsg(okv("user", map[string]any{"id": u, "name": strings.ToLower(u), "real_name": name,
			"profile": map[string]any{"display_name": name, "real_name": name}}))
	case "conversations.create":
		name := p("name")
		switch {
		case name == "":
			return noMsg(slackErr("invalid_name_required"))
		case utf8.RuneCountInString(name) > 80:
			return noMsg(slackErr("invalid_name_maxlength"))
		case !channelNameRe.MatchString(name):
			return noMsg(slackErr("invalid_name_specials"))
		case f.names[name] != "":
			return noMsg(slackErr("name_taken"))
		}
		f.seq++
		c := &Channel{ID: fmt.Sprintf("CLD%06d", f.seq), Name: name, Private: p("is_private") == "true",
			Members: map[string]bool{BotUserID: true}, Created: time.Now()}
		f.channels[c.ID], f.names[name] = c, c.ID
		return noMsg(okv("channel", c.json()))
	case "conversations.invite":
		c := f.channel(p("channel"))
		switch {
		case c == nil:
			return noMsg(slackErr("channel_not_found"))
		case !c.Members[BotUserID]:
			return noMsg(slackErr("not_in_channel"))
		case p("users") == "":
			return noMsg(slackErr("no_user"))
		}
		for _, u := range strings.Split(p("users"), ",") {
			c.Members[u] = true
		}
		return noMsg(okv("channel", c.json()))
	case "conversations.join":
		c := f.channel(p("channel"))
		if c == nil {
			return noMsg(slackErr("channel_not_found"))
		}
		if c.Private {
			return noMsg(slackErr("method_not_supported_for_channel_type"))
		}
		c.Members[BotUserID] = true
		return noMsg(okv("channel", c.json()))
	case "conversations.info":
		c := f.channel(p("channel"))
		if c == nil {
			return noMsg(slackErr("channel_not_found"))
		}
		return noMsg(okv("channel", c.json()))
	case "conversations.setTopic":
		c := f.channel(p("channel"))
		switch {
		case c == nil:
			return noMsg(slackErr("channel_not_found"))
		case !c.Members[BotUserID]:
			return noMsg(slackErr("not_in_channel"))
		case utf8.RuneCountInString(p("topic")) > 250:
			return noMsg(slackErr("too_long"))
		}
		c.Topic = p("topic")
		return noMsg(okv("channel", c.json()))
	case "pins.add":
		c := f.channel(p("channel"))
		if c == nil {
			return noMsg(slackErr("channel_not_found"))
		}
		if _, ok := f.byTS[c.ID+"/"+p("timestamp")]; !ok {
			return noMsg(slackErr("message_not_found"))
		}
		return noMsg(okv())
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		c := f.channel(p("channel"))
		if c == nil {
			return noMsg(slackErr("channel_not_found"))
		}
		if method == "chat.update" && !c.Members[BotUserID] {
			return noMsg(slackErr("not_in_channel"))
		}
		if p("text") == "" && p("blocks") == "" {
			return noMsg(slackErr("no_text"))
		}
		var blocks []json.RawMessage
		if b := p("blocks"); b != "" {
			if err := json.Unmarshal([]byte(b), &blocks); err != nil {
				return noMsg(slackErr("invalid_blocks_format"))
			}
			if len(blocks) > 50 {
				return noMsg(slackErr("invalid_blocks"))
			}
		}
		m := Message{Method: method, Channel: c.ID, Text: p("text"), Values: buttonValues(blocks), At: time.Now()}
		switch method {
		case "chat.update":
			if _, ok := f.byTS[c.ID+"/"+p("ts")]; !ok {
				return noMsg(slackErr("message_not_found"))
			}
			m.TS = p("ts")
			f.messages = append(f.messages, m)
			s, v := okv("channel", c.ID, "ts", m.TS, "text", m.Text)
			return s, v, &m
		case "chat.postEphemeral":
			if p("user") == "" {
				return noMsg(slackErr("user_not_found"))
			}
			m.User, m.TS = p("user"), f.nextTS()
			f.messages = append(f.messages, m)
			s, v := okv("message_ts", m.TS)
			return s, v, &m
		}
		m.TS = f.nextTS()
		if md := p("metadata"); md != "" {
			var v struct {
				EventType    string         `json:"event_type"`
				EventPayload map[string]any `json:"event_payload"`
			}
			if json.Unmarshal([]byte(md), &v) != nil || v.EventType == "" {
				return noMsg(slackErr("invalid_metadata_format"))
			}
			m.Metadata = md
		}
		f.byTS[c.ID+"/"+m.TS] = len(f.messages)
		f.messages = append(f.messages, m)
		s, v := okv("channel", c.ID, "ts", m.TS,
			"message", map[string]any{"type": "message", "user": BotUserID, "text": m.Text, "ts": m.TS})
		return s, v, &m
	case "conversations.history":
		c := f.channel(p("channel"))
		if c == nil || !c.Members[BotUserID] {
			return noMsg(slackErr("channel_not_found"))
		}
		limit, _ := strconv.Atoi(p("limit"))
		if limit <= 0 || limit > 1000 {
			limit = 100
		}
		withMeta := p("include_all_metadata") == "1" || p("include_all_metadata") == "true"
		var out []map[string]any
		for i := len(f.messages) - 1; i >= 0 && len(out) < limit; i-- { // newest first
			m := f.messages[i]
			if m.Channel != c.ID || m.Method != "chat.postMessage" {
				continue
			}
			msg := map[string]any{"type": "message", "user": BotUserID, "bot_id": "BLOAD", "text": m.Text, "ts": m.TS}
			if withMeta && m.Metadata != "" {
				msg["metadata"] = json.RawMessage(m.Metadata)
			}
			out = append(out, msg)
		}
		return noMsg(okv("messages", out, "has_more", false))
	case "chat.getPermalink":
		return noMsg(okv("channel", p("channel"), "permalink",
			"https://tq-load.slack.com/archives/"+p("channel")+"/p"+strings.ReplaceAll(p("message_ts"), ".", "")))
	}
	return noMsg(slackErr("unknown_method"))
}

// buttonValues collects the values of the buttons in blocks.
func buttonValues(blocks []json.RawMessage) []string {
	var out []string
	for _, raw := range blocks {
		var b struct {
			Type     string `json:"type"`
			Elements []struct {
				Type  string `json:"type"`
				Value string `json:"value"`
			} `json:"elements"`
		}
		if json.Unmarshal(raw, &b) != nil || b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			if e.Type == "button" && e.Value != "" {
				out = append(out, e.Value)
			}
		}
	}
	return out
}
