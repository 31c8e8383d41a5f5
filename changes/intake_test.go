package changes_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

const (
	apiToken = "api-token-0123456789"
	ghSecret = "github-secret-abcdef"
	ldSecret = "ld-secret-abcdef"
	argoTok  = "argo-token-abcdef"
)

type intake struct {
	t     *testing.T
	store storage.Store
	srv   *httptest.Server
}

func newIntake(t *testing.T, s storage.Store) *intake {
	mux := http.NewServeMux()
	changes.NewIntake(changes.IntakeOptions{Store: s, Clock: clock.NewFake(t0), APIToken: config.NewSecret(apiToken),
		GitHubSecret: config.NewSecret(ghSecret), LaunchDarklySecret: config.NewSecret(ldSecret),
		ArgoCDToken: config.NewSecret(argoTok), MaxBody: 4096}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &intake{t: t, store: s, srv: srv}
}

// post sends body to path with the headers and returns the status and body.
func (in *intake) post(path, body string, headers ...string) (int, string) {
	in.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (in *intake) changes() []incident.Change {
	in.t.Helper()
	cs, err := in.store.ListChanges(in.t.Context(), storage.ChangeFilter{})
	if err != nil {
		in.t.Fatal(err)
	}
	return cs
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func TestGenericIntake(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		in := newIntake(t, s)
		body := `{"service":"Checkout","kind":"deploy","version":"v42","previous_version":"v41","by":"<@U123> ana","link":"https://ci.example/1","external_id":"build-7"}`
		for _, auth := range []string{"", "Bearer wrong", "Basic " + apiToken, apiToken} {
			code, got := in.post("/api/v1/changes", body, "Authorization", auth)
			if code != http.StatusUnauthorized || got != "" {
				t.Errorf("Authorization %q: %d %q, want a bare 401", auth, code, got)
			}
		}
		if len(in.changes()) != 0 {
			t.Fatal("an unauthenticated change was stored")
		}
		code, got := in.post("/api/v1/changes", body, "Authorization", "Bearer "+apiToken)
		if code != http.StatusCreated {
			t.Fatalf("post: %d %s", code, got)
		}
		cs := in.changes()
		if len(cs) != 1 || cs[0].Service != "checkout" || cs[0].PreviousVersion != "v41" || cs[0].By != "<@U123> ana" ||
			!cs[0].At.Equal(t0) || cs[0].Source != "api" {
			t.Fatalf("stored %+v", cs)
		}
		// A retry of the same build is the same change.
		if code, got := in.post("/api/v1/changes", body, "Authorization", "Bearer "+apiToken); code != http.StatusOK ||
			!strings.Contains(got, `"recorded":false`) || len(in.changes()) != 1 {
			t.Errorf("retry: %d %s (%d stored)", code, got, len(in.changes()))
		}
		for _, tc := range []struct{ body, want string }{
			{`{"service":"checkout","kind":"release"}`, `kind \"release\": want one of deploy, flag, config, infra`},
			{`{"service":"checkout","kind":"flag"}`, "flag: required for a flag change"},
			{`{"service":"check out!","kind":"deploy"}`, "service:"},
			{`{"service":"checkout","kind":"deploy","link":"javascript:alert(1)"}`, "link: want an http or https URL"},
			{`{"service":"checkout","kind":"deploy","at":"yesterday"}`, "at: want an RFC 3339 time"},
			{`{"service":"checkout","kind":"deploy","verison":"v1"}`, `unknown field \"verison\"`},
			{`{"service":"checkout","kind":"deploy","by":"` + strings.Repeat("x", 5000) + `"}`, "over 4096 bytes"},
		} {
			code, got := in.post("/api/v1/changes", tc.body, "Authorization", "Bearer "+apiToken)
			if code < 400 || code >= 500 || !strings.Contains(got, tc.want) {
				t.Errorf("%.60s: %d %s, want a 4xx saying %q", tc.body, code, got, tc.want)
			}
		}
		if len(in.changes()) != 1 {
			t.Errorf("refused changes were stored: %+v", in.changes())
		}
		// The list, newest first, behind the same token.
		req, _ := http.NewRequest(http.MethodGet, in.srv.URL+"/api/v1/changes?service=checkout&since=2h", nil)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("list without a token: %v %v", resp.StatusCode, err)
		}
		req.Header.Set("Authorization", "Bearer "+apiToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct{ Changes []incident.Change }
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Changes) != 1 || list.Changes[0].Version != "v42" {
			t.Errorf("list = %+v, %v", list, err)
		}
	})
}

const ghDeploymentStatus = `{"action":"created",
 "deployment_status":{"id":1,"state":"success","target_url":"https://ci.example/deploy/9","log_url":"","created_at":"2026-03-01T13:48:00Z"},
 "deployment":{"id":9,"ref":"v42","sha":"0123456789abcdef0123456789abcdef01234567","environment":"production",
   "payload":{"service":"checkout","previous_version":"v41"},"creator":{"login":"ana"}},
 "repository":{"name":"shop","full_name":"acme/shop","html_url":"https://github.com/acme/shop"},
 "sender":{"login":"ana"}}`

