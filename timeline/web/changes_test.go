package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// The change feed page and the incident's report tell the changes, every
// field escaped; the feed needs the same access as every page.
func TestChangesPageAndReport(t *testing.T) {
	s := storagetest.NewSQLite(t)
	ctx := context.Background()
	now := timelinetest.HM(18, 0)
	inc := checkoutIncident(t, s, now)
	for _, c := range []incident.Change{
		{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v42<b>", By: `<script>alert("ana")</script>`,
			At: now.Add(-70 * time.Minute), RecordedAt: now, Link: "https://ci.example/1?a=1&b=2", Source: "cli"},
		{Service: "search", Kind: incident.ChangeConfig, At: now.Add(-2 * time.Hour), RecordedAt: now, Source: "api"},
	} {
		if _, err := s.RecordChange(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	site, err := New(Options{Store: s, Clock: clock.NewFake(now), Access: secured()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &webFixture{t: t, srv: srv}
	if r := f.get("/changes"); r.status != http.StatusUnauthorized {
		t.Errorf("/changes without a token: %d", r.status)
	}
	r := f.get("/changes", bearerHdr(testToken)...)
	if r.status != 200 || !strings.Contains(r.body, "deploy checkout v42&lt;b&gt;") || strings.Contains(r.body, "<script>alert") ||
		!strings.Contains(r.body, "&lt;script&gt;") || !strings.Contains(r.body, `href="https://ci.example/1?a=1&amp;b=2"`) ||
		!strings.Contains(r.body, "config search") {
		t.Errorf("/changes: %d\n%s", r.status, r.body)
	}
	r = f.get("/changes?service=search", bearerHdr(testToken)...)
	if strings.Contains(r.body, "checkout v42") || !strings.Contains(r.body, "config search") {
		t.Errorf("/changes?service=search lists the wrong changes:\n%s", r.body)
	}
	if r := f.get("/changes?since=yesterday", bearerHdr(testToken)...); r.status != 400 || !strings.Contains(r.body, "since: want a duration") {
		t.Errorf("bad since: %d", r.status)
	}
	r = f.get("/incidents/"+inc.Key, bearerHdr(testToken)...)
	if !strings.Contains(r.body, "Changes before impact") || !strings.Contains(r.body, "10m before impact → not undone") ||
		!strings.Contains(r.body, "Impact started within 10m of a change that was not rolled back") || strings.Contains(r.body, "<script>alert") {
		t.Errorf("incident page does not tell the change:\n%s", r.body)
	}
	r = f.get("/api/v1/incidents/"+inc.Key+"/timeline", bearerHdr(testToken)...)
	if !strings.Contains(r.body, `"changes":[{"change":{`) || !strings.Contains(r.body, `"before_impact":600`) {
		t.Errorf("JSON export lacks the changes:\n%s", r.body)
	}
}

// The report looks back as far as the card does (changes.window): a deploy
// three hours before impact is a suspect with a four-hour window, and not
// with the default two.
func TestReportHonoursTheChangeWindow(t *testing.T) {
	s := storagetest.NewSQLite(t)
	ctx := context.Background()
	now := timelinetest.HM(18, 0)
	inc := checkoutIncident(t, s, now)
	c := incident.Change{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v42", At: inc.ImpactStartedAt.Add(-3 * time.Hour),
		RecordedAt: now, Source: "cli"}
	if _, err := s.RecordChange(ctx, &c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		window time.Duration
		want   bool
	}{{0, false}, {4 * time.Hour, true}} {
		site, err := New(Options{Store: s, Clock: clock.NewFake(now), Access: secured(), ChangeWindow: tc.window})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		site.Register(mux)
		srv := httptest.NewServer(mux)
		f := &webFixture{t: t, srv: srv}
		r := f.get("/api/v1/incidents/"+inc.Key+"/timeline", bearerHdr(testToken)...)
		srv.Close()
		if got := strings.Contains(r.body, `"version":"v42"`); got != tc.want {
			t.Errorf("window %s: the deploy 3h before impact in the report: %v, want %v", tc.window, got, tc.want)
		}
	}
}

// checkoutIncident stores a sev1 on checkout whose impact started an hour
// before now.
func checkoutIncident(t *testing.T, s storage.Store, now time.Time) *incident.Incident {
	t.Helper()
	inc, _, err := incident.Declare(now.Add(-time.Hour), timelinetest.Alice, incident.Sev1, "Checkout errors")
	if err != nil {
		t.Fatal(err)
	}
	inc.SetServices(now.Add(-time.Hour), timelinetest.Alice, []string{"checkout"})
	if err := s.CreateIncident(context.Background(), inc); err != nil {
		t.Fatal(err)
	}
	return inc
}
