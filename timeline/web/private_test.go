package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

const privateTitle = "Payroll export leaks salaries"

// putPrivate stores a private incident among the fixture's and returns
// its key.
func (f *webFixture) putPrivate() string {
	f.t.Helper()
	sc := timelinetest.Textbook(f.t)
	sc.Incident.Private = true
	sc.Incident.Title = privateTitle
	return put(f.t, f.store, sc)
}

// Issue #15: a private incident's pages and API entries are visible only
// with a link signed for that incident or to the API token's holder; the
// list and the reports a signed link opens leave it out.
func TestPrivateIncidentPages(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newWebFixture(t, s, secured())
		key := f.putPrivate()
		now := f.clock.Now()
		path := func(u string) string { return strings.TrimPrefix(u, f.srv.URL) }

		// Its own page and report: its own signed link or the token only.
		own := path(f.links.IncidentURL(key, now))
		other := path(f.links.IncidentURL(f.keys["textbook"], now))
		for _, p := range []string{"/incidents/" + key, "/incidents/" + key + "/report.md"} {
			if r := f.get(p); r.status != 401 || strings.Contains(r.body, privateTitle) {
				t.Errorf("%s without a link: %d", p, r.status)
			}
			if r := f.get(strings.Replace(other, "/incidents/"+f.keys["textbook"], p, 1)); r.status != 403 || strings.Contains(r.body, privateTitle) {
				t.Errorf("%s with another incident's link: %d", p, r.status)
			}
			if r := f.get(p, bearerHdr(testToken)...); r.status != 200 || !strings.Contains(r.body, privateTitle) {
				t.Errorf("%s with the token: %d", p, r.status)
			}
		}
		r := f.get(own)
		if r.status != 200 || !strings.Contains(r.body, privateTitle) || !strings.Contains(r.body, `class="badge private"`) {
			t.Fatalf("its own signed link: %d, private badge shown %v", r.status, strings.Contains(r.body, `class="badge private"`))
		}
		if r := f.get(strings.Replace(own, "/incidents/"+key, "/incidents/"+key+"/report.md", 1)); r.status != 200 || !strings.Contains(r.body, "Private incident") {
			t.Errorf("report.md with its link: %d\n%s", r.status, r.body)
		}

		// A signed list link shows the other incidents, never this one,
		// and signs no row link for it.
		list := f.get(path(f.links.PageURL("incidents", now)))
		if list.status != 200 || strings.Contains(list.body, privateTitle) || strings.Contains(list.body, "/incidents/"+key+"?") ||
			!strings.Contains(list.body, "Checkout errors after deploy") || !strings.Contains(list.body, "34 incidents") {
			t.Errorf("signed list: %d, private shown %v", list.status, strings.Contains(list.body, privateTitle))
		}
		if r := f.get("/incidents", bearerHdr(testToken)...); !strings.Contains(r.body, privateTitle) || !strings.Contains(r.body, "35 incidents") ||
			!strings.Contains(r.body, `class="badge private"`) {
			t.Errorf("the token's list lacks the private incident or its badge")
		}
		// The reports a signed link opens count only what it may see.
		rep := f.get(path(f.links.PageURL("reports", now)))
		if rep.status != 200 || !strings.Contains(rep.body, `id="total-incidents">34<`) || !strings.Contains(rep.body, "Private incidents are not included") {
			t.Errorf("signed reports: %d, total 34 %v", rep.status, strings.Contains(rep.body, `id="total-incidents">34<`))
		}
		if r := f.get("/reports", bearerHdr(testToken)...); !strings.Contains(r.body, `id="total-incidents">35<`) || strings.Contains(r.body, "Private incidents are not included") {
			t.Errorf("the token's reports leave the private incident out")
		}

		// The API (token only) says it is private.
		var page ListPage
		if err := json.Unmarshal([]byte(f.get("/api/v1/incidents?limit=500", bearerHdr(testToken)...).body), &page); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range page.Incidents {
			if it.Key == key {
				found = it.Private
			} else if it.Private {
				t.Errorf("%s listed as private", it.Key)
			}
		}
		if !found {
			t.Error("the API list does not mark the private incident")
		}
		var x struct {
			Incident map[string]any `json:"incident"`
		}
		if err := json.Unmarshal([]byte(f.get("/api/v1/incidents/"+key+"/timeline", bearerHdr(testToken)...).body), &x); err != nil {
			t.Fatal(err)
		}
		if x.Incident["private"] != true {
			t.Errorf("timeline JSON incident.private = %v", x.Incident["private"])
		}
		exp, err := Load(context.Background(), s, f.keys["textbook"], now, 0)
		if err != nil || exp.Incident.Private {
			t.Errorf("a public incident exports private: %v", err)
		}
	})
}

// Open local mode (no token, loopback) shows private incidents too, marked.
func TestPrivateIncidentInOpenMode(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), Access{Open: true})
	key := f.putPrivate()
	for _, p := range []string{"/incidents", "/incidents/" + key} {
		if r := f.get(p); r.status != 200 || !strings.Contains(r.body, privateTitle) || !strings.Contains(r.body, `class="badge private"`) {
			t.Errorf("%s in open mode: %d, badge %v", p, r.status, strings.Contains(r.body, `class="badge private"`))
		}
	}
}
