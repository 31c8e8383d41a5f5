package jira

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const (
	email = "bot@acme.test"
	token = "ATATT3xFfGF0jiraTokenForTests"
)

// fakeJira is Jira Cloud's REST v3 issue API: basic auth with e-mail and
// API token, POST /rest/api/3/issue answered 201 {id, key, self}, errors in
// Jira's {"errorMessages": [], "errors": {}} envelope.
type fakeJira struct {
	created []map[string]any
	fail    *httpxtest.Case
	done    bool
}

func (f *fakeJira) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token))
	if r.Header.Get("Authorization") != want {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`))
		return
	}
	if f.fail != nil {
		f.fail.WriteHeaders(w)
		w.WriteHeader(f.fail.Status)
		_, _ = w.Write([]byte(`{"errorMessages":["` + http.StatusText(f.fail.Status) + `"],"errors":{}}`))
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue":
		var in struct {
			Fields map[string]any `json:"fields"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Fields["summary"] == nil {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}`))
			return
		}
		f.created = append(f.created, in.Fields)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"10042","key":"OPS-42","self":"https://acme.atlassian.net/rest/api/3/issue/10042"}`))
	case r.Method == http.MethodGet && r.URL.Path == "/rest/api/3/issue/OPS-42" && r.URL.Query().Get("fields") == "status":
		cat := "indeterminate"
		if f.done {
			cat = "done"
		}
		_, _ = w.Write([]byte(`{"key":"OPS-42","fields":{"status":{"name":"Whatever","statusCategory":{"key":"` + cat + `"}}}}`))
	default:
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`))
	}
}

func newClient(t *testing.T, f *fakeJira) (*Client, string) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, Email: email, Token: config.NewSecret(token), Project: "OPS", Labels: []string{"postmortem"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv.URL
}

func TestCreateAndState(t *testing.T) {
	f := &fakeJira{}
	c, site := newClient(t, f)
	ctx := context.Background()
	key, link, err := c.CreateTicket(ctx, "Alert on queue depth", "From INC-7 <b>not markup</b>\n\nhttps://tq.example.com/incidents/INC-7")
	if err != nil {
		t.Fatal(err)
	}
	if key != "OPS-42" || link != site+"/browse/OPS-42" {
		t.Errorf("key %q link %q", key, link)
	}
	got := f.created[0]
	if got["project"].(map[string]any)["key"] != "OPS" || got["issuetype"].(map[string]any)["name"] != "Task" || got["summary"] != "Alert on queue depth" {
		t.Errorf("fields %v", got)
	}
	desc, _ := json.Marshal(got["description"])
	want := `{"content":[{"content":[{"text":"From INC-7 \u003cb\u003enot markup\u003c/b\u003e","type":"text"}],"type":"paragraph"},` +
		`{"content":[{"marks":[{"attrs":{"href":"https://tq.example.com/incidents/INC-7"},"type":"link"}],"text":"https://tq.example.com/incidents/INC-7","type":"text"}],"type":"paragraph"}],"type":"doc","version":1}`
	if string(desc) != want {
		t.Errorf("ADF description\n got %s\nwant %s", desc, want)
	}
	if done, err := c.TicketDone(ctx, key); err != nil || done {
		t.Errorf("in progress: %v %v", done, err)
	}
	f.done = true
	if done, err := c.TicketDone(ctx, key); err != nil || !done {
		t.Errorf("done: %v %v", done, err)
	}
	if !strings.HasPrefix(link, "http") {
		t.Error(link)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range httpxtest.StatusCases() {
		t.Run(tc.Name, func(t *testing.T) {
			c, _ := newClient(t, &fakeJira{fail: &tc})
			_, _, err := c.CreateTicket(context.Background(), "x", "y")
			basic := base64.StdEncoding.EncodeToString([]byte(email + ":" + token))
			httpxtest.AssertFailure(t, err, System, tc.Status, tc.Retryable, []string{token, basic}, tc.Want...)
		})
	}
}
