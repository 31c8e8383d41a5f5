package slacktest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Call is one Web API call the fake received.
type Call struct {
	// Method is the Web API method ("chat.postMessage").
	Method string
	// HTTP is the request's method (GET, POST); Bearer says whether a
	// token came in the Authorization header.
	HTTP   string
	Bearer bool
	// Form holds the arguments of a form body or a GET's query; JSON the
	// object of a JSON body.
	Form url.Values
	JSON map[string]any
	At   time.Time
	// Err is the ok:false code answered, "" for ok; Status the HTTP status.
	Err    string
	Status int
	// Lost is true when the call took effect but its answer was never
	// sent (see LoseNext).
	Lost bool
}

// Message is a message the fake received: a chat.postMessage,
// chat.update or chat.postEphemeral call, a post to a response URL
// (Method "hook", Channel the hook's ID), or a message a test put in a
// channel (AddMessage, Method "").
type Message struct {
	Method  string
	Channel string
	TS      string
	// User wrote it: the bot for what it posted.
	User string
	// To is chat.postEphemeral's user, the only one who sees it.
	To string
	// Thread is the ts of the message it replies to, if any.
	Thread string
	Text   string
	// Blocks are the message's Block Kit blocks, decoded; Values the
	// values of its buttons.
	Blocks []any
	Values []string
	// Metadata is the message metadata posted with it (JSON), if any.
	Metadata string
	At       time.Time
}

// fault answers one call of a method instead of the normal handler.
type fault struct {
	status int
	header http.Header
	body   string
}

// FailNext makes the next n calls of method answer status with header and
// body (a 429 with Retry-After, a 500, an ok:false), without effect.
func (s *Server) FailNext(method string, n, status int, header http.Header, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{status: status, header: header, body: body})
	}
}

// LoseNext makes the next n calls of method take effect and then close the
// connection without an answer, as when an answer is lost on its way.
func (s *Server) LoseNext(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[method] += n
}

// Outage makes the fake answer every Web API call with the given statuses
// in turn until Until: 429 (with Retry-After: RetryAfter seconds, 1 when
// not positive) or any 5xx (an HTML page, as a load balancer sends).
// Response URLs and auth.test are not affected.
type Outage struct {
	Until      time.Time
	Statuses   []int
	RetryAfter int
}

// SetOutage makes the Web API fail as o says until o.Until; Outage{} ends
// it.
func (s *Server) SetOutage(o Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage, s.outageN = o, 0
}

// outageAnswer is the answer to call during an outage, if one is on;
// s.mu is held.
func (s *Server) outageAnswer(call *Call) (answered, bool) {
	o := s.outage
	if call.Method == "auth.test" || len(o.Statuses) == 0 || !s.o.Now().Before(o.Until) {
		return answered{}, false
	}
	st := o.Statuses[s.outageN%len(o.Statuses)]
	s.outageN++
	if st == http.StatusTooManyRequests {
		ra := o.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		a := jsonAnswer(call, st, map[string]any{"ok": false, "error": "ratelimited"})
		a.header.Set("Retry-After", strconv.Itoa(ra))
		return a, true
	}
	h := http.Header{}
	h.Set("Content-Type", "text/html")
	return answered{status: st, header: h, body: []byte("<html><body>Internal Server Error</body></html>")}, true
}

// Calls returns the calls of the given methods (all when none), in order.
// With Options.CountOnly it returns none.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// OK returns the successful calls of a method.
func (s *Server) OK(method string) []Call {
	var out []Call
	for _, c := range s.Calls(method) {
		if c.Status == http.StatusOK && c.Err == "" {
			out = append(out, c)
		}
	}
	return out
}

// Counts returns how many calls each method got, keyed "method status"
// ("chat.postMessage 200", "chat.postMessage 429", "hook 200"; "method
// lost" for LoseNext's).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Hooks returns the payloads posted to response URLs, each with "_hook"
// set to the hook's ID. With Options.CountOnly it returns none.
func (s *Server) Hooks() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.hooks...)
}

// Messages returns every message received so far, in arrival order: each
// post, update, ephemeral and hook.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Watch calls fn with every message as it arrives, before the fake
// answers, outside its lock. fn must be quick and safe for concurrent use.
func (s *Server) Watch(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
}

// Intercept calls fn with every message the Web API accepts, after the
// fake stored it and before it answers: a server killed in fn never learns
// that its message was posted. nil stops intercepting.
func (s *Server) Intercept(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before = fn
}
