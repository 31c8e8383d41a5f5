package slack

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	testBotToken = "xoxb-test-bot-token"
	testAppToken = "xapp-test-app-token"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotUser  = "UBOT"
)

// fakeSlack is a Slack Web API on httptest: it checks the bearer token,
// the method path and the form or JSON body of every call, keeps
// channels, members, messages and pins, and answers as Slack does
// ({"ok":false,"error":"name_taken"}, 429 with Retry-After). It also
// serves response URLs under /hooks/. users.conversations pages with
// response_metadata.next_cursor, and channels have a creator: the bot for
// the ones it created, U1 by default for the ones a test adds.
type fakeSlack struct {
	t   *testing.T
	srv *httptest.Server
	// now stamps calls (a fake clock in tests that move one).
	now func() time.Time
	// publicWrite lets the bot post to public channels it is not in
	// (the chat:write.public scope).
	publicWrite bool
	// wsURL is what apps.connections.open answers.
	wsURL string

	mu       sync.Mutex
	calls    []apiCall
	hooks    []map[string]any
	channels map[string]*fakeChannel
	order    []string
	users    map[string]string // id → display name
	faults   map[string][]fault
	lose     map[string]int // calls whose answer is lost after they took effect
	seq      int
}

type apiCall struct {
	Method string
	// HTTP is the request's method (GET, POST); Bearer says whether the
	// token came in the Authorization header.
	HTTP   string
	Bearer bool
	Form   url.Values
	JSON   map[string]any
	At     time.Time
	// Err is the ok:false code answered, "" for ok; Status the HTTP status.
	Err    string
	Status int
	// Lost is true when the call took effect but its answer was never
	// sent (see loseNext).
	Lost bool
}

type fakeChannel struct {
	id, name, topic string
	creator         string // user ID
	created         int64  // Unix seconds
	private         bool
	archived        bool
	members         map[string]bool
	messages        []*fakeMsg
	pins            map[string]bool
}

type fakeMsg struct {
	ts, user, text, thread string
	blocks                 []any
	metadata               string // JSON, as posted
}

// fault answers one call of a method instead of the normal handler.
type fault struct {
	status int
	header http.Header
	body   string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{
		t: t, now: time.Now, publicWrite: true,
		channels: map[string]*fakeChannel{},
		users:    map[string]string{"U1": "Alice Example", "U2": "Bob", "U3": "Carol", testBotUser: "Tourniquet"},
		faults:   map[string][]fault{},
		lose:     map[string]int{},
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// apiURL is the Web API base, ending with /api/ like Slack's.
func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

// hookURL is a response URL on the fake.
func (f *fakeSlack) hookURL(id string) string { return f.srv.URL + "/hooks/" + id }

// addChannel creates a channel the way a workspace already has it, as
// created by U1.
func (f *fakeSlack) addChannel(id, name string, private bool, members ...string) *fakeChannel {
	return f.addChannelBy("U1", id, name, private, members...)
}

// addChannelBy creates a channel that creator created.
func (f *fakeSlack) addChannelBy(creator, id, name string, private bool, members ...string) *fakeChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeChannel{id: id, name: name, private: private, creator: creator, created: f.now().Unix(),
		members: map[string]bool{}, pins: map[string]bool{}}
	for _, m := range members {
		c.members[m] = true
	}
	f.channels[id] = c
	f.order = append(f.order, id)
	return c
}

// addMessage puts a message in a channel, as a user wrote it.
func (f *fakeSlack) addMessage(channel, user, text string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := f.nextTS()
	f.channels[channel].messages = append(f.channels[channel].messages, &fakeMsg{ts: ts, user: user, text: text})
	return ts
}

// failNext makes the next n calls of method answer status with header and
// body (a 429, a 500, an ok:false).
func (f *fakeSlack) failNext(method string, n, status int, header http.Header, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[method] = append(f.faults[method], fault{status: status, header: header, body: body})
	}
}

// archive archives a channel: it keeps its name, and users.conversations
// with exclude_archived leaves it out.
func (f *fakeSlack) archive(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[id].archived = true
}

// loseNext makes the next n calls of method take effect and then close the
// connection without an answer, as when an answer is lost on its way.
func (f *fakeSlack) loseNext(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose[method] += n
}

