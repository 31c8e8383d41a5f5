package opsgenie_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/opsgenie"
)

const apiKey = "eb243592-faa2-4ba2-a551q-1afdf565c889"

type call struct {
	method, path, query, auth string
	body                      map[string]any
}

// fake is Opsgenie's Alert API: 202 {"result":"Request will be processed",
// "took":0.302,"requestId":"…"}; errors as {"message":"…","took":…}.
func fake(t *testing.T, got *[]call, fail *httpxtest.Case) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b map[string]any
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		*got = append(*got, call{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), b})
		w.Header().Set("Content-Type", "application/json")
		if fail != nil {
			fail.WriteHeaders(w)
			w.WriteHeader(fail.Status)
			_, _ = io.WriteString(w, `{"message":"Request could not be processed","took":0.001,"requestId":"b0b2b6a4"}`)
			return
		}
		if r.Header.Get("Authorization") != "GenieKey "+apiKey {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"message":"Key format is not valid!","took":0.0}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}`)
	}))
}

func client(t *testing.T, url string) *opsgenie.Client {
	c, err := opsgenie.New(config.PagingTarget{Type: "opsgenie", URL: url, APIKey: config.NewSecret(apiKey)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateThenCloseByAlias(t *testing.T) {
	var got []call
	srv := fake(t, &got, nil)
	defer srv.Close()
	c := client(t, srv.URL)
	if err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7", Summary: "INC-7 SEV1: Checkout errors",
		Severity: incident.Sev1, Services: []string{"checkout"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageResolve, Key: "INC-7"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d calls, want 2", len(got))
	}
	cr, cl := got[0], got[1]
	if cr.method != "POST" || cr.path != "/v2/alerts" || cr.auth != "GenieKey "+apiKey || cr.body["alias"] != "INC-7" ||
		cr.body["message"] != "INC-7 SEV1: Checkout errors" || cr.body["priority"] != "P1" || cr.body["source"] != "Tourniquet" {
		t.Errorf("create %+v", cr)
	}
	if cl.method != "POST" || cl.path != "/v2/alerts/INC-7/close" || cl.query != "identifierType=alias" || cl.auth != "GenieKey "+apiKey {
		t.Errorf("close %+v, want POST /v2/alerts/INC-7/close?identifierType=alias", cl)
	}
}

func TestFailuresAreClassified(t *testing.T) {
	for _, tc := range httpxtest.StatusCases() {
		t.Run(tc.Name, func(t *testing.T) {
			var got []call
			srv := fake(t, &got, &tc)
			defer srv.Close()
			err := client(t, srv.URL).Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7", Summary: "x"})
			httpxtest.AssertFailure(t, err, opsgenie.System, tc.Status, tc.Retryable, []string{apiKey}, tc.Want...)
		})
	}
}
