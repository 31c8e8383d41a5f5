package words

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 regressions"}, {1, "1 regression"}, {2, "2 regressions"}, {11, "11 regressions"}} {
		if got := Count(tc.n, "regression", "regressions"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 times"}, {1, "once"}, {2, "twice"}, {3, "3 times"}} {
		if got := Times(tc.n); got != tc.want {
			t.Errorf("Times(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