// Calls returns the calls of the given methods (all when none), in order.
func (f *fakeSlack) Calls(methods ...string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// OK returns the successful calls of a method.
func (f *fakeSlack) OK(method string) []apiCall {
	var out []apiCall
	for _, c := range f.Calls(method) {
		if c.Status == http.StatusOK && c.Err == "" {
			out = append(out, c)
		}
	}
	return out
}

// Hooks returns what was posted to response URLs.
func (f *fakeSlack) Hooks() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.hooks...)
}

func (f *fakeSlack) channel(id string) *fakeChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.channels[id]
}

func (f *fakeSlack) channelByName(name string) *fakeChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.channels {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (f *fakeSlack) nextTS() string {
	f.seq++
	return fmt.Sprintf("1772373600.%06d", f.seq)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ServeHTTP is the fake's whole API.
func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if id, ok := strings.CutPrefix(r.URL.Path, "/hooks/"); ok {
		var m map[string]any
		if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		m["_hook"] = id
		f.mu.Lock()
		f.hooks = append(f.hooks, m)
		f.mu.Unlock()
		_, _ = w.Write([]byte("ok"))
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || method == "" {
		http.NotFound(w, r)
		return
	}
	call := apiCall{Method: method, HTTP: r.Method, At: f.now(), Form: url.Values{},
		Bearer: strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodGet:
		call.Form = r.URL.Query()
	case ct == "application/x-www-form-urlencoded":
		call.Form, _ = url.ParseQuery(string(body))
	case ct == "application/json":
		if len(strings.TrimSpace(string(body))) > 0 && string(body) != "null\n" {
			if err := json.Unmarshal(body, &call.JSON); err != nil {
				f.t.Errorf("%s: body is not JSON: %v", method, err)
			}
		}
	default:
		f.t.Errorf("%s: unexpected content type %q", method, r.Header.Get("Content-Type"))
	}
	if r.Method != http.MethodPost && !(r.Method == http.MethodGet && method == "chat.getPermalink") {
		f.t.Errorf("%s called with %s", method, r.Method)
	}
	if call.Form.Has("token") {
		f.t.Errorf("%s: the token travelled in the request body, not the Authorization header", method)
	}
	want := "Bearer " + testBotToken
	if method == "apps.connections.open" {
		want = "Bearer " + testAppToken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(status int, v any) {
		call.Status = status
		if m, ok := v.(map[string]any); ok {
			if e, _ := m["error"].(string); e != "" {
				call.Err = e
			}
		}
		f.calls = append(f.calls, call)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != want {
		answer(http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if q := f.faults[method]; len(q) > 0 {
		ft := q[0]
		f.faults[method] = q[1:]
		call.Status = ft.status
		var m map[string]any
		if json.Unmarshal([]byte(ft.body), &m) == nil {
			call.Err, _ = m["error"].(string)
		}
		if call.Err == "" && ft.status == http.StatusTooManyRequests {
			call.Err = "ratelimited"
		}
		f.calls = append(f.calls, call)
		for k, vs := range ft.header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(ft.status)
		_, _ = w.Write([]byte(ft.body))
		return
	}
	status, v := f.handle(method, call)
	if f.lose[method] > 0 {
		f.lose[method]--
		call.Lost = true
		f.calls = append(f.calls, call)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			f.t.Errorf("%s: lose the answer: %v", method, err)
			return
		}
		_ = conn.Close()
		return
	}
	answer(status, v)
}

func fail(code string) (int, map[string]any) {
	return http.StatusOK, map[string]any{"ok": false, "error": code}
}

func okv(kv ...any) (int, map[string]any) {
	m := map[string]any{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return http.StatusOK, m
}

var channelNameRe = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// handle answers one authenticated call; f.mu is held.
func (f *fakeSlack) handle(method string, c apiCall) (int, map[string]any) {
	p := c.Form.Get
	need := func(keys ...string) string {
		for _, k := range keys {
			if p(k) == "" {
				f.t.Errorf("%s: missing %s in %v", method, k, c.Form)
				return k
			}
		}
		return ""
	}
	ch := func() *fakeChannel { return f.channels[p("channel")] }
	switch method {
	case "auth.test":
		return okv("url", "https://tq-test.slack.com/", "team", "Tourniquet Test", "user", "tourniquet", "team_id", "T1", "user_id", testBotUser, "bot_id", "B1")
	case "apps.connections.open":
		if f.wsURL == "" {
			return fail("not_allowed")
		}
		return okv("url", f.wsURL)
	case "conversations.create":
		if need("name") != "" {
			return fail("invalid_name_required")
		}
		name := p("name")
		switch {
		case utf8.RuneCountInString(name) > 80:
			return fail("invalid_name_maxlength")
		case !channelNameRe.MatchString(name):
			return fail("invalid_name_specials")
		}
		for _, x := range f.channels {
			if x.name == name {
				return fail("name_taken")
			}
		}
		f.seq++
		id := fmt.Sprintf("CNEW%d", f.seq)
		x := &fakeChannel{id: id, name: name, private: p("is_private") == "true", creator: testBotUser, created: f.now().Unix(),
			members: map[string]bool{testBotUser: true}, pins: map[string]bool{}}
		f.channels[id] = x
		f.order = append(f.order, id)
		return okv("channel", x.json())
	case "users.conversations":
		return f.userConversations(c.Form)
	case "conversations.invite":
		if need("channel", "users") != "" {
			return fail("no_user")
		}
		x := ch()
		if x == nil {
			return fail("channel_not_found")
		}
		if !x.members[testBotUser] {
			return fail("not_in_channel")
		}
		added := 0
		var errs []map[string]any
		for _, u := range strings.Split(p("users"), ",") {
			switch {
			case u == testBotUser:
				errs = append(errs, map[string]any{"user": u, "ok": false, "error": "cant_invite_self"})
			case f.users[u] == "":
				errs = append(errs, map[string]any{"user": u, "ok": false, "error": "user_not_found"})
			case x.members[u]:
				errs = append(errs, map[string]any{"user": u, "ok": false, "error": "already_in_channel"})
			default:
				x.members[u] = true
				added++
			}
		}
		if added == 0 && len(errs) > 0 {
			return fail(errs[0]["error"].(string))
		}
		if len(errs) > 0 && p("force") != "true" {
			return fail(errs[0]["error"].(string))
		}
		return okv("channel", x.json())
	case "conversations.join":
		x := ch()
		if x == nil {
			return fail("channel_not_found")
		}
		if x.private {
			return fail("method_not_supported_for_channel_type")
		}
		x.members[testBotUser] = true
		return okv("channel", x.json())
	case "conversations.info":
		x := ch()
		if x == nil || (x.private && !x.members[testBotUser]) {
			return fail("channel_not_found")
		}
		return okv("channel", x.json())
	case "conversations.setTopic":
		need("channel", "topic")
		x := ch()
		if x == nil {
			return fail("channel_not_found")
		}
		if !x.members[testBotUser] {
			return fail("not_in_channel")
		}
		if utf8.RuneCountInString(p("topic")) > 250 {
			return fail("too_long")
		}
		x.topic = p("topic")
		return okv("channel", x.json())
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		x := ch()
		if x == nil || (x.private && !x.members[testBotUser]) {
			return fail("channel_not_found")
		}
		if !x.members[testBotUser] && (!f.publicWrite || method == "chat.update") {
			return fail("not_in_channel")
		}
		if p("text") == "" && p("blocks") == "" {
			return fail("no_text")
		}
		var blocks []any
		if b := p("blocks"); b != "" {
			if err := json.Unmarshal([]byte(b), &blocks); err != nil {
				return fail("invalid_blocks_format")
			}
			if problem := checkBlocks(blocks); problem != "" {
				f.t.Logf("%s: invalid blocks: %s", method, problem)
				return http.StatusOK, map[string]any{"ok": false, "error": "invalid_blocks", "errors": []string{problem}}
			}
		}
		switch method {
		case "chat.postEphemeral":
			if need("user") != "" {
				return fail("user_not_found")
			}
			if !x.members[p("user")] {
				return fail("user_not_in_channel")
			}
			return okv("message_ts", f.nextTS())
		case "chat.update":
			for _, m := range x.messages {
				if m.ts == p("ts") {
					m.text, m.blocks = p("text"), blocks
					return okv("channel", x.id, "ts", m.ts, "text", m.text)
				}
			}
			return fail("message_not_found")
		}
		m := &fakeMsg{ts: f.nextTS(), user: testBotUser, text: p("text"), blocks: blocks, thread: p("thread_ts"), metadata: p("metadata")}
		x.messages = append(x.messages, m)
		return okv("channel", x.id, "ts", m.ts, "message", map[string]any{"type": "message", "user": testBotUser, "text": m.text, "ts": m.ts})
	case "pins.add":
		need("channel", "timestamp")
		x := ch()
		if x == nil {
			return fail("channel_not_found")
		}
		if !x.members[testBotUser] {
			return fail("not_in_channel")
		}
		if x.find(p("timestamp")) == nil {
			return fail("message_not_found")
		}
		if x.pins[p("timestamp")] {
			return fail("already_pinned")
		}
		x.pins[p("timestamp")] = true
		return okv()
	case "chat.getPermalink":
		need("channel", "message_ts")
		x := ch()
		if x == nil {
			return fail("channel_not_found")
		}
		if x.find(p("message_ts")) == nil {
			return fail("message_not_found")
		}
		return okv("channel", x.id, "permalink", "https://tq-test.slack.com/archives/"+x.id+"/p"+strings.ReplaceAll(p("message_ts"), ".", ""))
	case "conversations.history", "conversations.replies":
		need("channel")
		x := ch()
		if x == nil || !x.members[testBotUser] {
			return fail("channel_not_found")
		}
		var out []map[string]any
		for _, m := range x.messages {
			top := m.thread == "" || m.thread == m.ts
			if method == "conversations.history" && !top {
				continue
			}
			if method == "conversations.replies" && m.thread != p("ts") && m.ts != p("ts") {
				continue
			}
			if inRange(m.ts, p("oldest"), p("latest"), p("inclusive") == "true" || p("inclusive") == "1") {
				msg := map[string]any{"type": "message", "user": m.user, "text": m.text, "ts": m.ts}
				if m.metadata != "" && p("include_all_metadata") == "1" {
					msg["metadata"] = json.RawMessage(m.metadata)
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
	case "users.info":
		need("user")
		name := f.users[p("user")]
		if name == "" {
			return fail("user_not_found")
		}
		return okv("user", map[string]any{"id": p("user"), "name": strings.ToLower(strings.Fields(name)[0]), "real_name": name,
			"profile": map[string]any{"display_name": name, "real_name": name}})
	case "views.open":
		v, _ := c.JSON["view"].(map[string]any)
		if trig, _ := c.JSON["trigger_id"].(string); trig == "" {
			return fail("invalid_trigger_id")
		}
		if v == nil || v["type"] != "modal" || v["callback_id"] == "" {
			return fail("invalid_arguments")
		}
		f.seq++
		return okv("view", map[string]any{"id": fmt.Sprintf("V%d", f.seq), "type": "modal", "callback_id": v["callback_id"], "hash": "h1"})
	}
	f.t.Errorf("unexpected Slack method %s", method)
	return fail("unknown_method")
}

func (c *fakeChannel) json() map[string]any {
	return map[string]any{"id": c.id, "name": c.name, "is_channel": true, "is_private": c.private,
		"is_archived": c.archived, "creator": c.creator, "created": c.created,
		"is_member": c.members[testBotUser], "topic": map[string]any{"value": c.topic}}
}

// userConversations answers users.conversations as Slack does: the
// channels user (default: the caller, the bot) is a member of, of types
// (default public_channel; private ones only where the bot is a member
// too), exclude_archived, limit (default 100, at most 1000) and an opaque
// cursor, with response_metadata.next_cursor "" on the last page. f.mu is
// held.
func (f *fakeSlack) userConversations(form url.Values) (int, map[string]any) {
	user := form.Get("user")
	if user == "" {
		user = testBotUser
	}
	if f.users[user] == "" {
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
		if start, err = strconv.Atoi(n); err != nil || start < 0 || start > len(f.order) {
			return fail("invalid_cursor")
		}
	}
	exclude := form.Get("exclude_archived") == "true" || form.Get("exclude_archived") == "1"
	out, next := []map[string]any{}, ""
	i := start
	for ; i < len(f.order) && len(out) < limit; i++ {
		x := f.channels[f.order[i]]
		switch {
		case !x.members[user]:
		case x.private && (!types["private_channel"] || !x.members[testBotUser]):
		case !x.private && !types["public_channel"]:
		case exclude && x.archived:
		default:
			out = append(out, x.json())
		}
	}
	if i < len(f.order) {
		next = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(i)))
	}
	return okv("channels", out, "response_metadata", map[string]any{"next_cursor": next})
}

func (c *fakeChannel) find(ts string) *fakeMsg {
	for _, m := range c.messages {
		if m.ts == ts {
			return m
		}
	}
	return nil
}

func inRange(ts, oldest, latest string, inclusive bool) bool {
	if oldest != "" && (ts < oldest || !inclusive && ts == oldest) {
		return false
	}
	if latest != "" && (ts > latest || !inclusive && ts == latest) {
		return false
	}
	return true
}

// checkBlocks applies Slack's Block Kit limits; "" means valid.
func checkBlocks(blocks []any) string {
	if len(blocks) > 50 {
		return fmt.Sprintf("%d blocks (at most 50)", len(blocks))
	}
	actionIDs := map[string]bool{}
	text := func(v any, kinds ...string) (string, bool) {
		m, _ := v.(map[string]any)
		if m == nil || !contains(kinds, fmt.Sprint(m["type"])) {
			return "", false
		}
		s, ok := m["text"].(string)
		return s, ok && s != ""
	}
	length := func(s string) int { return utf8.RuneCountInString(s) }
	for i, b := range blocks {
		m, _ := b.(map[string]any)
		switch m["type"] {
		case "header":
			s, ok := text(m["text"], "plain_text")
			if !ok || length(s) > 150 {
				return fmt.Sprintf("block %d: header text must be plain_text of 1-150 characters", i)
			}
		case "section":
			fields, _ := m["fields"].([]any)
			s, hasText := text(m["text"], "mrkdwn", "plain_text")
			if !hasText && len(fields) == 0 {
				return fmt.Sprintf("block %d: section without text or fields", i)
			}
			if length(s) > 3000 || len(fields) > 10 {
				return fmt.Sprintf("block %d: section text over 3000 or over 10 fields", i)
			}
			for _, fl := range fields {
				if s, ok := text(fl, "mrkdwn", "plain_text"); !ok || length(s) > 2000 {
					return fmt.Sprintf("block %d: field over 2000 characters", i)
				}
			}
		case "context":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				return fmt.Sprintf("block %d: context needs 1-10 elements", i)
			}
			for _, e := range els {
				if s, ok := text(e, "mrkdwn", "plain_text"); !ok || length(s) > 3000 {
					return fmt.Sprintf("block %d: context text over 3000", i)
				}
			}
		case "divider":
		case "actions":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				return fmt.Sprintf("block %d: actions needs 1-25 elements", i)
			}
			for _, e := range els {
				el, _ := e.(map[string]any)
				if el["type"] != "button" {
					return fmt.Sprintf("block %d: unexpected element %v", i, el["type"])
				}
				s, ok := text(el["text"], "plain_text")
				id, _ := el["action_id"].(string)
				val, _ := el["value"].(string)
				switch {
				case !ok || length(s) > 75:
					return fmt.Sprintf("block %d: button text must be 1-75 characters", i)
				case id == "" || len(id) > 255 || actionIDs[id]:
					return fmt.Sprintf("block %d: action_id %q missing, too long or not unique", i, id)
				case length(val) > 2000:
					return fmt.Sprintf("block %d: button value over 2000", i)
				}
				actionIDs[id] = true
				if st, ok := el["style"]; ok && st != "primary" && st != "danger" {
					return fmt.Sprintf("block %d: bad style %v", i, st)
				}
				if c, ok := el["confirm"].(map[string]any); ok {
					t, ok1 := text(c["title"], "plain_text")
					x, ok2 := text(c["text"], "plain_text", "mrkdwn")
					y, ok3 := text(c["confirm"], "plain_text")
					n, ok4 := text(c["deny"], "plain_text")
					if !ok1 || !ok2 || !ok3 || !ok4 || length(t) > 100 || length(x) > 300 || length(y) > 30 || length(n) > 30 {
						return fmt.Sprintf("block %d: bad confirm dialog", i)
					}
				}
			}
		default:
			return fmt.Sprintf("block %d: unknown type %v", i, m["type"])
		}
	}
	return ""
}
