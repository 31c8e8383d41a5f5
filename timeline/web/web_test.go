package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

const testToken = "api-token-for-tests-0123456789"

// put stores a scenario's incident and timeline and returns its key.
func put(t testing.TB, s storage.Store, sc *timelinetest.Scenario) string {
	t.Helper()
	ctx := context.Background()
	inc := sc.Incident.Clone()
	inc.ID, inc.Key = 0, ""
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvents(ctx, inc.ID, sc.Events...); err != nil {
		t.Fatal(err)
	}
	return inc.Key
}

// history stores n small resolved incidents spread over the months before
// day, with varied clocks, for the list and the reports.
func history(t testing.TB, s storage.Store, n int) {
	t.Helper()
	sevs := incident.Severities
	for i := range n {
		at := timelinetest.Day.AddDate(0, 0, -3-i*11).Add(time.Duration(i%24) * time.Hour)
		inc, _, err := incident.Declare(at, timelinetest.Alice, sevs[i%4], fmt.Sprintf("Historic incident %d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inc.SetServices(at, timelinetest.Alice, []string{[]string{"checkout", "search", "api"}[i%3]}); err != nil {
			t.Fatal(err)
		}
		ttm := time.Duration(5+(i*7)%50) * time.Minute
		ttd := time.Duration(10+(i*13)%90) * time.Minute
		if i%5 != 4 {
			inc.Mitigate(at.Add(ttm), timelinetest.Bob, "")
		}
		if i%6 != 5 {
			inc.Diagnose(at.Add(ttd), timelinetest.Bob, "a cause")
		}
		inc.Resolve(at.Add(3*time.Hour), timelinetest.Alice, "fixed")
		if err := s.CreateIncident(context.Background(), inc); err != nil {
			t.Fatal(err)
		}
	}
}

type webFixture struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	srv    *httptest.Server
	signer *Signer
	links  Links
	keys   map[string]string // scenario name → key
}

