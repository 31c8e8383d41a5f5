package discord

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
)

// Discord JSON error codes this package acts on.
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeUnknownWebhook     = 10015
	codeUnknownInteraction = 10062
	codeCannotDMUser       = 50007
	codeWrongChannelType   = 50024
	// codeAlreadyAcknowledged: the interaction was answered already.
	codeAlreadyAcknowledged = 40060
)

// APIError is an error answer from Discord's REST API. It names the
// operation, never the URL: webhook and interaction URLs carry tokens.
type APIError struct {
	// Op says what was attempted ("post to channel 123").
	Op string
	// Status is the HTTP status.
	Status int
	// Code and Message are Discord's JSON error code and text, if any.
	Code    int
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("discord: %s: HTTP %d", e.Op, e.Status)
	if e.Code != 0 || e.Message != "" {
		s += fmt.Sprintf(" (code %d: %s)", e.Code, e.Message)
	}
	return s
}

// hasCode reports whether err is an APIError with one of the codes.
func hasCode(err error, codes ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.Code == c {
			return true
		}
	}
	return false
}

// minRetryAfter keeps a rate-limited message from being retried at once
// when Discord sends a zero or no wait.
const minRetryAfter = 250 * time.Millisecond

// classify turns the error of a discordgo REST call into the outbox's
// vocabulary: a *bot.RetryAfterError for a 429 (per route or global), a
// plain error for 5xx and network failures (retried with backoff), and a
// bot.PermanentError for any other 4xx. The result never contains a URL.
func classify(op string, err error, info *respInfo) error {
	if err == nil {
		return nil
	}
	status, header := 0, http.Header(nil)
	if info != nil {
		status, header = info.get()
	}
	var rl *discordgo.RateLimitError
	if status == http.StatusTooManyRequests || errors.As(err, &rl) {
		after, global := rateLimitWait(header, rl)
		what := "rate limited"
		if global {
			what = "rate limited (global)"
		}
		return &bot.RetryAfterError{After: after, Err: fmt.Errorf("discord: %s: %s", op, what)}
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		status = re.Response.StatusCode
	}
	if status >= 400 {
		ae := &APIError{Op: op, Status: status}
		if re != nil && re.Message != nil {
			ae.Code, ae.Message = re.Message.Code, re.Message.Message
		}
		if status >= 500 || status == http.StatusRequestTimeout {
			return ae
		}
		return bot.PermanentError(ae)
	}
	if errors.Is(err, errOutsideAPI) {
		return bot.PermanentError(fmt.Errorf("discord: %s: %w", op, err))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL may hold an interaction token: keep only the cause.
		return fmt.Errorf("discord: %s: %w", op, ue.Err)
	}
	return fmt.Errorf("discord: %s: %w", op, err)
}

// rateLimitWait reads how long to wait from a 429's headers (Retry-After,
// X-RateLimit-Reset-After, whichever is longer) or, failing that, from the
// JSON body discordgo parsed; global reports a global or shared limit.
func rateLimitWait(h http.Header, rl *discordgo.RateLimitError) (time.Duration, bool) {
	var after time.Duration
	for _, name := range []string{"Retry-After", "X-RateLimit-Reset-After"} {
		if d, ok := seconds(h.Get(name)); ok && d > after {
			after = d
		}
	}
	if after == 0 && rl != nil && rl.TooManyRequests != nil {
		after = rl.RetryAfter
	}
	global := strings.EqualFold(h.Get("X-RateLimit-Global"), "true") || strings.EqualFold(h.Get("X-RateLimit-Scope"), "global")
	return max(after, minRetryAfter), global
}

// seconds parses a header value in seconds, with an optional fraction.
func seconds(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 24*3600 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}
