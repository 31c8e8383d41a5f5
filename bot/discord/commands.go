package discord

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// CommandName is the slash command Tourniquet registers: /incident.
const CommandName = "incident"

type optKind int

const (
	optString optKind = iota
	optUser
	optBool
	optSeverity
	optPage
)

// optSpec is one typed option of a subcommand.
type optSpec struct {
	name, desc string
	kind       optKind
	required   bool
	// field, when set, passes the value in Invocation.Fields under this
	// name instead of in the command line.
	field  string
	maxLen int
}

// subSpec is one subcommand of /incident: the grammar's command with its
// arguments as typed options.
type subSpec struct {
	name, desc string
	opts       []optSpec
	// scoped commands take an optional "incident" option (INC-7), for use
	// outside the incident's channel.
	scoped bool
}

// incidentOpt names the incident a command applies to.
const incidentOpt = "incident"

// subcommands mirrors the /incident grammar (DESIGN §4). Hidden commands
// that only buttons send (answer, confirm, approve, cancel, verify) are not
// registered; their buttons carry the command line in the custom_id.
var subcommands = []subSpec{
	{name: bot.CmdDeclare, desc: "Open an incident, in a new channel (or here)", opts: []optSpec{
		{name: "title", desc: "What is hurting customers", required: true, field: bot.FieldTitle, maxLen: 200},
		{name: "severity", desc: "sev1 is the worst (default sev2)", kind: optSeverity, field: bot.FieldSeverity},
		{name: "services", desc: "Affected services, separated by commas", field: bot.FieldServices, maxLen: 500},
		{name: "impact_started", desc: "When customer impact began: RFC3339, HH:MM (UTC) or -15m", field: bot.FieldImpactStarted, maxLen: 64},
		{name: "description", desc: "What is known so far (added as a note)", field: bot.FieldDescription, maxLen: 2000},
		{name: "here", desc: "Make this channel the incident's channel instead of opening one", kind: optBool, field: bot.FieldHere},
		{name: "private", desc: "A private channel for you and the responders, not announced", kind: optBool, field: bot.FieldPrivate},
	}},
	{name: bot.CmdList, desc: "List the open incidents, worst and newest first"},
	{name: bot.CmdSev, desc: "Change the severity", scoped: true, opts: []optSpec{
		{name: "severity", desc: "sev1 is the worst", kind: optSeverity, required: true},
	}},
	{name: bot.CmdLead, desc: "Name the incident lead", scoped: true, opts: []optSpec{
		{name: "user", desc: "Who leads", kind: optUser, required: true},
	}},
	{name: bot.CmdRole, desc: "Give an incident role (comms, scribe…), see who holds it, or clear it", scoped: true, opts: []optSpec{
		{name: "role", desc: "The role, as configured (empty: list the roles)", maxLen: 32},
		{name: "user", desc: "Who gets it", kind: optUser},
		{name: "clear", desc: "Take the role from whoever holds it", kind: optBool},
	}},
	{name: bot.CmdRename, desc: "Give the incident a new title", scoped: true, opts: []optSpec{
		{name: "title", desc: "The new title", required: true, maxLen: 200},
	}},
	{name: bot.CmdUpdate, desc: "Post a status update", scoped: true, opts: []optSpec{
		{name: "text", desc: "The update", required: true, maxLen: 2000},
	}},
	{name: bot.CmdNote, desc: "Add a note to the timeline", scoped: true, opts: []optSpec{
		{name: "text", desc: "The note", required: true, maxLen: 2000},
	}},
	{name: bot.CmdMitigated, desc: "Customer impact has stopped", scoped: true, opts: []optSpec{
		{name: "how", desc: "What stopped it", maxLen: 1000},
	}},
	{name: bot.CmdRegressed, desc: "Customer impact is back", scoped: true, opts: []optSpec{
		{name: "what", desc: "What is failing again", maxLen: 1000},
	}},
	{name: bot.CmdDiagnosed, desc: "The cause is identified", scoped: true, opts: []optSpec{
		{name: "cause", desc: "The cause", required: true, maxLen: 1000},
	}},
	{name: bot.CmdFailForward, desc: "Record the decision to fix forward while impact continues", scoped: true, opts: []optSpec{
		{name: "reason", desc: "Why fixing forward beats mitigating now", required: true, maxLen: 1000},
	}},
	{name: bot.CmdImpactStarted, desc: "Say when customer impact really began", scoped: true, opts: []optSpec{
		{name: "when", desc: "RFC3339, HH:MM (UTC) or a duration ago like -15m", required: true, maxLen: 64},
	}},
	{name: bot.CmdServices, desc: "Set the affected services", scoped: true, opts: []optSpec{
		{name: "names", desc: "Service names, separated by spaces or commas", required: true, maxLen: 500},
	}},
	{name: bot.CmdActions, desc: "List the mitigation actions for this incident", scoped: true, opts: []optSpec{
		{name: "page", desc: "Which page of 25 actions (default: the first)", kind: optPage},
	}},
	{name: "run", desc: "Run a mitigation action", scoped: true, opts: []optSpec{
		{name: "action", desc: "The action's ID (see /incident actions)", required: true, maxLen: 128},
	}},
	{name: bot.CmdStatus, desc: "Show the incident and its two clocks", scoped: true},
	{name: "timeline", desc: "Show the timeline and the report link", scoped: true},
	{name: bot.CmdResolve, desc: "Close the incident: the permanent fix is in", scoped: true, opts: []optSpec{
		{name: "summary", desc: "What fixed it", maxLen: 2000},
		{name: "ongoing", desc: "Resolve although customer impact is still ongoing (otherwise it asks first)", kind: optBool, field: bot.FieldOngoing},
	}},
	{name: bot.CmdHelp, desc: "Show the commands", opts: []optSpec{
		{name: "command", desc: "One command to explain", maxLen: 32},
	}},
}

