package web

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/timeline"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// encodeExport is what the API wrote before writeExportJSON.
func encodeExport(t testing.TB, x timeline.Export) []byte {
	t.Helper()
	var want bytes.Buffer
	if err := json.NewEncoder(&want).Encode(x); err != nil {
		t.Fatal(err)
	}
	return want.Bytes()
}

func checkExportJSON(t *testing.T, x timeline.Export) {
	t.Helper()
	var got bytes.Buffer
	if err := writeExportJSON(&got, x); err != nil {
		t.Fatal(err)
	}
	if want := encodeExport(t, x); !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("writeExportJSON differs from encoding/json:\n got %s\nwant %s", got.Bytes(), want)
	}
}

// TestExportJSONAsEncodingJSON: the API's export is byte for byte what
// encoding/json writes, for the scenarios and for hostile text and data.
func TestExportJSONAsEncodingJSON(t *testing.T) {
	now := timelinetest.HM(18, 0)
	for name, sc := range map[string]*timelinetest.Scenario{"textbook": timelinetest.Textbook(t), "microscope": timelinetest.Microscope(t),
		"unmitigated": timelinetest.Unmitigated(t), "ongoing": timelinetest.Ongoing(t)} {
		t.Run(name, func(t *testing.T) { checkExportJSON(t, timeline.Build(sc.Incident, sc.Events, now)) })
	}
	t.Run("hostile", func(t *testing.T) {
		sc := timelinetest.Textbook(t)
		weird := incident.Actor{Platform: "slack", ID: "U<1>", Name: "Zoë \"Z\" & co\u2028"}
		at := timelinetest.HM(9, 30)
		sc.Raw(at, incident.KindNote, weird, "<script>alert('x')</script>\n\ttab \x00 \xff done", incident.SourceTyped,
			map[string]any{"n": 3.5, "neg": math.Copysign(0, -1), "big": 1e21, "tiny": 1e-7, "s": "a<b", "ok": true, "nil": nil, "k\"q": 1,
				"nested": map[string]any{"a": []any{1.0, "x"}}})
		sc.Raw(at.Add(time.Second), incident.KindNote, timelinetest.Bob, "", incident.SourceTyped,
			map[string]any{"checkin": 12.0, "answer": "no", "zero": 0.0, "ok": false, "x": nil})
		x := timeline.Build(sc.Incident, sc.Events, now)
		x.Events = append(x.Events, timeline.Event{Event: incident.Event{At: at, Kind: incident.KindNote}}) // nil data
		checkExportJSON(t, x)
		x.Events = nil
		checkExportJSON(t, x)
	})
	t.Run("unencodable", func(t *testing.T) {
		sc := timelinetest.Textbook(t)
		sc.Raw(timelinetest.HM(9, 30), incident.KindNote, timelinetest.Bob, "", incident.SourceTyped, map[string]any{"x": math.Inf(1)})
		if err := writeExportJSON(&bytes.Buffer{}, timeline.Build(sc.Incident, sc.Events, now)); err == nil {
			t.Fatal("no error for an infinite number")
		}
	})
}

// FuzzEventJSON holds appendEventJSON to encoding/json for any text and
// data values.
func FuzzEventJSON(f *testing.F) {
	f.Add("note", "Bob", "p99 < 400 ms & rising", "k", "v", 12.0, true)
	f.Add("checkin_sent", "", "\u2028\x7f\"\\", "\xff", "<", math.Copysign(0, -1), false)
	f.Add("x", "é", "", "", "", 1e300, true)
	f.Fuzz(func(t *testing.T, kind, name, text, key, val string, num float64, flag bool) {
		if math.IsNaN(num) || math.IsInf(num, 0) {
			return
		}
		ev := timeline.Event{Event: incident.Event{At: time.Date(2026, 3, 1, 8, 0, 0, 1234, time.UTC), Kind: incident.Kind(kind),
			Actor: incident.Actor{Platform: "slack", ID: key, Name: name}, Text: text, Source: incident.Source(val),
			Data: map[string]any{key: val, "n": num, "b": flag, name: nil}}, Phase: timeline.Phase(text)}
		got, err := appendEventJSON(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(ev)
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// TestExportSplitCoversExport: exportHead, "events" and exportTail are
// every JSON field of timeline.Export, in its order.
func TestExportSplitCoversExport(t *testing.T) {
	names := func(t reflect.Type) []string {
		var out []string
		for i := range t.NumField() {
			if tag := t.Field(i).Tag.Get("json"); tag != "-" {
				out = append(out, tag)
			}
		}
		return out
	}
	split := append(append(names(reflect.TypeFor[exportHead]()), "events"), names(reflect.TypeFor[exportTail]())...)
	if want := names(reflect.TypeFor[timeline.Export]()); !reflect.DeepEqual(split, want) {
		t.Fatalf("export fields split as %v, Export has %v", split, want)
	}
}

// TestHumanTextShortcut: texts that cannot be RFC 3339 timestamps are
// shown as typed without a parse; timestamps still read as times.
func TestHumanTextShortcut(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for text, want := range map[string]string{
		" 2026-03-01T21:16:00Z ":     "to 21:16:00 UTC",
		"2026-03-01T10:02:03+01:00":  "to 09:02:03 UTC",
		"2026-03-05T01:02:03Z":       "to Mar 5 01:02:03 UTC",
		"2026-03-01":                 "2026-03-01",
		"looking at the pool":        "looking at the pool",
		"9 pods restarted after all": "9 pods restarted after all",
		"":                           "",
	} {
		ev := timeline.Event{Event: incident.Event{At: at, Text: text}}
		if got := humanText(ev); got != want {
			t.Errorf("humanText(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestIncidentPageStreamedAsRendered: the incident page with its event
// table streamed into place (streamIncident) is byte for byte the page
// rendered whole with the table in the template, for every filter, a
// truncated table and a table long enough to be flushed many times.
func TestIncidentPageStreamedAsRendered(t *testing.T) {
	now := timelinetest.HM(18, 0)
	long := timelinetest.Textbook(t)
	for i := range 3000 {
		long.Raw(timelinetest.HM(9, 0).Add(time.Duration(i)*time.Second), incident.KindNote, timelinetest.Bob,
			"<b>note</b> & 'quoted' `code` \x00 "+strconv.Itoa(i), incident.SourceTyped, nil)
	}
	for name, sc := range map[string]*timelinetest.Scenario{"textbook": timelinetest.Textbook(t), "microscope": timelinetest.Microscope(t),
		"ongoing": timelinetest.Ongoing(t), "long": long} {
		x := timeline.Build(sc.Incident, sc.Events, now)
		for _, max := range []int{10000, 7} {
			site, err := New(Options{Clock: clock.NewFake(now), MaxEvents: max})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range eventFilters {
				v := site.incidentView(grant{all: true}, x, now, f.Value)
				var page bytes.Buffer
				if err := site.pages["incident"].ExecuteTemplate(&page, "layout", v); err != nil {
					t.Fatal(err)
				}
				head, tail, ok := splitAtEvents(page.Bytes())
				if !ok {
					t.Fatalf("%s: the events' place is not marked once", name)
				}
				var got bytes.Buffer
				if err := site.streamIncident(&got, head, tail, x, f.Value); err != nil {
					t.Fatal(err)
				}
				whole := v
				whole.Events, _ = eventsHTML(x, max, f.Value)
				var want bytes.Buffer
				if err := site.pages["incident"].ExecuteTemplate(&want, "layout", whole); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s, max %d, show %q: streamed page differs from the page rendered whole", name, max, f.Value)
				}
			}
		}
	}
}
