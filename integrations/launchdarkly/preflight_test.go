package launchdarkly_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/launchdarkly"
)

func preflightFake() *httpxtest.ReadOnly {
	return &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: token,
		Unauthorized: `{"code":"unauthorized","message":"Invalid access token"}`,
		NotFound:     `{"code":"not_found","message":"Unknown resource"}`,
		Routes: map[string]httpxtest.Route{"GET /api/v2/flags/default/new-checkout": {
			Body: `{"key":"new-checkout","name":"New checkout","environments":{"production":{"on":true}}}`}}}
}

func TestPreflightReadsTheFlagOnly(t *testing.T) {
	f := preflightFake()
	c := client(t, f.Serve(t), nil)
	if err := c.Preflight(context.Background(), actiontype.Request{Params: map[string]string{"flag": "new-checkout"}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	f.AssertOnlyReads(t)

	err := c.Preflight(context.Background(), actiontype.Request{Params: map[string]string{"flag": "gone"}})
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 404, false, []string{token}, "gone")
	err = c.Preflight(context.Background(), actiontype.Request{Params: map[string]string{"flag": "new-checkout", "environment": "staging"}})
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 0, false, []string{token}, "no environment staging")
	f.AssertOnlyReads(t)
}

func TestPreflightRejectedToken(t *testing.T) {
	f := preflightFake()
	in := httpxtest.Integration(launchdarkly.Type, map[string]any{"project": "default", "environment": "production"},
		map[string]string{"api_token": "api-expired-0000000000"})
	c, err := launchdarkly.New("flags", in, httpx.WithBaseURL(f.Serve(t).URL))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Preflight(context.Background(), actiontype.Request{Params: map[string]string{"flag": "new-checkout"}})
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 401, false, []string{"api-expired-0000000000"}, "api_token")
	f.AssertOnlyReads(t)
}
