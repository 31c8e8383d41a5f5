// Package discordtest fakes the parts of Discord that Tourniquet talks to,
// speaking the real API's shapes: a REST server under /api/v10/ that
// checks the bot token, keeps channels, threads, messages and pins, records
// interaction callbacks and webhook follow-ups, and can be told to answer
// with errors and rate limits (429 with Retry-After and X-RateLimit-*
// headers); a gateway websocket that identifies a session and dispatches
// events; and helpers that sign interactions with an Ed25519 key.
//
// Like Discord, the fake honours a message's nonce with enforce_nonce: a
// post whose nonce the same author used in the same channel within
// NonceWindow gets the message created then (200, same ID) instead of a
// new one. LoseAnswers makes it do a request's work and then drop the
// connection, as when an answer is lost on the way back.
package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Method string
	// Path is relative to the API base: "channels/1/messages".
	Path   string
	Query  string
	Auth   string
	Body   []byte
	Status int
	// Lost is true when the request took effect but its answer was never
	// sent (see LoseAnswers).
	Lost bool
}

// JSON decodes the request body into v.
func (r Request) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Channel is a channel or thread the fake knows.
type Channel struct {
	ID       string `json:"id"`
	Type     int    `json:"type"`
	GuildID  string `json:"guild_id,omitempty"`
	Name     string `json:"name,omitempty"`
	ParentID string `json:"parent_id,omitempty"`
	Topic    string `json:"topic,omitempty"`
	// PermissionOverwrites are kept as sent (a private channel's).
	PermissionOverwrites []map[string]any `json:"permission_overwrites,omitempty"`
	// Members are the users added to a thread (PUT thread-members).
	Members []string `json:"-"`
}

// Message is a message the fake keeps: the JSON body it was sent or last
// edited with, and whether it is pinned.
type Message struct {
	ID        string
	ChannelID string
	Body      map[string]any
	Pinned    bool
	// Nonce is the nonce the message was created with, if any.
	Nonce string
}

// NonceWindow is how long the fake remembers a message's nonce. Discord
// documents only "the past few minutes".
const NonceWindow = 5 * time.Minute

// nonceKey is what Discord matches an enforced nonce on.
type nonceKey struct{ channel, author, nonce string }

type nonceSeen struct {
	id string
	at time.Time
}

// rule applies to the next left requests with a method whose path starts
// with path.
type rule struct {
	method, path string
	left         int
}

// take reports whether the rule applies to a request, and counts it.
func (r *rule) take(method, path string) bool {
	if r.left <= 0 || r.method != method || !strings.HasPrefix(path, r.path) {
		return false
	}
	r.left--
	return true
}

type failure struct {
	rule
	status int
	header http.Header
	body   string
}

// Server is the fake. Create it with New.
type Server struct {
	// Token is the bot token the fake accepts ("Authorization: Bot <Token>").
	Token string
	// AppID is the application the fake reports for /applications/@me.
	AppID string

	srv *httptest.Server
	t   testing.TB

	mu       sync.Mutex
	members  map[string]bool // "guild/user"
	seq      int
	reqs     []Request
	channels map[string]*Channel
	messages map[string]*Message
	order    []string
	fails    []*failure
	losses   []*rule
	nonces   map[nonceKey]nonceSeen
	now      func() time.Time
	noDMs    map[string]bool
	dead     map[string]bool // interaction tokens Discord no longer accepts
	gw       *gateway
}

// Base is the API path prefix, as in https://discord.com/api/v10/.
const Base = "/api/v10/"

// New starts a fake with the given bot token and application ID; it is
// closed when the test ends.
func New(t testing.TB, token, appID string) *Server {
	s := &Server{Token: token, AppID: appID, t: t, channels: map[string]*Channel{}, messages: map[string]*Message{},
		nonces: map[nonceKey]nonceSeen{}, now: time.Now, noDMs: map[string]bool{}, dead: map[string]bool{}}
	s.gw = newGateway(s)
	mux := http.NewServeMux()
	mux.HandleFunc(Base, s.serveAPI)
	mux.HandleFunc("/gateway-ws", s.gw.serve)
	mux.HandleFunc("/gateway-ws/", s.gw.serve)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.gw.closeAll()
		s.srv.Close()
	})
	return s
}

// APIURL is the REST base to configure: <server>/api/v10/.
func (s *Server) APIURL() string { return s.srv.URL + Base }

// URL is the server's root URL.
func (s *Server) URL() string { return s.srv.URL }

// AddChannel makes a channel known (a lobby, the announce channel, a
// category's sibling). Type 0 is a text channel.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := c
	s.channels[c.ID] = &cp
}

