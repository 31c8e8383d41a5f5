// Package words writes counts the way people read them: "1 regression",
// "2 regressions", "regressed once", "twice", "3 times", never "1×" or
// "regression(s)". Every terminal- and chat-visible count should go
// through it.
//
// It is a leaf utility: like every package under internal/, it imports the
// standard library, third-party modules and at most other leaves under
// internal/, never a package of the product (incident, bot, storage…), so
// that any package may import it.
package words

import "strconv"

// Count is n followed by one or many, as n needs: Count(1, "regression",
// "regressions") is "1 regression", Count(0, …) "0 regressions".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Times says how often: "once", "twice", then "3 times".
func Times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}
