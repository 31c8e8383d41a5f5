// Package openai writes postmortem summaries with any server that speaks
// OpenAI's chat completions API: OpenAI itself, Azure OpenAI, Ollama, vLLM,
// LM Studio, llama.cpp's server. It uses github.com/sashabaranov/go-openai
// pointed at the configured base URL.
//
// The model sees only timeline.Facts (already stripped of secrets by the
// caller) and is told to keep mitigation and diagnosis apart and to invent
// nothing. The API key goes only into the Authorization (or Azure api-key)
// header, never into a message, a log or an error.
//
// It is the postmortem worker's postmortem.Summarizer, beside the worker
// rather than among the action integrations: it imports only timeline (for
// the facts) and config, not the worker, the engine or storage.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/timeline"
)

// DefaultModel is used when no model is configured.
const DefaultModel = "gpt-4o-mini"

// DefaultTimeout bounds one summary when none is configured.
const DefaultTimeout = 20 * time.Second

// Options configure a Summarizer.
type Options struct {
	// APIKey is sent as the bearer token (Azure: the api-key header). Local
	// servers often need none.
	APIKey config.Secret
	// BaseURL is the API base, for example http://localhost:11434/v1; empty
	// is https://api.openai.com/v1. A base with no path gets /v1. A host
	// under .openai.azure.com is called the Azure way (Model is then the
	// deployment).
	BaseURL string
	// Model is the model (or Azure deployment) name; DefaultModel if empty.
	Model string
	// Timeout bounds one call (DefaultTimeout if 0).
	Timeout time.Duration
	// HTTPClient, if set, makes the calls (tests, proxies).
	HTTPClient *http.Client
}

// Summarizer writes summaries through a chat completions endpoint. It is
// safe for concurrent use.
type Summarizer struct {
	client  *goopenai.Client
	model   string
	timeout time.Duration
	key     config.Secret
	host    string
}

// New returns a Summarizer; an unusable base URL is an error.
func New(o Options) (*Summarizer, error) {
	base := strings.TrimRight(o.BaseURL, "/")
	host := "api.openai.com"
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("openai: base_url must be an http(s) URL such as http://localhost:11434/v1")
		}
		if u.Path == "" {
			base += "/v1"
		}
		host = u.Host
	}
	var cfg goopenai.ClientConfig
	switch {
	case strings.HasSuffix(strings.ToLower(host), ".openai.azure.com"):
		cfg = goopenai.DefaultAzureConfig(o.APIKey.Reveal(), strings.TrimSuffix(base, "/v1"))
	default:
		cfg = goopenai.DefaultConfig(o.APIKey.Reveal())
		if base != "" {
			cfg.BaseURL = base
		}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: timeout + 5*time.Second}
	}
	cfg.HTTPClient = hc
	model := o.Model
	if model == "" {
		model = DefaultModel
	}
	return &Summarizer{client: goopenai.NewClientWithConfig(cfg), model: model, timeout: timeout, key: o.APIKey, host: host}, nil
}

// Model names the model and where it runs, for the note under a summary.
func (s *Summarizer) Model() string { return s.model + " (" + s.host + ")" }

// systemPrompt is what the model is told before the facts.
const systemPrompt = `You write the summary section of a blameless incident postmortem for managers.
Use only the facts in the JSON you are given. Do not guess causes, numbers, times, names or actions that are not in it.
Keep two things apart, in two short paragraphs:
1. Customer impact and mitigation: how long customers were impacted (customer_impact), when impact started, how soon it was mitigated (time_to_mitigate) and by what action if one is listed, regressions, fail-forward decisions and their stated reasons, instrumentation run during impact (a microscope is not recovery), unanswered check-ins.
2. Diagnosis: when the cause was identified (time_to_diagnose) and what it was (cause_text), and whether that came before or after mitigation (mitigated_before_diagnosed).
Then one sentence on the resolution if the incident is resolved, or say it is still open.
Never say the incident was mitigated because it was diagnosed, or the reverse. Quote durations exactly as given (for example "12m" or "1h 05m"); times are UTC.
Plain text, no headings, no lists, no mentions of people, under 180 words.`

// Summarize asks the model for a summary of f.
func (s *Summarizer) Summarize(ctx context.Context, f timeline.Facts) (string, error) {
	facts, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return "", fmt.Errorf("encode facts: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
		Model: s.model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: goopenai.ChatMessageRoleUser, Content: "Facts of incident " + f.Key + ":\n" + string(facts)},
		},
		Temperature: 0.2,
		// max_tokens, not max_completion_tokens: the OpenAI-compatible
		// servers teams run (Ollama, vLLM, llama.cpp) read the former.
		MaxTokens: 600, //lint:ignore SA1019 see above
	})
	if err != nil {
		return "", s.describe(ctx, err)
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("the model server returned no choices")
	}
	text := strings.TrimSpace(resp.Choices[0].Message.Content)
	if text == "" {
		return "", errors.New("the model returned an empty summary")
	}
	return text, nil
}

// describe turns a client error into a short message that names the
// status and never the key.
func (s *Summarizer) describe(ctx context.Context, err error) error {
	var (
		apiErr *goopenai.APIError
		reqErr *goopenai.RequestError
		msg    string
	)
	switch {
	case ctx.Err() != nil:
		msg = fmt.Sprintf("no answer within %s", s.timeout)
	case errors.As(err, &apiErr):
		msg = fmt.Sprintf("the model server at %s answered %d: %s", s.host, apiErr.HTTPStatusCode, oneLine(apiErr.Message, 200))
	case errors.As(err, &reqErr):
		msg = fmt.Sprintf("the model server at %s answered %d", s.host, reqErr.HTTPStatusCode)
	default:
		msg = fmt.Sprintf("cannot reach the model server at %s: %s", s.host, oneLine(err.Error(), 200))
	}
	if k := s.key.Reveal(); k != "" {
		msg = strings.ReplaceAll(msg, k, config.Redacted)
	}
	return errors.New(msg)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
