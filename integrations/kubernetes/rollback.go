package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Annotations and labels the rollback reads and writes.
const (
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	RunIDAnnotation    = "tourniquet.dev/run-id"
	PodTemplateHash    = "pod-template-hash"
)

// annotationsToSkip are kept from the Deployment, not copied from the
// ReplicaSet (kubectl's list).
var annotationsToSkip = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	RevisionAnnotation:                          true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	"deprecated.deployment.rollback.to":         true,
}

// ObjectMeta is the part of an object's metadata the client reads.
type ObjectMeta struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	UID             string            `json:"uid"`
	ResourceVersion string            `json:"resourceVersion"`
	Annotations     map[string]string `json:"annotations"`
	OwnerReferences []OwnerReference  `json:"ownerReferences"`
}

// OwnerReference points at an object's owner.
type OwnerReference struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	UID        string `json:"uid"`
	Controller *bool  `json:"controller"`
}

// Deployment is the part of a Deployment the client reads.
type Deployment struct {
	Metadata ObjectMeta `json:"metadata"`
	Spec     struct {
		Paused   bool            `json:"paused"`
		Selector *LabelSelector  `json:"selector"`
		Template json.RawMessage `json:"template"`
	} `json:"spec"`
}

// ReplicaSet is the part of a ReplicaSet the client reads.
type ReplicaSet struct {
	Metadata ObjectMeta `json:"metadata"`
	Spec     struct {
		Template json.RawMessage `json:"template"`
	} `json:"spec"`
}

// ReplicaSetList is a list answer.
type ReplicaSetList struct {
	Items []ReplicaSet `json:"items"`
}

// LabelSelector is a Kubernetes label selector.
type LabelSelector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []Requirement     `json:"matchExpressions"`
}

