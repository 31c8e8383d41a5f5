package incident

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Follow-up event kinds: an item of work that leaves the incident was
// recorded (follow_up, the contract's name), and what happened to its
// ticket in a tracker (follow_up_ticket: created, failed or unknown).
const (
	KindFollowUp       Kind = "follow_up"
	KindFollowUpTicket Kind = "follow_up_ticket"
)

// MaxFollowUpLen is the longest follow-up text, in characters: it becomes
// a ticket's title.
const MaxFollowUpLen = 250

// ErrNoFollowUpText is ParseFollowUp's answer to an empty text.
var ErrNoFollowUpText = errors.New("say what should be done")

// ParseFollowUp checks a follow-up's text: one line, not empty, at most
// MaxFollowUpLen characters.
func ParseFollowUp(text string) (string, error) {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return "", ErrNoFollowUpText
	}
	if n := utf8.RuneCountInString(text); n > MaxFollowUpLen {
		return "", fmt.Errorf("%d characters, and a follow-up is at most %d: it becomes a ticket's title", n, MaxFollowUpLen)
	}
	return text, nil
}

// FollowUpRecorded is the timeline event of follow-up number id (its
// store ID) of text, for owner (zero when nobody was named).
func FollowUpRecorded(at time.Time, by Actor, id int64, text string, owner Actor) Event {
	data := map[string]any{"follow_up": id}
	if !owner.IsZero() {
		data["owner"] = owner
	}
	return NewEvent(at, KindFollowUp, by, text, data)
}