// Channel returns a channel the fake knows.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return *c, true
}

// CloseDMs makes the user refuse direct messages from the bot (50007).
func (s *Server) CloseDMs(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noDMs[userID] = true
}

// ExpireToken makes Discord refuse follow-ups with an interaction token.
func (s *Server) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead[token] = true
}

// Fail makes the next n requests whose method matches and whose path
// starts with path answer status with the given headers and JSON body.
func (s *Server) Fail(method, path string, n, status int, header http.Header, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, &failure{rule: rule{method: method, path: path, left: n}, status: status, header: header, body: body})
}

// LoseAnswers makes the next n requests whose method matches and whose
// path starts with path take effect as usual, and then closes the
// connection without answering: the client cannot tell whether they did.
func (s *Server) LoseAnswers(method, path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.losses = append(s.losses, &rule{method: method, path: path, left: n})
}

// SetClock makes the fake read the time from now (for the nonce window).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// RateLimit makes the next request to method+path answer 429 like Discord:
// Retry-After and X-RateLimit-Reset-After of after (in seconds, fractional
// allowed), X-RateLimit-Remaining 0, a bucket, a scope, and the JSON body;
// global marks a global limit (X-RateLimit-Global, scope "global").
func (s *Server) RateLimit(method, path string, after float64, global bool) {
	h := http.Header{}
	secs := strconv.FormatFloat(after, 'f', -1, 64)
	h.Set("Retry-After", strconv.Itoa(int(after+0.999)))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", secs)
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Unix())+after, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "b-"+strings.ReplaceAll(path, "/", "-"))
	scope := "user"
	if global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	body := fmt.Sprintf(`{"message": "You are being rate limited.", "retry_after": %s, "global": %t}`, secs, global)
	s.Fail(method, path, 1, http.StatusTooManyRequests, h, body)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Find returns the requests with the method whose path starts with prefix.
func (s *Server) Find(method, prefix string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// Messages returns the messages of a channel, oldest first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		if m := s.messages[id]; m.ChannelID == channelID {
			out = append(out, *m)
		}
	}
	return out
}

// ChannelsNamed returns the channels and threads with a name.
func (s *Server) ChannelsNamed(name string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.Name == name {
			out = append(out, *c)
		}
	}
	return out
}

func (s *Server) nextID() string {
	s.seq++
	return strconv.Itoa(900000 + s.seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, Base)
	lost := s.takeLoss(r.Method, path)
	var rec *statusRecorder
	if lost {
		rec = &statusRecorder{ResponseWriter: httptest.NewRecorder()}
	} else {
		rec = &statusRecorder{ResponseWriter: w}
	}
	s.route(rec, r, path, body)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body,
		Status: rec.status, Lost: lost})
	s.mu.Unlock()
	if lost {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.t.Errorf("discordtest: lose an answer: %v", err)
			return
		}
		_ = conn.Close()
	}
}

func (s *Server) takeLoss(method, path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := first(s.losses, method, path)
	return ok
}

// taker is a rule, or a value that embeds one.
type taker interface {
	take(method, path string) bool
}

// first is the first of rules that applies to a request, counted.
func first[R taker](rules []R, method, path string) (R, bool) {
	for _, r := range rules {
		if r.take(method, path) {
			return r, true
		}
	}
	var none R
	return none, false
}

func (s *Server) takeFailure(method, path string) *failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, _ := first(s.fails, method, path)
	return f
}

