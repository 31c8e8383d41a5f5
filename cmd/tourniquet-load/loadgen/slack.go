package loadgen

import (
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
)

// BotUserID is the bot's own user ID at the fake (auth.test).
const BotUserID = "UTQBOT"

// NewFakeSlack starts the fake Slack Web API that a server under load
// delivers to (TOURNIQUET_SLACK_API_URL=<APIURL>), on addr ("127.0.0.1:0"
// for any free port), accepting botToken. It takes the channels and users
// the driver makes up for real ones (Lenient), keeps counts of calls
// rather than each call (CountOnly: a long run would fill memory), and
// waits latency before answering each call, as Slack's round trip does.
// Close it.
func NewFakeSlack(addr, botToken string, latency time.Duration) (*slacktest.Server, error) {
	return slacktest.Listen(addr, slacktest.Options{BotToken: botToken, BotUserID: BotUserID,
		Lenient: true, CountOnly: true, Latency: latency})
}
