package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// chartDir is the Helm chart.
const chartDir = "helm/tourniquet"

// helmFuncs are the functions of Helm's template language the chart uses,
// with Helm's (sprig's) meaning. A template calling any other one fails to
// parse, so that the chart stays within what this test checks.
func helmFuncs(root *template.Template) template.FuncMap {
	return template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := root.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"toYaml": func(v any) (string, error) {
			b, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"nindent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"default": func(d, v any) any {
			if v == nil || v == "" || v == false || v == 0 {
				return d
			}
			return v
		},
		"quote":      func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"sha256sum":  func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) },
		"fail":       func(msg string) (string, error) { return "", errors.New(msg) },
		"get":        func(m map[string]any, k string) any { return m[k] },
		"dict":       dict,
		"trunc":      func(n int, s string) string { return s[:min(n, len(s))] },
		"trimSuffix": func(suf, s string) string { return strings.TrimSuffix(s, suf) },
		"contains":   func(sub, s string) bool { return strings.Contains(s, sub) },
		"int":        func(v any) int { n, _ := v.(int); return n },
	}
}

func dict(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// render renders every template of the chart with its values.yaml,
// overridden by set (a YAML document merged at the top level), as helm
// template would: the manifests by file name, NOTES.txt among them.
func render(t *testing.T, set string) (map[string]string, error) {
	t.Helper()
	var values map[string]any
	if err := yaml.Unmarshal(read(t, chartDir+"/values.yaml"), &values); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	var over map[string]any
	if err := yaml.Unmarshal([]byte(set), &over); err != nil {
		t.Fatal(err)
	}
	merge(values, over)
	var chart map[string]any
	if err := yaml.Unmarshal(read(t, chartDir+"/Chart.yaml"), &chart); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	data := map[string]any{
		"Values":   values,
		"Chart":    map[string]any{"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
		"Release":  map[string]any{"Name": "prod", "Service": "Helm"},
		"Template": map[string]any{"BasePath": "tourniquet/templates"},
	}
	root := template.New("root")
	root.Funcs(helmFuncs(root)).Option("missingkey=zero")
	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	for _, f := range files {
		name := "tourniquet/templates/" + filepath.Base(f)
		if _, err := root.New(name).Parse(string(read(t, f))); err != nil {
			t.Fatalf("%s does not parse: %v", f, err)
		}
	}
	out := map[string]string{}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") {
			continue
		}
		var b bytes.Buffer
		if err := root.ExecuteTemplate(&b, "tourniquet/templates/"+base, data); err != nil {
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		out[base] = b.String()
	}
	return out, nil
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// manifest parses a rendered manifest ("" when it rendered to nothing).
func manifest(t *testing.T, name, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("%s is not YAML: %v\n%s", name, err, text)
	}
	return m
}

const withPostgres = "databaseURLSecret: {name: tourniquet-db}\n"

// Issue #19: more than one replica without Postgres does not render.
func TestChartRefusesReplicasWithoutPostgres(t *testing.T) {
	_, err := render(t, "replicaCount: 2\n")
	if err == nil || !strings.Contains(err.Error(), "replicaCount > 1 needs Postgres") {
		t.Fatalf("2 replicas, no database: %v", err)
	}
	if _, err := render(t, "replicaCount: 1\n"); err != nil {
		t.Errorf("1 replica on SQLite: %v", err)
	}
	if _, err := render(t, "replicaCount: 3\ndatabaseURL: postgres://tourniquet@db/tourniquet\n"); err != nil {
		t.Errorf("3 replicas on Postgres: %v", err)
	}
}

// The Ingress sends the public host to the Service, with TLS when asked.
func TestChartIngress(t *testing.T) {
	out, err := render(t, withPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out["ingress.yaml"]) != "" {
		t.Errorf("an Ingress without ingress.enabled:\n%s", out["ingress.yaml"])
	}
	if _, err := render(t, withPostgres+"ingress: {enabled: true}\n"); err == nil || !strings.Contains(err.Error(), "ingress.host") {
		t.Errorf("an Ingress without a host: %v", err)
	}
	out, err = render(t, withPostgres+"ingress: {enabled: true, host: tq.example.com, className: nginx, tlsSecretName: tq-tls, annotations: {cert-manager.io/cluster-issuer: le}}\n")
	if err != nil {
		t.Fatal(err)
	}
	ing := manifest(t, "ingress.yaml", out["ingress.yaml"])
	spec := ing["spec"].(map[string]any)
	rule := spec["rules"].([]any)[0].(map[string]any)
	backend := rule["http"].(map[string]any)["paths"].([]any)[0].(map[string]any)["backend"].(map[string]any)["service"].(map[string]any)
	svc := manifest(t, "service.yaml", out["service.yaml"])
	if ing["kind"] != "Ingress" || rule["host"] != "tq.example.com" || spec["ingressClassName"] != "nginx" ||
		backend["name"] != svc["metadata"].(map[string]any)["name"] || backend["port"].(map[string]any)["name"] != "http" ||
		spec["tls"].([]any)[0].(map[string]any)["secretName"] != "tq-tls" {
		t.Errorf("ingress: %v", ing)
	}
	for name, text := range out {
		if strings.HasSuffix(name, ".yaml") && strings.TrimSpace(text) != "" {
			manifest(t, name, text)
		}
	}
}

// The notes say how people get in: sign-in when OIDC is configured, and
// never that /incidents simply opens.
func TestChartNotes(t *testing.T) {
	out, err := render(t, withPostgres)
	if err != nil {
		t.Fatal(err)
	}
	notes := out["NOTES.txt"]
	if !strings.Contains(notes, "nobody signs in yet: set config.oidc") || !strings.Contains(notes, "kubectl port-forward") {
		t.Errorf("notes without OIDC:\n%s", notes)
	}
	out, err = render(t, withPostgres+"ingress: {enabled: true, host: tourniquet.example.com}\nconfig: {oidc: {issuer: https://idp.example.com, client_id: tq}}\n")
	if err != nil {
		t.Fatal(err)
	}
	notes = out["NOTES.txt"]
	for _, want := range []string{"managers sign in with https://idp.example.com at https://tourniquet.example.com/auth/signin",
		"https://tourniquet.example.com/auth/callback as the redirect URI", "signed link"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// The sign-in and follow-up secrets can be mounted.
	out, err = render(t, withPostgres+"existingSecret: tq\nsecretKeys: {oidcClientSecret: oidc-client-secret, oidcSessionKey: oidc-session-key, followUpsToken: tracker-token}\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"TOURNIQUET_OIDC_CLIENT_SECRET_FILE", "TOURNIQUET_OIDC_SESSION_KEY_FILE", "TOURNIQUET_FOLLOW_UPS_TOKEN_FILE", "/run/secrets/tourniquet/tracker-token"} {
		if !strings.Contains(out["deployment.yaml"], v) {
			t.Errorf("the deployment does not pass %s", v)
		}
	}
	manifest(t, "deployment.yaml", out["deployment.yaml"])
}

// The compose file reads the database password from one secret file, for
// the server and for Tourniquet, and every file here is YAML.
func TestComposeAndYAML(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Secrets     []string          `yaml:"secrets"`
		} `yaml:"services"`
		Secrets map[string]struct {
			File string `yaml:"file"`
		} `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(read(t, "compose.yaml"), &c); err != nil {
		t.Fatal(err)
	}
	if c.Services["db"].Environment["POSTGRES_PASSWORD_FILE"] != "/run/secrets/db-password" || c.Secrets["db-password"].File != "./secrets/db-password" {
		t.Errorf("the database server does not read secrets/db-password")
	}
	for _, name := range []string{"migrate", "tourniquet"} {
		s := c.Services[name]
		u := s.Environment["TOURNIQUET_DATABASE_URL"]
		if strings.Contains(u, ":${") || strings.Count(u, ":") > 2 || s.Environment["TOURNIQUET_DATABASE_PASSWORD_FILE"] != "/run/secrets/db-password" ||
			!contains(s.Secrets, "db-password") {
			t.Errorf("%s: database URL %q, password file %q, secrets %v", name, u, s.Environment["TOURNIQUET_DATABASE_PASSWORD_FILE"], s.Secrets)
		}
	}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "templates") || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		var v any
		if err := yaml.Unmarshal(read(t, path), &v); err != nil {
			t.Errorf("%s is not YAML: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
