package pagerduty_test

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
	"github.com/tourniquet/tourniquet/integrations/pagerduty"
)

const routingKey = "R0UTINGKEY0123456789abcdef012345"

// fake is the Events API v2 as PagerDuty documents it: POST /v2/enqueue,
// JSON in, 202 {"status":"success",...}; 400 {"status":"invalid event",
// "errors":[...]} for a malformed event.
func fake(t *testing.T, got *[]map[string]any, fail *httpxtest.Case) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s (%s), want POST /v2/enqueue with JSON", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the Events API takes the routing key in the body, not a header")
		}
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		*got = append(*got, ev)
		w.Header().Set("Content-Type", "application/json")
		if fail != nil {
			fail.WriteHeaders(w)
			w.WriteHeader(fail.Status)
			if fail.Status == 400 {
				_, _ = io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}`)
			} else {
				_, _ = io.WriteString(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly.  Please retry later."}`)
			}
			return
		}
		if ev["routing_key"] == "" || ev["event_action"] == "" || ev["dedup_key"] == "" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["missing"]}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"`+ev["dedup_key"].(string)+`"}`)
	}))
}

func client(t *testing.T, url string) *pagerduty.Client {
	c, err := pagerduty.New(config.PagingTarget{Type: "pagerduty", URL: url + "/v2/enqueue", RoutingKey: config.NewSecret(routingKey)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTriggerThenResolve(t *testing.T) {
	var got []map[string]any
	srv := fake(t, &got, nil)
	defer srv.Close()
	c := client(t, srv.URL)
	err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7", Summary: "INC-7 SEV1: Checkout errors",
		Severity: incident.Sev1, Message: "wake up", URL: "https://tq.example.com/incidents/INC-7", Services: []string{"checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageResolve, Key: "INC-7"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2", len(got))
	}
	tr, res := got[0], got[1]
	p, _ := tr["payload"].(map[string]any)
	if tr["routing_key"] != routingKey || tr["event_action"] != "trigger" || tr["dedup_key"] != "INC-7" || p == nil ||
		p["summary"] != "INC-7 SEV1: Checkout errors — wake up" || p["severity"] != "critical" || p["source"] != "tourniquet" ||
		tr["client_url"] != "https://tq.example.com/incidents/INC-7" {
		t.Errorf("trigger %v", tr)
	}
	if res["event_action"] != "resolve" || res["dedup_key"] != "INC-7" || res["payload"] != nil {
		t.Errorf("resolve %v: want only routing_key, event_action and dedup_key", res)
	}
}

func TestFailuresAreClassified(t *testing.T) {
	cases := append(httpxtest.StatusCases(), httpxtest.Case{Name: "400 invalid event", Status: 400, Want: []string{"Event object is invalid"}})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var got []map[string]any
			srv := fake(t, &got, &tc)
			defer srv.Close()
			err := client(t, srv.URL).Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7", Summary: "x", Severity: incident.Sev2})
			httpxtest.AssertFailure(t, err, pagerduty.System, tc.Status, tc.Retryable, []string{routingKey}, tc.Want...)
		})
	}
}
