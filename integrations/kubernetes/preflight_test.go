package kubernetes_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const ssar = "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

func TestPreflightReadsTheDeploymentAndAsksForPatch(t *testing.T) {
	f := &httpxtest.ReadOnly{AuthHeader: "Authorization", Auth: "Bearer " + token,
		Unauthorized: `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`,
		NotFound:     `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments.apps \"gone\" not found","reason":"NotFound","code":404}`,
		Routes: map[string]httpxtest.Route{
			"GET /apis/apps/v1/namespaces/shop/deployments/checkout": {Body: `{"metadata":{"name":"checkout","namespace":"shop","uid":"u1"},"spec":{"paused":false}}`},
			ssar: {Status: 201, Body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","status":{"allowed":true}}`},
		}}
	c := client(t, f.Serve(t), nil)
	ctx := context.Background()
	if err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"deployment": "checkout"}}); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	f.Routes[ssar] = httpxtest.Route{Status: 201, Body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","status":{"allowed":false,"reason":"no RBAC policy matched"}}`}
	err := c.Preflight(ctx, actiontype.Request{Params: map[string]string{"deployment": "checkout"}})
	httpxtest.AssertFailure(t, err, "Kubernetes", 0, false, []string{token}, "may not patch", "no RBAC policy matched")
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"deployment": "gone"}})
	httpxtest.AssertFailure(t, err, "Kubernetes", 404, false, []string{token})
	f.Auth = "Bearer another"
	err = c.Preflight(ctx, actiontype.Request{Params: map[string]string{"deployment": "checkout"}})
	httpxtest.AssertFailure(t, err, "Kubernetes", 401, false, []string{token})
	f.AssertOnlyReads(t, ssar)
}
