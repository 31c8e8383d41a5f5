package flagsmith_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
)

// The fake Flagsmith of flagsmith_test.go: after the kill switch, the
// environment default reads disabled; before it, enabled.
func TestVerifyReadsTheEnvironmentDefault(t *testing.T) {
	_, srv := newFake(t)
	c := client(t, srv, nil)
	before, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || before.Effective || before.Seen != "Flagsmith feature new_checkout is enabled in environment "+env {
		t.Fatalf("before = %+v, %v", before, err)
	}
	if _, err := c.Run(context.Background(), request(false)); err != nil {
		t.Fatal(err)
	}
	after, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || !after.Effective || after.Seen != "Flagsmith feature new_checkout is disabled in environment "+env {
		t.Fatalf("after = %+v, %v", after, err)
	}
}
