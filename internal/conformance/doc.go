// Package conformance checks what Tourniquet's chat clients send against
// the platforms' own API descriptions, not against fakes written by the
// same hands as the clients: Slack's Web API description (Swagger 2.0) and
// Discord's (OpenAPI 3.1), copied under testdata/specs, plus the documented
// limits those files do not carry (Block Kit sizes, Discord components and
// embeds).
//
// It is test support: the adapters' conformance tests capture every
// request the real slack-go and discordgo clients send to the fakes and
// hand them to SlackSpec.Check and DiscordSpec.Check. It is a leaf, like
// every package under internal/: it imports the standard library and a
// JSON Schema validator, nothing of Tourniquet. (Its scenario package is
// the one exception under internal/, see there.)
package conformance
