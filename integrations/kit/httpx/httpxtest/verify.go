package httpxtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
)

// Looks calls v.Verify n times with req and res, as the runner does after
// a run, failing t at the first error, and returns each look as
// "<effective> <seen>".
func Looks(t *testing.T, v actiontype.Verifier, req actiontype.Request, res actiontype.Result, n int) []string {
	t.Helper()
	var looks []string
	for range n {
		e, err := v.Verify(context.Background(), req, res)
		if err != nil {
			t.Fatal(err)
		}
		looks = append(looks, fmt.Sprint(e.Effective, " ", e.Seen))
	}
	return looks
}

// AssertLooksSay fails t unless looks (from [Looks]) contain each of want
// and the look at notYet is not effective: a Verify must not report the
// effect before the fake's state reached it.
func AssertLooksSay(t *testing.T, looks []string, notYet int, want ...string) {
	t.Helper()
	got := strings.Join(looks, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("looks do not say %q:\n%s", w, got)
		}
	}
	if strings.HasPrefix(looks[notYet], "true") {
		t.Errorf("effective at look %d, before the state reached it:\n%s", notYet+1, got)
	}
}
