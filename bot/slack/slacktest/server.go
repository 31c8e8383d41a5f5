// Package slacktest fakes the Slack Web API that Tourniquet talks to,
// speaking Slack's real shapes: methods under /api/ (chat.postMessage,
// conversations.*, pins.add, users.*, views.open, auth.test,
// apps.connections.open), the token in "Authorization: Bearer", form and
// JSON bodies, {"ok":false,"error":"name_taken"} answers, 429 with
// Retry-After, and response URLs under /hooks/. It keeps a workspace
// (channels with their members, messages, pins and topic; users) and a
// record of what it was asked.
//
// The bot/slack tests use it with a testing.TB (New), where a request Slack
// would refuse (the token in the body, a GET where Slack wants a POST, a
// missing argument, an unknown method) is a test error; the load tool and
// the fault suite use it on a listener of their own (Listen), with
// Options.Lenient so that the workspace need not be described, and
// Options.CountOnly so that a long run does not keep every call.
//
// Failures are injected three ways: FailNext answers the next calls of a
// method with a given status and body, LoseNext makes them take effect and
// drops the answer, SetOutage fails every call for a while (429 or 5xx).
//
// It imports nothing of Tourniquet, so package slack's own tests can use it.
package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultBotUserID is the bot's user ID when Options.BotUserID is empty.
const DefaultBotUserID = "UBOT"

// Options configure a fake. The zero value, but for BotToken, is a strict
// fake with an empty workspace.
type Options struct {
	// BotToken is the token the Web API accepts; required.
	BotToken string
	// AppToken is the app-level token apps.connections.open accepts (Socket
	// Mode); it answers the URL set by SetSocketURL.
	AppToken string
	// BotUserID is the bot's own user ID, as auth.test answers it (default
	// DefaultBotUserID).
	BotUserID string
	// Users are the workspace's people, user ID → display name. The bot
	// ("Tourniquet") is always one.
	Users map[string]string
	// Lenient makes the fake a workspace a test need not describe, as a
	// load test cannot: a channel ID it has not seen (C…, G…) is an
	// existing public channel the bot is not in, a user ID it has not seen
	// (U…) is a person named "User <ID>", and every person (not the bot)
	// counts as a member of every channel, as one who typed there is.
	Lenient bool
	// Now stamps calls, messages and channels, and is the fake's clock for
	// outages (default time.Now). Message timestamps (ts) count up from
	// Now's second when the fake starts.
	Now func() time.Time
	// Latency delays every call before the fake handles it, as the round
	// trip to Slack would.
	Latency time.Duration
	// CountOnly keeps only how many calls each method got (Counts), not
	// each call (Calls, OK, Hooks): what a long load run wants. Messages
	// are kept either way.
	CountOnly bool
}

// Server is the fake. Create it with New or Listen.
type Server struct {
	o     Options
	tb    testing.TB // nil: nobody to report a misuse to
	url   string
	close func() error
	epoch int64 // the seconds of every ts

	mu          sync.Mutex
	seq         int
	publicWrite bool
	wsURL       string
	calls       []Call
	counts      map[string]int
	hooks       []map[string]any
	messages    []Message
	channels    map[string]*channel
	order       []string
	users       map[string]string
	deleted     map[string]bool
	faults      map[string][]fault
	lose        map[string]int
	outage      Outage
	outageN     int
	watchers    []func(Message)
	before      func(Message)
}

// New starts a fake on a local port for a test; it is closed when the test
// ends. A request Slack would refuse is reported with tb.Errorf.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := newServer(o)
	if err != nil {
		tb.Fatal(err)
	}
	s.tb = tb
	srv := httptest.NewServer(s)
	s.url, s.close = srv.URL, func() error { srv.Close(); return nil }
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// Listen starts a fake on addr ("127.0.0.1:0" for any free port), for a
// process that is not a test (the load tool) or a server in another
// process. Close it.
func Listen(addr string, o Options) (*Server, error) {
	s, err := newServer(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake slack: listen: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.url = "http://" + ln.Addr().String()
	s.close = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}
	return s, nil
}

func newServer(o Options) (*Server, error) {
	if o.BotToken == "" {
		return nil, errors.New("fake slack: a bot token is required")
	}
	if o.BotUserID == "" {
		o.BotUserID = DefaultBotUserID
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	users := map[string]string{o.BotUserID: "Tourniquet"}
	for id, name := range o.Users {
		users[id] = name
	}
	return &Server{o: o, epoch: o.Now().Unix(), publicWrite: true, counts: map[string]int{},
		channels: map[string]*channel{}, users: users, faults: map[string][]fault{}, lose: map[string]int{}}, nil
}

// Close stops the fake; calls after it fail as when Slack cannot be reached.
func (s *Server) Close() error { return s.close() }

// URL is the fake's base URL (http://host:port).
func (s *Server) URL() string { return s.url }

// APIURL is the Web API base, ending with /api/ like Slack's, for the
// adapter's APIURL (TOURNIQUET_SLACK_API_URL).
func (s *Server) APIURL() string { return s.url + "/api/" }

// HookURL is a response URL at the fake; what is posted to it is a Message
// with Method "hook" and Channel id.
func (s *Server) HookURL(id string) string { return s.url + "/hooks/" + id }

// BotUserID is the bot's user ID at the fake.
func (s *Server) BotUserID() string { return s.o.BotUserID }

// SetSocketURL is the websocket URL apps.connections.open answers; until
// it is set the method answers not_allowed.
func (s *Server) SetSocketURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wsURL = u
}

// SetPublicWrite says whether the bot may post to public channels it is not
// in (the chat:write.public scope; on by default).
func (s *Server) SetPublicWrite(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicWrite = on
}

