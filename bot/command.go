package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tourniquet/tourniquet/incident"
)

// Command names of the /incident grammar (DESIGN §4), plus the ones that
// buttons send.
const (
	CmdDeclare       = "declare"
	CmdList          = "list"
	CmdSev           = "sev"
	CmdLead          = "lead"
	CmdRole          = "role"
	CmdRename        = "rename"
	CmdUpdate        = "update"
	CmdNote          = "note"
	CmdMitigated     = "mitigated"
	CmdRegressed     = "regressed"
	CmdDiagnosed     = "diagnosed"
	CmdFailForward   = "fail-forward"
	CmdImpactStarted = "impact-started"
	CmdServices      = "services"
	CmdActions       = "actions"
	CmdRun           = "run"
	CmdStatus        = "status"
	CmdTimeline      = "timeline"
	CmdResolve       = "resolve"
	CmdHelp          = "help"
	// CmdAnswer answers a check-in: "answer <check-in id> yes|partial|no".
	CmdAnswer = "answer"
	// CmdConfirm, CmdApprove, CmdCancel and CmdVerify drive an action run
	// from its buttons: "confirm <run id>", "verify <run id> worked|failed".
	CmdConfirm = "confirm"
	CmdApprove = "approve"
	CmdCancel  = "cancel"
	CmdVerify  = "verify"
	// CmdEffect answers "did <run> mitigate customer impact?", asked after
	// a rollback or kill switch worked: "effect <run id> yes|no".
	CmdEffect = "effect"
)

// usage is each command's usage line, in the order help lists them.
var usage = []struct{ name, args, what string }{
	{CmdDeclare, "[here] [private] [sev1..sev4] <title>", "open an incident in a new channel (here: in this channel; private: a private channel). The flags count before a severity (declare here sev2 Checkout errors) or alone"},
	{CmdList, "", "list the open incidents, worst and newest first (works in any channel)"},
	{CmdSev, "<1-4>", "change the severity"},
	{CmdLead, "<@user>", "name the incident lead (lead, declarer or configured; anyone may claim an incident nobody leads)"},
	{CmdRole, "[<name> [<@user> | none]]", "give an incident role (as configured: comms, scribe…) to someone, see who holds it, or clear it"},
	{CmdRename, "<title>", "give the incident a new title (at most 200 characters)"},
	{CmdUpdate, "<text>", "post a status update"},
	{CmdNote, "<text>", "add a note to the timeline"},
	{CmdMitigated, "[how]", "customer impact has stopped"},
	{CmdRegressed, "[what]", "customer impact is back"},
	{CmdDiagnosed, "<cause>", "the cause is identified"},
	{CmdFailForward, "<reason>", "record the decision to fix forward while impact continues"},
	{CmdImpactStarted, "<RFC3339 | HH:MM | -15m> [force]", "say when customer impact really began (force: more than 30 days ago)"},
	{CmdServices, "<name…>", "set the affected services"},
	{CmdActions, "[page]", "list the mitigation actions for this incident, 25 to a page"},
	{CmdRun, "<action-id>", "run a mitigation action"},
	{CmdStatus, "", "show the incident and its two clocks"},
	{CmdTimeline, "", "show the timeline and the report link"},
	{CmdResolve, "[--ongoing] [summary]", "close the incident: the permanent fix is in (--ongoing: while customer impact is still ongoing, which otherwise asks first)"},
	{CmdHelp, "[command]", "show this help"},
}

// hidden commands are sent by buttons; they can be typed but are not listed.
var hiddenUsage = map[string]string{
	CmdAnswer:  "<check-in> yes|partial|no",
	CmdConfirm: "<run>",
	CmdApprove: "<run>",
	CmdCancel:  "<run>",
	CmdVerify:  "<run> worked|failed",
	CmdEffect:  "<run> yes|no",
}

var aliases = map[string]string{
	"severity": CmdSev, "mitigate": CmdMitigated, "regress": CmdRegressed,
	"diagnose": CmdDiagnosed, "failforward": CmdFailForward, "fail_forward": CmdFailForward,
	"impact-start": CmdImpactStarted, "impact_started": CmdImpactStarted, "service": CmdServices,
	"resolved": CmdResolve, "close": CmdResolve, "?": CmdHelp, "open": CmdDeclare, "new": CmdDeclare,
}

