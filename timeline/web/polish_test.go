package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// crowdedTitle is as long as a title may be, with markup in it.
var crowdedTitle = strings.TrimSpace(strings.Repeat("Payments <b>declined</b> & \"retried\" for EU cards ", 4)[:incident.MaxTitleLen])

// crowded is the incident of the screenshots that found the page's
// faults: declared 15 minutes into the impact and mitigated 30 seconds
// later (every "during impact" event within a minute), diagnosed and
// resolved a minute apart, four unanswered diagnosis check-ins in a row,
// a note with a code span, the impact start moved (an RFC 3339 text).
func crowded(t testing.TB) *timelinetest.Scenario {
	at := func(h, m, s int) time.Time { return timelinetest.HM(h, m).Add(time.Duration(s) * time.Second) }
	s := timelinetest.Declare(t, at(21, 31, 0), incident.Sev1, crowdedTitle)
	s.Do(s.Incident.MoveImpactStart(at(21, 31, 10), timelinetest.Alice, at(21, 16, 0)))
	s.Do(s.Incident.Note(at(21, 31, 20), timelinetest.Bob, "rolled back `payments-api` to `v41`"))
	s.Do(s.Incident.Mitigate(at(21, 31, 30), timelinetest.Bob, "rollback"))
	for i := range 4 {
		s.Raw(at(21, 40+10*i, 0), incident.KindCheckinSent, incident.System, "Is the cause identified?", incident.SourceCheckin, map[string]any{"checkin": "d1"})
	}
	s.Do(s.Incident.Diagnose(at(22, 15, 0), timelinetest.Carol, "card network timeout lowered in `v42`"))
	s.Do(s.Incident.Resolve(at(22, 16, 0), timelinetest.Alice, "timeouts restored"))
	return s
}

