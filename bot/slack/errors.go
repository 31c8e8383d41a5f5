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

// retryableCodes are Slack's ok:false codes for a failure on its side or
// a rate limit: a later call may not get them.
var retryableCodes = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
	"rate_limited":        true,
	"team_added_to_org":   true, // the workspace is moving into an org
}

// operatorCodes are ok:false codes for a token or scope problem. It is
// fixed by the operator, not by the message, so a delivery keeps the
// message until then (the Sender still gives up after its attempt limit);
// a look-up that only guards against a duplicate does not wait for it.
var operatorCodes = map[string]bool{
	"invalid_auth":      true,
	"not_authed":        true,
	"account_inactive":  true,
	"token_revoked":     true,
	"token_expired":     true,
	"missing_scope":     true,
	"no_permission":     true,
	"ekm_access_denied": true,
}

// retryableCode reports whether an ok:false code is one that a later call
// may not get.
func retryableCode(code string) bool { return retryableCodes[code] }

// tryLater reports whether err is one that a later call may not get: a
// rate limit, a server (5xx) or network failure, a timeout, or a
// retryable ok:false code. Any other answer is Slack refusing the request
// as made. It is the one rule for deliveries (classify) and for the
// look-ups that keep a retry from making a duplicate (findPosted,
// findCreated): those wait rather than act on an answer they did not get.
func tryLater(err error) bool {
	if err == nil {
		return false
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code == http.StatusTooManyRequests || sc.Code >= 500 || sc.Code == http.StatusRequestTimeout
	}
	if code := slackCode(err); code != "" {
		return retryableCode(code)
	}
	return true // a rate limit, the network, a timeout, a body that did not parse
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
	if ra := (*bot.RetryAfterError)(nil); errors.As(err, &ra) && ra.NotTried {
		return err // paced before any call: the Sender defers it
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
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return &bot.RetryAfterError{After: defaultRetryAfter, Err: wrapped}
	}
	if tryLater(err) || operatorCodes[slackCode(err)] {
		return wrapped
	}
	return bot.PermanentError(wrapped)
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
