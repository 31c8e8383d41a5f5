package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// MaxBody is the largest body an intake endpoint reads; a larger one is
// refused with 413. Alertmanager caps a notification's alerts with
// max_alerts; a group of a few hundred alerts fits well within it.
const MaxBody = 1 << 20

// Receiver is where intake writes each delivery (a storage.Store).
type Receiver interface {
	ReceiveAlertGroup(ctx context.Context, g *storage.AlertGroup) (bool, error)
}

// IntakeOptions configure the intake endpoints.
type IntakeOptions struct {
	Config config.Alerts
	Store  Receiver
	Clock  clock.Clock
	Logger *slog.Logger
	// Wake, if set, is called after a delivery that changed a group was
	// stored, to route it at once rather than at the next poll.
	Wake func()
	// OnReceived, if set, is told each stored delivery: its source and
	// whether it changed anything (false for a retry or a repeat).
	OnReceived func(source string, changed bool)
}

// Intake serves the alert intake endpoints.
type Intake struct {
	o       IntakeOptions
	secrets []config.Secret
}

// NewIntake returns the intake endpoints of o.
func NewIntake(o IntakeOptions) *Intake {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Intake{o: o, secrets: o.Config.PagerDutySecrets()}
}

// Mount adds POST /alerts/alertmanager, /alerts/grafana,
// /alerts/pagerduty and /alerts/generic to mux.
func (in *Intake) Mount(mux *http.ServeMux) {
	mux.Handle("POST /alerts/alertmanager", in.Handler(SourceAlertmanager))
	mux.Handle("POST /alerts/grafana", in.Handler(SourceGrafana))
	mux.Handle("POST /alerts/pagerduty", in.Handler(SourcePagerDuty))
	mux.Handle("POST /alerts/generic", in.Handler(SourceGeneric))
}

// Handler is the endpoint of one source. It authenticates before it reads
// anything it parses (a bearer token or basic auth; PagerDuty's signature
// over the raw body), caps the body, stores the delivery and only then
// answers 200. A failure to store is a 503, so that the sender retries.
func (in *Intake) Handler(source string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if source != SourcePagerDuty && !in.authorized(r) {
			unauthorized(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			problem(w, http.StatusRequestEntityTooLarge, "body larger than 1 MiB")
			return
		case err != nil:
			problem(w, http.StatusBadRequest, "could not read the body")
			return
		}
		if source == SourcePagerDuty && !in.signed(r.Header.Values("X-PagerDuty-Signature"), body) {
			unauthorized(w)
			return
		}
		g, err := in.decode(source, body)
		if errors.Is(err, errIgnored) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
			return
		}
		var bp errBadPayload
		if errors.As(err, &bp) {
			problem(w, http.StatusBadRequest, bp.msg)
			return
		}
		if err != nil {
			problem(w, http.StatusBadRequest, "unreadable")
			return
		}
		changed, err := in.store(r.Context(), g)
		if err != nil {
			in.o.Logger.ErrorContext(r.Context(), "could not store an alert delivery; the sender will retry",
				"source", source, "err", err)
			problem(w, http.StatusServiceUnavailable, "could not store the alert; try again")
			return
		}
		in.o.Logger.InfoContext(r.Context(), "alert received", "source", source, "group", g.GroupKey,
			"status", g.Status, "alerts", len(g.Alerts), "new", changed)
		if in.o.OnReceived != nil {
			in.o.OnReceived(source, changed)
		}
		if changed && in.o.Wake != nil {
			in.o.Wake()
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "stored"})
	})
}

func (in *Intake) decode(source string, body []byte) (*Group, error) {
	switch source {
	case SourceAlertmanager, SourceGrafana:
		return decodeWebhook(source, body)
	case SourcePagerDuty:
		return decodePagerDuty(body)
	}
	return decodeGeneric(body, in.o.Clock.Now())
}

// store writes the delivery durably and says whether it changed the group.
func (in *Intake) store(ctx context.Context, g *Group) (bool, error) {
	payload, err := json.Marshal(g)
	if err != nil {
		return false, err
	}
	row := storage.AlertGroup{Source: g.Source, GroupKey: g.GroupKey, Status: g.Status, Hash: g.Hash(),
		Payload: payload, ReceivedAt: in.o.Clock.Now()}
	return in.o.Store.ReceiveAlertGroup(ctx, &row)
}

// authorized checks the bearer token or basic auth in constant time.
func (in *Intake) authorized(r *http.Request) bool {
	c := in.o.Config
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return c.Token.Matches(strings.TrimSpace(tok))
	}
	if user, pass, ok := r.BasicAuth(); ok && c.BasicAuth.Password.IsSet() {
		userOK := hmac.Equal([]byte(user), []byte(c.BasicAuth.Username))
		return c.BasicAuth.Password.Matches(pass) && userOK
	}
	return false
}

// signed checks X-PagerDuty-Signature: one or more "v1=<hex HMAC-SHA256
// of the body>", comma-separated (several while PagerDuty rotates its
// secret), against every configured secret (several while we rotate).
func (in *Intake) signed(headers []string, body []byte) bool {
	if len(in.secrets) == 0 {
		return false
	}
	var sigs [][]byte
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
			if !ok {
				continue
			}
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	ok := false
	for _, s := range in.secrets {
		mac := hmac.New(sha256.New, []byte(s.Reveal()))
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(want, sig) {
				ok = true // keep comparing: the time taken says nothing about which matched
			}
		}
	}
	return ok
}

// unauthorized is a bare 401: no detail for whoever is probing.
func unauthorized(w http.ResponseWriter) {
	w.WriteHeader(http.StatusUnauthorized)
}

func problem(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
