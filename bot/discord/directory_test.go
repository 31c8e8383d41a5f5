package discord_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/config"
)

func TestDirectoryKnowsGuildMembers(t *testing.T) {
	const tok = "discord-directory-test-token"
	fake := discordtest.New(t, tok, "1234")
	fake.AddMember("G1", "81234567890123456")
	fake.AddMember("G1", "81234567890123457")
	fake.RemoveMember("G1", "81234567890123457")
	d, err := discord.NewDirectory(fake.APIURL(), "G1", config.NewSecret(tok), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for id, want := range map[string]bool{"81234567890123456": true, "81234567890123457": false, "999": false} {
		got, err := d.UserExists(ctx, id)
		if err != nil || got != want {
			t.Errorf("UserExists(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	bad, _ := discord.NewDirectory(fake.APIURL(), "G1", config.NewSecret("revoked"), nil)
	if _, err := bad.UserExists(ctx, "81234567890123456"); err == nil {
		t.Error("a rejected token answered as if it could tell")
	}
}
