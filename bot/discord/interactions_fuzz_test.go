package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// fuzzEnv is one replica for fuzzing: Postgres when there is one, else
// SQLite, and the fake Discord.
func fuzzEnv(f *testing.F) *env {
	f.Helper()
	s := storagetest.New(f)
	return newEnv(f, s, nil)
}

// serve hands one request to the adapter's HTTP endpoint.
func (e *env) serve(body []byte, h http.Header) (int, string) {
	r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
	r.Header = h
	w := httptest.NewRecorder()
	e.a.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func fuzzSeeds(e *env) [][]byte {
	return [][]byte{
		discordtest.Ping("1", appID),
		e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout down"), discordtest.Str("severity", "sev1")),
		e.command(lobby, alice, "note", discordtest.Str("text", "nul \x00 and \xff")),
		e.command(lobby, bob, "lead", discordtest.UserOpt("user", alice.ID)),
		discordtest.Click("9", appID, guildID, lobby, alice, "tq:status", nil, nil, false),
		discordtest.Click("10", appID, guildID, lobby, alice, "tq:x", []string{"a"}, map[string]any{"id": "m1"}, true),
		[]byte(`{"type":5,"data":{"custom_id":"tq_declare","components":[]}}`),
		[]byte(`{"type":2,"data":{"name":"incident","options":[{"name":"note","type":1,"options":[{"name":"text","type":3,"value":1}]}]}}`),
		[]byte(`{"type":`),
		[]byte(`null`),
	}
}

// FuzzInteractionVerify: the endpoint accepts a request only with a valid
// Ed25519 signature, by the application's key, over the timestamp and the
// body, with the timestamp within five minutes; anything else is a bare 401
// and changes nothing.
func FuzzInteractionVerify(f *testing.F) {
	e := fuzzEnv(f)
	pub, err := hex.DecodeString(e.key.PublicHex)
	if err != nil {
		f.Fatal(err)
	}
	now := e.clock.Now()
	for _, body := range fuzzSeeds(e) {
		h := e.key.Sign(body, now)
		f.Add(body, h.Get("X-Signature-Timestamp"), h.Get("X-Signature-Ed25519"))
		f.Add(body, strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), h.Get("X-Signature-Ed25519"))
		f.Add(append(bytes.Clone(body), ' '), h.Get("X-Signature-Timestamp"), h.Get("X-Signature-Ed25519"))
	}
	f.Add([]byte{}, "", "")
	count := func(t *testing.T) int {
		n, err := e.store.CountIncidents(context.Background(), storage.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		before := count(t)
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-Signature-Timestamp", ts)
		h.Set("X-Signature-Ed25519", sig)
		status, out := e.serve(body, h)

		raw, herr := hex.DecodeString(sig)
		secs, perr := strconv.ParseInt(ts, 10, 64)
		age := now.Sub(time.Unix(secs, 0))
		valid := herr == nil && len(raw) == ed25519.SignatureSize && perr == nil &&
			age <= discord.TimestampWindow && age >= -discord.TimestampWindow &&
			len(body) <= discord.MaxBodyBytes && ed25519.Verify(pub, append([]byte(ts), body...), raw)
		if !valid {
			if status != http.StatusUnauthorized || out != "" {
				t.Fatalf("unsigned request: %d %q; want a bare 401", status, out)
			}
			if n := count(t); n != before {
				t.Fatalf("an unsigned request changed the store (%d incidents, was %d)", n, before)
			}
			return
		}
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Fatalf("signed request: status %d %q", status, out)
		}
	})
}

// FuzzInteraction sends arbitrary bodies, validly signed: each is
// answered (200) or refused as malformed (400), never a panic or a 5xx.
func FuzzInteraction(f *testing.F) {
	e := fuzzEnv(f)
	for _, body := range fuzzSeeds(e) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		status, out := e.serve(body, e.key.Sign(body, e.clock.Now()))
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Fatalf("%q: status %d %q; want 200 or 400", body, status, out)
		}
	})
}
