package slack

import (
	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
)

// privateOption is the value of the declare form's "private" checkbox.
const privateOption = "private"

// privateInput is the declare form's checkbox that makes the incident
// private: a private channel, no announcement, pages only by a link
// signed for it. It is checked when the command said "declare private".
func privateInput(checked bool) *slack.InputBlock {
	opt := slack.NewOptionBlockObject(privateOption, plain("Private incident"),
		plain("A private channel, not announced; pages need a signed link"))
	el := slack.NewCheckboxGroupsBlockElement(bot.FieldPrivate, opt)
	if checked {
		el.InitialOptions = []*slack.OptionBlockObject{opt}
	}
	b := slack.NewInputBlock(bot.FieldPrivate, plain("Visibility"), nil, el)
	b.Optional = true
	return b
}

// privateChecked reports whether a declare form was submitted with its
// "private" checkbox checked.
func privateChecked(state *slack.ViewState) bool {
	if state == nil {
		return false
	}
	for _, o := range state.Values[bot.FieldPrivate][bot.FieldPrivate].SelectedOptions {
		if o.Value == privateOption {
			return true
		}
	}
	return false
}
