package argocd_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestPreflightReadsTheApplicationOnly(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: "Bearer " + token,
		Unauthorized: `{"error":"invalid session: token is expired","code":16,"message":"invalid session: token is expired"}`,
		NotFound:     `{"error":"applications.argoproj.io \"gone\" not found","code":5,"message":"applications.argoproj.io \"gone\" not found"}`,
		Routes: map[string]httpxtest.Route{"GET /api/v1/applications/checkout": {
			Body: `{"metadata":{"name":"checkout","namespace":"argocd"},"status":{"sync":{"status":"Synced"}}}`}}}
	c := client(t, f.Serve(t), nil)
	ctx := context.Background()
	if err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"application": "checkout"}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"application": "gone"}})
	httpxtest.AssertFailure(t, err, "Argo CD", 404, false, []string{token})
	f.Auth = "Bearer another"
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"application": "checkout"}})
	httpxtest.AssertFailure(t, err, "Argo CD", 401, false, []string{token}, "expired")
	f.AssertOnlyReads(t)
}
