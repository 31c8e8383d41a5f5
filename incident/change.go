package incident

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// ChangeKind is what sort of change shipped to a service.
type ChangeKind string

// Change kinds.
const (
	ChangeDeploy ChangeKind = "deploy"
	ChangeFlag   ChangeKind = "flag"
	ChangeConfig ChangeKind = "config"
	ChangeInfra  ChangeKind = "infra"
)

// ChangeKinds are the kinds a change may have, in documentation order.
var ChangeKinds = []ChangeKind{ChangeDeploy, ChangeFlag, ChangeConfig, ChangeInfra}

// ErrBadChange is wrapped by every refusal of ParseChange.
var ErrBadChange = errors.New("bad change")

// Change is one thing shipped to a service (a deploy, a flag flip, a
// config push, an infrastructure change), reported by CI, a webhook or a
// watch. Changes are not part of any incident: an incident's card lists
// those of its services that came shortly before its impact started, with
// the action that undoes each. Every text field is user text: data, never
// markup, a mention or a link label.
type Change struct {
	ID      int64      `json:"id"`
	Service string     `json:"service"`
	Kind    ChangeKind `json:"kind"`
	// Version is what was deployed ("v42"), PreviousVersion what it
	// replaced ("v41"); either may be empty.
	Version         string `json:"version,omitempty"`
	PreviousVersion string `json:"previous_version,omitempty"`
	// Flag and Value describe a flag change ("new-checkout", "on").
	Flag  string `json:"flag,omitempty"`
	Value string `json:"value,omitempty"`
	// By is who made it, as the reporting system names them: a display
	// name, never a mention or a permission.
	By string `json:"by,omitempty"`
	// At is when it shipped; RecordedAt when Tourniquet learned of it.
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	// Link points at it in the system that made it (http or https only).
	Link string `json:"link,omitempty"`
	// Source names the reporting system ("api", "cli", "github",
	// "launchdarkly", "argocd", "kubernetes"); ExternalID is that
	// system's ID of it, for deduplication of redeliveries.
	Source     string `json:"source"`
	ExternalID string `json:"external_id,omitempty"`
}

// Limits of a change's fields, in bytes.
const (
	maxChangeField = 200
	maxChangeLink  = 2000
)

// ParseChange checks a change as reported and returns it cleaned: the
// service a valid service name (lower-case), the kind known, every text
// field single-line and bounded, the link http(s), At set. Each problem is
// named, so that the reporting system can be told what to fix.
func ParseChange(c Change) (Change, error) {
	var errs []error
	svc, err := ParseServiceName(c.Service)
	if err != nil {
		errs = append(errs, fmt.Errorf("service: %w", err))
	}
	c.Service = svc
	c.Kind = ChangeKind(strings.ToLower(strings.TrimSpace(string(c.Kind))))
	if !knownChangeKind(c.Kind) {
		errs = append(errs, fmt.Errorf("kind %q: want one of deploy, flag, config, infra", CleanText(truncateRunes(string(c.Kind), 20), SingleLine)))
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"version", &c.Version}, {"previous_version", &c.PreviousVersion}, {"flag", &c.Flag}, {"value", &c.Value},
		{"by", &c.By}, {"source", &c.Source}, {"external_id", &c.ExternalID}} {
		*f.v = strings.TrimSpace(CleanText(*f.v, SingleLine))
		if len(*f.v) > maxChangeField || !utf8.ValidString(*f.v) {
			errs = append(errs, fmt.Errorf("%s: at most %d bytes of text", f.name, maxChangeField))
		}
	}
	if c.Kind == ChangeFlag && c.Flag == "" {
		errs = append(errs, errors.New("flag: required for a flag change"))
	}
	c.Link = strings.TrimSpace(c.Link)
	if c.Link != "" {
		u, err := url.Parse(c.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(c.Link) > maxChangeLink {
			errs = append(errs, fmt.Errorf("link: want an http or https URL of at most %d bytes", maxChangeLink))
		}
	}
	if c.At.IsZero() {
		errs = append(errs, errors.New("at: required"))
	}
	c.At = c.At.UTC()
	if err := errors.Join(errs...); err != nil {
		return Change{}, fmt.Errorf("%w: %w", ErrBadChange, err)
	}
	return c, nil
}

func knownChangeKind(k ChangeKind) bool {
	for _, x := range ChangeKinds {
		if x == k {
			return true
		}
	}
	return false
}

// What says what the change was, in a few words: "checkout v42",
// "flag new-checkout on", "config checkout".
func (c Change) What() string {
	switch c.Kind {
	case ChangeFlag:
		s := "flag " + c.Flag
		if c.Value != "" {
			s += " " + c.Value
		}
		return s
	default:
		s := string(c.Kind) + " " + c.Service
		if c.Version != "" {
			s += " " + c.Version
		}
		return s
	}
}
