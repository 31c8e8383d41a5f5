package bot

import (
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// FieldDrill is declare's internal flag of a drill (the readiness
// feature's "drill" command sets it; nobody types it): the declared event
// says so and the channel is named drill-<id>-<slug>.
const FieldDrill = "drill"

// channelNameOf is the channel name of inc: inc-<id>-<slug>, or
// drill-<id>-<slug> for a drill, so that nobody mistakes one for the other
// in a channel list.
func channelNameOf(inc *incident.Incident, drill bool) string {
	name := ChannelName(inc)
	if drill {
		name = "drill-" + strings.TrimPrefix(name, "inc-")
		name = strings.Replace(name, "-drill-", "-", 1) // "DRILL: checkout" titles: not drill-7-drill-checkout
	}
	return name
}

// IsDrill reports whether a declared event opened a drill.
func IsDrill(declared incident.Event) bool {
	return declared.Kind == incident.KindDeclared && declared.Data[FieldDrill] == true
}
