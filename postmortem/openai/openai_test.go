package openai_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/postmortem/openai"
	"github.com/tourniquet/tourniquet/timeline"
)

const apiKey = "sk-test-0123456789abcdefghij"

// chatRequest is the part of a chat completions request the fake reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// fakeOpenAI speaks the chat completions API: POST /v1/chat/completions
// with a bearer key, answering like OpenAI (errors in its error shape).
type fakeOpenAI struct {
	t      *testing.T
	srv    *httptest.Server
	answer string
	status int           // non-zero: answer with this error status
	hang   time.Duration // wait this long (or until the client gives up)

	mu       sync.Mutex
	requests []chatRequest
	bodies   []string
}

func newFake(t *testing.T, answer string) *fakeOpenAI {
	f := &fakeOpenAI{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+apiKey {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var req chatRequest
	if err := json.Unmarshal(b, &req); err != nil || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
	if f.hang > 0 {
		select {
		case <-r.Context().Done():
		case <-time.After(f.hang):
		}
	}
	switch f.status {
	case 0:
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "20")
		w.Header().Set("X-Ratelimit-Remaining-Requests", "0")
		w.WriteHeader(f.status)
		io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
		return
	default:
		w.WriteHeader(f.status)
		io.WriteString(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600, "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": f.answer}}},
		"usage": map[string]any{"prompt_tokens": 420, "completion_tokens": 120, "total_tokens": 540},
	})
}

func (f *fakeOpenAI) last() (chatRequest, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		f.t.Fatal("the model was never called")
	}
	return f.requests[len(f.requests)-1], f.bodies[len(f.bodies)-1]
}

// The summarizer is the one the postmortem worker takes.
var _ postmortem.Summarizer = (*openai.Summarizer)(nil)

func facts() timeline.Facts {
	ttm, ttd := int64(720), int64(2700)
	mit := time.Date(2026, 3, 2, 14, 12, 0, 0, time.UTC)
	diag := time.Date(2026, 3, 2, 14, 45, 0, 0, time.UTC)
	first := true
	return timeline.Facts{
		Key: "INC-7", Title: "Checkout errors", Severity: "sev1", State: "resolved", Impact: "mitigated", Cause: "identified",
		Services: []string{"checkout"}, ImpactStartedAt: time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC),
		MitigatedAt: &mit, DiagnosedAt: &diag,
		TimeToMitigate: "12m", TimeToMitigateSeconds: &ttm, TimeToDiagnose: "45m", TimeToDiagnoseSeconds: &ttd,
		CustomerImpact: "12m", CustomerImpactSeconds: 720, ImpactWindows: 1, MitigatedBeforeDiagnosed: &first,
		CauseText: "a migration locked the orders table",
		Actions:   []timeline.FactAction{{At: mit, Action: "Roll back checkout to v41", Kind: "rollback", Outcome: "succeeded"}},
	}
}

func TestSummarizeSendsTheFactsAndReturnsTheAnswer(t *testing.T) {
	f := newFake(t, "Customers were impacted for 12m; a rollback stopped it.\n\nThe cause was found 45m in.")
	s, err := openai.New(openai.Options{APIKey: config.NewSecret(apiKey), BaseURL: f.srv.URL + "/v1", Model: "llama3.1", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Summarize(context.Background(), facts())
	if err != nil {
		t.Fatal(err)
	}
	if got != "Customers were impacted for 12m; a rollback stopped it.\n\nThe cause was found 45m in." {
		t.Errorf("summary %q", got)
	}
	req, body := f.last()
	if req.Model != "llama3.1" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
		t.Fatalf("request %+v", req)
	}
	user := req.Messages[1].Content
	for _, want := range []string{`"key": "INC-7"`, `"time_to_mitigate": "12m"`, `"time_to_diagnose": "45m"`, `"customer_impact": "12m"`, "Roll back checkout to v41", `"mitigated_before_diagnosed": true`} {
		if !strings.Contains(user, want) {
			t.Errorf("the facts sent lack %s", want)
		}
	}
	if !strings.Contains(req.Messages[0].Content, "Keep two things apart") {
		t.Error("the system prompt does not ask to keep mitigation and diagnosis apart")
	}
	if strings.Contains(body, apiKey) {
		t.Error("the API key is in the request body")
	}
}

// A base URL without a path gets /v1, as Ollama and vLLM serve it.
func TestBaseURLWithoutPath(t *testing.T) {
	f := newFake(t, "ok")
	s, err := openai.New(openai.Options{APIKey: config.NewSecret(apiKey), BaseURL: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Summarize(context.Background(), facts()); err != nil {
		t.Fatal(err)
	}
	if _, err := openai.New(openai.Options{BaseURL: "localhost:11434"}); err == nil {
		t.Error("a base URL without a scheme was accepted")
	}
}

func TestSummarizeFailuresNameTheStatusNotTheKey(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		status int
		want   string
	}{
		{"wrong key", "sk-wrong-key-0123456789", 0, "answered 401: Incorrect API key provided."},
		{"rate limited", apiKey, http.StatusTooManyRequests, "answered 429: Rate limit reached"},
		{"server error", apiKey, http.StatusInternalServerError, "answered 500"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "")
			f.status = tc.status
			s, _ := openai.New(openai.Options{APIKey: config.NewSecret(tc.key), BaseURL: f.srv.URL + "/v1", Timeout: 5 * time.Second})
			_, err := s.Summarize(context.Background(), facts())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.key) {
				t.Errorf("the key is in the error: %v", err)
			}
		})
	}
}

func TestSummarizeTimesOut(t *testing.T) {
	f := newFake(t, "too late")
	f.hang = 10 * time.Second
	s, _ := openai.New(openai.Options{APIKey: config.NewSecret(apiKey), BaseURL: f.srv.URL + "/v1", Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := s.Summarize(context.Background(), facts())
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Fatalf("error %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gave up after %s, not at the timeout", time.Since(start))
	}
}