func TestGitHubWebhook(t *testing.T) {
	in := newIntake(t, storagetest.NewSQLite(t))
	hdr := func(event, delivery, sig string) []string {
		return []string{"X-GitHub-Event", event, "X-GitHub-Delivery", delivery, "X-Hub-Signature-256", sig}
	}
	good := "sha256=" + sign(ghSecret, ghDeploymentStatus)
	for _, sig := range []string{"", "sha256=" + sign("wrong", ghDeploymentStatus), sign(ghSecret, ghDeploymentStatus), "sha256=zz"} {
		if code, got := in.post("/changes/github", ghDeploymentStatus, hdr("deployment_status", "d-1", sig)...); code != 401 || got != "" {
			t.Errorf("signature %q: %d %q, want a bare 401", sig, code, got)
		}
	}
	tampered := strings.Replace(ghDeploymentStatus, "v42", "v66", 1)
	if code, _ := in.post("/changes/github", tampered, hdr("deployment_status", "d-1", good)...); code != 401 {
		t.Errorf("a body that does not match its signature: %d, want 401", code)
	}
	if code, got := in.post("/changes/github", ghDeploymentStatus, hdr("deployment_status", "d-1", good)...); code != 201 {
		t.Fatalf("deployment_status: %d %s", code, got)
	}
	if code, _ := in.post("/changes/github", ghDeploymentStatus, hdr("deployment_status", "d-1", good)...); code != 200 {
		t.Errorf("redelivery: %d, want 200", code)
	}
	cs := in.changes()
	if len(cs) != 1 {
		t.Fatalf("%d changes after a delivery and its redelivery, want 1", len(cs))
	}
	c := cs[0]
	if c.Service != "checkout" || c.Version != "v42" || c.PreviousVersion != "v41" || c.By != "ana" || c.Source != "github" ||
		c.ExternalID != "d-1" || !c.At.Equal(time.Date(2026, 3, 1, 13, 48, 0, 0, time.UTC)) || c.Link != "https://ci.example/deploy/9" {
		t.Errorf("recorded %+v", c)
	}
	failed := strings.Replace(ghDeploymentStatus, `"state":"success"`, `"state":"failure"`, 1)
	if code, got := in.post("/changes/github", failed, hdr("deployment_status", "d-2", "sha256="+sign(ghSecret, failed))...); code != 200 || !strings.Contains(got, "ignored") {
		t.Errorf("a failed deployment: %d %s, want it acknowledged and ignored", code, got)
	}
	run := `{"action":"completed","workflow_run":{"id":5,"name":"deploy","head_sha":"fedcba9876543210fedcba9876543210fedcba98","conclusion":"success",
	 "html_url":"https://github.com/acme/shop/actions/runs/5","updated_at":"2026-03-01T13:50:00Z","actor":{"login":"bo"}},
	 "repository":{"name":"shop","html_url":"https://github.com/acme/shop"}}`
	if code, got := in.post("/changes/github?service=payments", run, hdr("workflow_run", "d-3", "sha256="+sign(ghSecret, run))...); code != 201 {
		t.Fatalf("workflow_run: %d %s", code, got)
	}
	if c := in.changes()[0]; c.Service != "payments" || c.Version != "fedcba9" || c.By != "bo" {
		t.Errorf("workflow_run recorded %+v", c)
	}
	if code, _ := in.post("/changes/github", `{"zen":"hi"}`, hdr("ping", "d-4", "sha256="+sign(ghSecret, `{"zen":"hi"}`))...); code != 200 {
		t.Errorf("ping: %d", code)
	}
}

const ldFlagEntry = `{"_id":"6543a","kind":"flag","date":1772373000000,"titleVerb":"turned on the flag",
 "member":{"email":"ana@example.com","firstName":"Ana","lastName":"Lima"},
 "target":{"name":"New checkout","resources":["proj/default:env/production:flag/new-checkout"]},
 "accesses":[{"action":"updateOn","resource":"proj/default:env/production:flag/new-checkout"}],
 "currentVersion":{"key":"new-checkout"},
 "_links":{"site":{"href":"/default/production/features/new-checkout"}}}`

func TestLaunchDarklyWebhook(t *testing.T) {
	in := newIntake(t, storagetest.NewSQLite(t))
	if code, got := in.post("/changes/launchdarkly?service=checkout", ldFlagEntry, "X-LD-Signature", sign("nope", ldFlagEntry)); code != 401 || got != "" {
		t.Errorf("bad signature: %d %q", code, got)
	}
	sig := sign(ldSecret, ldFlagEntry)
	if code, got := in.post("/changes/launchdarkly", ldFlagEntry, "X-LD-Signature", sig); code != 422 || !strings.Contains(got, "?service=") {
		t.Errorf("no service: %d %s", code, got)
	}
	if code, got := in.post("/changes/launchdarkly?service=checkout", ldFlagEntry, "X-LD-Signature", sig); code != 201 {
		t.Fatalf("flag entry: %d %s", code, got)
	}
	c := in.changes()[0]
	if c.Kind != incident.ChangeFlag || c.Flag != "new-checkout" || c.Value != "on" || c.By != "Ana Lima" || c.ExternalID != "6543a" ||
		c.Link != "https://app.launchdarkly.com/default/production/features/new-checkout" || !c.At.Equal(time.UnixMilli(1772373000000)) {
		t.Errorf("recorded %+v", c)
	}
}

func TestArgoCDWebhook(t *testing.T) {
	in := newIntake(t, storagetest.NewSQLite(t))
	body := `{"app":"shop","service":"","revision":"0123456789abcdef0123456789abcdef01234567","previous_revision":"v41",
	 "by":"admin","at":"2026-03-01T13:55:00Z","id":"shop/2026-03-01T13:55:00Z","link":"https://argocd.example/applications/shop"}`
	if code, got := in.post("/changes/argocd", body, "Authorization", "Bearer "+apiToken); code != 401 || got != "" {
		t.Errorf("the API token on the Argo CD hook: %d %q, want a bare 401", code, got)
	}
	if code, got := in.post("/changes/argocd", body, "Authorization", "Bearer "+argoTok); code != 201 {
		t.Fatalf("argo: %d %s", code, got)
	}
	c := in.changes()[0]
	if c.Service != "shop" || c.Version != "0123456" || c.PreviousVersion != "v41" || c.Source != "argocd" {
		t.Errorf("recorded %+v", c)
	}
}
