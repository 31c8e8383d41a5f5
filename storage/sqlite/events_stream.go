package sqlite

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// packedEventsSelect reads an event row as three columns: id, seq, and
// every other field in one text, each but the last (data) as
// "<length in bytes>:<bytes>". The driver's work is per column and per
// row (a conversion, locks, an allocated string each): on a 10,000-event
// timeline ten columns cost 37–44 ms of CPU, these three 17 ms. Lengths
// rather than separators, so that any text (a colon, digits, a NUL)
// reads back as written. The packed text is stored when the event is
// written (packEvent; migration 00015 packed the older rows): packing it
// here, in SQLite's VM, was half of the read. COALESCE evaluates its
// second argument only for a row stored without it; every column is NOT
// NULL, so that concatenation never is.
const packedEventsSelect = `SELECT id, seq, coalesce(packed, ` + packEventSQL + `) FROM events`

// packEventSQL packs an events row's columns in SQL, as packEvent does in
// Go (migration 00015 spells it out again: a migration stands alone).
const packEventSQL = `length(CAST(at AS BLOB)) || ':' || at ||
	length(CAST(kind AS BLOB)) || ':' || kind ||
	length(CAST(actor_platform AS BLOB)) || ':' || actor_platform ||
	length(CAST(actor_id AS BLOB)) || ':' || actor_id ||
	length(CAST(actor_name AS BLOB)) || ':' || actor_name ||
	length(CAST(source AS BLOB)) || ':' || source ||
	length(CAST(text AS BLOB)) || ':' || text ||
	data`

// packEvent is the packed text of an event as packedEventsSelect reads it,
// its data already encoded.
func packEvent(at, kind, platform, id, name, source, text, data string) string {
	fields := [...]string{at, kind, platform, id, name, source, text}
	n := len(data)
	for _, f := range fields {
		n += len(f) + 12
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return string(append(b, data...))
}

// scanPackedEvent reads a row of packedEventsSelect.
func scanPackedEvent(r scanner) (incident.Event, error) {
	var (
		ev     incident.Event
		packed string
	)
	if err := r.Scan(&ev.ID, &ev.Seq, &packed); err != nil {
		return ev, mapErr(err)
	}
	if err := unpackEvent(&ev, packed); err != nil {
		return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	return ev, nil
}

var errPacked = errors.New("malformed packed event row")

// unpackEvent sets ev's fields from a packed row. The strings are slices
// of p: one allocation per row instead of one per field.
func unpackEvent(ev *incident.Event, p string) error {
	var fields [7]string
	for i := range fields {
		colon := strings.IndexByte(p, ':')
		if colon < 1 {
			return errPacked
		}
		n, err := strconv.Atoi(p[:colon])
		if err != nil || n < 0 || n > len(p)-colon-1 {
			return errPacked
		}
		fields[i], p = p[colon+1:colon+1+n], p[colon+1+n:]
	}
	at, err := decEventTime(fields[0])
	if err != nil {
		return err
	}
	data, err := decEventData(p)
	if err != nil {
		return err
	}
	ev.At, ev.Kind, ev.Source, ev.Text, ev.Data = at, incident.Kind(fields[1]), incident.Source(fields[5]), fields[6], data
	ev.Actor = incident.Actor{Platform: fields[2], ID: fields[3], Name: fields[4]}
	return nil
}
