// Package discord is Tourniquet's Discord adapter: the /incident slash
// command with typed options, buttons and select menus, incident channels
// (or threads), and the embeds the message model renders to.
//
// Interactions arrive over either transport and travel one code path:
//
//   - the HTTP interactions endpoint (POST /discord/interactions), verified
//     with Ed25519 over timestamp + body, a 5-minute timestamp window and a
//     1 MiB body cap before anything is parsed ([Adapter.ServeHTTP]);
//   - the gateway (a discordgo session with no intents: interactions are
//     delivered regardless), answered through the REST callback
//     ([Adapter.RunGateway]).
//
// Each interaction becomes a bot.Invocation with ID "discord:<interaction
// id>"; the store deduplicates it, so when several replicas hold gateway
// sessions only the one that claims an interaction answers it.
//
// Outgoing messages go through the outbox: [Adapter] is the bot.Deliverer
// (and bot.Topicer) the Sender calls. discordgo's own 429 retries and 502
// retries are switched off so that the outbox owns retries and ordering; a
// 429 becomes a *bot.RetryAfterError, 5xx and network errors are retried,
// other 4xx answers are permanent. Posts with an outbox key carry a nonce
// made from it, with enforce_nonce, so that a retry within Discord's nonce
// window (a few minutes) returns the message an earlier try created
// instead of posting it again ([Adapter.Post]).
//
// REST requests go to Options.APIURL. discordgo builds every URL from
// package-level Endpoint* variables; this package never writes them.
// Instead the session's http.Client has a transport that rewrites
// discordgo's default base (https://discord.com/api/v9/) to the configured
// one, per session, without touching process-wide state (see transport.go).
package discord

// Platform is this adapter's name: it prefixes the users and channels
// it knows ("discord:…") and names it in the outbox and the logs.
const Platform = "discord"
