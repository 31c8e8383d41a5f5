// Package httpx is the small HTTP helper every HTTP integration client
// shares, on net/http: a base URL that keeps its path prefix (self-hosted
// and proxied instances), a per-call timeout, JSON requests and responses,
// and one classification of failures into [*actiontype.Error]:
//
//   - 2xx is success;
//   - 401, 403, 404, 409, 422 and every other 4xx are permanent (trying
//     again will not help), except 408 and 429;
//   - 408, 429, 5xx, timeouts and connection errors are retryable, and the
//     message says when to retry ("retry after 30s") from Retry-After or
//     from X-RateLimit-Reset when X-RateLimit-Remaining is 0 (which also
//     makes GitHub's rate-limit 403 retryable);
//   - TLS certificate errors and redirects are permanent (configuration);
//   - a request that changes something (not GET) and may have reached the
//     server without an answer (timeout, cancellation, a connection cut
//     after sending) is marked MayHaveRun, and says "the change may or may
//     not have been made"; one that could not connect is not.
//
// Error texts name the system and the status, carry the system's own words
// (the "message" of a JSON error body, the <title> of an HTML page, or the
// first line of text), truncated; every secret the client was given is
// scrubbed from every text, in any case and URL-escaped, and request URLs
// never appear in messages.
//
// Redirects are not followed: an API that redirects is misconfigured (an
// http:// base URL, a moved instance), and following a redirect can turn a
// POST into a GET.
//
// It is support code under integrations/kit, not an integration: it may
// import actiontype and the standard-library-only helpers internal/clock
// and internal/redact, nothing else of Tourniquet (not config: the
// integration reads its settings and passes [Options]). A test in
// integrations/ keeps it so.
package httpx
