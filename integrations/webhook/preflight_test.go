package webhook_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestPreflightGetsOnlyThePreflightURL(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: "Bearer " + token,
		Unauthorized: `{"error":"unauthorized"}`, NotFound: `{"error":"not found"}`,
		Routes: map[string]httpxtest.Route{"GET /health/rollback": {Body: `{"ok":true}`}}}
	srv := f.Serve(t)
	c := client(t, map[string]any{"url": srv.URL + "/rollback", "preflight": srv.URL + "/health/rollback"})
	ctx := context.Background()
	if err := c.Preflight(ctx, request(false)); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	f.Auth = "Bearer another"
	httpxtest.AssertFailure(t, c.Preflight(ctx, request(false)), "webhook deploy-hook", 401, false, []string{token, secret})
	f.AssertOnlyReads(t)
	for _, r := range f.Requests() {
		if r != "GET /health/rollback" {
			t.Errorf("the preflight called %s, not its preflight URL", r)
		}
	}

	none := client(t, map[string]any{"url": srv.URL + "/rollback"})
	if err := none.Preflight(ctx, request(false)); !errors.Is(err, actiontype.ErrNoPreflight) {
		t.Errorf("without a preflight URL: %v, want ErrNoPreflight", err)
	}
}