// Usage returns the usage line of a command, "" for an unknown one.
func Usage(name string) string {
	for _, u := range usage {
		if u.name == name {
			return strings.TrimSpace("/incident " + u.name + " " + u.args)
		}
	}
	if a, ok := hiddenUsage[name]; ok {
		return "/incident " + name + " " + a
	}
	return ""
}

// HelpText lists every command with its usage and what it does.
func HelpText() Rich {
	lines := []Rich{Textf("*Tourniquet commands* — mitigation before diagnosis.")}
	for _, u := range usage {
		lines = append(lines, Textf("• `%s` — %s", strings.TrimSpace("/incident "+u.name+" "+u.args), u.what))
	}
	lines = append(lines, Textf("Type a command in an incident's channel to apply it to that incident, or prefix it with the key: `/incident INC-7 status`."))
	return Join("\n", lines...)
}

// UsageError is a malformed command: what is wrong, and the usage line of
// the command that was meant.
type UsageError struct {
	Command string
	// Problem says what is wrong, in plain words.
	Problem string
	Usage   string
	// msg is Problem with its markup (code spans), when it has any.
	msg Rich
	// noTitle marks a declaration that lacks only its title.
	noTitle bool
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Problem
	}
	return e.Problem + "\nUsage: " + e.Usage
}

// Rich is the error as the person who typed the command reads it: the
// problem, then the usage line as code.
func (e *UsageError) Rich() Rich {
	msg := e.msg
	if msg == nil {
		msg = Plain(e.Problem)
	}
	if e.Usage == "" {
		return msg
	}
	return append(msg, Textf("\nUsage: `%s`", e.Usage)...)
}

// usageErr is a UsageError of cmd; format is the bot's markup and args are
// data, as in Textf.
func usageErr(cmd, format string, args ...any) *UsageError {
	u := Usage(cmd)
	if u == "" {
		u = "/incident help"
	}
	msg := Textf(format, args...)
	return &UsageError{Command: cmd, Problem: msg.String(), Usage: u, msg: msg}
}

// Mention is a user named in a command: a platform mention (<@U123>), an
// explicit reference (slack:U123) or a bare @name (terminal).
type Mention struct {
	// Platform is empty when the mention is in the invoker's platform.
	Platform string
	ID       string
	Name     string
}

// TimeSpec is when impact started, as typed: absolute, a clock time, or
// relative to now.
type TimeSpec struct {
	Abs      time.Time
	Clock    bool // HH:MM
	Hour     int
	Minute   int
	Relative time.Duration // negative: in the past
	// Raw is the time as typed, without the force word.
	Raw string
	// Force says the person means a start more than
	// incident.MaxImpactLookback ago: they typed "force" or "--force"
	// after the time.
	Force bool
}

// Resolve turns the spec into a time, given now. A clock time is its most
// recent occurrence at or before now, in now's location.
func (s TimeSpec) Resolve(now time.Time) time.Time {
	switch {
	case s.Clock:
		t := time.Date(now.Year(), now.Month(), now.Day(), s.Hour, s.Minute, 0, 0, now.Location())
		if t.After(now) {
			t = t.AddDate(0, 0, -1)
		}
		return t
	case !s.Abs.IsZero():
		return s.Abs
	default:
		return now.Add(s.Relative)
	}
}

