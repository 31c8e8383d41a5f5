package changes

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// ldEntry is the part of a LaunchDarkly audit log entry (the body of its
// webhooks) read.
type ldEntry struct {
	ID     string `json:"_id"`
	Kind   string `json:"kind"`
	Date   int64  `json:"date"` // milliseconds since the epoch
	Member struct {
		Email     string `json:"email"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"member"`
	TitleVerb string `json:"titleVerb"`
	Target    struct {
		Name      string   `json:"name"`
		Resources []string `json:"resources"`
	} `json:"target"`
	CurrentVersion struct {
		Key string `json:"key"`
	} `json:"currentVersion"`
	Accesses []struct {
		Action   string `json:"action"`
		Resource string `json:"resource"`
	} `json:"accesses"`
	Links struct {
		Site struct {
			Href string `json:"href"`
		} `json:"site"`
	} `json:"_links"`
}

// launchDarkly is POST /changes/launchdarkly?service=checkout, a
// LaunchDarkly webhook with a secret: X-LD-Signature is the hex
// HMAC-SHA256 of the body, checked first. Flag entries are recorded as
// flag changes of the service in the query (LaunchDarkly knows no
// services); the entry's _id deduplicates. Other kinds are acknowledged
// and ignored.
func (in *Intake) launchDarkly(w http.ResponseWriter, r *http.Request) {
	body, ok := in.readSigned(w, r, in.o.LaunchDarklySecret, "X-LD-Signature", "")
	if !ok {
		return
	}
	var e ldEntry
	if err := json.Unmarshal(body, &e); err != nil {
		problem(w, http.StatusBadRequest, "the body is not a LaunchDarkly audit log entry")
		return
	}
	if e.Kind != "flag" {
		ignore(w, "kind "+incident.CleanText(e.Kind, incident.SingleLine))
		return
	}
	c := incident.Change{Kind: incident.ChangeFlag, Source: "launchdarkly", ExternalID: e.ID,
		Service: r.URL.Query().Get("service"), Flag: first(e.CurrentVersion.Key, ldFlagKey(e)),
		Value: ldValue(e), By: first(strings.TrimSpace(e.Member.FirstName+" "+e.Member.LastName), e.Member.Email)}
	if e.Date > 0 {
		c.At = time.UnixMilli(e.Date)
	}
	if e.Links.Site.Href != "" {
		c.Link = "https://app.launchdarkly.com" + e.Links.Site.Href
	}
	if c.Service == "" {
		problem(w, http.StatusUnprocessableEntity, "service: name it in the webhook's URL, /changes/launchdarkly?service=checkout")
		return
	}
	in.record(w, r, c)
}

// ldFlagKey is the flag's key from the entry's resources
// ("proj/default:env/production:flag/new-checkout").
func ldFlagKey(e ldEntry) string {
	for _, res := range e.Target.Resources {
		if i := strings.LastIndex(res, ":flag/"); i >= 0 {
			return res[i+len(":flag/"):]
		}
	}
	return ""
}

// ldValue says what was done to the flag: "on" or "off" for a toggle,
// else LaunchDarkly's verb ("updated the rollout").
func ldValue(e ldEntry) string {
	for _, a := range e.Accesses {
		switch a.Action {
		case "updateOn":
			if strings.Contains(e.TitleVerb, "turned off") {
				return "off"
			}
			return "on"
		}
	}
	return e.TitleVerb
}