func newWebFixture(t *testing.T, s storage.Store, access Access) *webFixture {
	t.Helper()
	f := &webFixture{t: t, store: s, clock: clock.NewFake(timelinetest.HM(18, 0)), keys: map[string]string{}}
	f.keys["textbook"] = put(t, s, timelinetest.Textbook(t))
	f.keys["microscope"] = put(t, s, timelinetest.Microscope(t))
	f.keys["unmitigated"] = put(t, s, timelinetest.Unmitigated(t))
	history(t, s, 30)
	f.keys["ongoing"] = put(t, s, timelinetest.Ongoing(t))
	web, err := New(Options{Store: s, Clock: f.clock, Access: access, Listen: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	web.Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.signer = access.Signer
	f.links = Links{Base: f.srv.URL, Signer: access.Signer}
	return f
}

type resp struct {
	status int
	body   string
	header http.Header
}

func (f *webFixture) get(path string, hdr ...string) resp {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp{status: res.StatusCode, body: string(b), header: res.Header}
}

func bearerHdr(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func secured() Access {
	return Access{Token: config.NewSecret(testToken), Signer: NewSigner(config.NewSecret("link-secret-for-tests-0123456789"))}
}

func TestPageAccess(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())
	key := f.keys["textbook"]
	signed := strings.TrimPrefix(f.links.IncidentURL(key, f.clock.Now()), f.srv.URL)

	if r := f.get(signed); r.status != 200 || !strings.Contains(r.body, "Checkout errors after deploy") {
		t.Fatalf("signed link: %d", r.status)
	}
	// A signed link is for one incident only.
	other := strings.Replace(signed, "/incidents/"+key, "/incidents/"+f.keys["microscope"], 1)
	if r := f.get(other); r.status != http.StatusForbidden || strings.Contains(r.body, "Search returns") {
		t.Errorf("link of %s used for another incident: %d", key, r.status)
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	sig := []byte(q.Get("sig"))
	sig[3] ^= 1
	q.Set("sig", string(sig))
	if r := f.get(u.Path + "?" + q.Encode()); r.status != http.StatusForbidden || strings.Contains(r.body, "Checkout errors") {
		t.Errorf("tampered signature: %d", r.status)
	}
	q = u.Query()
	q.Set("exp", fmt.Sprint(f.clock.Now().Add(365*24*time.Hour).Unix()))
	if r := f.get(u.Path + "?" + q.Encode()); r.status != http.StatusForbidden {
		t.Errorf("extended expiry: %d", r.status)
	}
	f.clock.Advance(DefaultLinkTTL + time.Second)
	if r := f.get(signed); r.status != http.StatusForbidden || !strings.Contains(r.body, "expired") {
		t.Errorf("expired link: %d", r.status)
	}

	for _, path := range []string{"/incidents/" + key, "/incidents", "/reports", "/incidents/" + key + "/report.md"} {
		if r := f.get(path); r.status != http.StatusUnauthorized || r.body != "" {
			t.Errorf("%s with no credentials: %d %q, want a bare 401", path, r.status, r.body)
		}
		if r := f.get(path, bearerHdr("wrong")...); r.status != http.StatusUnauthorized || r.body != "" {
			t.Errorf("%s with a wrong token: %d %q, want a bare 401", path, r.status, r.body)
		}
		if r := f.get(path, bearerHdr(testToken)...); r.status != http.StatusOK {
			t.Errorf("%s with the token: %d", path, r.status)
		}
	}
	// A signed link to the list signs the links of its rows with the same expiry.
	list := strings.TrimPrefix(f.links.PageURL("incidents", f.clock.Now()), f.srv.URL)
	r := f.get(list)
	row := regexp.MustCompile(`href="(/incidents/INC-1\?exp=[^"]+)"`).FindStringSubmatch(r.body)
	if r.status != 200 || row == nil {
		t.Fatalf("signed list: %d, row link %v", r.status, row)
	}
	if r := f.get(html.UnescapeString(row[1])); r.status != 200 {
		t.Errorf("row link from a signed list: %d", r.status)
	}
	if r := f.get(strings.Replace(list, "/incidents", "/reports", 1)); r.status != http.StatusForbidden {
		t.Errorf("a list link used for the reports: %d", r.status)
	}
	if r := f.get("/incidents", bearerHdr(testToken)...); strings.Contains(r.body, "Open access") {
		t.Error("the open-access banner shows with a token configured")
	}
	if r := f.get("/incidents/"+key, bearerHdr(testToken)...); r.header.Get("Referrer-Policy") != "no-referrer" ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("security headers: %v", r.header)
	}
}

func TestOpenModeBanner(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), Access{Open: true})
	for _, path := range []string{"/incidents", "/incidents/" + f.keys["textbook"], "/reports"} {
		r := f.get(path)
		if r.status != 200 || !strings.Contains(r.body, "Open access.") || !strings.Contains(r.body, "127.0.0.1:8080") {
			t.Errorf("%s in open mode: %d, banner shown %v", path, r.status, strings.Contains(r.body, "Open access."))
		}
	}
	// The API is never open: it takes the token, and none is configured.
	if r := f.get("/api/v1/incidents"); r.status != http.StatusUnauthorized || r.body != "" {
		t.Errorf("API in open mode: %d %q", r.status, r.body)
	}
	if !IsLoopback("127.0.0.1:8080") || !IsLoopback("[::1]:80") || !IsLoopback("localhost:1") ||
		IsLoopback("0.0.0.0:8080") || IsLoopback(":8080") || IsLoopback("10.0.0.1:80") {
		t.Error("IsLoopback")
	}
}

