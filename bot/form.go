package bot

import (
	"regexp"
	"strings"
)

// FieldCause is the cause typed into the form of a diagnosis check-in's
// "Yes, identified" (CauseForm).
const FieldCause = "cause"

// Form is a short form that a button opens instead of running its command
// at once: the platform asks for the fields (a Slack modal, a Discord
// modal, a prompt per field in the terminal) and then runs the button's
// Command with the answers in Invocation.Args, through the path every
// command takes: each field is an argument of the command, checked by its
// validator. A platform that cannot show a form runs the command
// without fields, and the command's handler explains what to type
// instead; so a Form is a convenience, never the only way in.
//
// Forms are the bot's own, registered by ID (see LookupForm): a platform
// that carries only a short reference through a click (a Discord
// custom_id has 100 characters, a Slack button value is echoed without
// the message model) finds the form again by its ID.
type Form struct {
	// ID names the form among the bot's forms: a short lower-case word.
	ID string `json:"id"`
	// Title heads the form (Slack cuts it at 24 characters, Discord at
	// 45); Submit labels its submit button. Plain words.
	Title  string      `json:"title"`
	Submit string      `json:"submit"`
	Fields []FormField `json:"fields"`
}

// FieldSize says how much text a form field takes.
type FieldSize string

// Field sizes.
const (
	// FieldLine is one line of text.
	FieldLine FieldSize = "line"
	// FieldParagraph is a few lines.
	FieldParagraph FieldSize = "paragraph"
)

// FormField is one input of a form. Its answer is Invocation.Args[Name],
// an argument of the button's command; every field is required.
type FormField struct {
	Name        string    `json:"name"`
	Label       string    `json:"label"`
	Placeholder string    `json:"placeholder,omitempty"`
	Size        FieldSize `json:"size,omitempty"`
	// MaxLen bounds the answer, in characters.
	MaxLen int `json:"max_len,omitempty"`
}

// FormCause is the ID of CauseForm.
const FormCause = "cause"

// FormFollowUp is the ID of FollowUpForm; FieldFollowUp its one field,
// the text argument of /incident follow-up (package followup).
const (
	FormFollowUp  = "followup"
	FieldFollowUp = "text"
)

// forms are the bot's forms by ID.
var forms = map[string]Form{
	FormFollowUp: {
		ID:     FormFollowUp,
		Title:  "Add a follow-up",
		Submit: "Record follow-up",
		Fields: []FormField{{Name: FieldFollowUp, Label: "What should be done?", Size: FieldLine, MaxLen: 250,
			Placeholder: "Alert on checkout error rate above 2%"}},
	},
	FormCause: {
		ID:     FormCause,
		Title:  "What is the cause?",
		Submit: "Record cause",
		Fields: []FormField{{Name: FieldCause, Label: "Cause", Size: FieldParagraph, MaxLen: 1000,
			Placeholder: "Expired TLS certificate on the API gateway"}},
	},
}

// CauseForm is the form a diagnosis check-in's "Yes, identified" opens:
// the cause, in one field, recorded as /incident diagnosed records it.
func CauseForm() *Form {
	f := forms[FormCause]
	f.Fields = append([]FormField(nil), f.Fields...)
	return &f
}

// FollowUpForm is the form the resolved card's "Add follow-up" opens.
func FollowUpForm() *Form {
	f := forms[FormFollowUp]
	f.Fields = append([]FormField(nil), f.Fields...)
	return &f
}

// LookupForm returns the bot's form with id.
func LookupForm(id string) (Form, bool) {
	f, ok := forms[id]
	return f, ok
}

// formRefPrefix starts a FormRef; no command of the grammar starts with it.
const formRefPrefix = "!"

var formIDRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// FormRef is a button that opens form and then runs command, as one short
// string a platform can carry through a click (a Slack button value, a
// Discord custom_id): "!cause answer 12 yes".
func FormRef(form, command string) string {
	return formRefPrefix + form + " " + strings.TrimSpace(command)
}

// ParseFormRef reads a FormRef; ok is false for anything else, and for a
// form the bot does not have.
func ParseFormRef(s string) (form Form, command string, ok bool) {
	rest, found := strings.CutPrefix(s, formRefPrefix)
	if !found {
		return Form{}, "", false
	}
	id, command, _ := strings.Cut(rest, " ")
	command = strings.TrimSpace(command)
	if !formIDRe.MatchString(id) || command == "" {
		return Form{}, "", false
	}
	form, ok = LookupForm(id)
	return form, command, ok
}

// IsFormRef reports whether s is written like a FormRef: a platform must
// not carry a command that starts like one.
func IsFormRef(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), formRefPrefix) }
