package slack_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/config"
)

func TestDirectoryKnowsWhoIsStillThere(t *testing.T) {
	const tok = "xoxb-directory-test-token"
	fake := slacktest.New(t, slacktest.Options{BotToken: tok, Users: map[string]string{"U1": "Ana", "U2": "Ben"}})
	fake.DeleteUser("U2")
	d := slack.NewDirectory(fake.APIURL(), config.NewSecret(tok), nil)
	ctx := context.Background()
	for id, want := range map[string]bool{"U1": true, "U2": false, "U9": false} {
		got, err := d.UserExists(ctx, id)
		if err != nil || got != want {
			t.Errorf("UserExists(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	bad := slack.NewDirectory(fake.APIURL(), config.NewSecret("xoxb-revoked"), nil)
	if _, err := bad.UserExists(ctx, "U1"); err == nil {
		t.Error("a rejected token answered as if it could tell")
	}
}
