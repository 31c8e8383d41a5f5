package discord

import (
	"github.com/bwmarrin/discordgo"
)

// discordgo v0.29 serializes some of its request types with fields that
// Discord's API description does not have for that request: MessageEdit
// sends its "ID" and "Channel", InteractionResponseData always sends
// "tts" (refused on a message update), ApplicationCommandOption always
// sends "options" and "channel_types". The types below are the bodies as
// Discord documents them; the conformance test checks them against its
// OpenAPI description.

// messageEdit is the body of PATCH /channels/{id}/messages/{id}.
type messageEdit struct {
	Content         *string                           `json:"content,omitempty"`
	Embeds          *[]*discordgo.MessageEmbed        `json:"embeds,omitempty"`
	Components      *[]discordgo.MessageComponent     `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
}

// interactionResponse is the answer to an interaction, over HTTP or
// through the callback route.
type interactionResponse struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data *interactionResponseData          `json:"data,omitempty"`
}

type interactionResponseData struct {
	Content         string                                       `json:"content,omitempty"`
	Embeds          *[]*discordgo.MessageEmbed                   `json:"embeds,omitempty"`
	Components      *[]discordgo.MessageComponent                `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions            `json:"allowed_mentions,omitempty"`
	Flags           discordgo.MessageFlags                       `json:"flags,omitempty"`
	Choices         *[]*discordgo.ApplicationCommandOptionChoice `json:"choices,omitempty"`
	// CustomID and Title are a modal's.
	CustomID string `json:"custom_id,omitempty"`
	Title    string `json:"title,omitempty"`
}

// wireResponse is resp as Discord documents it. A message's content,
// embeds and components are always sent (empty ones clear what an updated
// message had); a deferred answer carries only its flags, an autocomplete
// answer only its choices, a modal its custom_id, title and inputs.
func wireResponse(resp *discordgo.InteractionResponse) interactionResponse {
	out := interactionResponse{Type: resp.Type}
	d := resp.Data
	if d == nil {
		return out
	}
	switch resp.Type {
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		out.Data = &interactionResponseData{Choices: &d.Choices}
		return out
	case discordgo.InteractionResponseDeferredChannelMessageWithSource, discordgo.InteractionResponseDeferredMessageUpdate:
		out.Data = &interactionResponseData{Flags: d.Flags}
		return out
	case discordgo.InteractionResponseModal:
		out.Data = &interactionResponseData{CustomID: d.CustomID, Title: d.Title, Components: &d.Components}
		return out
	}
	data := &interactionResponseData{Content: d.Content, AllowedMentions: d.AllowedMentions, Flags: d.Flags}
	embeds, components := d.Embeds, d.Components
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	data.Embeds, data.Components = &embeds, &components
	out.Data = data
	return out
}

// commandWire is an application command as the bulk overwrite takes it.
type commandWire struct {
	Type        discordgo.ApplicationCommandType    `json:"type,omitempty"`
	Name        string                              `json:"name"`
	Description string                              `json:"description,omitempty"`
	Contexts    *[]discordgo.InteractionContextType `json:"contexts,omitempty"`
	Options     []optionWire                        `json:"options,omitempty"`
}

type optionWire struct {
	Type         discordgo.ApplicationCommandOptionType      `json:"type"`
	Name         string                                      `json:"name"`
	Description  string                                      `json:"description"`
	Required     bool                                        `json:"required,omitempty"`
	Choices      []*discordgo.ApplicationCommandOptionChoice `json:"choices,omitempty"`
	Options      []optionWire                                `json:"options,omitempty"`
	MinLength    *int                                        `json:"min_length,omitempty"`
	MaxLength    int                                         `json:"max_length,omitempty"`
	Autocomplete bool                                        `json:"autocomplete,omitempty"`
}

func wireCommands(cmds []*discordgo.ApplicationCommand) []commandWire {
	out := make([]commandWire, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, commandWire{Type: c.Type, Name: c.Name, Description: c.Description, Contexts: c.Contexts, Options: wireOptions(c.Options)})
	}
	return out
}

func wireOptions(opts []*discordgo.ApplicationCommandOption) []optionWire {
	var out []optionWire
	for _, o := range opts {
		out = append(out, optionWire{Type: o.Type, Name: o.Name, Description: o.Description, Required: o.Required, Choices: o.Choices,
			Options: wireOptions(o.Options), MinLength: o.MinLength, MaxLength: o.MaxLength, Autocomplete: o.Autocomplete})
	}
	return out
}