func newPolishFixture(t *testing.T) (*webFixture, string) {
	t.Helper()
	s := storagetest.NewSQLite(t)
	key := put(t, s, crowded(t))
	site, err := New(Options{Store: s, Clock: clock.NewFake(timelinetest.HM(23, 0)), Access: secured()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &webFixture{t: t, srv: srv, store: s}, key
}

var rfc3339Re = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)

// Issue #19's page faults, each checked on the page a reader gets.
func TestIncidentPagePolish(t *testing.T) {
	f, key := newPolishFixture(t)
	page := f.get("/incidents/"+key, bearerHdr(testToken)...)
	if page.status != 200 {
		t.Fatalf("status %d", page.status)
	}
	body := page.body

	// The "during impact" heading spans the impact, 21:16 to the
	// mitigation at 21:31:30, not its events' 20 seconds.
	want := "21:16 – 21:31 UTC · " + timeline.FormatSeconds(15*60+30)
	if !strings.Contains(body, want) || strings.Contains(body, "21:31 – 21:31") {
		t.Errorf("phase heading: want %q, headings %q", want, regexp.MustCompile(`class="range">[^<]*`).FindAllString(body, -1))
	}
	// After mitigation: from the mitigation to the resolution.
	if want := "21:31 – 22:16 UTC · " + timeline.FormatSeconds(44*60+30); !strings.Contains(body, want) {
		t.Errorf("after-mitigation heading lacks %q", want)
	}
	// Code spans are code, not backticks; the text stays text.
	if !strings.Contains(body, "rolled back <code>payments-api</code> to <code>v41</code>") || strings.Contains(body, "`v41`") {
		t.Error("backticks shown literally in an event")
	}
	if !strings.Contains(body, "<code>v42</code>") {
		t.Error("backticks shown literally in the summary")
	}
	// No raw timestamp anywhere: the moved impact start reads as a time.
	if m := rfc3339Re.FindAllString(body, -1); len(m) > 0 {
		t.Errorf("raw timestamps on the page: %v", m)
	}
	if !strings.Contains(body, "to 21:16:00 UTC") {
		t.Error("the moved impact start does not read as a time")
	}
	// Four unanswered check-ins are one row with a count.
	if n := strings.Count(body, `class="collapsed"`); n != 1 || !strings.Contains(body, "×4") || !strings.Contains(body, "asked 4 times, until 22:10 UTC") ||
		strings.Count(body, `<span class="k k-checkin_sent">`) != 1 {
		t.Errorf("check-ins: %d collapsed rows, ×4 %v, %d check-in rows", n, strings.Contains(body, "×4"), strings.Count(body, `<span class="k k-checkin_sent">`))
	}

	// The filter by kind.
	for show, tc := range map[string]struct{ has, hasNot []string }{
		"people":   {has: []string{"rolled back", "k-diagnosed"}, hasNot: []string{"k-checkin_sent"}},
		"bot":      {has: []string{"k-checkin_sent"}, hasNot: []string{"rolled back", "k-diagnosed"}},
		"actions":  {has: []string{`id="no-events"`}, hasNot: []string{"k-checkin_sent", "rolled back"}},
		"nonsense": {has: []string{"k-checkin_sent", "rolled back"}},
	} {
		r := f.get("/incidents/"+key+"?show="+show, bearerHdr(testToken)...)
		events := r.body[strings.Index(r.body, `id="h-events"`):]
		for _, s := range tc.has {
			if !strings.Contains(events, s) {
				t.Errorf("show=%s lacks %s", show, s)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(events, s) {
				t.Errorf("show=%s has %s", show, s)
			}
		}
	}
	if !strings.Contains(body, `href="/incidents/`+key+`?show=bot#h-events"`) {
		t.Error("no filter link")
	}

	// The list: the long title whole in its title attribute, escaped.
	list := f.get("/incidents", bearerHdr(testToken)...)
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(crowdedTitle)
	if !strings.Contains(list.body, `<span class="title-text" title="`+esc+`">`) {
		t.Error("the list's title cell has no escaped title attribute with the whole title")
	}
}

// The marker labels of crowded markers never share space in a row.
func TestMarkerLabelsDoNotOverlap(t *testing.T) {
	ms := []marker{{x: 300, label: "Declared"}, {x: 304, label: "Mitigated 15m 30s"}, {x: 309, label: "Diagnosed 59m"},
		{x: 990, label: "Diagnosed 59m"}, {x: 995, label: "Resolved"}}
	xs, ys := placeLabels(ms)
	for i := range ms {
		for j := range i {
			if ys[i] == ys[j] && xs[i] < xs[j]+labelWidth(ms[j].label) && xs[j] < xs[i]+labelWidth(ms[i].label) {
				t.Errorf("%q and %q overlap", ms[i].label, ms[j].label)
			}
		}
		if xs[i] < 0 || xs[i]+labelWidth(ms[i].label) > chartW+0.01 {
			t.Errorf("%q leaves the chart: %.1f", ms[i].label, xs[i])
		}
	}
}

// In Chromium: the labels' boxes as drawn do not intersect, and the long
// title is cut with an ellipsis in one line, whole on hover.
func TestPolishInChromium(t *testing.T) {
	f, key := newPolishFixture(t)
	ctx := newBrowser(t)
	links := Links{Base: f.srv.URL, Signer: secured().Signer}
	if st := navigate(t, ctx, links.IncidentURL(key, timelinetest.HM(23, 0))); st != 200 {
		t.Fatalf("status %d", st)
	}
	overlaps := evalInt(t, ctx, `(() => {
		const bs = [...document.querySelectorAll("svg.timeline-chart .marker text")].map(e => e.getBoundingClientRect());
		let n = 0;
		for (let i = 0; i < bs.length; i++) for (let j = 0; j < i; j++) {
			const a = bs[i], b = bs[j];
			if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
		}
		return bs.length >= 4 ? n : -1;
	})()`)
	if overlaps != 0 {
		t.Errorf("%d overlapping marker labels (-1: fewer than 4 labels)", overlaps)
	}
	screenshot(t, ctx, "crowded-incident.png")
	navigate(t, ctx, links.PageURL("incidents", timelinetest.HM(23, 0)))
	cut := evalInt(t, ctx, `(() => { const e = document.querySelector("table.list .title-text");
		return e && e.scrollWidth > e.clientWidth && e.getBoundingClientRect().height < 24 && e.title.length === `+strconv.Itoa(len([]rune(crowdedTitle)))+` ? 1 : 0 })()`)
	if cut != 1 {
		t.Error("the long title is not cut to one line with the whole title on hover")
	}
}
