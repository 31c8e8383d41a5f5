package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// callbacks are the interaction callbacks the fake received.
func callbacks(e *env) []discordtest.Request { return e.fake.Find("POST", "interactions/") }

// restCalls lists the bot's REST calls (not interaction answers), as
// "METHOD path".
func restCalls(e *env) []string {
	var out []string
	for _, r := range e.fake.Requests() {
		if !strings.HasPrefix(r.Path, "interactions/") && !strings.HasPrefix(r.Path, "webhooks/") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestGatewayInteractionsHaveTheSameEffects(t *testing.T) {
	overHTTP := newEnv(t, sqlite(t), nil)
	overGW := newEnv(t, sqlite(t), nil)
	declare := discordtest.Command("8000001", appID, guildID, lobby, alice, "declare",
		[]discordtest.Option{discordtest.Str("title", "Checkout errors"), discordtest.Str("severity", "sev1")})

	httpAnswer := overHTTP.signed(declare)
	overGW.a.HandleGatewayInteraction(t.Context(), interaction(t, declare))

	cbs := callbacks(overGW)
	if len(cbs) != 1 || cbs[0].Path != "interactions/8000001/itoken-8000001/callback" {
		t.Fatalf("callbacks: %+v", cbs)
	}
	var gwAnswer answer
	if err := json.Unmarshal(cbs[0].Body, &gwAnswer); err != nil {
		t.Fatal(err)
	}
	if gwAnswer.Type != httpAnswer.Type || text(gwAnswer.Data) != text(httpAnswer.Data) || gwAnswer.Data.Flags != httpAnswer.Data.Flags {
		t.Fatalf("gateway answer %+v\nHTTP answer %+v", gwAnswer.Data, httpAnswer.Data)
	}
	overHTTP.drain()
	overGW.drain()
	if a, b := overHTTP.kinds("INC-1"), overGW.kinds("INC-1"); !slices.Equal(a, b) {
		t.Fatalf("timelines differ: HTTP %v, gateway %v", a, b)
	}
	if a, b := restCalls(overHTTP), restCalls(overGW); !slices.Equal(a, b) {
		t.Fatalf("REST calls differ:\nHTTP    %v\ngateway %v", a, b)
	}
	if overHTTP.incidentCount() != 1 || overGW.incidentCount() != 1 {
		t.Fatal("want one incident each")
	}
}

func TestTwoReplicasAnswerOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		one := newEnv(t, s, nil)
		two := newReplica(t, s, one.fake, one.key, one.clock, nil)
		for n := range 5 {
			id := fmt.Sprintf("81%05d", n)
			ev := discordtest.Command(id, appID, guildID, lobby, alice, "declare",
				[]discordtest.Option{discordtest.Str("title", fmt.Sprintf("Outage %d", n))})
			var wg sync.WaitGroup
			for _, r := range []*env{one, two} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.a.HandleGatewayInteraction(t.Context(), interaction(t, ev))
				}()
			}
			wg.Wait()
			if got := len(one.fake.Find("POST", "interactions/"+id+"/")); got != 1 {
				t.Fatalf("interaction %s answered %d times, want once", id, got)
			}
		}
		if n := one.incidentCount(); n != 5 {
			t.Fatalf("%d incidents, want 5", n)
		}
	})
}

func TestGatewaySession(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	if err := e.a.Ready(true); err == nil {
		t.Fatal("ready before registering and connecting")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.a.RunGateway(ctx) }()
	select {
	case <-e.fake.GatewayReady():
	case <-time.After(5 * time.Second):
		t.Fatal("the adapter never identified")
	}
	ids := e.fake.Identified()
	if len(ids) != 1 || ids[0].Token != "Bot "+botToken || ids[0].Intents != 0 {
		t.Fatalf("identify: %+v, want the bot token and no intents", ids)
	}
	eventually(t, "READY", func() bool { return e.a.Ready(true) != nil && strings.Contains(e.a.Ready(true).Error(), "commands") })
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "readiness", func() bool { return e.a.Ready(true) == nil })

	ev := discordtest.Command("8100001", appID, guildID, lobby, alice, "declare",
		[]discordtest.Option{discordtest.Str("title", "Search is down")})
	if n := e.fake.Dispatch("INTERACTION_CREATE", json.RawMessage(ev)); n != 1 {
		t.Fatalf("dispatched to %d sessions", n)
	}
	eventually(t, "the callback", func() bool { return len(callbacks(e)) == 1 })
	if e.incidentCount() != 1 {
		t.Fatal("the gateway interaction was not handled")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunGateway did not return after cancel")
	}
}

// When another replica deferred the interaction while it waited for the
// claim, the claiming replica's answer goes through the webhook.
func TestAnswerAfterAnotherReplicaDeferred(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	e.fake.Fail("POST", "interactions/8500001/", 1, 400, nil, `{"message":"Interaction has already been acknowledged.","code":40060}`)
	e.a.HandleGatewayInteraction(t.Context(), interaction(t, discordtest.Command("8500001", appID, guildID, lobby, alice, "help", nil)))
	edits := e.fake.Find("PATCH", "webhooks/"+appID+"/itoken-8500001/messages/@original")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "Tourniquet commands") {
		t.Fatalf("edits %+v", edits)
	}
}
