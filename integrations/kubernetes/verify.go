package kubernetes

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// rollout is the part of a Deployment Verify reads.
type rollout struct {
	Metadata struct {
		Generation  int64             `json:"generation"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Replicas *int32 `json:"replicas"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration int64 `json:"observedGeneration"`
		Replicas           int32 `json:"replicas"`
		UpdatedReplicas    int32 `json:"updatedReplicas"`
		ReadyReplicas      int32 `json:"readyReplicas"`
		AvailableReplicas  int32 `json:"availableReplicas"`
		Conditions         []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Reason string `json:"reason"`
		} `json:"conditions"`
	} `json:"status"`
}

// Verify reads the Deployment and reports the rollback effective when its
// rollout is complete at the template this run patched in, as "kubectl
// rollout status" decides: the controller observed the patch
// (observedGeneration), every desired replica runs the new template
// (updated = desired), no old one is left (replicas = updated) and all
// are ready and available. A Deployment whose template another change
// replaced since (its run annotation is not this run's) is not this
// rollback's effect; one whose progress deadline passed is final.
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	name := spec.Pick(req.Params, "deployment", "")
	ns := spec.Pick(req.Params, "namespace", c.cfg.Namespace)
	header, secrets, err := c.auth()
	if err != nil {
		return actiontype.Effect{}, err
	}
	var d rollout
	if _, err := c.http.Do(ctx, httpx.Request{Path: []string{"apis", "apps", "v1", "namespaces", ns, "deployments", name},
		Header: header, Secrets: secrets, Out: &d, What: "deployment " + ns + "/" + name}); err != nil {
		return actiontype.Effect{}, err
	}
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	st := d.Status
	seen := fmt.Sprintf("deployment %s/%s: %d of %d replicas updated, %d ready, %d available, %d in total",
		ns, name, st.UpdatedReplicas, desired, st.ReadyReplicas, st.AvailableReplicas, st.Replicas)
	if req.RunID != "" && d.Metadata.Annotations[RunIDAnnotation] != req.RunID {
		return actiontype.Effect{Final: true, Seen: c.http.Scrub(seen + "; its template is no longer this rollback's (another change replaced it)")}, nil
	}
	for _, cond := range st.Conditions {
		if cond.Type == "Progressing" && cond.Reason == "ProgressDeadlineExceeded" {
			return actiontype.Effect{Final: true, Seen: c.http.Scrub(seen + "; its progress deadline passed")}, nil
		}
	}
	done := st.ObservedGeneration >= d.Metadata.Generation && st.UpdatedReplicas == desired &&
		st.Replicas == st.UpdatedReplicas && st.ReadyReplicas == desired && st.AvailableReplicas == desired
	if done {
		seen = fmt.Sprintf("deployment %s/%s rolled out: %d of %d replicas updated, ready and available", ns, name, desired, desired)
	}
	return actiontype.Effect{Effective: done, Seen: c.http.Scrub(seen)}, nil
}