// Command is a parsed /incident command.
type Command struct {
	Name string
	// Incident is an explicit incident key given before the command
	// ("/incident INC-7 status"); empty means the channel's incident.
	Incident string
	// Severity for declare (may be empty) and sev.
	Severity incident.Severity
	// Here makes declare use the current channel.
	Here bool
	// Private makes declare open a private incident (see DeclareFlagsRule).
	Private bool
	// Ongoing confirms resolve while customer impact is still ongoing
	// ("resolve --ongoing"); see parseResolve.
	Ongoing bool
	// Text is the free text: title, update, note, how, what, cause,
	// reason, summary, new title, or the command help was asked about.
	// Platform mention tokens in free text are plain text here ("@ana").
	Text     string
	Lead     Mention
	Start    TimeSpec
	Services []string
	// Target is an action ID (run), a check-in ID (answer) or a run ID.
	Target string
	// Answer is a check-in answer (yes, partial, no) or a verification
	// (worked, failed).
	Answer string
	// Page is the page of a list asked for ("actions 2"), from 1; 0 when
	// none was named (the first).
	Page int

	// Role is the incident role "role" is about; Holder whom it is given
	// to, and ClearRole says it is taken from whoever holds it ("none").
	// Neither: the command asks who holds it.
	Role      string
	Holder    Mention
	ClearRole bool
}

var (
	keyRe     = regexp.MustCompile(`^(?i)inc-\d{1,18}$`)
	mentionRe = regexp.MustCompile(`^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$`)
	clockRe   = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	idRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)
	// sevWordRe is a word meant as a severity in a declaration ("sev1",
	// "SEV9"), as opposed to a title that starts with "Several…".
	sevWordRe = regexp.MustCompile(`^sev-?\d+$`)
)

// maxCommandLen bounds a command line; longer input is refused.
const maxCommandLen = 4000

// Parse parses one command line, with or without the leading "/incident".
// A malformed line gives a *UsageError naming the problem and the usage.
func Parse(line string) (Command, error) {
	if len(line) > maxCommandLen {
		return Command{}, &UsageError{Problem: fmt.Sprintf("that command is too long (%d characters; at most %d)", len(line), maxCommandLen), Usage: "/incident help"}
	}
	line = strings.TrimSpace(strings.ToValidUTF8(line, "\uFFFD"))
	if rest, ok := cutWord(line, "/incident"); ok {
		line = rest
	}
	var c Command
	word, rest := nextWord(line)
	if keyRe.MatchString(word) {
		c.Incident = strings.ToUpper(word)
		word, rest = nextWord(rest)
	}
	name := strings.ToLower(word)
	if a, ok := aliases[name]; ok {
		name = a
	}
	c.Name = name
	switch name {
	case "":
		return c, &UsageError{Problem: "say what to do: try `/incident declare sev2 Checkout errors`", Usage: "/incident help"}
	case CmdDeclare:
		return parseDeclare(c, rest)
	case CmdSev:
		if rest == "" {
			return c, usageErr(name, "which severity?")
		}
		w, extra := nextWord(rest)
		if extra != "" {
			return c, usageErr(name, "`sev` takes one severity, not %q", rest)
		}
		sev, err := incident.ParseSeverity(w)
		if err != nil {
			return c, usageErr(name, "%q is not a severity: use 1, 2, 3 or 4 (sev1 is the worst)", w)
		}
		c.Severity = sev
	case CmdLead:
		if rest == "" {
			return c, usageErr(name, "who should lead? Mention them")
		}
		w, extra := nextWord(rest)
		if extra != "" {
			return c, usageErr(name, "`lead` takes one person")
		}
		m, ok := parseMention(w)
		if !ok {
			return c, usageErr(name, "%q is not a user: mention them like @name", w)
		}
		c.Lead = m
	case CmdRole:
		return parseRole(c, rest)
	case CmdUpdate, CmdNote, CmdDiagnosed, CmdFailForward, CmdRename:
		if rest == "" {
			what := map[string]string{CmdUpdate: "the update", CmdNote: "the note",
				CmdDiagnosed: "what the cause is", CmdFailForward: "why the team is fixing forward instead of mitigating",
				CmdRename: "the new title"}[name]
			return c, usageErr(name, "say %s", what)
		}
		c.Text = plainMentions(rest)
	case CmdMitigated, CmdRegressed:
		c.Text = plainMentions(rest)
	case CmdResolve:
		return parseResolve(c, rest)
	case CmdImpactStarted:
		if rest == "" {
			return c, usageErr(name, "when did impact start?")
		}
		ts, err := parseTimeSpec(rest)
		if err != nil {
			return c, usageErr(name, "%v", err)
		}
		c.Start = ts
	case CmdServices:
		for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			n, err := incident.ParseServiceName(f)
			if err != nil {
				return c, usageErr(name, "%v", err)
			}
			c.Services = append(c.Services, n)
		}
		if len(c.Services) == 0 {
			return c, usageErr(name, "name at least one service")
		}
	case CmdActions:
		if rest != "" {
			p, err := strconv.Atoi(rest)
			if err != nil || p < 1 || p > 10000 {
				return c, usageErr(name, "%q is not a page number: `actions 2` shows the second page", rest)
			}
			c.Page = p
		}
	case CmdStatus, CmdTimeline, CmdList:
		if rest != "" {
			return c, usageErr(name, "`%s` takes no arguments", name)
		}
	case CmdRun, CmdConfirm, CmdApprove, CmdCancel:
		w, extra := nextWord(rest)
		if w == "" {
			return c, usageErr(name, "which %s?", map[bool]string{true: "action", false: "run"}[name == CmdRun])
		}
		if extra != "" || !idRe.MatchString(w) {
			return c, usageErr(name, "%q is not an ID", rest)
		}
		c.Target = w
	case CmdAnswer, CmdVerify, CmdEffect:
		id, rest2 := nextWord(rest)
		ans, extra := nextWord(rest2)
		ans = strings.ToLower(ans)
		valid := map[string][]string{CmdAnswer: {"yes", "partial", "no"}, CmdVerify: {"worked", "failed"}, CmdEffect: {"yes", "no"}}[name]
		if id == "" || extra != "" || !idRe.MatchString(id) || !contains(valid, ans) {
			return c, usageErr(name, "expected an ID and one of %s", strings.Join(valid, ", "))
		}
		c.Target, c.Answer = id, ans
	case CmdHelp:
		c.Text = strings.ToLower(rest)
	default:
		return c, unknownCommand(word)
	}
	return c, nil
}

