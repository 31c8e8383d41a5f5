package web

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/timeline"
)

// exportHead and exportTail are timeline.Export's JSON fields before and
// after "events", in order: writeExportJSON encodes them with
// encoding/json and the events between them itself.
// TestExportSplitCoversExport fails when Export gains a field they miss.
type exportHead struct {
	Incident             timeline.ExportIncident `json:"incident"`
	ImpactStartedAt      time.Time               `json:"impact_started_at"`
	DeclaredAt           time.Time               `json:"declared_at"`
	MitigatedAt          *time.Time              `json:"mitigated_at"`
	DiagnosedAt          *time.Time              `json:"diagnosed_at"`
	ResolvedAt           *time.Time              `json:"resolved_at"`
	MitigationVerifiedAt *time.Time              `json:"mitigation_verified_at"`
	Metrics              timeline.Metrics        `json:"metrics"`
	ImpactWindows        any                     `json:"impact_windows"`
}

type exportTail struct {
	Analysis    timeline.Analysis      `json:"analysis"`
	Changes     []timeline.ChangeStory `json:"changes"`
	GeneratedAt time.Time              `json:"generated_at"`
}

// writeExportJSON writes x exactly as json.NewEncoder(w).Encode(x) does
// (compact, HTML-safe, a trailing newline), in pieces as it goes. The
// events are nearly all of a large export, and encoding/json spends most
// of its time there on reflection: they are encoded by appendEventJSON,
// which falls back to encoding/json for anything but plain values.
func writeExportJSON(w io.Writer, x timeline.Export) error {
	head, err := json.Marshal(exportHead{Incident: x.Incident, ImpactStartedAt: x.ImpactStartedAt, DeclaredAt: x.DeclaredAt,
		MitigatedAt: x.MitigatedAt, DiagnosedAt: x.DiagnosedAt, ResolvedAt: x.ResolvedAt, MitigationVerifiedAt: x.MitigationVerifiedAt,
		Metrics: x.Metrics, ImpactWindows: x.ImpactWindows})
	if err != nil {
		return fmt.Errorf("encode export: %w", err)
	}
	tail, err := json.Marshal(exportTail{Analysis: x.Analysis, Changes: x.Changes, GeneratedAt: x.GeneratedAt})
	if err != nil {
		return fmt.Errorf("encode export: %w", err)
	}
	buf := make([]byte, 0, 32<<10)
	buf = append(buf, head[:len(head)-1]...) // without its closing brace
	if x.Events == nil {
		buf = append(buf, `,"events":null`...)
	} else {
		buf = append(buf, `,"events":[`...)
		for i, ev := range x.Events {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendEventJSON(buf, ev); err != nil {
				return err
			}
			if len(buf) > 28<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
	}
	buf = append(buf, ',')
	buf = append(buf, tail[1:]...) // without its opening brace
	buf = append(buf, '\n')
	_, err = w.Write(buf)
	return err
}

// appendEventJSON appends ev as encoding/json encodes a timeline.Event.
func appendEventJSON(b []byte, ev timeline.Event) ([]byte, error) {
	if y := ev.At.Year(); y < 0 || y > 9999 {
		return appendMarshaled(b, ev) // encoding/json's error
	}
	b = append(b, `{"at":"`...)
	b = ev.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":`...)
	b = appendJSONString(b, string(ev.Kind))
	b = append(b, `,"actor":{"platform":`...)
	b = appendJSONString(b, ev.Actor.Platform)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, ev.Actor.ID)
	if ev.Actor.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, ev.Actor.Name)
	}
	b = append(b, `},"text":`...)
	b = appendJSONString(b, ev.Text)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, string(ev.Source))
	b = append(b, `,"data":`...)
	var err error
	if b, err = appendDataJSON(b, ev.Data); err != nil {
		return nil, err
	}
	b = append(b, `,"phase":`...)
	b = appendJSONString(b, string(ev.Phase))
	return append(b, '}'), nil
}

// appendDataJSON appends an event's data: keys sorted, as encoding/json
// writes a map; values other than plain strings, whole numbers, booleans
// and null send the whole map through encoding/json.
func appendDataJSON(b []byte, d map[string]any) ([]byte, error) {
	switch {
	case d == nil:
		return append(b, "null"...), nil
	case len(d) == 0:
		return append(b, "{}"...), nil
	}
	for k, v := range d {
		if !plainJSON(k) {
			return appendMarshaled(b, d)
		}
		switch v := v.(type) {
		case string:
			if !plainJSON(v) {
				return appendMarshaled(b, d)
			}
		case float64:
			// Whole numbers print the same as integers; -0 keeps its sign
			// in encoding/json.
			if v != math.Trunc(v) || math.Abs(v) >= 1e15 || v == 0 && math.Signbit(v) {
				return appendMarshaled(b, d)
			}
		case bool, nil:
		default:
			return appendMarshaled(b, d)
		}
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		switch v := d[k].(type) {
		case string:
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		case float64:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		case nil:
			b = append(b, "null"...)
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	out, _ := appendMarshaled(b, s) // a string always encodes
	return out
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII, no quote, backslash or HTML-special character.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendMarshaled appends encoding/json's encoding of v.
func appendMarshaled(b []byte, v any) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	return append(b, out...), nil
}
