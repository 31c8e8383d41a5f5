package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Follow-up trackers.
const (
	TrackerJira   = "jira"
	TrackerLinear = "linear"
	TrackerGitHub = "github"
)

// When follow-ups become tickets.
const (
	CreateOnCommand = "command" // as soon as /incident follow-up records one
	CreateAtResolve = "resolve" // all of an incident's at its resolution
)

// FollowUps configures where follow-ups (/incident follow-up) become
// tickets. Without a tracker they stay on the timeline and the pages.
type FollowUps struct {
	Tracker Tracker `yaml:"tracker" json:"tracker"`
	// Create is when tickets are created: "command" (default) or
	// "resolve".
	Create string `yaml:"create" json:"create"`
	// Poll is how often a created ticket's state (open or done) is asked
	// (default 10m).
	Poll time.Duration `yaml:"poll" json:"poll"`
}

// Tracker is the issue tracker follow-ups go to.
type Tracker struct {
	// Type is jira, linear or github; empty: no tracker.
	Type string `yaml:"type" json:"type"`
	// URL is the API base: the Jira Cloud site (https://acme.atlassian.net),
	// the GitHub API (https://api.github.com by default) or Linear's
	// GraphQL endpoint (https://api.linear.app/graphql by default).
	URL string `yaml:"url" json:"url"`
	// Email is the Jira account whose API token Token is.
	Email string `yaml:"email" json:"email"`
	// Token is the Jira API token, the Linear API key or the GitHub token.
	Token     Secret `yaml:"token" json:"token"`
	TokenFile string `yaml:"token_file" json:"token_file"`
	// Project and IssueType are Jira's (issue type Task by default).
	Project   string `yaml:"project" json:"project"`
	IssueType string `yaml:"issue_type" json:"issue_type"`
	// Repo is GitHub's owner/name.
	Repo string `yaml:"repo" json:"repo"`
	// Team is Linear's team ID.
	Team string `yaml:"team" json:"team"`
	// Labels are added to every ticket (GitHub and Jira).
	Labels []string `yaml:"labels" json:"labels"`
}

// Enabled reports whether follow-ups become tickets.
func (f FollowUps) Enabled() bool { return f.Tracker.Type != "" }

// validateFollowUps fills in defaults and checks follow_ups.
func (l *loader) validateFollowUps(f *FollowUps) {
	if f.Create == "" {
		f.Create = CreateOnCommand
	}
	if f.Poll == 0 {
		f.Poll = 10 * time.Minute
	}
	t := &f.Tracker
	if !slices.Contains([]string{CreateOnCommand, CreateAtResolve}, f.Create) {
		l.fail("follow_ups.create", fmt.Sprintf("unknown value %q (want command or resolve)", f.Create))
	}
	if f.Poll < 10*time.Second {
		l.fail("follow_ups.poll", "must be at least 10s")
	}
	need := func(key, v, why string) {
		if strings.TrimSpace(v) == "" {
			l.fail("follow_ups.tracker."+key, "required for a "+t.Type+" tracker: "+why)
		}
	}
	switch t.Type {
	case "":
		return
	case TrackerJira:
		need("url", t.URL, "the site, https://<name>.atlassian.net")
		need("email", t.Email, "the account the API token belongs to")
		need("project", t.Project, "the project key, for example OPS")
		if t.IssueType == "" {
			t.IssueType = "Task"
		}
	case TrackerGitHub:
		if t.URL == "" {
			t.URL = "https://api.github.com"
		}
		if owner, name, ok := strings.Cut(t.Repo, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			l.fail("follow_ups.tracker.repo", "want owner/name, for example acme/ops")
		}
	case TrackerLinear:
		if t.URL == "" {
			t.URL = "https://api.linear.app/graphql"
		}
		need("team", t.Team, "the team's ID")
	default:
		l.fail("follow_ups.tracker.type", fmt.Sprintf("unknown tracker %q (want jira, linear or github)", t.Type))
		return
	}
	l.checkURL("follow_ups.tracker.url", t.URL)
	if !t.Token.IsSet() {
		l.fail("follow_ups.tracker.token", "required: the tracker's API token (or token_file)")
	}
}
