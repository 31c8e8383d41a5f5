package incident

import (
	"fmt"
	"unicode/utf8"
)

// MaxTitleLen is the longest title, in characters. A title is a headline:
// it goes in the card's header, the channel name and every report, where
// Slack and Discord cut anything longer anyway. Details belong in notes.
const MaxTitleLen = 200

// ParseTitle checks a title as someone gave it (typed, in a form, as an
// option) and returns it as stored: one line without control characters,
// not empty, at most MaxTitleLen characters. It is the one validator of
// titles, so that every path refuses the same titles with the same words.
func ParseTitle(title string) (string, error) {
	title = CleanText(title, SingleLine)
	if title == "" {
		return "", ErrEmptyTitle
	}
	if n := utf8.RuneCountInString(title); n > MaxTitleLen {
		return "", fmt.Errorf("%w: %d characters, and a title is at most %d; put the details in a note", ErrTitleTooLong, n, MaxTitleLen)
	}
	return title, nil
}