// Requirement is one expression of a LabelSelector.
type Requirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// String formats the selector for the labelSelector query parameter.
func (s *LabelSelector) String() (string, error) {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, r := range s.MatchExpressions {
		vals := slices.Sorted(slices.Values(r.Values))
		switch r.Operator {
		case "In":
			parts = append(parts, fmt.Sprintf("%s in (%s)", r.Key, strings.Join(vals, ",")))
		case "NotIn":
			parts = append(parts, fmt.Sprintf("%s notin (%s)", r.Key, strings.Join(vals, ",")))
		case "Exists":
			parts = append(parts, r.Key)
		case "DoesNotExist":
			parts = append(parts, "!"+r.Key)
		default:
			return "", fmt.Errorf("unknown selector operator %q", r.Operator)
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("the selector is empty")
	}
	return strings.Join(parts, ","), nil
}

// PatchOp is one JSON patch operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// JSONPatch is the content type of a JSON patch.
const JSONPatch = "application/json-patch+json"

// Run rolls the Deployment back to its previous revision.
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := paramSpec(c.cfg.Namespace != "").Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "deployment", "")
	ns := spec.Pick(req.Params, "namespace", c.cfg.Namespace)
	ref := "deployment " + ns + "/" + name
	header, secrets, err := c.auth()
	if err != nil {
		return actiontype.Result{}, err
	}
	apps := []string{"apis", "apps", "v1", "namespaces", ns}

	var d Deployment
	if _, err := c.http.Do(ctx, httpx.Request{Path: append(slices.Clone(apps), "deployments", name),
		Header: header, Secrets: secrets, Out: &d, What: ref}); err != nil {
		return actiontype.Result{}, err
	}
	if d.Spec.Paused {
		return actiontype.Result{}, c.http.Fail("%s is paused; resume it first (kubectl rollout resume deployment/%s -n %s) and try again", ref, name, ns)
	}
	if req.RunID != "" && d.Metadata.Annotations[RunIDAnnotation] == req.RunID {
		return actiontype.Result{Summary: fmt.Sprintf("Deployment %s/%s was already rolled back by this run (now at revision %s)",
			ns, name, d.Metadata.Annotations[RevisionAnnotation])}, nil
	}
	if d.Spec.Selector == nil {
		return actiontype.Result{}, c.http.Fail("%s has no selector", ref)
	}
	sel, err := d.Spec.Selector.String()
	if err != nil {
		return actiontype.Result{}, c.http.Fail("%s: %v", ref, err)
	}

	var list ReplicaSetList
	if _, err := c.http.Do(ctx, httpx.Request{Path: append(slices.Clone(apps), "replicasets"),
		Query: url.Values{"labelSelector": {sel}}, Header: header, Secrets: secrets, Out: &list, What: "replicasets of " + ref}); err != nil {
		return actiontype.Result{}, err
	}
	_, prev, curRev, prevRev := previous(list.Items, d.Metadata.UID)
	if prev == nil {
		return actiontype.Result{}, c.http.Fail("no rollout history found for %s", ref)
	}

	target, err := withoutHash(prev.Spec.Template)
	if err != nil {
		return actiontype.Result{}, c.http.Fail("cannot read the pod template of replicaset %s: %v", prev.Metadata.Name, err)
	}
	current, err := withoutHash(d.Spec.Template)
	if err != nil {
		return actiontype.Result{}, c.http.Fail("cannot read the pod template of %s: %v", ref, err)
	}
	images := images(target)
	if reflect.DeepEqual(target, current) {
		return actiontype.Result{Summary: fmt.Sprintf("Deployment %s/%s skipped rollback: the current template already matches revision %d%s",
			ns, name, prevRev, images)}, nil
	}

	annotations := map[string]string{}
	for k := range annotationsToSkip {
		if v, ok := d.Metadata.Annotations[k]; ok {
			annotations[k] = v
		}
	}
	for k, v := range prev.Metadata.Annotations {
		if !annotationsToSkip[k] {
			annotations[k] = v
		}
	}
	if req.RunID != "" {
		annotations[RunIDAnnotation] = req.RunID
	}
	patch := []PatchOp{
		{Op: "replace", Path: "/spec/template", Value: target},
		{Op: "replace", Path: "/metadata/annotations", Value: annotations},
		{Op: "replace", Path: "/metadata/resourceVersion", Value: d.Metadata.ResourceVersion},
	}
	if _, err := c.http.Do(ctx, httpx.Request{
		Method:      http.MethodPatch,
		Path:        append(slices.Clone(apps), "deployments", name),
		JSON:        patch,
		ContentType: JSONPatch,
		Header:      header,
		Secrets:     secrets,
		What:        ref,
	}); err != nil {
		return actiontype.Result{}, err
	}
	return actiontype.Result{Summary: fmt.Sprintf("Deployment %s/%s rolled back from revision %d to revision %d%s", ns, name, curRev, prevRev, images)}, nil
}

// previous picks, among the ReplicaSets controlled by the Deployment with
// uid, the latest and the previous by revision, as kubectl does.
func previous(items []ReplicaSet, uid string) (latest, prev *ReplicaSet, latestRev, prevRev int64) {
	latestRev, prevRev = -1, -1
	for i := range items {
		rs := &items[i]
		if !controlledBy(rs.Metadata, uid) {
			continue
		}
		v, err := strconv.ParseInt(rs.Metadata.Annotations[RevisionAnnotation], 10, 64)
		if err != nil {
			continue
		}
		switch {
		case v > latestRev:
			prev, prevRev = latest, latestRev
			latest, latestRev = rs, v
		case v > prevRev:
			prev, prevRev = rs, v
		}
	}
	return latest, prev, latestRev, prevRev
}

func controlledBy(m ObjectMeta, uid string) bool {
	for _, o := range m.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return o.UID == uid
		}
	}
	return false
}

// withoutHash decodes a pod template and removes its pod-template-hash
// label.
func withoutHash(raw json.RawMessage) (map[string]any, error) {
	var t map[string]any
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("no pod template")
	}
	if md, ok := t["metadata"].(map[string]any); ok {
		if labels, ok := md["labels"].(map[string]any); ok {
			delete(labels, PodTemplateHash)
		}
	}
	return t, nil
}

// images lists a template's containers as " (name=image, …)".
func images(t map[string]any) string {
	spec, _ := t["spec"].(map[string]any)
	cs, _ := spec["containers"].([]any)
	var parts []string
	for _, c := range cs {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		image, _ := m["image"].(string)
		if image != "" {
			parts = append(parts, name+"="+image)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
