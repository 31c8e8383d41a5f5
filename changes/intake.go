package changes

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Store is what the intake and the API need of the store.
type Store interface {
	RecordChange(ctx context.Context, c *incident.Change) (bool, error)
	ListChanges(ctx context.Context, f storage.ChangeFilter) ([]incident.Change, error)
}

// DefaultMaxBody caps a request body: a change is small, a webhook a few
// kilobytes.
const DefaultMaxBody = 1 << 20

// IntakeOptions configure an Intake. A webhook whose secret is not set is
// not mounted.
type IntakeOptions struct {
	Store Store
	Clock clock.Clock
	// APIToken opens POST and GET /api/v1/changes (Authorization: Bearer).
	APIToken config.Secret
	// GitHubSecret verifies X-Hub-Signature-256 on POST /changes/github.
	GitHubSecret config.Secret
	// LaunchDarklySecret verifies X-LD-Signature on POST
	// /changes/launchdarkly.
	LaunchDarklySecret config.Secret
	// ArgoCDToken is the bearer token of POST /changes/argocd.
	ArgoCDToken config.Secret
	Logger      *slog.Logger
	// MaxBody caps request bodies (default DefaultMaxBody); a longer one
	// is refused with 413.
	MaxBody int64
	// OnRecorded, if set, is told of each change recorded (not of a
	// redelivery), for metrics.
	OnRecorded func(c incident.Change)
}

// Intake takes changes in over HTTP.
type Intake struct{ o IntakeOptions }

// NewIntake returns the intake with defaults filled in.
func NewIntake(o IntakeOptions) *Intake {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.OnRecorded == nil {
		o.OnRecorded = func(incident.Change) {}
	}
	return &Intake{o: o}
}

// Register mounts the intake's routes on mux.
func (in *Intake) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/changes", in.bearer(in.o.APIToken, in.postChange))
	mux.HandleFunc("GET /api/v1/changes", in.bearer(in.o.APIToken, in.listChanges))
	if in.o.GitHubSecret.IsSet() {
		mux.HandleFunc("POST /changes/github", in.github)
	}
	if in.o.LaunchDarklySecret.IsSet() {
		mux.HandleFunc("POST /changes/launchdarkly", in.launchDarkly)
	}
	if in.o.ArgoCDToken.IsSet() {
		mux.HandleFunc("POST /changes/argocd", in.bearer(in.o.ArgoCDToken, in.argoCD))
	}
}

// unauthorized is the bare 401 of the house rules: nothing about what was
// wrong.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="tourniquet"`)
	w.WriteHeader(http.StatusUnauthorized)
}

// bearer lets through requests carrying "Authorization: Bearer <token>";
// with no token configured nobody gets through.
func (in *Intake) bearer(token config.Secret, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !token.IsSet() || !strings.EqualFold(scheme, "Bearer") || !token.Matches(strings.TrimSpace(tok)) {
			unauthorized(w)
			return
		}
		next(w, r)
	}
}

// errTooLarge is a body over MaxBody.
var errTooLarge = errors.New("request body too large")

// body reads the capped request body.
func (in *Intake) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.o.MaxBody))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, errTooLarge
	}
	return b, err
}

// readSigned reads the body and checks an HMAC-SHA256 signature of it
// (hex, after prefix) with secret, before anything parses it. It answers
// the request itself and returns false on any failure: a bad signature
// is a bare 401.
func (in *Intake) readSigned(w http.ResponseWriter, r *http.Request, secret config.Secret, header, prefix string) ([]byte, bool) {
	body, err := in.body(w, r)
	if err != nil {
		in.refuseBody(w, err)
		return nil, false
	}
	got, ok := strings.CutPrefix(r.Header.Get(header), prefix)
	sig, herr := hex.DecodeString(strings.TrimSpace(got))
	if !ok || herr != nil || !hmac.Equal(sig, mac(secret, body)) {
		unauthorized(w)
		return nil, false
	}
	return body, true
}

func mac(secret config.Secret, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret.Reveal()))
	m.Write(body)
	return m.Sum(nil)
}

func (in *Intake) refuseBody(w http.ResponseWriter, err error) {
	if errors.Is(err, errTooLarge) {
		problem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", in.o.MaxBody))
		return
	}
	problem(w, http.StatusBadRequest, "the body could not be read")
}

// record validates c and commits it before answering: 201 with the change
// when new, 200 with the stored one when it is a redelivery, 422 naming
// what is wrong, 503 when the store cannot take it (the sender retries).
func (in *Intake) record(w http.ResponseWriter, r *http.Request, c incident.Change) {
	if c.At.IsZero() {
		c.At = in.o.Clock.Now()
	}
	c.RecordedAt = in.o.Clock.Now()
	c, err := incident.ParseChange(c)
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, strings.TrimPrefix(err.Error(), incident.ErrBadChange.Error()+": "))
		return
	}
	created, err := in.o.Store.RecordChange(r.Context(), &c)
	if err != nil {
		in.o.Logger.ErrorContext(r.Context(), "recording a change", "source", c.Source, "service", c.Service, "err", err)
		problem(w, http.StatusServiceUnavailable, "the change could not be stored; try again")
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		in.o.OnRecorded(c)
		in.o.Logger.InfoContext(r.Context(), "change recorded", "id", c.ID, "source", c.Source, "service", c.Service, "kind", c.Kind)
	}
	writeJSON(w, status, map[string]any{"recorded": created, "change": c})
}

// ignore answers a delivery that carries no change (a ping, a failed
// deployment) with 200, so that the sender does not retry it.
func ignore(w http.ResponseWriter, why string) {
	writeJSON(w, http.StatusOK, map[string]any{"recorded": false, "ignored": why})
}

// problem is an error answer: {"error": "..."}.
func problem(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeStrict reads JSON refusing unknown fields, so that a typo in a
// CI script is an error rather than a silently empty field.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the JSON of a change: %w", err)
	}
	return nil
}
