package discord_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
)

func TestVerificationBeforeAnything(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	declare := e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"))
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 1
		return c
	}
	huge := append(bytes.Clone(declare[:len(declare)-1]), []byte(`,"pad":"`+strings.Repeat("x", 2<<20)+`"}`)...)
	tests := []struct {
		name   string
		body   []byte
		header func(body []byte) http.Header
		want   int
	}{
		{"flipped bit in the body", flip(declare, 20), func([]byte) http.Header { return e.key.Sign(declare, e.clock.Now()) }, 401},
		{"flipped bit in the signature", declare, func(b []byte) http.Header {
			h := e.key.Sign(b, e.clock.Now())
			sig := []byte(h.Get("X-Signature-Ed25519"))
			sig[0] ^= 1
			h.Set("X-Signature-Ed25519", string(sig))
			return h
		}, 401},
		{"timestamp 6 minutes old", declare, func(b []byte) http.Header { return e.key.Sign(b, e.clock.Now().Add(-6*time.Minute)) }, 401},
		{"timestamp 6 minutes ahead", declare, func(b []byte) http.Header { return e.key.Sign(b, e.clock.Now().Add(6*time.Minute)) }, 401},
		{"missing signature", declare, func(b []byte) http.Header {
			h := e.key.Sign(b, e.clock.Now())
			h.Del("X-Signature-Ed25519")
			return h
		}, 401},
		{"missing timestamp", declare, func(b []byte) http.Header {
			h := e.key.Sign(b, e.clock.Now())
			h.Del("X-Signature-Timestamp")
			return h
		}, 401},
		{"signed by another key", declare, func(b []byte) http.Header { return discordtest.NewKey().Sign(b, e.clock.Now()) }, 401},
		{"2 MiB body, validly signed", huge, func(b []byte) http.Header { return e.key.Sign(b, e.clock.Now()) }, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, b := e.post(tc.body, tc.header(tc.body))
			if status != tc.want || len(b) != 0 {
				t.Fatalf("got %d %q, want a bare %d", status, b, tc.want)
			}
			if n := e.incidentCount(); n != 0 {
				t.Fatalf("%d incidents recorded", n)
			}
			if reqs := e.fake.Requests(); len(reqs) != 0 {
				t.Fatalf("Discord was called: %v", reqs)
			}
		})
	}
	// Within the window (4 minutes old) the same request is handled.
	if status, b := e.post(declare, e.key.Sign(declare, e.clock.Now().Add(-4*time.Minute))); status != 200 {
		t.Fatalf("valid request: %d %s", status, b)
	}
	if n := e.incidentCount(); n != 1 {
		t.Fatalf("%d incidents after a valid declare", n)
	}
}

func TestNoPublicKeyRefusesEverything(t *testing.T) {
	e := newEnv(t, sqlite(t), func(o *discord.Options) { o.PublicKey = "" })
	ping := discordtest.Ping("1", appID)
	if status, _ := e.post(ping, e.key.Sign(ping, e.clock.Now())); status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", status)
	}
}

func TestPingPong(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	ping := discordtest.Ping("1", appID)
	status, b := e.post(ping, e.key.Sign(ping, e.clock.Now()))
	if status != 200 || strings.TrimSpace(string(b)) != `{"type":1}` {
		t.Fatalf("got %d %s, want {\"type\":1}", status, b)
	}
}

func TestSameInteractionTwiceHasOneEffect(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	declare := e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"))
	first := e.signed(declare)
	second := e.signed(declare)
	if !strings.Contains(text(first.Data), "Declared INC-1") {
		t.Fatalf("first answer %q", text(first.Data))
	}
	if got := text(second.Data); !strings.Contains(got, "Already received") || second.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("second answer %q", got)
	}
	if n := e.incidentCount(); n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
	e.drain()
	if n := len(e.fake.Find("POST", "guilds/"+guildID+"/channels")); n != 1 {
		t.Fatalf("%d channels created, want 1", n)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	resp, err := http.Get(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}
