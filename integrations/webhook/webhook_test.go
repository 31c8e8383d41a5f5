package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/webhook"
	"github.com/tourniquet/tourniquet/internal/clock"
)

const (
	secret = "whsec_5f1e9c2a7b3d4e8f0a6c1b9d2e7f3a4c"
	token  = "hooktok_8d2f6a1c9e3b7d5f0a4c2e8b6d1f9a3c"
)

var t0 = time.Date(2026, 3, 1, 14, 32, 0, 0, time.UTC)

type received struct {
	method, path string
	header       http.Header
	body         string
}

// receiver is an endpoint that verifies requests the way the package doc
// tells receivers to.
type receiver struct {
	t *testing.T

	mu     sync.Mutex
	got    []received
	status int
	header http.Header
	answer string
	hang   bool
}

func newReceiver(t *testing.T) (*receiver, *httptest.Server) {
	r := &receiver{t: t, status: 200, answer: `{"status":"rolling back","id":"d-17"}`}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rv.hang {
		httpxtest.Hang(w, r)
		return
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	rv.got = append(rv.got, received{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(body)})
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); r.Header.Get("X-Tourniquet-Signature") != want {
		rv.t.Errorf("signature = %q, want %q", r.Header.Get("X-Tourniquet-Signature"), want)
		w.WriteHeader(401)
		return
	}
	for k, vs := range rv.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rv.status)
	io.WriteString(w, rv.answer)
}

