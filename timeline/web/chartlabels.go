package web

// Marker labels sit in two rows above the lanes. Markers close in time
// (declared and mitigated a minute apart, diagnosed and resolved at once)
// would put their labels on top of each other, so each label takes the
// first row where it fits beside its line, and when neither does, the row
// that frees up first, moved right past the label before it.
const (
	labelRows   = 2
	labelGap    = 6.0
	labelCharW  = 6.4 // the width of a character of the 11px label font, generously
	labelMargin = 8.0
)

func labelWidth(label string) float64 { return float64(len([]rune(label)))*labelCharW + labelMargin }

// placeLabels computes where each label of ms (sorted by x) goes: its
// left edge and its baseline.
func placeLabels(ms []marker) (xs, ys []float64) {
	rowEnd := make([]float64, labelRows)
	for i := range rowEnd {
		rowEnd[i] = -1e9
	}
	for _, m := range ms {
		width := labelWidth(m.label)
		want := m.x + 3
		if want+width > chartW {
			want = m.x - 3 - width // at the right edge: to the left of its line
		}
		row, lx := -1, 0.0
		for r := range labelRows {
			if want >= rowEnd[r]+labelGap {
				row, lx = r, want
				break
			}
		}
		if row < 0 {
			row = 0
			for r := range labelRows {
				if rowEnd[r] < rowEnd[row] {
					row = r
				}
			}
			lx = max(want, rowEnd[row]+labelGap)
			if lx+width > chartW {
				lx = chartW - width
			}
		}
		rowEnd[row] = lx + width
		xs = append(xs, lx)
		ys = append(ys, 12.0+float64(row)*14)
	}
	return xs, ys
}
