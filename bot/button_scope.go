package bot

import "strings"

// scopeButtons names the incident in every button of m whose command
// names none: "mitigated" becomes "INC-7 mitigated". A button on an
// incident's message then acts on that incident wherever and whenever it
// is clicked — in a channel the incident gave back on resolution and that
// holds another incident now, say — instead of on whatever incident the
// channel holds at the time. The key adds at most a few characters to a
// command, which stays within what a button carries (Discord: 100).
func scopeButtons(m Message, key string) Message {
	if key == "" {
		return m
	}
	changed := false
	blocks := m.Blocks
	for i, b := range blocks {
		if p := b.Paging; p != nil {
			if first, _ := nextWord(p.Command); first != "" && !keyRe.MatchString(first) {
				if !changed {
					blocks = cloneBlocks(m.Blocks)
					changed = true
				}
				scoped := *p
				scoped.Command = key + " " + strings.TrimSpace(p.Command)
				blocks[i].Paging = &scoped
			}
		}
		for j, btn := range b.Buttons {
			first, _ := nextWord(btn.Command)
			if first == "" || keyRe.MatchString(first) {
				continue
			}
			if !changed {
				blocks = cloneBlocks(m.Blocks)
				changed = true
			}
			blocks[i].Buttons[j].Command = key + " " + strings.TrimSpace(btn.Command)
		}
	}
	m.Blocks = blocks
	return m
}

// cloneBlocks copies blocks and their button lists, so that scoping a
// message never changes one a caller still holds.
func cloneBlocks(blocks []Block) []Block {
	out := make([]Block, len(blocks))
	copy(out, blocks)
	for i := range out {
		if out[i].Buttons != nil {
			out[i].Buttons = append([]Button(nil), out[i].Buttons...)
		}
	}
	return out
}
