package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
)

// Sources: the intake a group came through (storage.AlertGroup.Source).
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourcePagerDuty    = "pagerduty"
	SourceGeneric      = "generic"
)

// Statuses of a group and of an alert.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// Group is one notification about a group of alerts, normalized from
// whichever source sent it. Its field names are Alertmanager's template
// data, so a route's title template reads {{ .CommonAnnotations.summary }}
// or {{ .CommonLabels.alertname }} whatever the source.
type Group struct {
	Source            string            `json:"source"`
	GroupKey          string            `json:"group_key"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver,omitempty"`
	GroupLabels       map[string]string `json:"group_labels,omitempty"`
	CommonLabels      map[string]string `json:"common_labels,omitempty"`
	CommonAnnotations map[string]string `json:"common_annotations,omitempty"`
	ExternalURL       string            `json:"external_url,omitempty"`
	TruncatedAlerts   int               `json:"truncated_alerts,omitempty"`
	// Title and Message are what Grafana, PagerDuty or a generic sender
	// call the notification.
	Title   string  `json:"title,omitempty"`
	Message string  `json:"message,omitempty"`
	Alerts  []Alert `json:"alerts"`
	// EventID is the sender's ID of this delivery, when it has one
	// (PagerDuty's event.id): a delivery with the same ID is a retry.
	EventID string `json:"event_id,omitempty"`
}

// Alert is one alert of a group.
type Alert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels,omitempty"`
	Annotations  map[string]string  `json:"annotations,omitempty"`
	StartsAt     time.Time          `json:"starts_at"`
	EndsAt       time.Time          `json:"ends_at,omitzero"`
	GeneratorURL string             `json:"generator_url,omitempty"`
	Fingerprint  string             `json:"fingerprint"`
	DashboardURL string             `json:"dashboard_url,omitempty"`
	PanelURL     string             `json:"panel_url,omitempty"`
	SilenceURL   string             `json:"silence_url,omitempty"`
	Values       map[string]float64 `json:"values,omitempty"`
}

// Firing is how many of the group's alerts are firing.
func (g *Group) Firing() int {
	n := 0
	for _, a := range g.Alerts {
		if a.Status == StatusFiring {
			n++
		}
	}
	return n
}

// Label is the value of a label: the common one, else the first alert's
// that has it.
func (g *Group) Label(name string) string {
	if v := g.CommonLabels[name]; v != "" {
		return v
	}
	for _, a := range g.Alerts {
		if v := a.Labels[name]; v != "" {
			return v
		}
	}
	return ""
}

// LabelValues are the distinct values of a label among the group's
// alerts, sorted.
func (g *Group) LabelValues(name string) []string {
	var out []string
	if v := g.CommonLabels[name]; v != "" {
		out = append(out, v)
	}
	for _, a := range g.Alerts {
		if v := a.Labels[name]; v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Name is what the group is called: its alertname, else its title, else
// its key.
func (g *Group) Name() string {
	for _, v := range []string{g.Label("alertname"), g.Title, g.GroupKey} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return "alert"
}

// EarliestStart is the earliest start of the group's alerts (zero when
// none says).
func (g *Group) EarliestStart() time.Time {
	var t time.Time
	for _, a := range g.Alerts {
		if !a.StartsAt.IsZero() && (t.IsZero() || a.StartsAt.Before(t)) {
			t = a.StartsAt
		}
	}
	return t
}

// normalize fills what a sender may leave out: each alert's status (the
// group's), fingerprint (a hash of its labels), and the group's status
// (firing while any alert fires).
func (g *Group) normalize() {
	firing := false
	for i := range g.Alerts {
		a := &g.Alerts[i]
		if a.Status != StatusResolved {
			if a.Status == "" && g.Status == StatusResolved {
				a.Status = StatusResolved
			} else {
				a.Status = StatusFiring
			}
		}
		if a.Fingerprint == "" {
			a.Fingerprint = labelsFingerprint(a.Labels)
		}
		firing = firing || a.Status == StatusFiring
	}
	g.Status = StatusResolved
	if firing {
		g.Status = StatusFiring
	}
}

// Hash identifies the content of a delivery: the group, its status and
// each alert's fingerprint, status and start; or the sender's event ID.
// Alertmanager's retries and repeats hash the same, so they change
// nothing; a new alert in the group, or one resolving, does not.
func (g *Group) Hash() string {
	h := sha256.New()
	if g.EventID != "" {
		h.Write([]byte("event\x00" + g.EventID))
		return hex.EncodeToString(h.Sum(nil))
	}
	parts := []string{g.GroupKey, g.Status}
	for _, a := range g.Alerts {
		parts = append(parts, a.Fingerprint+"\x01"+a.Status+"\x01"+a.StartsAt.UTC().Format(time.RFC3339Nano))
	}
	slices.Sort(parts[2:])
	h.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h.Sum(nil))
}

func labelsFingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "\x00" + labels[k] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// decodeGroup reads a stored group.
func decodeGroup(payload []byte) (*Group, error) {
	var g Group
	if err := json.Unmarshal(payload, &g); err != nil {
		return nil, err
	}
	return &g, nil
}
