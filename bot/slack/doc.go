// Package slack is Tourniquet's Slack adapter, built on
// github.com/slack-go/slack.
//
// Inbound, it takes slash commands, interactions (button clicks, the
// declare modal, the "Add to incident timeline" message shortcut) and
// Events API events (reactions and pins that capture messages onto the
// timeline) over either transport: Socket Mode (RunSocketMode; no public
// URL needed) or HTTP (Routes: POST /slack/commands, /slack/interactions and
// /slack/events, each verified with the signing secret before anything
// else). Both transports build a bot.Invocation, hand it to
// bot.Engine.Handle — which records it durably, deduplicated by its ID — and
// only then acknowledge, well inside Slack's three seconds. A request that
// cannot be recorded is not acknowledged (HTTP 503, no Socket Mode ack), so
// Slack retries it and nothing acknowledged is ever lost.
//
// Outbound, Adapter is a bot.Deliverer and bot.Topicer: the outbox Sender
// calls it to open incident channels, post, update and pin the Block Kit
// rendering of bot.Message values, show ephemeral replies and set topics.
// Slack errors are classified for the Sender: rate limits become
// *bot.RetryAfterError, server and network failures plain (retried)
// errors, and request errors (channel_not_found, invalid_blocks, …)
// bot.PermanentError.
//
// Secrets — tokens, the signing secret, response URLs, the Socket Mode
// ticket URL — never reach a log line or an error message.
package slack

// Platform is this adapter's name: it prefixes the users and channels
// it knows ("slack:…") and names it in the outbox and the logs.
const Platform = "slack"
