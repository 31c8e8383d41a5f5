package kubernetes_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
)

const token = "eyJhbGciOiJSUzI1NiIsImtpZCI6Ims4cyJ9.c2VydmljZWFjY291bnQ.S1GNATURE-k8s-token"

func serve(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := newFakeAPI(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *kubernetes.Client {
	t.Helper()
	if settings == nil {
		settings = map[string]any{"server": srv.URL, "namespace": "shop"}
	}
	in := httpxtest.Integration(kubernetes.Type, settings, map[string]string{"token": token})
	c, err := kubernetes.New("k8s", in, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(runID string) actiontype.Request {
	return actiontype.Request{RunID: runID, IncidentKey: "INC-7", ActionID: "rollback-web",
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: map[string]string{"deployment": "web"}}
}

func TestRolloutUndoPatchesPreviousRevisionTemplate(t *testing.T) {
	f, srv := serve(t)
	res, err := client(t, srv, nil).Run(context.Background(), request("run-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /apis/apps/v1/namespaces/shop/deployments/web",
		"GET /apis/apps/v1/namespaces/shop/replicasets?labelSelector=" + url.QueryEscape("app=web,tier in (api,backend)"),
		"PATCH /apis/apps/v1/namespaces/shop/deployments/web",
	}
	if strings.Join(f.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	if f.image() != "ghcr.io/acme/web:v41" {
		t.Errorf("image = %s, want v41 (revision 4)", f.image())
	}
	var ops []map[string]any
	json.Unmarshal([]byte(f.patches[0]), &ops)
	ann, _ := ops[1]["value"].(map[string]any)
	wantAnn := map[string]any{
		// kept from the Deployment
		"deployment.kubernetes.io/revision":                "5",
		"kubectl.kubernetes.io/last-applied-configuration": `{"kind":"Deployment"}`,
		// copied from the ReplicaSet
		"kubernetes.io/change-cause": "deploy ghcr.io/acme/web:v41",
		// ours
		"tourniquet.dev/run-id": "run-1",
	}
	if len(ops) != 3 || ops[0]["path"] != "/spec/template" || ops[2]["path"] != "/metadata/resourceVersion" || ops[2]["value"] != "500" ||
		len(ann) != len(wantAnn) {
		t.Errorf("patch = %s", f.patches[0])
	}
	for k, v := range wantAnn {
		if ann[k] != v {
			t.Errorf("annotation %s = %v, want %v", k, ann[k], v)
		}
	}
	if res.Summary != "Deployment shop/web rolled back from revision 5 to revision 4 (web=ghcr.io/acme/web:v41)" {
		t.Errorf("summary = %q", res.Summary)
	}
	if f.annotations()["deployment.kubernetes.io/revision"] != "6" {
		t.Errorf("the controller did not see the rollback: %v", f.annotations())
	}
}

func TestUndoOfRollbackReturnsToRevisionRolledBackFrom(t *testing.T) {
	f, srv := serve(t)
	c := client(t, srv, nil)
	if _, err := c.Run(context.Background(), request("run-1")); err != nil {
		t.Fatal(err)
	}
	req := request("run-2")
	req.Undo = true
	res, err := c.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if f.image() != "ghcr.io/acme/web:v42" || !strings.Contains(res.Summary, "from revision 6 to revision 5") {
		t.Errorf("image = %s, summary = %q", f.image(), res.Summary)
	}
}

func TestSameRunIsNotRepeated(t *testing.T) {
	f, srv := serve(t)
	c := client(t, srv, nil)
	if _, err := c.Run(context.Background(), request("run-1")); err != nil {
		t.Fatal(err)
	}
	res, err := c.Run(context.Background(), request("run-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.patches) != 1 || f.image() != "ghcr.io/acme/web:v41" || !strings.Contains(res.Summary, "already rolled back by this run") {
		t.Errorf("patches = %d, image = %s, summary = %q", len(f.patches), f.image(), res.Summary)
	}
}

func TestPausedDeploymentIsRefused(t *testing.T) {
	f, srv := serve(t)
	f.deploy["spec"].(map[string]any)["paused"] = true
	_, err := client(t, srv, nil).Run(context.Background(), request("run-1"))
	httpxtest.AssertFailure(t, err, "Kubernetes", 0, false, []string{token}, "deployment shop/web is paused", "kubectl rollout resume")
	if len(f.patches) != 0 || len(f.calls) != 1 {
		t.Errorf("calls = %v", f.calls)
	}
}

func TestNoHistoryAndMatchingTemplate(t *testing.T) {
	f, srv := serve(t)
	f.rsets = f.rsets[:1]
	_, err := client(t, srv, nil).Run(context.Background(), request("run-1"))
	httpxtest.AssertFailure(t, err, "Kubernetes", 0, false, []string{token}, "no rollout history found for deployment shop/web")

	f, srv = serve(t)
	f.deploy["spec"].(map[string]any)["template"] = template("ghcr.io/acme/web:v41", "")
	res, err := client(t, srv, nil).Run(context.Background(), request("run-1"))
	if err != nil || !strings.Contains(res.Summary, "skipped rollback: the current template already matches revision 4") || len(f.patches) != 0 {
		t.Errorf("res = %+v, err = %v, patches = %d", res, err, len(f.patches))
	}
}

func TestConcurrentDeployMakesAConflictNotAClobber(t *testing.T) {
	f, srv := serve(t)
	f.racePatch = true
	_, err := client(t, srv, nil).Run(context.Background(), request("run-1"))
	httpxtest.AssertFailure(t, err, "Kubernetes", 409, false, []string{token}, "the object has been modified")
	if f.image() != "ghcr.io/acme/web:v42" {
		t.Errorf("image changed to %s", f.image())
	}
}

func TestNamespaceParamAndUnknownDeployment(t *testing.T) {
	f, srv := serve(t)
	c := client(t, srv, map[string]any{"server": srv.URL})
	_, err := c.Run(context.Background(), request("run-1"))
	httpxtest.AssertFailure(t, err, "Kubernetes", 0, false, []string{token}, "namespace", "required")
	req := request("run-1")
	req.Params = map[string]string{"deployment": "api", "namespace": "shop"}
	_, err = c.Run(context.Background(), req)
	httpxtest.AssertFailure(t, err, "Kubernetes", 404, false, []string{token}, `deployments.apps "api" not found`)
	if len(f.patches) != 0 {
		t.Error("patched")
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:         "Kubernetes",
		Secrets:        []string{token},
		Steps:          []string{"deployment", "replicasets", "patch"},
		WantByStatus:   map[int][]string{409: {"the object has been modified"}},
		HungMayHaveRun: false, // the read timed out: nothing was changed
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := serve(t)
			f.fail, f.failOn, f.hang = x.Answer, x.Step, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request("run-1"))
			if x.Step != "patch" && len(f.patches) != 0 {
				t.Error("patched after a failed read")
			}
			return err
		},
	}.Run(t)
}

// serviceAccount writes a pod's service account files for srv and points
// the environment at it.
func serviceAccount(t *testing.T, srv *httptest.Server, tok string) string {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	for name, data := range map[string]string{"ca.crt": string(ca), "token": tok + "\n", "namespace": "shop"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	t.Setenv("KUBERNETES_SERVICE_HOST", host)
	t.Setenv("KUBERNETES_SERVICE_PORT", port)
	return dir
}

func TestInClusterServiceAccountOverTLSWithRotatingToken(t *testing.T) {
	f := newFakeAPI(t)
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	dir := serviceAccount(t, srv, token)
	c, err := kubernetes.NewClient("k8s", kubernetes.Config{InCluster: true, ServiceAccountDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), request("run-1")); err != nil {
		t.Fatal(err)
	}
	if f.image() != "ghcr.io/acme/web:v41" {
		t.Errorf("image = %s", f.image())
	}

	// The kubelet rotates the token; the next call uses the new one.
	rotated := token + "-rotated-2"
	os.WriteFile(filepath.Join(dir, "token"), []byte(rotated), 0o600)
	f.mu.Lock()
	f.token = rotated
	f.mu.Unlock()
	if _, err := c.Run(context.Background(), request("run-2")); err != nil {
		t.Fatal(err)
	}

}

func TestUntrustedCertificateIsPermanent(t *testing.T) {
	f := newFakeAPI(t)
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is the point
	srv.StartTLS()
	defer srv.Close()
	c := client(t, srv, map[string]any{"server": srv.URL, "namespace": "shop"})
	_, err := c.Run(context.Background(), request("run-1"))
	httpxtest.AssertFailure(t, err, "Kubernetes", 0, false, []string{token}, "TLS certificate not trusted")
}

func TestInClusterOutsideAPodFails(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	_, err := kubernetes.NewClient("k8s", kubernetes.Config{InCluster: true, ServiceAccountDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not running in a pod") {
		t.Errorf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(kubernetes.Type, kubernetes.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  k8s: {type: kubernetes, namespace: shop, insecure: true}
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{"integrations.k8s.server: required", "integrations.k8s.token: required", "integrations.k8s.insecure: unknown key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	if _, err := httpxtest.Load(t, "integrations:\n  k8s: {type: kubernetes, in_cluster: true}\n", v); err != nil {
		t.Errorf("in-cluster config refused: %v", err)
	}
	in := httpxtest.Integration(kubernetes.Type, map[string]any{"in_cluster": true}, nil)
	if p := kubernetes.Params(in).Check(map[string]string{"deployment": "web"}); len(p) != 0 {
		t.Errorf("param problems = %v", p)
	}
	in = httpxtest.Integration(kubernetes.Type, map[string]any{"server": "https://k"}, nil)
	if p := kubernetes.Params(in).Check(map[string]string{"deployment": "web"}); len(p) != 1 || p[0].Param != "namespace" {
		t.Errorf("param problems = %v", p)
	}
}

func TestCAFileFromConfiguration(t *testing.T) {
	f := newFakeAPI(t)
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	dir := t.TempDir()
	caPath := filepath.Join(dir, "ca.crt")
	os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600)
	v := httpxtest.Validator(kubernetes.Type, kubernetes.Validate)
	cfg, err := httpxtest.Load(t, `
integrations:
  k8s: {type: kubernetes, server: "`+srv.URL+`", token_file: "`+filepath.Join(dir, "token")+`", ca_file: "`+caPath+`", namespace: shop}
`, v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubernetes.New("k8s", cfg.Integrations["k8s"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), request("run-1")); err != nil {
		t.Fatal(err)
	}
	if f.image() != "ghcr.io/acme/web:v41" {
		t.Errorf("image = %s", f.image())
	}
	_, err = httpxtest.Load(t, "integrations:\n  k8s: {type: kubernetes, in_cluster: true, ca: not a certificate}\n", v)
	if err == nil || !strings.Contains(err.Error(), "integrations.k8s.ca: holds no PEM certificate") {
		t.Errorf("err = %v", err)
	}
}
