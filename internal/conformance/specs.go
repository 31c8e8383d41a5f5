package conformance

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specs are the official descriptions, copied unchanged (see
// testdata/specs/README.md for their source and date).
//
//go:embed testdata/specs/slack/slack_web_openapi_v2.json testdata/specs/discord/openapi.json
var specs embed.FS

const (
	slackSpecFile   = "testdata/specs/slack/slack_web_openapi_v2.json"
	discordSpecFile = "testdata/specs/discord/openapi.json"
)

// Violation is one way a request breaks a platform's rules.
type Violation struct {
	// Request names the request: "POST chat.postMessage",
	// "PUT channels/{channel_id}/messages/pins/{message_id}".
	Request string
	// Problem says what is wrong, and where in the request.
	Problem string
}

func (v Violation) String() string { return v.Request + ": " + v.Problem }

// decodeJSON decodes JSON as the schema validator wants it: numbers as
// json.Number, so that 64-bit bounds compare exactly.
func decodeJSON(b []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

var (
	loadSlackOnce   sync.Once
	slackSpec       *SlackSpec
	slackSpecErr    error
	loadDiscordOnce sync.Once
	discordSpec     *DiscordSpec
	discordSpecErr  error
)

// Slack returns Slack's Web API description, loaded once.
func Slack() (*SlackSpec, error) {
	loadSlackOnce.Do(func() {
		b, err := specs.ReadFile(slackSpecFile)
		if err != nil {
			slackSpecErr = err
			return
		}
		slackSpec, slackSpecErr = newSlackSpec(b)
	})
	return slackSpec, slackSpecErr
}

// Discord returns Discord's API description, loaded and compiled once.
func Discord() (*DiscordSpec, error) {
	loadDiscordOnce.Do(func() {
		b, err := specs.ReadFile(discordSpecFile)
		if err != nil {
			discordSpecErr = err
			return
		}
		discordSpec, discordSpecErr = newDiscordSpec(b)
	})
	return discordSpec, discordSpecErr
}

// pointer escapes one JSON Pointer token.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// compact is a short rendering of a value for a problem message.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "…"
	}
	return string(b)
}
