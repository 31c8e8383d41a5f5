package bot

import (
	"fmt"
	"sort"
)

// unknownCommand is the error for a command word the engine does not
// know. When a command or alias is a typo away ("resolv", "stauts"), it
// names that one and gives its usage line instead of pointing at help: at
// 3 a.m. the person meant something, and the bot should not make them read
// the whole list to find it.
func (e *Engine) unknownCommand(word string) *UsageError {
	shown := truncate(word, 40)
	if s := e.suggestCommand(word); s != "" {
		spec, _ := e.lookup(s) // an alias: the usage line is its command's
		return &UsageError{Problem: fmt.Sprintf("unknown command %q — did you mean %s?", shown, s), Usage: spec.UsageLine()}
	}
	return &UsageError{Problem: fmt.Sprintf("unknown command %q", shown), Usage: "/incident help"}
}

// suggestCommand is the command or alias closest to word by edit distance
// (a swap of two neighbouring letters counts as one edit), or "" when none
// is close: one edit for words of up to four letters, two for longer ones.
// Ties go to the command listed first in help, then to aliases in
// alphabetical order. Only the commands help lists and their aliases are
// offered, never the ones buttons send.
func (e *Engine) suggestCommand(word string) string {
	w := []rune(word)
	if len(w) < 2 || len(w) > 40 {
		return ""
	}
	limit := 1
	if len(w) > 4 {
		limit = 2
	}
	var candidates, alias []string
	for _, s := range e.specs {
		if s.Shown == Listed {
			candidates = append(candidates, s.Name)
			alias = append(alias, s.Aliases...)
		}
	}
	sort.Strings(alias)
	candidates = append(candidates, alias...)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if len([]rune(c)) < 3 { // "?" is one edit from any letter
			continue
		}
		if d := editDistance(w, []rune(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of adjacent runes.
func editDistance(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
