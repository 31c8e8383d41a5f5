package discord_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/conformance"
)

// overwrite is a permission overwrite as sent to Discord.
type overwrite struct {
	id          string
	kind        float64
	allow, deny int64
}

func overwritesOf(t *testing.T, b map[string]any) map[string]overwrite {
	t.Helper()
	out := map[string]overwrite{}
	list, _ := b["permission_overwrites"].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		num := func(k string) int64 {
			switch v := m[k].(type) {
			case float64:
				return int64(v)
			case string:
				n, err := strconv.ParseInt(v, 10, 64)
				if err == nil {
					return n
				}
			}
			t.Fatalf("%s of %v is not a number", k, m)
			return 0
		}
		out[m["id"].(string)] = overwrite{id: m["id"].(string), kind: m["type"].(float64), allow: num("allow"), deny: num("deny")}
	}
	return out
}

const viewChannel = 1 << 10

// Issue #15, over signed Discord interactions: "/incident declare
// private:true" opens a channel that @everyone cannot see and the declarer
// and the bot can, and announces nothing.
func TestDiscordDeclarePrivateDeniesEveryone(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Payroll export leaks"),
		discordtest.Str("severity", "sev1"), discordtest.Bool("private", true)))
	if got := text(r.Data); !strings.Contains(got, "Declared INC-1") || !strings.Contains(got, "private channel") {
		t.Fatalf("declare private: %s", got)
	}
	e.drain()
	creates := e.fake.Find("POST", "guilds/"+guildID+"/channels")
	if len(creates) != 1 {
		t.Fatalf("channel creations: %+v", creates)
	}
	ow := overwritesOf(t, body(t, creates[0]))
	if o, ok := ow[guildID]; !ok || o.kind != 0 || o.deny&viewChannel == 0 {
		t.Errorf("@everyone (role %s) may still see the channel: %+v", guildID, ow)
	}
	for _, who := range []string{alice.ID, appID} {
		if o, ok := ow[who]; !ok || o.kind != 1 || o.allow&viewChannel == 0 {
			t.Errorf("member %s may not see the channel: %+v", who, ow)
		}
	}
	if m := e.fake.Messages(announce); len(m) != 0 {
		t.Fatalf("a private incident was announced: %+v", m)
	}
	if m := e.fake.Messages(lobby); len(m) != 0 {
		t.Fatalf("a private incident was linked from where it was declared: %+v", m)
	}
	inc, err := e.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil || !inc.Private {
		t.Fatalf("incident %+v %v", inc, err)
	}
}

// In thread mode a private incident is a private thread (not invitable by
// others) to which the invited people are added, and nothing announces it.
func TestDiscordPrivateThread(t *testing.T) {
	e := newEnv(t, sqlite(t), func(o *discord.Options) { o.ChannelMode, o.ThreadParentChannel = discord.ModeThread, lobby })
	carol := incident.Actor{Platform: discord.Platform, ID: "83", Name: "carol"}
	id, err := e.a.OpenChannel(t.Context(), bot.OpenChannelRequest{IncidentKey: "INC-4", Name: "inc-4-payroll", Title: "Payroll",
		Severity: "sev1", Private: true, Invite: []incident.Actor{{Platform: discord.Platform, ID: alice.ID, Name: "alice"}, carol}})
	if err != nil {
		t.Fatal(err)
	}
	starts := e.fake.Find("POST", "channels/"+lobby+"/threads")
	if len(starts) != 1 {
		t.Fatalf("thread starts: %+v", starts)
	}
	if b := body(t, starts[0]); b["type"] != float64(12) || b["invitable"] != false {
		t.Fatalf("thread start %v: want a private thread (type 12) others cannot invite to", b)
	}
	for _, who := range []string{alice.ID, carol.ID} {
		if len(e.fake.Find("PUT", "channels/"+id+"/thread-members/"+who)) != 1 {
			t.Errorf("%s not added to the private thread: %+v", who, e.fake.Find("PUT", "channels/"+id))
		}
	}
	if m := e.fake.Messages(announce); len(m) != 0 {
		t.Fatalf("announced: %+v", m)
	}
}

// The private thread's requests (a private thread, thread members) are
// what Discord's API description allows.
func TestDiscordPrivateThreadConformance(t *testing.T) {
	e := newEnv(t, sqlite(t), func(o *discord.Options) { o.ChannelMode, o.ThreadParentChannel = discord.ModeThread, lobby })
	if _, err := e.a.OpenChannel(t.Context(), bot.OpenChannelRequest{IncidentKey: "INC-4", Name: "inc-4-payroll", Title: "Payroll",
		Severity: "sev1", Private: true, Invite: []incident.Actor{{Platform: discord.Platform, ID: alice.ID, Name: "alice"}}}); err != nil {
		t.Fatal(err)
	}
	spec, err := conformance.Discord()
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.fake.Requests()
	for _, r := range reqs {
		for _, v := range spec.Check(conformance.DiscordRequest{Method: r.Method, Path: r.Path, Query: r.Query, Body: r.Body}) {
			t.Error(v.String())
		}
	}
	if len(e.fake.Find("PUT", "channels/")) == 0 {
		t.Fatal("no thread member added")
	}
}
