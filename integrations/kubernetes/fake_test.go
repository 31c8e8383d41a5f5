package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
)

// fakeAPI is a Kubernetes API server holding one Deployment, "shop/web",
// and its ReplicaSets, with a stand-in for the deployment controller: when
// the Deployment's template changes, the ReplicaSet with that template gets
// the next revision, as the real controller does on a rollback.
type fakeAPI struct {
	t *testing.T

	mu        sync.Mutex
	token     string
	deploy    map[string]any
	rsets     []map[string]any
	rv        int
	calls     []string
	patches   []string
	fail      *httpxtest.Case
	failOn    string // "deployment", "replicasets" or "patch"
	hang      bool
	racePatch bool // a deploy lands between the GET and the PATCH
}

const uid = "6f1c2d3e-0000-4000-8000-000000000001"

func template(image string, hash string) map[string]any {
	labels := map[string]any{"app": "web", "tier": "backend"}
	if hash != "" {
		labels["pod-template-hash"] = hash
	}
	return map[string]any{
		"metadata": map[string]any{"creationTimestamp": nil, "labels": labels},
		"spec": map[string]any{
			"containers":    []any{map[string]any{"name": "web", "image": image, "resources": map[string]any{}, "imagePullPolicy": "IfNotPresent"}},
			"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
		},
	}
}

func rs(name, owner string, rev int, image, hash string) map[string]any {
	ann := map[string]any{"deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4",
		"kubernetes.io/change-cause": "deploy " + image}
	if rev > 0 {
		ann["deployment.kubernetes.io/revision"] = strconv.Itoa(rev)
	}
	return map[string]any{
		"metadata": map[string]any{
			"name": name, "namespace": "shop", "uid": "rs-" + name, "resourceVersion": "100",
			"labels":          map[string]any{"app": "web", "tier": "backend", "pod-template-hash": hash},
			"annotations":     ann,
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner, "controller": true, "blockOwnerDeletion": true}},
		},
		"spec": map[string]any{"replicas": 0, "template": template(image, hash)},
	}
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, token: token, rv: 500}
	f.deploy = map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{
			"name": "web", "namespace": "shop", "uid": uid, "resourceVersion": "500", "generation": 7,
			"annotations": map[string]any{
				"deployment.kubernetes.io/revision":                "5",
				"kubectl.kubernetes.io/last-applied-configuration": `{"kind":"Deployment"}`,
				"kubernetes.io/change-cause":                       "deploy v42",
			},
		},
		"spec": map[string]any{
			"replicas": 3,
			"selector": map[string]any{
				"matchLabels":      map[string]any{"app": "web"},
				"matchExpressions": []any{map[string]any{"key": "tier", "operator": "In", "values": []any{"backend", "api"}}},
			},
			"template": template("ghcr.io/acme/web:v42", ""),
			"strategy": map[string]any{"type": "RollingUpdate"},
		},
	}
	f.rsets = []map[string]any{
		rs("web-5d8f9", uid, 5, "ghcr.io/acme/web:v42", "5d8f9"),
		rs("web-7c6b4", uid, 3, "ghcr.io/acme/web:v40", "7c6b4"),
		rs("web-6b7c8", uid, 4, "ghcr.io/acme/web:v41", "6b7c8"),
		rs("web-orphan", "other-uid", 9, "ghcr.io/acme/web:evil", "0rph4"),
		rs("web-norev", uid, 0, "ghcr.io/acme/web:v1", "n0r3v"),
	}
	return f
}