func TestAPI(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newWebFixture(t, s, secured())
		if r := f.get("/api/v1/incidents"); r.status != 401 || r.body != "" {
			t.Errorf("no token: %d %q", r.status, r.body)
		}
		key := f.keys["microscope"]
		signed := strings.TrimPrefix(f.links.IncidentURL(key, f.clock.Now()), f.srv.URL)
		u, _ := url.Parse(signed)
		if r := f.get("/api/v1/incidents/" + key + "/timeline?" + u.RawQuery); r.status != 401 || r.body != "" {
			t.Errorf("a signed page link opened the API: %d", r.status)
		}
		r := f.get("/api/v1/incidents/"+key+"/timeline", bearerHdr(testToken)...)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("timeline: %d %s", r.status, r.body)
		}
		x, err := Load(context.Background(), s, key, f.clock.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := x.JSON()
		var got, exp any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(want, &exp)
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("API timeline differs from the export:\n%s", r.body)
		}
		if r := f.get("/api/v1/incidents/INC-999/timeline", bearerHdr(testToken)...); r.status != 404 || !strings.Contains(r.body, "no incident INC-999") {
			t.Errorf("unknown incident: %d %s", r.status, r.body)
		}
		if r := f.get("/api/v1/incidents/banana/timeline", bearerHdr(testToken)...); r.status != 400 || !strings.Contains(r.body, "not an incident key") {
			t.Errorf("bad key: %d %s", r.status, r.body)
		}

		var page ListPage
		r = f.get("/api/v1/incidents?state=resolved&limit=5&offset=5", bearerHdr(testToken)...)
		if err := json.Unmarshal([]byte(r.body), &page); err != nil || r.status != 200 {
			t.Fatalf("list: %d %v %s", r.status, err, r.body)
		}
		if page.Total != 33 || len(page.Incidents) != 5 || page.Offset != 5 {
			t.Errorf("resolved incidents: total %d, page of %d at %d; want 33, 5 at 5", page.Total, len(page.Incidents), page.Offset)
		}
		for _, it := range page.Incidents {
			if it.State != incident.StateResolved || it.Metrics.TimeToResolve == nil {
				t.Errorf("list item %+v", it)
			}
		}
		for q, want := range map[string]string{
			"severity=sev9": "severity", "state=closed": "state", "from=yesterday": "from", "limit=9999": "limit",
			"service=no%20spaces": "service", "from=2026-03-02&to=2026-03-01": "before",
		} {
			if r := f.get("/api/v1/incidents?"+q, bearerHdr(testToken)...); r.status != 400 || !strings.Contains(r.body, want) {
				t.Errorf("?%s: %d %s", q, r.status, r.body)
			}
		}
	})
}

func TestListPage(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())
	auth := bearerHdr(testToken)
	r := f.get("/incidents", auth...)
	if r.status != 200 || !strings.Contains(r.body, "34 incidents") || !strings.Contains(r.body, "1–34 of 34") {
		t.Fatalf("list: %d", r.status)
	}
	// Newest first: the ongoing incident, then textbook (14:00).
	if i, j := strings.Index(r.body, "Login failures"), strings.Index(r.body, "Checkout errors after deploy"); i < 0 || j < 0 || i > j {
		t.Error("incidents are not newest first")
	}
	r = f.get("/incidents?severity=sev1&state=resolved", auth...)
	if strings.Contains(r.body, "Search returns empty results") || !strings.Contains(r.body, "Checkout errors after deploy") {
		t.Error("severity filter")
	}
	r = f.get("/incidents?service=payments", auth...)
	if !strings.Contains(r.body, "1 incident") || !strings.Contains(r.body, "Checkout errors after deploy") {
		t.Error("service filter")
	}
	r = f.get("/incidents?from=2026-03-02&to=2026-03-03", auth...)
	if !strings.Contains(r.body, "4 incidents") {
		t.Error("date filter")
	}
	r = f.get("/incidents?severity=high", auth...)
	if r.status != 400 || !strings.Contains(r.body, "severity &#34;high&#34; is not sev1") {
		t.Errorf("bad filter: %d", r.status)
	}
	// The textbook row shows its two clocks and its impact.
	if !strings.Contains(r.body, "Apply") {
		t.Error("the filter form is missing on an error")
	}
}

