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

// incidentOpt names the incident a command applies to.
const incidentOpt = "incident"

// Schema is the /incident command as registered with Discord, built from
// the engine's commands: one subcommand per command help lists (those only
// buttons send are not registered; their buttons carry the command line
// in the custom_id), with its arguments as typed options — a severity as
// choices, a person as a user option, a flag as a boolean, a page as an
// integer, strings elsewhere — and, for a command about an incident, an
// optional "incident" option (INC-7) for use outside its channel. Discord
// wants required options first; flags come last.
func Schema(specs []bot.CommandSpec) []*discordgo.ApplicationCommand {
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	cmd := &discordgo.ApplicationCommand{
		Type:        discordgo.ChatApplicationCommand,
		Name:        CommandName,
		Description: "Tourniquet incident commands: mitigation before diagnosis",
		Contexts:    &guildOnly,
	}
	for _, s := range specs {
		if s.Shown != bot.Listed {
			continue
		}
		sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.Name, Description: s.Brief}
		for _, a := range optionOrder(s.Args) {
			sub.Options = append(sub.Options, commandOption(a))
		}
		if s.Needs == bot.OpenIncident || s.Needs == bot.AnyIncident {
			sub.Options = append(sub.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: incidentOpt,
				Description: "The incident (INC-7), when not typed in its channel", MaxLength: 24,
			})
		}
		cmd.Options = append(cmd.Options, sub)
	}
	return []*discordgo.ApplicationCommand{cmd}
}

// optionOrder is the arguments a person gives, as Discord lists them:
// the required ones, then the other values, then the flags, each in the
// command's order.
func optionOrder(args []bot.Arg) []bot.Arg {
	var required, values, flags []bot.Arg
	for _, a := range args {
		switch {
		case !a.Offered():
		case a.Need == bot.Required:
			required = append(required, a)
		case a.Kind == bot.ArgFlag:
			flags = append(flags, a)
		default:
			values = append(values, a)
		}
	}
	return append(append(required, values...), flags...)
}

func commandOption(a bot.Arg) *discordgo.ApplicationCommandOption {
	opt := &discordgo.ApplicationCommandOption{Name: a.Name, Description: a.Help, Required: a.Need == bot.Required}
	switch a.Kind {
	case bot.ArgUser:
		opt.Type = discordgo.ApplicationCommandOptionUser
	case bot.ArgFlag:
		opt.Type = discordgo.ApplicationCommandOptionBoolean
	case bot.ArgPage:
		one := 1.0
		opt.Type, opt.MinValue, opt.MaxValue = discordgo.ApplicationCommandOptionInteger, &one, 10000
	case bot.ArgSeverity:
		opt.Type = discordgo.ApplicationCommandOptionString
		for _, s := range incident.Severities {
			opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: strings.ToUpper(string(s)), Value: string(s)})
		}
	default:
		opt.Type, opt.MaxLength = discordgo.ApplicationCommandOptionString, a.MaxLen
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
	return incident.Actor{Platform: Platform, ID: u.ID, Name: name}
}
