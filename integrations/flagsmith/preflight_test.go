package flagsmith_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestPreflightReadsTheFeatureStateOnly(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: "Token " + token,
		Unauthorized: `{"detail":"Invalid token."}`,
		NotFound:     `{"detail":"Not found."}`,
		Routes: map[string]httpxtest.Route{"GET /api/v1/environments/" + env + "/featurestates/": {
			Body: `{"count":2,"results":[{"id":7,"feature":3,"enabled":true,"identity":null,"feature_segment":null},` +
				`{"id":8,"feature":3,"enabled":false,"identity":null,"feature_segment":12}]}`}}}
	c := client(t, f.Serve(t), nil)
	ctx := context.Background()
	if err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new_checkout"}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new_checkout", "environment": "nope"}})
	httpxtest.AssertFailure(t, err, "Flagsmith", 404, false, []string{token})
	f.Auth = "Token another"
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new_checkout"}})
	httpxtest.AssertFailure(t, err, "Flagsmith", 401, false, []string{token}, "token")
	f.AssertOnlyReads(t)
}
