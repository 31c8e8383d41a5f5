package slack

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
)

// transientErrors are ok:false answers that a later try may not get.
var transientErrors = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
	"rate_limited":        true,
	"team_added_to_org":   true,
	// A token or scope problem is fixed by the operator, not by the
	// message: keep the message until then (the Sender still gives up
	// after its attempt limit).
	"invalid_auth":      true,
	"not_authed":        true,
	"account_inactive":  true,
	"token_revoked":     true,
	"token_expired":     true,
	"missing_scope":     true,
	"no_permission":     true,
	"ekm_access_denied": true,
}

// defaultRetryAfter is the wait for a 429 without a Retry-After header.
const defaultRetryAfter = time.Second

// classify maps a slack-go error to what the bot.Sender understands:
// *bot.RetryAfterError for rate limits, plain errors for server and
// network failures (retried with backoff), bot.PermanentError for request
// errors retrying cannot fix (channel_not_found, invalid_blocks, …).
// op names the Web API method.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("slack %s: %w", op, sanitize(err))
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		after := rl.RetryAfter
		if after <= 0 {
			after = defaultRetryAfter
		}
		return &bot.RetryAfterError{After: after, Err: wrapped}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return &bot.RetryAfterError{After: defaultRetryAfter, Err: wrapped}
		case sc.Code >= 500, sc.Code == http.StatusRequestTimeout:
			return wrapped
		default:
			return bot.PermanentError(wrapped)
		}
	}
	if code := slackCode(err); code != "" {
		if transientErrors[code] {
			return wrapped
		}
		return bot.PermanentError(wrapped)
	}
	return wrapped // network, timeouts, a body that did not parse
}

// slackCode is the error code of an ok:false answer ("name_taken"), or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// isCode reports whether err is an ok:false answer with one of codes.
func isCode(err error, codes ...string) bool {
	c := slackCode(err)
	if c == "" {
		return false
	}
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// urlRe matches URLs, which in this package may be response URLs or the
// Socket Mode ticket URL: secrets that must not reach logs.
var urlRe = regexp.MustCompile(`(?i)\b(?:https?|wss?)://[^\s"']+`)

// redactedError is an error whose text had its URLs removed; it still
// unwraps to the original for errors.As.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// sanitize returns err with any URL in its text replaced by its host, so
// that it can be logged and stored as an outbox error. A *url.Error (which
// quotes the whole URL) is reduced to its operation, host and cause.
func sanitize(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		host := "?"
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		return redactedError{msg: fmt.Sprintf("%s %s: %s", ue.Op, host, redactText(sanitize(ue.Err).Error())), err: err}
	}
	msg := err.Error()
	if r := redactText(msg); r != msg {
		return redactedError{msg: r, err: err}
	}
	return err
}

// redactText replaces every URL in s with "<url>".
func redactText(s string) string { return urlRe.ReplaceAllString(s, "<url>") }
