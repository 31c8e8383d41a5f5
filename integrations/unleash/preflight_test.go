package unleash_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestPreflightReadsTheFeatureOnly(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: token,
		Unauthorized: `{"id":"e1","name":"AuthenticationRequired","message":"You must log in to use Unleash."}`,
		NotFound:     `{"id":"e2","name":"NotFoundError","message":"Could not find feature"}`,
		Routes: map[string]httpxtest.Route{"GET /acme/api/admin/projects/default/features/new-checkout": {
			Body: `{"name":"new-checkout","project":"default","environments":[{"name":"development","enabled":true},{"name":"production","enabled":true}]}`}}}
	c := client(t, f.Serve(t), nil)
	ctx := context.Background()
	if err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new-checkout"}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "gone"}})
	httpxtest.AssertFailure(t, err, "Unleash", 404, false, []string{token}, "gone")
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new-checkout", "environment": "staging"}})
	httpxtest.AssertFailure(t, err, "Unleash", 0, false, []string{token}, "no environment staging")
	f.Auth = "someone-else-token"
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"feature": "new-checkout"}})
	httpxtest.AssertFailure(t, err, "Unleash", 401, false, []string{token}, "token")
	f.AssertOnlyReads(t)
}
