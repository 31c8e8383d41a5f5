package changes

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Body is the JSON of POST /api/v1/changes.
type Body struct {
	Service         string `json:"service"`
	Kind            string `json:"kind"`
	Version         string `json:"version,omitempty"`
	PreviousVersion string `json:"previous_version,omitempty"`
	Flag            string `json:"flag,omitempty"`
	Value           string `json:"value,omitempty"`
	By              string `json:"by,omitempty"`
	// At is RFC 3339; the time of the request when absent.
	At   string `json:"at,omitempty"`
	Link string `json:"link,omitempty"`
	// Source names the sender ("api" when absent; the CLI says "cli").
	Source string `json:"source,omitempty"`
	// ExternalID, when set, deduplicates: the same (source, external_id)
	// is recorded once.
	ExternalID string `json:"external_id,omitempty"`
}

// Change is the change the body describes, not yet validated.
func (b Body) Change() (incident.Change, error) {
	c := incident.Change{Service: b.Service, Kind: incident.ChangeKind(b.Kind), Version: b.Version,
		PreviousVersion: b.PreviousVersion, Flag: b.Flag, Value: b.Value, By: b.By, Link: b.Link,
		Source: b.Source, ExternalID: b.ExternalID}
	if c.Source == "" {
		c.Source = "api"
	}
	if b.At != "" {
		t, err := time.Parse(time.RFC3339, b.At)
		if err != nil {
			return c, err
		}
		c.At = t
	}
	return c, nil
}

func (in *Intake) postChange(w http.ResponseWriter, r *http.Request) {
	body, err := in.body(w, r)
	if err != nil {
		in.refuseBody(w, err)
		return
	}
	var b Body
	if err := decodeStrict(body, &b); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := b.Change()
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, "at: want an RFC 3339 time such as 2026-03-01T14:05:00Z")
		return
	}
	in.record(w, r, c)
}

// maxList caps GET /api/v1/changes.
const maxList = 500

// listChanges is GET /api/v1/changes?service=checkout&since=2h&limit=50:
// the changes, newest first.
func (in *Intake) listChanges(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query().Get("service"), r.URL.Query().Get("since"), r.URL.Query().Get("limit"), in.o.Clock.Now())
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	cs, err := in.o.Store.ListChanges(r.Context(), f)
	if err != nil {
		in.o.Logger.ErrorContext(r.Context(), "listing changes", "err", err)
		problem(w, http.StatusServiceUnavailable, "the changes could not be read; try again")
		return
	}
	if cs == nil {
		cs = []incident.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": cs})
}

// ParseFilter reads the query of a list of changes: services separated
// by commas, since as a duration back from now ("2h") or an RFC 3339
// time, limit at most 500 (default 100).
func ParseFilter(services, since, limit string, now time.Time) (storage.ChangeFilter, error) {
	f := storage.ChangeFilter{Limit: 100}
	for s := range strings.SplitSeq(services, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		n, err := incident.ParseServiceName(s)
		if err != nil {
			return f, err
		}
		f.Services = append(f.Services, n)
	}
	if since != "" {
		if d, err := time.ParseDuration(since); err == nil && d > 0 {
			f.From = now.Add(-d)
		} else if t, err := time.Parse(time.RFC3339, since); err == nil {
			f.From = t
		} else {
			return f, errBadSince
		}
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > maxList {
			return f, errBadLimit
		}
		f.Limit = n
	}
	return f, nil
}

var (
	errBadSince = errorString("since: want a duration such as 2h or an RFC 3339 time")
	errBadLimit = errorString("limit: want a number from 1 to 500")
)

type errorString string

func (e errorString) Error() string { return string(e) }
