package alerts

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

// route is a configured route, compiled.
type route struct {
	index   int
	cfg     config.AlertRoute
	match   map[string]string
	matchRE map[string]*regexp.Regexp
	title   *template.Template
}

// defaultRoute applies to an alert no route matches: propose it.
var defaultRoute = &route{index: -1, cfg: config.AlertRoute{Action: config.AlertPropose}}

// compileRoutes compiles the configured routes (check-config has checked
// them; an error here is a configuration that skipped it).
func compileRoutes(cfgs []config.AlertRoute) ([]*route, error) {
	var out []*route
	for i, c := range cfgs {
		r := &route{index: i, cfg: c, match: c.Match, matchRE: map[string]*regexp.Regexp{}}
		for k, v := range c.MatchRE {
			re, err := config.AnchoredRE(v)
			if err != nil {
				return nil, fmt.Errorf("alerts.routes[%d].match_re.%s: %w", i, k, err)
			}
			r.matchRE[k] = re
		}
		if c.Title != "" {
			t, err := config.ParseAlertTitle(c.Title)
			if err != nil {
				return nil, fmt.Errorf("alerts.routes[%d].title: %w", i, err)
			}
			r.title = t
		}
		out = append(out, r)
	}
	return out, nil
}

// pick is the first route whose labels match the group, or the default.
// A group matches when its common labels (or, lacking them, its first
// alert's) match.
func pick(routes []*route, g *Group) *route {
	for _, r := range routes {
		if r.matches(g) {
			return r
		}
	}
	return defaultRoute
}

func (r *route) matches(g *Group) bool {
	for k, v := range r.match {
		if g.Label(k) != v {
			return false
		}
	}
	for k, re := range r.matchRE {
		if !re.MatchString(g.Label(k)) {
			return false
		}
	}
	return true
}

// action is what the route does: declare, propose or attach.
func (r *route) action() string { return r.cfg.ActionOrDefault() }

// severity is the route's severity for g: fixed, mapped from a label, or
// the default.
func (r *route) severity(g *Group) incident.Severity {
	if r.cfg.Severity != "" {
		if s, err := incident.ParseSeverity(r.cfg.Severity); err == nil {
			return s
		}
	}
	if r.cfg.SeverityLabel != "" {
		v := g.Label(r.cfg.SeverityLabel)
		if m, ok := r.cfg.SeverityMap[v]; ok {
			if s, err := incident.ParseSeverity(m); err == nil {
				return s
			}
		}
	}
	return incident.DefaultSeverity
}

// services are the values of the route's services label among the
// group's alerts, as service names.
func (r *route) services(g *Group) []string {
	if r.cfg.ServicesLabel == "" {
		return nil
	}
	var out []string
	for _, v := range g.LabelValues(r.cfg.ServicesLabel) {
		if n, err := incident.ParseServiceName(v); err == nil {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// titleOf is the incident title: the route's template over the group, else
// "<alertname> firing", cut to fit.
func (r *route) titleOf(g *Group) string {
	title := ""
	if r.title != nil {
		var b strings.Builder
		if err := r.title.Execute(&b, g); err == nil {
			title = incident.CleanText(b.String(), incident.SingleLine)
		}
	}
	if title == "" || title == "<no value>" {
		title = g.Name()
		if s := g.CommonAnnotations["summary"]; s != "" {
			title += ": " + s
		}
	}
	if title = incident.CleanText(title, incident.SingleLine); title == "" {
		title = "Alert from " + senderName(g.Source) // a name of invisible characters only
	}
	if rs := []rune(title); len(rs) > incident.MaxTitleLen {
		title = string(rs[:incident.MaxTitleLen-1]) + "…"
	}
	return title
}
