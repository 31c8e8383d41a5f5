package config

import "testing"

// The configuration names the platforms Tourniquet speaks; a reference to
// any other is a mistake to report, not a user or channel to trust.
func TestPlatformReferences(t *testing.T) {
	for _, ok := range []string{"slack:U0123ABCD", "discord:81234567890123456", "console:alice"} {
		if _, err := ParseUser(ok); err != nil {
			t.Errorf("ParseUser(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"teams:U1", "slack", "slack:", "Slack:U1"} {
		if _, err := ParseUser(bad); err == nil {
			t.Errorf("ParseUser(%q) accepted", bad)
		}
	}
	if ch, err := ParseChannel("discord:123"); err != nil || ch.Platform != PlatformDiscord || ch.ChannelID != "123" {
		t.Errorf("ParseChannel: %+v %v", ch, err)
	}
	for _, bad := range []string{"teams:C1", "slack:", "C0123", "slack:C 1"} {
		if _, err := ParseChannel(bad); err == nil {
			t.Errorf("ParseChannel(%q) accepted", bad)
		}
	}
}
