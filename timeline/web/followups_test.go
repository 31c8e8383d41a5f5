package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// Issue #19: the incident page and the report show the follow-ups, their
// tickets and "1 of 3 follow-ups done"; their text stays text.
func TestFollowUpsOnPageAndReport(t *testing.T) {
	s := storagetest.NewSQLite(t)
	ctx := context.Background()
	key := put(t, s, timelinetest.Textbook(t))
	id, _ := incident.ParseKey(key)
	add := func(text string, owner incident.Actor) storage.FollowUp {
		f := storage.FollowUp{IncidentID: id, Text: text, Owner: owner, CreatedBy: timelinetest.Alice, CreatedAt: timelinetest.HM(15, 0),
			Tracker: "jira", TicketStatus: storage.TicketPending}
		if err := s.AddFollowUp(ctx, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	add("Alert on <script>queue</script> depth", incident.Actor{Platform: "slack", ID: "U2", Name: "bob"})
	add("Write the *runbook*", incident.Actor{})
	add("Canary the flag", incident.Actor{})
	now := timelinetest.HM(16, 0)
	for i, state := range []string{storage.TicketDone, storage.TicketOpen} {
		c, _, err := s.ClaimTicket(ctx, now, 60e9)
		if err != nil {
			t.Fatal(err)
		}
		k := []string{"OPS-1", "OPS-2"}[i]
		if err := s.FinishTicket(ctx, c.ID, c.Attempts, storage.TicketOutcome{Status: storage.TicketCreated, Key: k,
			URL: "https://acme.atlassian.net/browse/" + k}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTicketState(ctx, c.ID, state, now); err != nil {
			t.Fatal(err)
		}
	}
	site, err := New(Options{Store: s, Clock: clock.NewFake(timelinetest.HM(18, 0)), Access: secured(), FollowUps: s})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &webFixture{t: t, srv: srv}

	page := f.get("/incidents/"+key, bearerHdr(testToken)...)
	if page.status != 200 {
		t.Fatalf("page: %d", page.status)
	}
	for _, want := range []string{
		`id="follow-ups-progress">1 of 3 follow-ups done</p>`,
		`Alert on &lt;script&gt;queue&lt;/script&gt; depth`,
		`<a href="https://acme.atlassian.net/browse/OPS-1" rel="noreferrer noopener">OPS-1</a>`,
		`<td class="good">done</td>`, `<td class="warn">open</td>`, `ticket being created`, `<td>bob</td>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page.body, "<script>queue") {
		t.Error("a follow-up's text is markup on the page")
	}
	md := f.get("/incidents/"+key+"/report.md", bearerHdr(testToken)...)
	for _, want := range []string{"## Follow-ups", "1 of 3 follow-ups done.", "- [x] Alert on", "(owner: bob) — OPS-1, done", `- [ ] Write the \*runbook\*`} {
		if !strings.Contains(md.body, want) {
			t.Errorf("report lacks %q:\n%s", want, md.body[strings.Index(md.body, "## Follow-ups"):])
		}
	}
}
