package githubactions_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestPreflightReadsTheWorkflowOnly(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: "Bearer " + token,
		Unauthorized: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`,
		NotFound:     `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`,
		Routes: map[string]httpxtest.Route{
			"GET /repos/acme/shop/actions/workflows/rollback.yml": {Body: `{"id":161335,"name":"Rollback","path":".github/workflows/rollback.yml","state":"active"}`},
			"GET /repos/acme/shop/actions/workflows/old.yml":      {Body: `{"id":161336,"name":"Old","path":".github/workflows/old.yml","state":"disabled_manually"}`},
		}}
	c := client(t, f.Serve(t), nil)
	ctx := context.Background()
	if err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"workflow": "old.yml"}})
	httpxtest.AssertFailure(t, err, "GitHub Actions", 0, false, []string{token}, "disabled_manually")
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"workflow": "gone.yml"}})
	httpxtest.AssertFailure(t, err, "GitHub Actions", 404, false, []string{token})
	f.Auth = "Bearer another"
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{}})
	httpxtest.AssertFailure(t, err, "GitHub Actions", 401, false, []string{token}, "Bad credentials")
	f.AssertOnlyReads(t)
}
