package bot

import (
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// eventWords says what each kind of event means, in the words a timeline
// line reads with ("10:02 ✅ marked impact mitigated: rolled back").
var eventWords = map[incident.Kind]string{
	incident.KindDeclared:            "declared",
	incident.KindSeverityChanged:     "changed the severity",
	incident.KindLeadAssigned:        "named the lead",
	incident.KindStatusUpdate:        "posted an update",
	incident.KindNote:                "noted",
	incident.KindServicesChanged:     "set the services",
	incident.KindCheckinSent:         "check-in asked",
	incident.KindCheckinAnswered:     "answered the check-in",
	incident.KindCheckinEscalated:    "check-in escalated",
	incident.KindActionRequested:     "requested an action",
	incident.KindActionDenied:        "was refused an action",
	incident.KindActionApproved:      "approved an action",
	incident.KindActionStarted:       "action started",
	incident.KindActionSucceeded:     "action succeeded",
	incident.KindActionFailed:        "action failed",
	incident.KindActionUnknown:       "action outcome unknown",
	incident.KindActionCancelled:     "action cancelled",
	incident.KindMitigated:           "marked impact mitigated",
	incident.KindRegressed:           "said impact is back",
	incident.KindDiagnosed:           "identified the cause",
	incident.KindFailForward:         "decided to fix forward",
	incident.KindResolved:            "resolved",
	incident.KindImpactStartMoved:    "moved the impact start",
	incident.KindPermissionDenied:    "refused",
	incident.KindRenamed:             "renamed the incident",
	incident.KindRoleAssigned:        "changed a role",
	incident.KindProbeImpacting:      "probe sees customer impact",
	incident.KindProbeClear:          "probe sees no customer impact",
	incident.KindProbeUnknown:        "probe cannot tell",
	incident.KindMitigationVerified:  "mitigation verified by the probes",
	incident.KindProbeOverruled:      "overruled a probe",
	incident.KindFailForwardDeadline: "fail-forward deadline passed",
	incident.KindAlertFiring:         "alert firing",
	incident.KindAlertResolved:       "alert resolved",
	incident.KindPageSent:            "paged",
}

// EventWords is how an event kind reads on a timeline line; a kind without
// words reads as its name with spaces.
func EventWords(k incident.Kind) string {
	if w, ok := eventWords[k]; ok {
		return w
	}
	return strings.ReplaceAll(string(k), "_", " ")
}
