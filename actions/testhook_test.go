package actions

import "testing"

// The fault suite's pause hook is off unless TOURNIQUET_TEST_HOOKS=1, and
// only names the three points it knows.
func TestTestPauseNeedsTheSwitch(t *testing.T) {
	for _, c := range []struct{ hooks, at, want string }{
		{"", "claimed", ""},
		{"0", "called", ""},
		{"1", "claimed", "claimed"},
		{"1", "called", "called"},
		{"1", "stored", "stored"},
		{"1", "anywhere", ""},
		{"1", "", ""},
	} {
		t.Setenv(EnvTestHooks, c.hooks)
		t.Setenv(EnvTestPauseAt, c.at)
		if got := testPauseAt(); got != c.want {
			t.Errorf("hooks %q, pause at %q: %q; want %q", c.hooks, c.at, got, c.want)
		}
	}
}
