package slack

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// manifest is the part of a Slack app manifest the adapter depends on.
type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifestsMatchTheAdapter keeps deploy/slack in step with the code:
// the command, the shortcut's callback ID, the events, the routes and the
// scopes of every Web API method the adapter calls.
func TestManifestsMatchTheAdapter(t *testing.T) {
	for file, socket := range map[string]bool{"manifest-socket-mode.yaml": true, "manifest-http-mode.yaml": false} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "slack", file))
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := yaml.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/incident" || !m.Features.SlashCommands[0].ShouldEscape {
				t.Errorf("slash command: %+v (want /incident with escaped mentions)", m.Features.SlashCommands)
			}
			if len(m.Features.Shortcuts) != 1 || m.Features.Shortcuts[0].Type != "message" || m.Features.Shortcuts[0].CallbackID != CallbackAddToTimeline {
				t.Errorf("shortcuts: %+v", m.Features.Shortcuts)
			}
			if strings.Join(m.Settings.Events.BotEvents, ",") != "reaction_added,pin_added" || !m.Settings.Interactivity.IsEnabled {
				t.Errorf("events %v, interactivity %v", m.Settings.Events.BotEvents, m.Settings.Interactivity.IsEnabled)
			}
			if m.Settings.SocketMode != socket {
				t.Errorf("socket_mode_enabled = %v", m.Settings.SocketMode)
			}
			urls := []string{m.Features.SlashCommands[0].URL, m.Settings.Interactivity.RequestURL, m.Settings.Events.RequestURL}
			routes := []string{RouteCommands, RouteInteractions, RouteEvents}
			for i, u := range urls {
				switch {
				case socket && u != "":
					t.Errorf("Socket Mode manifest has a request URL %q", u)
				case !socket && !strings.HasSuffix(u, routes[i]):
					t.Errorf("request URL %q, want …%s", u, routes[i])
				}
			}
			for _, scope := range []string{"commands", "chat:write", "chat:write.public", "channels:manage", "channels:join",
				"channels:read", "channels:history", "groups:read", "groups:write", "groups:history", "pins:read", "pins:write", "reactions:read", "users:read"} {
				if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
					t.Errorf("scope %s missing", scope)
				}
			}
		})
	}
}
