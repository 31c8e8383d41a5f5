package actions

import "testing"

// The fault suite's pause hook only names the three points it knows, and
// only in a build with -tags tourniquet_testhooks: in any other build the
// variable is ignored.
func TestTestPauseNeedsTheBuildTag(t *testing.T) {
	for _, c := range []struct{ at, want string }{
		{"claimed", "claimed"},
		{"called", "called"},
		{"stored", "stored"},
		{"anywhere", ""},
		{"", ""},
	} {
		t.Setenv(EnvTestPauseAt, c.at)
		want := c.want
		if !testHooks {
			want = ""
		}
		if got := testPauseAt(); got != want {
			t.Errorf("hooks built %v, pause at %q: %q; want %q", testHooks, c.at, got, want)
		}
	}
}
