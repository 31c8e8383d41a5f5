package kubernetes

import (
	"context"
	"net/http"
	"slices"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// SelfSubjectAccessReview asks the API server whether the caller may do
// one thing (authorization.k8s.io/v1).
type SelfSubjectAccessReview struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		ResourceAttributes ResourceAttributes `json:"resourceAttributes"`
	} `json:"spec"`
	Status struct {
		Allowed bool   `json:"allowed"`
		Denied  bool   `json:"denied,omitempty"`
		Reason  string `json:"reason,omitempty"`
	} `json:"status"`
}

// ResourceAttributes is the action a SelfSubjectAccessReview asks about.
type ResourceAttributes struct {
	Namespace string `json:"namespace"`
	Verb      string `json:"verb"`
	Group     string `json:"group"`
	Resource  string `json:"resource"`
	Name      string `json:"name,omitempty"`
}

// Preflight reads the action's Deployment (GET) and asks the API server
// whether the token may patch it (POST selfsubjectaccessreviews). The
// review is the one non-GET of any preflight: it is read-only by design
// (the API server answers a question and stores nothing), and it is how
// Kubernetes says whether a patch would be allowed without trying one.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Namespace != "").Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "deployment", "")
	ns := spec.Pick(req.Params, "namespace", c.cfg.Namespace)
	ref := "deployment " + ns + "/" + name
	header, secrets, err := c.auth()
	if err != nil {
		return err
	}
	apps := []string{"apis", "apps", "v1", "namespaces", ns}
	var d Deployment
	if _, err := c.http.Do(ctx, httpx.Request{Path: append(slices.Clone(apps), "deployments", name),
		Header: header, Secrets: secrets, Out: &d, What: ref}); err != nil {
		return err
	}
	review := SelfSubjectAccessReview{APIVersion: "authorization.k8s.io/v1", Kind: "SelfSubjectAccessReview"}
	review.Spec.ResourceAttributes = ResourceAttributes{Namespace: ns, Verb: "patch", Group: "apps", Resource: "deployments", Name: name}
	var got SelfSubjectAccessReview
	if _, err := c.http.Do(ctx, httpx.Request{
		Method:  http.MethodPost,
		Path:    []string{"apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"},
		JSON:    review,
		Header:  header,
		Secrets: secrets,
		Out:     &got,
		What:    "access review for " + ref,
	}); err != nil {
		return err
	}
	if !got.Status.Allowed {
		why := got.Status.Reason
		if why == "" {
			why = "no RBAC rule allows it"
		}
		return c.http.Fail("the token may not patch %s: %s", ref, why)
	}
	return nil
}
