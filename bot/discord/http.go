package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// MaxBodyBytes caps an interaction request's body (1 MiB).
const MaxBodyBytes = 1 << 20

// TimestampWindow is how far X-Signature-Timestamp may be from now, either
// way. Discord's signature covers the timestamp but Discord sets no window;
// without one a captured request could be replayed forever.
const TimestampWindow = 5 * time.Minute

// ServeHTTP is the HTTP interactions endpoint (POST /discord/interactions).
// Before anything is parsed the body is capped (413 beyond 1 MiB) and the
// Ed25519 signature over timestamp + body is checked against the public key,
// with the timestamp within five minutes of now; any failure is a bare 401
// and nothing is recorded. A PING gets a PONG; commands and clicks take the
// same path as over the gateway, answered in the response body.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !a.verify(r.Header, body) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	var once sync.Once
	a.serve(r.Context(), &i, overHTTP, func(_ context.Context, resp *discordgo.InteractionResponse) error {
		var err error
		once.Do(func() {
			var b []byte
			if b, err = json.Marshal(wireResponse(resp)); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, err = w.Write(b)
		})
		return err
	})
}

// verify checks the request's signature: hex Ed25519 over the timestamp
// header followed by the raw body, a timestamp in Unix seconds within
// TimestampWindow of the adapter's clock.
func (a *Adapter) verify(h http.Header, body []byte) bool {
	if a.pub == nil {
		return false
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	ts := h.Get("X-Signature-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := a.clock.Now().Sub(time.Unix(sec, 0))
	if age > TimestampWindow || age < -TimestampWindow {
		return false
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	return ed25519.Verify(a.pub, msg, sig)
}