// tokenFree are the routes Discord authenticates by the interaction token
// in the path instead of the bot token.
func tokenFree(path string) bool {
	return strings.HasPrefix(path, "interactions/") || strings.HasPrefix(path, "webhooks/") || path == "gateway"
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	if !tokenFree(path) && r.Header.Get("Authorization") != "Bot "+s.Token {
		apiError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "DiscordBot (") {
		apiError(w, http.StatusBadRequest, 0, "missing DiscordBot user agent")
		return
	}
	if len(body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	if f := s.takeFailure(r.Method, path); f != nil {
		for k, vs := range f.header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
		return
	}
	p := strings.Split(path, "/")
	switch {
	case r.Method == http.MethodGet && path == "gateway":
		writeJSON(w, 200, map[string]string{"url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway-ws"})
	case r.Method == http.MethodGet && path == "applications/@me":
		writeJSON(w, 200, map[string]string{"id": s.AppID, "name": "Tourniquet"})
	case r.Method == http.MethodPut && len(p) >= 3 && p[0] == "applications" && p[len(p)-1] == "commands":
		s.putCommands(w, p, body)
	case len(p) == 3 && p[0] == "guilds" && p[2] == "channels":
		s.guildChannels(w, r.Method, p[1], body)
	case r.Method == http.MethodGet && len(p) == 4 && p[0] == "guilds" && p[2] == "threads" && p[3] == "active":
		s.activeThreads(w, p[1])
	case r.Method == http.MethodGet && len(p) == 4 && p[0] == "guilds" && p[2] == "members":
		s.guildMember(w, p[1], p[3])
	case len(p) >= 2 && p[0] == "channels":
		s.channelRoutes(w, r.Method, r.Header.Get("Authorization"), p[1], p[2:], body)
	case r.Method == http.MethodPost && path == "users/@me/channels":
		s.openDM(w, body)
	case r.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		w.WriteHeader(http.StatusNoContent)
	case len(p) >= 3 && p[0] == "webhooks":
		s.webhook(w, r.Method, p, body)
	default:
		apiError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

func (s *Server) putCommands(w http.ResponseWriter, p []string, body []byte) {
	if p[1] != s.AppID {
		apiError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []map[string]any
	if err := json.Unmarshal(body, &cmds); err != nil {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	for _, c := range cmds {
		c["id"] = s.nextID()
		c["application_id"] = s.AppID
	}
	s.mu.Unlock()
	writeJSON(w, 200, cmds)
}

func (s *Server) guildChannels(w http.ResponseWriter, method, guild string, body []byte) {
	switch method {
	case http.MethodGet:
		s.mu.Lock()
		out := []Channel{}
		for _, c := range s.channels {
			if c.GuildID == guild && c.Type != 11 && c.Type != 12 {
				out = append(out, *c)
			}
		}
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodPost:
		var c Channel
		if err := json.Unmarshal(body, &c); err != nil || c.Name == "" {
			apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
			return
		}
		// Discord answers with permission bits as strings, however they
		// were sent.
		for _, o := range c.PermissionOverwrites {
			for _, k := range []string{"allow", "deny"} {
				if n, ok := o[k].(float64); ok {
					o[k] = strconv.FormatInt(int64(n), 10)
				}
			}
		}
		s.mu.Lock()
		c.ID, c.GuildID = s.nextID(), guild
		s.channels[c.ID] = &c
		s.mu.Unlock()
		writeJSON(w, 201, c)
	default:
		apiError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

func (s *Server) activeThreads(w http.ResponseWriter, guild string) {
	s.mu.Lock()
	threads := []Channel{}
	for _, c := range s.channels {
		if c.GuildID == guild && (c.Type == 11 || c.Type == 12) {
			threads = append(threads, *c)
		}
	}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"threads": threads, "members": []any{}})
}

func (s *Server) channelRoutes(w http.ResponseWriter, method, author, id string, rest []string, body []byte) {
	s.mu.Lock()
	ch, ok := s.channels[id]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	switch {
	case len(rest) == 0 && method == http.MethodGet:
		s.mu.Lock()
		c := *ch
		s.mu.Unlock()
		writeJSON(w, 200, c)
	case len(rest) == 0 && method == http.MethodPatch:
		var patch map[string]any
		if err := json.Unmarshal(body, &patch); err != nil {
			apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
			return
		}
		s.mu.Lock()
		if t, ok := patch["topic"].(string); ok {
			ch.Topic = t
		}
		c := *ch
		s.mu.Unlock()
		writeJSON(w, 200, c)
	case len(rest) == 1 && rest[0] == "messages" && method == http.MethodPost:
		s.postMessage(w, ch, author, body)
	case len(rest) == 2 && rest[0] == "messages" && method == http.MethodPatch:
		s.editMessage(w, id, rest[1], body)
	case len(rest) == 3 && rest[0] == "messages" && rest[1] == "pins" && method == http.MethodPut:
		s.pinMessage(w, id, rest[2])
	case len(rest) == 2 && rest[0] == "pins" && method == http.MethodPut:
		// The deprecated route (deprecated_create_pin in Discord's
		// OpenAPI description) still works on Discord, so it works here;
		// tests that care look at the path, and the conformance checks
		// refuse deprecated operations.
		s.pinMessage(w, id, rest[1])
	case len(rest) == 2 && rest[0] == "thread-members" && method == http.MethodPut:
		if ch.Type != 11 && ch.Type != 12 {
			apiError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
			return
		}
		s.mu.Lock()
		ch.Members = append(ch.Members, rest[1])
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 1 && rest[0] == "threads" && method == http.MethodPost:
		var c Channel
		if err := json.Unmarshal(body, &c); err != nil || c.Name == "" {
			apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
			return
		}
		s.mu.Lock()
		c.ID, c.GuildID, c.ParentID = s.nextID(), ch.GuildID, id
		if c.Type == 0 {
			c.Type = 12
		}
		s.channels[c.ID] = &c
		s.mu.Unlock()
		writeJSON(w, 201, c)
	default:
		apiError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

// pinMessage pins a message of a channel: 204, or 10008 Unknown Message.
func (s *Server) pinMessage(w http.ResponseWriter, channelID, messageID string) {
	s.mu.Lock()
	m, ok := s.messages[messageID]
	ok = ok && m.ChannelID == channelID
	if ok {
		m.Pinned = true
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// postMessage creates a message. A nonce (a string or an integer of at
// most 25 characters) with enforce_nonce returns the message the author
// created with that nonce in the channel within NonceWindow, if any.
func (s *Server) postMessage(w http.ResponseWriter, ch *Channel, author string, body []byte) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	nonce, ok := nonceString(m["nonce"])
	if !ok {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body (nonce)")
		return
	}
	enforce, _ := m["enforce_nonce"].(bool)
	key := nonceKey{channel: ch.ID, author: author, nonce: nonce}
	if content, _ := m["content"].(string); content == "" && isEmpty(m["embeds"]) && isEmpty(m["components"]) {
		apiError(w, http.StatusBadRequest, 50006, "Cannot send an empty message")
		return
	}
	s.mu.Lock()
	if strings.HasPrefix(ch.ID, "dm-") && s.noDMs[strings.TrimPrefix(ch.ID, "dm-")] {
		s.mu.Unlock()
		apiError(w, http.StatusForbidden, 50007, "Cannot send messages to this user")
		return
	}
	now := s.now()
	if seen, ok := s.nonces[key]; ok && enforce && nonce != "" && now.Sub(seen.at) < NonceWindow {
		out := map[string]any{}
		for k, v := range s.messages[seen.id].Body {
			out[k] = v
		}
		s.mu.Unlock()
		writeJSON(w, 200, out)
		return
	}
	id := s.nextID()
	s.messages[id] = &Message{ID: id, ChannelID: ch.ID, Body: m, Nonce: nonce}
	s.order = append(s.order, id)
	if nonce != "" {
		s.nonces[key] = nonceSeen{id: id, at: now}
	}
	m["id"], m["channel_id"] = id, ch.ID
	s.mu.Unlock()
	writeJSON(w, 200, m)
}

// nonceString reads a message nonce: absent, a string or an integer, of
// at most 25 characters.
func nonceString(v any) (string, bool) {
	var n string
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		n = x
	case float64:
		if x != float64(int64(x)) {
			return "", false
		}
		n = strconv.FormatInt(int64(x), 10)
	default:
		return "", false
	}
	return n, len(n) <= 25
}

func isEmpty(v any) bool {
	l, ok := v.([]any)
	return v == nil || (ok && len(l) == 0)
}

func (s *Server) editMessage(w http.ResponseWriter, channelID, id string, body []byte) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	msg, ok := s.messages[id]
	if ok && msg.ChannelID == channelID {
		msg.Body = m
	}
	s.mu.Unlock()
	if !ok || msg.ChannelID != channelID {
		apiError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	m["id"], m["channel_id"] = id, channelID
	writeJSON(w, 200, m)
}

func (s *Server) openDM(w http.ResponseWriter, body []byte) {
	var req struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.RecipientID == "" {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	c := Channel{ID: "dm-" + req.RecipientID, Type: 1}
	s.mu.Lock()
	s.channels[c.ID] = &c
	s.mu.Unlock()
	writeJSON(w, 200, c)
}

// webhook serves interaction follow-ups (POST webhooks/{app}/{token}) and
// edits of the original answer (PATCH webhooks/{app}/{token}/messages/@original).
func (s *Server) webhook(w http.ResponseWriter, method string, p []string, body []byte) {
	s.mu.Lock()
	dead := s.dead[p[2]]
	s.mu.Unlock()
	if p[1] != s.AppID || dead {
		apiError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		apiError(w, http.StatusBadRequest, 50035, "Invalid Form Body")
		return
	}
	switch {
	case method == http.MethodPost && len(p) == 3:
		s.mu.Lock()
		m["id"] = s.nextID()
		s.mu.Unlock()
		writeJSON(w, 200, m)
	case method == http.MethodPatch && len(p) == 5 && p[3] == "messages":
		m["id"] = p[4]
		writeJSON(w, 200, m)
	default:
		apiError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}