func client(t *testing.T, settings map[string]any, opts ...httpx.Option) *webhook.Client {
	t.Helper()
	in := httpxtest.Integration(webhook.Type, settings, map[string]string{"secret": secret, "token": token})
	c, err := webhook.New("deploy-hook", in, append([]httpx.Option{httpx.WithClock(clock.NewFake(t0))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(undo bool) actiontype.Request {
	return actiontype.Request{RunID: "0190c3a2-run-42", IncidentKey: "INC-7", ActionID: "rollback-shop", ActionTitle: "Roll back shop",
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: map[string]string{"service": "shop"}, Undo: undo}
}

func TestDefaultBodySignedWithIdempotencyKey(t *testing.T) {
	rv, srv := newReceiver(t)
	res, err := client(t, map[string]any{"url": srv.URL + "/services/{{pathescape .Params.service}}/rollback"}).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.got) != 1 {
		t.Fatalf("%d requests", len(rv.got))
	}
	g := rv.got[0]
	if g.method != "POST" || g.path != "/services/shop/rollback" {
		t.Errorf("%s %s", g.method, g.path)
	}
	want := `{"incident_key":"INC-7","action_id":"rollback-shop","run_id":"0190c3a2-run-42","actor":{"ref":"slack:U1","name":"alice"},"params":{"service":"shop"},"undo":false}`
	if g.body != want {
		t.Errorf("body = %s\nwant   %s", g.body, want)
	}
	for h, want := range map[string]string{
		"Content-Type":           "application/json",
		"Idempotency-Key":        "0190c3a2-run-42",
		"X-Tourniquet-Timestamp": strconv.FormatInt(t0.Unix(), 10),
		"Authorization":          "Bearer " + token,
	} {
		if got := g.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if res.Summary != "webhook deploy-hook: POST "+host+" answered 200" || res.Output != `{"status":"rolling back","id":"d-17"}` {
		t.Errorf("result = %+v", res)
	}
}

func TestTemplatesMethodHeadersAndUndo(t *testing.T) {
	rv, srv := newReceiver(t)
	rv.answer = "queued, key " + secret
	c := client(t, map[string]any{
		"url":         srv.URL + "/deploy?svc={{queryescape .Params.service}}&op={{if .Undo}}forward{{else}}back{{end}}",
		"method":      "put",
		"body":        `{"service": {{json .Params.service}}, "by": {{json .Actor.Ref}}, "undo": {{.Undo}}, "run": {{json .RunID}}}`,
		"headers":     map[string]any{"X-Team": "sre"},
		"auth_header": "X-Api-Key",
		"link":        "https://deploy.example.com/runs/{{.RunID}}",
	})
	res, err := c.Run(context.Background(), request(true))
	if err != nil {
		t.Fatal(err)
	}
	g := rv.got[0]
	if g.method != "PUT" || g.path != "/deploy?svc=shop&op=forward" ||
		g.body != `{"service": "shop", "by": "slack:U1", "undo": true, "run": "0190c3a2-run-42"}` {
		t.Errorf("%s %s %s", g.method, g.path, g.body)
	}
	if g.header.Get("X-Team") != "sre" || g.header.Get("X-Api-Key") != token || g.header.Get("Authorization") != "" {
		t.Errorf("headers = %v", g.header)
	}
	if res.URL != "https://deploy.example.com/runs/0190c3a2-run-42" {
		t.Errorf("url = %q", res.URL)
	}
	if res.Output != "queued, key <secret>" {
		t.Errorf("output = %q", res.Output)
	}
}

func TestGetSendsNoBodyAndSignsNothing(t *testing.T) {
	rv, srv := newReceiver(t)
	if _, err := client(t, map[string]any{"url": srv.URL + "/flip", "method": "GET"}).Run(context.Background(), request(false)); err != nil {
		t.Fatal(err)
	}
	if g := rv.got[0]; g.method != "GET" || g.body != "" || g.header.Get("Content-Type") != "" {
		t.Errorf("%+v", g)
	}
}

func TestBadRendersMakeNoCall(t *testing.T) {
	rv, srv := newReceiver(t)
	for name, settings := range map[string]map[string]any{
		"missing param": {"url": srv.URL + "/{{.Params.nope}}"},
		"invalid json":  {"url": srv.URL, "body": `{"service": "{{.Params.service}}"}`},
		"bad url":       {"url": "https://{{.Params.host}}/x"},
	} {
		t.Run(name, func(t *testing.T) {
			req := request(false)
			req.Params = map[string]string{"service": `sh"op`, "host": ""}
			_, err := client(t, settings).Run(context.Background(), req)
			httpxtest.AssertFailure(t, err, "webhook deploy-hook", 0, false, []string{secret, token})
		})
	}
	if len(rv.got) != 0 {
		t.Errorf("%d requests sent", len(rv.got))
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:         "webhook deploy-hook",
		Secrets:        []string{secret, token},
		Want:           []string{"refused"},
		HungMayHaveRun: true, // the one call is the change
		Try: func(t *testing.T, x httpxtest.Fault) error {
			rv, srv := newReceiver(t)
			rv.hang = x.Hang
			if c := x.Answer; c != nil {
				rv.status, rv.header = c.Status, c.Header
				rv.answer = `{"error":"refused: token ` + token + ` and secret ` + strings.ToUpper(secret) + `"}`
			}
			_, err := client(t, map[string]any{"url": srv.URL + "/hook?key=" + token}, x.Options...).Run(context.Background(), request(false))
			return err
		},
	}.Run(t)
	t.Run("connection refused", func(t *testing.T) {
		_, srv := newReceiver(t)
		srv.Close()
		_, err := client(t, map[string]any{"url": srv.URL + "/hook?key=" + token}).Run(context.Background(), request(false))
		httpxtest.AssertFailure(t, err, "webhook deploy-hook", 0, true, []string{secret, token, "/hook"}, "could not connect")
		httpxtest.AssertMayHaveRun(t, err, false)
	})
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(webhook.Type, webhook.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  hook:
    type: webhook
    url: "{{.Params.service"
    method: TRACE
    body: '{"a": {{.Params.a}}}'
    link: "{{.Run}}"
    headers: {Authorization: "Bearer x", X-Ok: "1"}
    auth_header: X-Key
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{
		"integrations.hook.url: url:",
		"integrations.hook.method: must be one of POST, PUT, PATCH, DELETE, GET",
		"integrations.hook.body: does not render valid JSON",
		"integrations.hook.link: link:",
		"integrations.hook.headers.Authorization: is set by Tourniquet",
		"integrations.hook.auth_header: is set but token is not",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	_, err = httpxtest.Load(t, `
integrations:
  hook: {type: webhook, url: "https://deploy.internal/{{pathescape .Params.service}}", body: '{"s": {{json .Params.service}}, "u": {{.Undo}}}', secret: "`+secret+`"}
`, v)
	if err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	in := httpxtest.Integration(webhook.Type, map[string]any{"url": "https://x/{{.Params.service}}", "body": `{"r": {{json .Params.region}}}`}, nil)
	p := webhook.Params(in)
	if got := p.Check(map[string]string{"service": "shop", "extra": "ok"}); len(got) != 1 || got[0].Param != "region" {
		t.Errorf("param problems = %v", got)
	}
}

func TestSignMatchesDocumentedFormat(t *testing.T) {
	// The well-known HMAC-SHA256 example: key "key", the quick brown fox.
	got := webhook.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	if got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Errorf("Sign = %q", got)
	}
}