func TestListPaging(t *testing.T) {
	s := storagetest.NewSQLite(t)
	history(t, s, 120)
	web, err := New(Options{Store: s, Clock: clock.NewFake(timelinetest.HM(18, 0)), Access: Access{Open: true}, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) string {
		rec := httptest.NewRecorder()
		mux := http.NewServeMux()
		web.Register(mux)
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Body.String()
	}
	p1, p3 := get("/incidents"), get("/incidents?page=3")
	if !strings.Contains(p1, "1–50 of 120") || !strings.Contains(p1, "page=2") || strings.Contains(p1, `rel="prev"`) && !strings.Contains(p1, "disabled") {
		t.Error("first page")
	}
	if !strings.Contains(p3, "101–120 of 120") || !strings.Contains(p3, "Historic incident 120") || strings.Contains(p3, "Historic incident 1<") {
		t.Error("last page")
	}
	if strings.Count(p3, `<td class="key">`) != 20 {
		t.Errorf("last page rows: %d", strings.Count(p3, `<td class="key">`))
	}
}

func TestIncidentPage(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())
	auth := bearerHdr(testToken)
	r := f.get("/incidents/"+f.keys["microscope"], auth...)
	for _, want := range []string{
		"Time to mitigate", ">50m<", "Time to diagnose", ">30m<", "Customer impact", ">1h 00m<",
		"Diagnosis came first", "Fail-forward decision", "Instrumentation during impact", "Impact regressed once",
		"During impact — regression #1", "After resolution", "microscope during impact",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("microscope page lacks %q", want)
		}
	}
	if n := strings.Count(r.body, `<rect class="impact"`); n != 2 {
		t.Errorf("%d impact rects, want 2", n)
	}
	r = f.get("/incidents/INC-999", auth...)
	if r.status != 404 || !strings.Contains(r.body, "There is no incident INC-999") {
		t.Errorf("unknown: %d", r.status)
	}
	md := f.get("/incidents/"+f.keys["textbook"]+"/report.md", auth...)
	if md.status != 200 || !strings.HasPrefix(md.body, "# "+f.keys["textbook"]+": Checkout errors") ||
		!strings.Contains(md.header.Get("Content-Disposition"), "postmortem.md") {
		t.Errorf("markdown download: %d", md.status)
	}
	// Event text is escaped, never markup.
	inc, _ := f.store.GetIncidentByKey(context.Background(), f.keys["ongoing"])
	f.store.AppendEvents(context.Background(), inc.ID, incident.NewEvent(timelinetest.HM(16, 20), incident.KindNote, timelinetest.Bob, `<script>alert(1)</script>`, nil))
	if r := f.get("/incidents/"+inc.Key, auth...); strings.Contains(r.body, "<script>alert") || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Error("event text is not escaped")
	}
}

func TestReportsPage(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())
	r := f.get("/reports", bearerHdr(testToken)...)
	if r.status != 200 || !strings.Contains(r.body, `id="total-incidents">34<`) || !strings.Contains(r.body, "Apr 2025 – Mar 2026") {
		t.Fatalf("reports: %d", r.status)
	}
	for _, id := range []string{"chart-month-clocks", "chart-month-impact", "chart-sev-clocks", "chart-sev-impact", "table-month", "table-severity"} {
		if !strings.Contains(r.body, `id="`+id+`"`) {
			t.Errorf("missing #%s", id)
		}
	}
	if r := f.get("/reports?from=2026-05&to=2026-01", bearerHdr(testToken)...); r.status != 400 || !strings.Contains(r.body, "must not be after") {
		t.Errorf("bad range: %d", r.status)
	}
}

// The event cache serves what was appended after it kept a timeline.
func TestEventCacheSeesNewEvents(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		key := bigIncident(t, s, 1200)
		inc, _ := s.GetIncidentByKey(ctx, key)
		c := NewEventCache(5000, 1000)
		first, err := c.Events(ctx, s, inc.ID)
		if err != nil || len(first) != 1200 {
			t.Fatalf("first read: %d, %v", len(first), err)
		}
		if _, err := s.AppendEvents(ctx, inc.ID, incident.NewEvent(timelinetest.HM(20, 0), incident.KindNote, timelinetest.Bob, "late note", nil)); err != nil {
			t.Fatal(err)
		}
		second, err := c.Events(ctx, s, inc.ID)
		if err != nil || len(second) != 1201 || second[1200].Text != "late note" || second[1200].Seq != 1201 {
			t.Fatalf("second read: %d, %v", len(second), err)
		}
		if len(first) != 1200 {
			t.Error("the first reader's slice changed")
		}
		// A timeline that is not a continuation (a restored database) is read whole.
		other := NewEventCache(5000, 1000)
		other.put(inc.ID, append([]incident.Event(nil), second[:10]...))
		other.entries[inc.ID].evs[9].Seq = 50 // pretend the kept prefix ended at 50
		got, err := other.Events(ctx, s, inc.ID)
		if err != nil || len(got) != 1201 {
			t.Fatalf("inconsistent prefix: %d, %v", len(got), err)
		}
		// The cap holds.
		small := NewEventCache(1500, 1000)
		if _, err := small.Events(ctx, s, inc.ID); err != nil {
			t.Fatal(err)
		}
		key2 := bigIncident(t, s, 1000)
		inc2, _ := s.GetIncidentByKey(ctx, key2)
		if _, err := small.Events(ctx, s, inc2.ID); err != nil {
			t.Fatal(err)
		}
		if small.total > 1500 || len(small.entries) != 1 || small.entries[inc2.ID] == nil {
			t.Errorf("cache over its cap or kept the wrong one: %d events, %d entries", small.total, len(small.entries))
		}
	})
}