// parseTimeSpec parses when impact started, with an optional trailing
// "force" or "--force".
func parseTimeSpec(s string) (TimeSpec, error) {
	s = strings.TrimSpace(s)
	force := false
	if i := strings.LastIndexFunc(s, unicode.IsSpace); i >= 0 {
		if w := strings.ToLower(s[i+1:]); w == "force" || w == "--force" {
			s, force = strings.TrimSpace(s[:i]), true
		}
	}
	ts := TimeSpec{Raw: s, Force: force}
	if m := clockRe.FindStringSubmatch(s); m != nil {
		ts.Clock = true
		ts.Hour, _ = strconv.Atoi(m[1])
		ts.Minute, _ = strconv.Atoi(m[2])
		return ts, nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return ts, fmt.Errorf("%q is not a duration like -15m or -1h30m", s)
		}
		ts.Relative = d
		return ts, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		ts.Abs = t
		return ts, nil
	}
	return ts, fmt.Errorf("%q is not a time: use RFC3339 (2026-03-01T14:05:00Z), HH:MM (UTC) or a duration ago like -15m", s)
}

func parseMention(w string) (Mention, bool) {
	if m := mentionRe.FindStringSubmatch(w); m != nil {
		return Mention{ID: m[1], Name: incident.CleanText(m[2], incident.SingleLine)}, true
	}
	if p, id, ok := strings.Cut(w, ":"); ok {
		if a, err := incident.ParseUserRef(p + ":" + id); err == nil {
			return Mention{Platform: a.Platform, ID: a.ID}, true
		}
		return Mention{}, false
	}
	if n, ok := strings.CutPrefix(w, "@"); ok && idRe.MatchString(n) {
		return Mention{ID: n, Name: n}, true
	}
	return Mention{}, false
}

// nextWord splits off the first whitespace-separated word.
func nextWord(s string) (string, string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// cutWord removes word from the front of s when s starts with it as a
// whole word (case-insensitive).
func cutWord(s, word string) (string, bool) {
	w, rest := nextWord(s)
	if strings.EqualFold(w, word) {
		return rest, true
	}
	return s, false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
