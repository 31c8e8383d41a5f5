package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// webhook is Alertmanager's webhook payload (version 4), which Grafana's
// webhook contact point extends with orgId, title, state, message and, per
// alert, dashboardURL, panelURL, silenceURL and values.
type webhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []webhookAlert    `json:"alerts"`
	// Grafana's.
	OrgID   int64  `json:"orgId"`
	Title   string `json:"title"`
	State   string `json:"state"`
	Message string `json:"message"`
}

type webhookAlert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     time.Time          `json:"startsAt"`
	EndsAt       time.Time          `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	SilenceURL   string             `json:"silenceURL"`
	Values       map[string]float64 `json:"values"`
}

// errBadPayload is a body that is not what the endpoint takes; the
// sender gets 400 with the reason.
type errBadPayload struct{ msg string }

func (e errBadPayload) Error() string { return e.msg }

func bad(format string, args ...any) error { return errBadPayload{fmt.Sprintf(format, args...)} }

// decodeWebhook reads an Alertmanager or Grafana notification.
func decodeWebhook(source string, body []byte) (*Group, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, bad("not a webhook notification: %v", jsonProblem(err))
	}
	if source == SourceAlertmanager && w.Version != "4" {
		return nil, bad("version %q: want Alertmanager's webhook version 4", w.Version)
	}
	if w.GroupKey == "" {
		return nil, bad("groupKey is missing")
	}
	if len(w.Alerts) == 0 {
		return nil, bad("alerts is empty")
	}
	g := &Group{Source: source, GroupKey: w.GroupKey, Status: w.Status, Receiver: w.Receiver,
		GroupLabels: w.GroupLabels, CommonLabels: w.CommonLabels, CommonAnnotations: w.CommonAnnotations,
		ExternalURL: w.ExternalURL, TruncatedAlerts: w.TruncatedAlerts, Title: w.Title, Message: w.Message}
	for _, a := range w.Alerts {
		// The same fields, under the store's JSON names.
		g.Alerts = append(g.Alerts, Alert(a))
	}
	g.normalize()
	return g, nil
}

// Generic is the JSON body of POST /alerts/generic: one alert, for any
// sender that can fill a template (Datadog, CloudWatch through a Lambda,
// a cron job). Key identifies the alert across notifications; Status is
// "firing" or "resolved" (also accepted: Datadog's "Triggered",
// "Recovered", "Re-Triggered", and "ok"); StartsAt is RFC3339 or Unix
// seconds or milliseconds.
type Generic struct {
	Key         string            `json:"key"`
	Status      string            `json:"status"`
	Title       string            `json:"title"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    json.RawMessage   `json:"starts_at"`
	URL         string            `json:"url"`
}

// decodeGeneric reads the generic shape.
func decodeGeneric(body []byte, now time.Time) (*Group, error) {
	var in Generic
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, bad("not the generic alert shape (key, status, title, labels, annotations, starts_at, url): %v", jsonProblem(err))
	}
	in.Key, in.Title = strings.TrimSpace(in.Key), strings.TrimSpace(in.Title)
	if in.Key == "" {
		return nil, bad("key is missing: it identifies the alert across notifications")
	}
	if in.Title == "" {
		return nil, bad("title is missing")
	}
	status, err := genericStatus(in.Status)
	if err != nil {
		return nil, err
	}
	starts, err := genericTime(in.StartsAt)
	if err != nil {
		return nil, err
	}
	if starts.IsZero() {
		starts = now
	}
	g := &Group{Source: SourceGeneric, GroupKey: in.Key, Status: status, Title: in.Title,
		CommonLabels: in.Labels, CommonAnnotations: in.Annotations,
		Alerts: []Alert{{Status: status, Labels: in.Labels, Annotations: in.Annotations, StartsAt: starts,
			GeneratorURL: in.URL, Fingerprint: in.Key}}}
	g.normalize()
	return g, nil
}

func genericStatus(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "firing", "triggered", "re-triggered", "renotify", "alert", "warn", "warning", "error", "no data", "":
		return StatusFiring, nil
	case "resolved", "recovered", "ok":
		return StatusResolved, nil
	}
	return "", bad("status %q: want firing or resolved", s)
}

func genericTime(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(raw) // a bare number
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 { // milliseconds
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, bad("starts_at %q: want RFC3339 or Unix seconds or milliseconds", s)
}

// ownPage is the dedup_key Tourniquet's pages carry: an incident key.
var ownPage = regexp.MustCompile(`^INC-[0-9]+$`)

// pdWebhook is a PagerDuty v3 webhook delivery.
type pdWebhook struct {
	Event struct {
		ID           string    `json:"id"`
		EventType    string    `json:"event_type"`
		ResourceType string    `json:"resource_type"`
		OccurredAt   time.Time `json:"occurred_at"`
		Data         struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			HTMLURL string `json:"html_url"`
			Number  int    `json:"number"`
			// IncidentKey is the dedup_key of the event that opened it.
			IncidentKey string    `json:"incident_key"`
			Status      string    `json:"status"`
			Title       string    `json:"title"`
			CreatedAt   time.Time `json:"created_at"`
			Urgency     string    `json:"urgency"`
			Service     struct {
				ID      string `json:"id"`
				Summary string `json:"summary"`
			} `json:"service"`
		} `json:"data"`
	} `json:"event"`
}

// errIgnored is a PagerDuty event that is not about an incident (a
// ping, a service change): acknowledged, not stored.
var errIgnored = errors.New("not an incident event")

// decodePagerDuty reads a PagerDuty v3 webhook event about an incident:
// resolved closes its group, every other incident event keeps it firing.
func decodePagerDuty(body []byte) (*Group, error) {
	var w pdWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, bad("not a PagerDuty v3 webhook: %v", jsonProblem(err))
	}
	ev := w.Event
	if ev.ID == "" || ev.EventType == "" {
		return nil, bad("event.id or event.event_type is missing")
	}
	if !strings.HasPrefix(ev.EventType, "incident.") || ev.Data.ID == "" {
		return nil, errIgnored
	}
	if ownPage.MatchString(ev.Data.IncidentKey) {
		// Tourniquet's own page (dedup_key INC-7) coming back: the
		// incident exists already; proposing it again would loop.
		return nil, errIgnored
	}
	status := StatusFiring
	if ev.EventType == "incident.resolved" || ev.Data.Status == "resolved" {
		status = StatusResolved
	}
	labels := map[string]string{"alertname": ev.Data.Title, "pagerduty_incident": ev.Data.ID}
	if ev.Data.Service.Summary != "" {
		labels["service"] = ev.Data.Service.Summary
	}
	if ev.Data.Urgency != "" {
		labels["urgency"] = ev.Data.Urgency
	}
	starts := ev.Data.CreatedAt
	if starts.IsZero() {
		starts = ev.OccurredAt
	}
	g := &Group{Source: SourcePagerDuty, GroupKey: ev.Data.ID, Status: status, Title: ev.Data.Title,
		EventID: ev.ID, CommonLabels: labels,
		Alerts: []Alert{{Status: status, Labels: labels, StartsAt: starts, GeneratorURL: ev.Data.HTMLURL, Fingerprint: ev.Data.ID}}}
	g.normalize()
	return g, nil
}

// jsonProblem says what is wrong with a body without quoting it.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s must be %s, not %s", te.Field, te.Type, te.Value)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field") {
		return strings.TrimPrefix(msg, "json: ")
	}
	return "invalid JSON"
}
