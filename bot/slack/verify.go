package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
)

// Request signing (docs.slack.dev, "Verifying requests from Slack").
const (
	headerSignature = "X-Slack-Signature"
	headerTimestamp = "X-Slack-Request-Timestamp"
	// signatureWindow is how far a request's timestamp may be from now.
	signatureWindow = 5 * time.Minute
	// DefaultMaxBody caps an inbound request body (1 MiB).
	DefaultMaxBody = 1 << 20
)

// verifier checks Slack's v0 request signatures. It is written out here
// rather than taken from slack-go's SecretsVerifier for two reasons: the
// timestamp window must follow the adapter's clock, and no part of its
// failure (the computed signature above all) may reach a response or a
// log — here a failure is only a false.
type verifier struct {
	secret  config.Secret
	clock   clock.Clock
	maxBody int64
}

// read verifies r and returns its raw body; ok is false for any failure
// (headers missing or malformed, timestamp outside the window, body too
// large or unreadable, signature wrong). The body is read only after the
// headers pass, and is never parsed before the signature does.
func (v verifier) read(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	if !v.secret.IsSet() {
		return nil, false
	}
	ts := r.Header.Get(headerTimestamp)
	sigHex, found := strings.CutPrefix(r.Header.Get(headerSignature), "v0=")
	if !found || len(sigHex) != 2*sha256.Size || ts == "" || len(ts) > 12 {
		return nil, false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return nil, false
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs <= 0 {
		return nil, false
	}
	if d := v.clock.Now().Sub(time.Unix(secs, 0)); d > signatureWindow || d < -signatureWindow {
		return nil, false
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, v.maxBody))
	if err != nil {
		return nil, false
	}
	mac := hmac.New(sha256.New, []byte(v.secret.Reveal()))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sig) {
		return nil, false
	}
	return body, true
}

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature values
// Slack would send for body at time at. Tests and benchmarks use it to
// play Slack.
func Sign(secret string, at time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}
