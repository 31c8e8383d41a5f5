package linear

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const token = "lin_api_followUpKeyForTests0123"

// fakeLinear is Linear's GraphQL endpoint: the API key bare in
// Authorization, one POST per operation, data or errors with
// extensions.code (RATELIMITED answered 400, as Linear does).
type fakeLinear struct {
	inputs    []map[string]any
	fail      *httpxtest.Case
	ratelimit bool
	stateType string
}

func (f *fakeLinear) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" || r.Header.Get("Authorization") != token {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"errors":[{"message":"Authentication required, not authenticated","extensions":{"code":"AUTHENTICATION_ERROR"}}]}`))
		return
	}
	if f.fail != nil {
		f.fail.WriteHeaders(w)
		w.WriteHeader(f.fail.Status)
		_, _ = w.Write([]byte(`{"errors":[{"message":"` + http.StatusText(f.fail.Status) + `"}]}`))
		return
	}
	if f.ratelimit {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"errors":[{"message":"Rate limit exceeded","extensions":{"code":"RATELIMITED"}}]}`))
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	switch {
	case strings.Contains(req.Query, "issueCreate(input: $input)"):
		in, _ := req.Variables["input"].(map[string]any)
		if in["teamId"] != "team-1" {
			_, _ = w.Write([]byte(`{"data":null,"errors":[{"message":"Argument Validation Error","extensions":{"code":"INVALID_INPUT","userError":true}}]}`))
			return
		}
		f.inputs = append(f.inputs, in)
		_, _ = w.Write([]byte(`{"data":{"issueCreate":{"success":true,"issue":{"id":"9cfb","identifier":"OPS-12","url":"https://linear.app/acme/issue/OPS-12/alert"}}}}`))
	case strings.Contains(req.Query, "issue(id: $id)") && req.Variables["id"] == "OPS-12":
		_, _ = w.Write([]byte(`{"data":{"issue":{"state":{"type":"` + f.stateType + `"}}}}`))
	default:
		_, _ = w.Write([]byte(`{"data":null,"errors":[{"message":"Entity not found","extensions":{"code":"INVALID_INPUT"}}]}`))
	}
}

func newClient(t *testing.T, f *fakeLinear, team string) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL + "/graphql", Token: config.NewSecret(token), Team: team})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAndState(t *testing.T) {
	f := &fakeLinear{stateType: "started"}
	c := newClient(t, f, "team-1")
	ctx := context.Background()
	key, link, err := c.CreateTicket(ctx, "Alert on queue depth", "From INC-7")
	if err != nil {
		t.Fatal(err)
	}
	if key != "OPS-12" || link != "https://linear.app/acme/issue/OPS-12/alert" || f.inputs[0]["title"] != "Alert on queue depth" || f.inputs[0]["description"] != "From INC-7" {
		t.Errorf("key %q link %q input %v", key, link, f.inputs)
	}
	if done, err := c.TicketDone(ctx, key); err != nil || done {
		t.Errorf("started: %v %v", done, err)
	}
	f.stateType = "completed"
	if done, err := c.TicketDone(ctx, key); err != nil || !done {
		t.Errorf("completed: %v %v", done, err)
	}
}

func TestRefusedAndRateLimited(t *testing.T) {
	_, _, err := newClient(t, &fakeLinear{}, "no-such-team").CreateTicket(context.Background(), "x", "y")
	httpxtest.AssertFailure(t, err, System, 0, false, []string{token}, "Argument Validation Error")
	_, _, err = newClient(t, &fakeLinear{ratelimit: true}, "team-1").CreateTicket(context.Background(), "x", "y")
	httpxtest.AssertFailure(t, err, System, 429, true, []string{token}, "rate limit")
}

func TestFailures(t *testing.T) {
	for _, tc := range httpxtest.StatusCases() {
		t.Run(tc.Name, func(t *testing.T) {
			_, _, err := newClient(t, &fakeLinear{fail: &tc}, "team-1").CreateTicket(context.Background(), "x", "y")
			httpxtest.AssertFailure(t, err, System, tc.Status, tc.Retryable, []string{token}, tc.Want...)
		})
	}
}