func status(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%q,"reason":%q,"code":%d}`, msg, reason, code)
}

func (f *fakeAPI) meta(obj map[string]any) map[string]any { return obj["metadata"].(map[string]any) }

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		httpxtest.Hang(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		status(w, 401, "Unauthorized", "Unauthorized")
		return
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		f.t.Errorf("Accept = %q", a)
	}
	f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
	step := ""
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/apis/apps/v1/namespaces/shop/deployments/web":
		step = "deployment"
	case r.Method == http.MethodGet && r.URL.Path == "/apis/apps/v1/namespaces/shop/replicasets":
		step = "replicasets"
	case r.Method == http.MethodPatch && r.URL.Path == "/apis/apps/v1/namespaces/shop/deployments/web":
		step = "patch"
	case strings.HasPrefix(r.URL.Path, "/apis/apps/v1/namespaces/") && strings.Contains(r.URL.Path, "/deployments/"):
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		status(w, 404, "NotFound", fmt.Sprintf("deployments.apps %q not found", name))
		return
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.RequestURI())
		status(w, 404, "NotFound", "the server could not find the requested resource")
		return
	}
	if f.fail != nil && f.failOn == step {
		f.fail.WriteHeaders(w)
		e := map[int][2]string{
			401: {"Unauthorized", "Unauthorized: invalid bearer token " + f.token},
			403: {"Forbidden", `deployments.apps "web" is forbidden: User "system:serviceaccount:ops:tourniquet" cannot patch resource "deployments" in API group "apps" in the namespace "shop"`},
			404: {"NotFound", `deployments.apps "web" not found`},
			409: {"Conflict", `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`},
			422: {"Invalid", `Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value`},
			429: {"TooManyRequests", "Too many requests, please try again later."},
			500: {"InternalError", "Internal error occurred: etcdserver: request timed out"},
			503: {"ServiceUnavailable", "the server is currently unable to handle the request"},
		}[f.fail.Status]
		status(w, f.fail.Status, e[0], e[1])
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch step {
	case "deployment":
		json.NewEncoder(w).Encode(f.deploy)
	case "replicasets":
		if got, want := r.URL.Query().Get("labelSelector"), "app=web,tier in (api,backend)"; got != want {
			f.t.Errorf("labelSelector = %q, want %q", got, want)
		}
		items := make([]any, len(f.rsets))
		for i, x := range f.rsets {
			items[i] = x
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "ReplicaSetList", "apiVersion": "apps/v1",
			"metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv)}, "items": items})
	case "patch":
		f.patch(w, r)
	}
}

func (f *fakeAPI) patch(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json-patch+json" {
		f.t.Errorf("Content-Type = %q", ct)
		status(w, 415, "UnsupportedMediaType", "the body of the request was in an unknown format")
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.patches = append(f.patches, string(body))
	var ops []kubernetes.PatchOp
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ops); err != nil {
		status(w, 400, "BadRequest", err.Error())
		return
	}
	if f.racePatch {
		f.rv++
		f.meta(f.deploy)["resourceVersion"] = strconv.Itoa(f.rv)
	}
	next := map[string]any{}
	b, _ := json.Marshal(f.deploy)
	json.Unmarshal(b, &next)
	for _, op := range ops {
		if op.Op != "replace" {
			status(w, 422, "Invalid", "unsupported op "+op.Op)
			return
		}
		switch op.Path {
		case "/spec/template":
			next["spec"].(map[string]any)["template"] = op.Value
		case "/metadata/annotations":
			f.meta(next)["annotations"] = op.Value
		case "/metadata/resourceVersion":
			f.meta(next)["resourceVersion"] = op.Value
		default:
			status(w, 422, "Invalid", "unexpected path "+op.Path)
			return
		}
	}
	if f.meta(next)["resourceVersion"] != f.meta(f.deploy)["resourceVersion"] {
		status(w, 409, "Conflict", `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`)
		return
	}
	// The deployment controller: the ReplicaSet whose template matches
	// becomes the newest revision.
	tpl := next["spec"].(map[string]any)["template"]
	if labels := tpl.(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any); labels["pod-template-hash"] != nil {
		f.t.Errorf("patched template keeps pod-template-hash")
	}
	max := 0
	for _, x := range f.rsets {
		if f.meta(x)["ownerReferences"].([]any)[0].(map[string]any)["uid"] != uid {
			continue
		}
		if n, err := strconv.Atoi(fmt.Sprint(f.meta(x)["annotations"].(map[string]any)["deployment.kubernetes.io/revision"])); err == nil && n > max {
			max = n
		}
	}
	for _, x := range f.rsets {
		if f.meta(x)["ownerReferences"].([]any)[0].(map[string]any)["uid"] != uid {
			continue
		}
		t := x["spec"].(map[string]any)["template"].(map[string]any)
		h := t["metadata"].(map[string]any)["labels"].(map[string]any)["pod-template-hash"]
		delete(t["metadata"].(map[string]any)["labels"].(map[string]any), "pod-template-hash")
		same := reflect.DeepEqual(jsonRound(t), jsonRound(tpl))
		t["metadata"].(map[string]any)["labels"].(map[string]any)["pod-template-hash"] = h
		if same {
			f.meta(x)["annotations"].(map[string]any)["deployment.kubernetes.io/revision"] = strconv.Itoa(max + 1)
			f.meta(next)["annotations"].(map[string]any)["deployment.kubernetes.io/revision"] = strconv.Itoa(max + 1)
		}
	}
	f.rv++
	f.meta(next)["resourceVersion"] = strconv.Itoa(f.rv)
	f.deploy = next
	json.NewEncoder(w).Encode(f.deploy)
}

func jsonRound(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

func (f *fakeAPI) image() string {
	t := f.deploy["spec"].(map[string]any)["template"].(map[string]any)
	return t["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"].(string)
}

func (f *fakeAPI) annotations() map[string]any {
	return f.meta(f.deploy)["annotations"].(map[string]any)
}
