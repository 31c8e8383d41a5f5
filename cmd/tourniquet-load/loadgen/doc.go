// Package loadgen drives a running `tourniquet serve` the way Slack does,
// and plays the Slack Web API that the server delivers to.
//
// NewFakeSlack starts the Slack Web API the server delivers to: a
// bot/slack/slacktest fake on a local listener, as lenient as a load test
// needs (any channel and user the driver makes up exist) and keeping
// counts rather than every call. It checks the bearer token of every call,
// keeps channels, members and messages, answers as Slack does
// ({"ok":false,"error":"name_taken"}, 429 with Retry-After), serves
// response URLs under /hooks/, and can be told to fail for a while
// (slacktest.Outage). Point the server at it with TOURNIQUET_SLACK_API_URL.
//
// Driver sends signed slash commands and button clicks (slack.Sign) at a
// fixed rate with bounded concurrency, open loop: latency is measured from
// the moment a request was due, so a server that falls behind shows it.
// It matches every request to the message it causes at the fake and
// reports acknowledgement latency, errors and the delay until delivery.
//
// The comparison's other systems are here too: the Bolt for JavaScript
// app (InstallBolt) and the same app in Go (GoApp), the floor of any Go
// bot's cost for the same traffic.
//
// cmd/tourniquet-load is the command line around it; the fault suite in
// faults/ uses it too.
package loadgen