// Commands is the /incident command as registered with Discord: one
// subcommand per command of the grammar, with typed options (severity as
// choices, the lead as a user option, strings elsewhere).
func Commands() []*discordgo.ApplicationCommand {
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	cmd := &discordgo.ApplicationCommand{
		Type:        discordgo.ChatApplicationCommand,
		Name:        CommandName,
		Description: "Tourniquet incident commands: mitigation before diagnosis",
		Contexts:    &guildOnly,
	}
	for _, s := range subcommands {
		sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.name, Description: s.desc}
		for _, o := range s.opts {
			sub.Options = append(sub.Options, commandOption(o))
		}
		if s.scoped {
			sub.Options = append(sub.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: incidentOpt,
				Description: "The incident (INC-7), when not typed in its channel", MaxLength: 24,
			})
		}
		cmd.Options = append(cmd.Options, sub)
	}
	return []*discordgo.ApplicationCommand{cmd}
}

func commandOption(o optSpec) *discordgo.ApplicationCommandOption {
	opt := &discordgo.ApplicationCommandOption{Name: o.name, Description: o.desc, Required: o.required, MaxLength: o.maxLen}
	switch o.kind {
	case optUser:
		opt.Type = discordgo.ApplicationCommandOptionUser
	case optBool:
		opt.Type = discordgo.ApplicationCommandOptionBoolean
	case optPage:
		one := 1.0
		opt.Type, opt.MinValue, opt.MaxValue = discordgo.ApplicationCommandOptionInteger, &one, 10000
	case optSeverity:
		opt.Type = discordgo.ApplicationCommandOptionString
		for _, s := range incident.Severities {
			opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: strings.ToUpper(string(s)), Value: string(s)})
		}
	default:
		opt.Type = discordgo.ApplicationCommandOptionString
	}
	return opt
}

// structured turns a slash command into the command it names and its
// arguments by name, as the options gave them: "/incident lead user:@bob"
// is lead with user "<@123|bob>" (the grammar's mention, which the user
// argument's validator reads); "/incident declare title:… severity:sev1
// here:true" is declare with its title, severity and here. Nothing is
// flattened into a line, so a title is never read for flags.
func structured(data discordgo.ApplicationCommandInteractionData) (name, key string, args map[string]string, err error) {
	if data.Name != CommandName {
		return "", "", nil, fmt.Errorf("unknown command /%s", data.Name)
	}
	if len(data.Options) == 0 || data.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return "", "", nil, fmt.Errorf("/%s needs a subcommand", CommandName)
	}
	sub := data.Options[0]
	args = map[string]string{}
	for _, o := range sub.Options {
		v := strings.TrimSpace(stringValue(o))
		switch {
		case o.Name == incidentOpt:
			key = v
		case v == "":
		case o.Type == discordgo.ApplicationCommandOptionUser:
			args[o.Name] = userToken(v, data.Resolved)
		default:
			args[o.Name] = v
		}
	}
	return sub.Name, key, args, nil
}

func stringValue(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		return fmt.Sprintf("%g", v)
	}
	return ""
}

// userToken is a user option as the grammar's mention, <@id|name>, with
// the best name Discord resolved that fits in one word.
func userToken(id string, res *discordgo.ApplicationCommandInteractionDataResolved) string {
	var names []string
	if res != nil {
		if m := res.Members[id]; m != nil {
			names = append(names, m.Nick)
		}
		if u := res.Users[id]; u != nil {
			names = append(names, u.GlobalName, u.Username)
		}
	}
	for _, n := range names {
		if n != "" && !strings.ContainsAny(n, "|<>@") && strings.IndexFunc(n, unicode.IsSpace) < 0 {
			return "<@" + id + "|" + n + ">"
		}
	}
	return "<@" + id + ">"
}

// actorOf is who invoked an interaction: the member in a guild, the user
// in a DM, named by nickname, global name or username.
func actorOf(i *discordgo.Interaction) incident.Actor {
	var u *discordgo.User
	nick := ""
	if i.Member != nil {
		u, nick = i.Member.User, i.Member.Nick
	}
	if u == nil {
		u = i.User
	}
	if u == nil {
		return incident.Actor{}
	}
	name := nick
	if name == "" {
		name = u.GlobalName
	}
	if name == "" {
		name = u.Username
	}
	return incident.Actor{Platform: incident.PlatformDiscord, ID: u.ID, Name: name}
}