// misuse reports a request Slack would refuse, or that Tourniquet should
// never make, to the test.
func (s *Server) misuse(format string, args ...any) {
	if s.tb != nil {
		s.tb.Errorf(format, args...)
	}
}

// nextTS is a new message timestamp: Slack's seconds.microseconds, unique
// in the workspace and increasing. s.mu is held.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.epoch, s.seq)
}

// ServeHTTP is the fake's whole API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	if s.o.Latency > 0 {
		time.Sleep(s.o.Latency)
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/hooks/"); ok {
		s.hook(w, r, id, body)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || method == "" {
		http.NotFound(w, r)
		return
	}
	call, auth := s.parse(method, r, body)
	s.mu.Lock()
	a := s.answer(call, auth)
	watchers, before := s.watchers, s.before
	s.mu.Unlock()
	if a.msg != nil && before != nil {
		before(*a.msg)
	}
	if a.msg != nil {
		for _, fn := range watchers {
			fn(*a.msg)
		}
	}
	if a.lost {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.misuse("%s: lose the answer: %v", method, err)
			return
		}
		_ = conn.Close()
		return
	}
	for k, vs := range a.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// parse reads a Web API call as Slack would: the arguments from the query
// of a GET, or a form or JSON body; and the Authorization header.
func (s *Server) parse(method string, r *http.Request, body []byte) (Call, string) {
	auth := r.Header.Get("Authorization")
	call := Call{Method: method, HTTP: r.Method, At: s.o.Now(), Form: url.Values{},
		Bearer: strings.HasPrefix(auth, "Bearer ")}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodGet:
		call.Form = r.URL.Query()
	case ct == "application/x-www-form-urlencoded":
		call.Form, _ = url.ParseQuery(string(body))
	case ct == "application/json":
		if len(strings.TrimSpace(string(body))) > 0 && string(body) != "null\n" {
			if err := json.Unmarshal(body, &call.JSON); err != nil {
				s.misuse("%s: body is not JSON: %v", method, err)
			}
		}
	default:
		s.misuse("%s: unexpected content type %q", method, r.Header.Get("Content-Type"))
	}
	if r.Method != http.MethodPost && (r.Method != http.MethodGet || method != "chat.getPermalink") {
		s.misuse("%s called with %s", method, r.Method)
	}
	return call, auth
}

// answered is what the fake answers a call, and the message it took.
type answered struct {
	status int
	header http.Header
	body   []byte
	msg    *Message
	lost   bool
}

// answer handles one call and records it; s.mu is held. A call whose
// answer is lost is recorded with no status and no error: nobody saw one.
func (s *Server) answer(call Call, auth string) answered {
	a := s.respond(&call, auth)
	call.Status = a.status
	if a.lost {
		call.Lost, call.Status, call.Err = true, 0, ""
		s.counts[call.Method+" lost"]++
	} else {
		s.counts[fmt.Sprintf("%s %d", call.Method, a.status)]++
	}
	if !s.o.CountOnly {
		s.calls = append(s.calls, call)
	}
	return a
}

// respond decides the answer to a call, setting call.Err; s.mu is held.
func (s *Server) respond(call *Call, auth string) answered {
	want := s.o.BotToken
	if call.Method == "apps.connections.open" {
		want = s.o.AppToken
	}
	if call.Form.Has("token") {
		// Tourniquet sends the token in the Authorization header only.
		s.misuse("%s: the token travelled in the request body, not the Authorization header", call.Method)
		return jsonAnswer(call, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
	}
	if want == "" || auth != "Bearer "+want {
		return jsonAnswer(call, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
	}
	if q := s.faults[call.Method]; len(q) > 0 {
		ft := q[0]
		s.faults[call.Method] = q[1:]
		var m map[string]any
		if json.Unmarshal([]byte(ft.body), &m) == nil {
			call.Err, _ = m["error"].(string)
		}
		if call.Err == "" && ft.status == http.StatusTooManyRequests {
			call.Err = "ratelimited"
		}
		return answered{status: ft.status, header: ft.header.Clone(), body: []byte(ft.body)}
	}
	if a, ok := s.outageAnswer(call); ok {
		return a
	}
	status, v, msg := s.handle(call.Method, *call)
	a := jsonAnswer(call, status, v)
	a.msg = msg
	if s.lose[call.Method] > 0 {
		s.lose[call.Method]--
		a.lost = true
	}
	return a
}

// jsonAnswer is a JSON answer as Slack sends it, noting an ok:false code
// in call.Err.
func jsonAnswer(call *Call, status int, v map[string]any) answered {
	if e, _ := v["error"].(string); e != "" {
		call.Err = e
	}
	b, _ := json.Marshal(v)
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return answered{status: status, header: h, body: append(b, '\n')}
}

// fail is Slack's answer to a call it refuses: 200, ok false, a code.
func fail(code string) (int, map[string]any) {
	return http.StatusOK, map[string]any{"ok": false, "error": code}
}

// okv is a successful answer with the given keys and values.
func okv(kv ...any) (int, map[string]any) {
	m := map[string]any{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return http.StatusOK, m
}

// hook takes a post to a response URL.
func (s *Server) hook(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	var m map[string]any
	if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	text, _ := m["text"].(string)
	blocks, _ := m["blocks"].([]any)
	msg := Message{Method: "hook", Channel: id, Text: text, Blocks: blocks, Values: buttonValues(blocks), At: s.o.Now()}
	m["_hook"] = id
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.counts["hook 200"]++
	if !s.o.CountOnly {
		s.hooks = append(s.hooks, m)
	}
	watchers := s.watchers
	s.mu.Unlock()
	for _, fn := range watchers {
		fn(msg)
	}
	_, _ = w.Write([]byte("ok"))
}
