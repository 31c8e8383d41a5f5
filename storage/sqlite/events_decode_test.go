package sqlite

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// FuzzDecEventTime holds decEventTime to decTime: the same instant and
// location for what decTime reads, an error for what it rejects.
func FuzzDecEventTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T08:00:00.000000000Z", "2024-02-29T23:59:59.999999999Z", "2023-02-29T00:00:00.000000000Z",
		"2026-13-01T08:00:00.000000000Z", "2026-03-01T24:00:00.000000000Z", "2026-03-01T08:00:00Z", "2026-03-01T08:00:00.000000000+01:00",
		"0000-01-01T00:00:00.000000000Z", "2026-04-31T00:00:00.000000000Z", "2026-03-01T08:00:60.000000000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := decTime(s)
		got, err := decEventTime(s)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, decTime %v", s, err, werr)
		}
		if werr == nil && (!got.Equal(want) || got.Location() != want.Location() || got != want) {
			t.Fatalf("%q: %v, decTime %v", s, got, want)
		}
	})
}

// TestDecEventTimeStored checks what encTime writes reads back equal.
func TestDecEventTimeStored(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 4, 5, 123456789, time.FixedZone("x", 3600))
	got, err := decEventTime(encTime(at))
	if err != nil || !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("%v, %v; want %v in UTC", got, err, at)
	}
}

// TestUnpackEvent reads fields by their lengths, whatever they hold, and
// refuses a row that is not in the packed shape.
func TestUnpackEvent(t *testing.T) {
	fields := []string{"2026-03-01T08:00:00.000000000Z", "note", "slack", "U1:2", "B:\x00 é", "", "3:a:b{}"}
	var p string
	for _, f := range fields {
		p += strconv.Itoa(len(f)) + ":" + f
	}
	var ev incident.Event
	if err := unpackEvent(&ev, p+`{"n":1}`); err != nil {
		t.Fatal(err)
	}
	want := incident.Event{At: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), Kind: "note", Actor: incident.Actor{Platform: "slack", ID: "U1:2", Name: "B:\x00 é"},
		Text: "3:a:b{}", Data: map[string]any{"n": 1.0}}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("unpacked %+v, want %+v", ev, want)
	}
	for _, bad := range []string{"", "30", "x:abc", "-1:", "99:short", ":x", "30:2026-03-01T08:00:00.000000000Z", p + "{"} {
		if err := unpackEvent(&incident.Event{}, bad); err == nil {
			t.Errorf("%q unpacked without an error", bad)
		}
	}
}
