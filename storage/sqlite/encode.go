package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// timeLayout is how timestamps are stored: UTC, fixed width, so that text
// order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// encTime renders t for storage and for binding in comparisons.
func encTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// encTimePtr renders an optional timestamp; nil stays NULL.
func encTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return encTime(*t)
}

// decTime parses a stored timestamp.
func decTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// decoded is a sql.Scanner that reads a TEXT column into *dst through
// dec, so that a scan function needs no decoding step of its own. A NULL
// sets *dst to its zero value when nullable, and is an error otherwise.
type decoded[T any] struct {
	dst      *T
	dec      func(string) (T, error)
	nullable bool
}

// Scan implements sql.Scanner.
func (d decoded[T]) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		if !d.nullable {
			return errors.New("stored NULL, want text")
		}
		var zero T
		*d.dst = zero
		return nil
	default:
		return fmt.Errorf("stored %T, want text", src)
	}
	v, err := d.dec(s)
	if err != nil {
		return err
	}
	*d.dst = v
	return nil
}

// textCol scans a TEXT column into *dst through dec.
func textCol[T any](dst *T, dec func(string) (T, error)) sql.Scanner {
	return decoded[T]{dst: dst, dec: dec}
}

// timeCol scans a stored timestamp into *t.
func timeCol(t *time.Time) sql.Scanner { return textCol(t, decTime) }

// timePtrCol scans an optional stored timestamp into *t, nil for NULL.
func timePtrCol(t **time.Time) sql.Scanner {
	return decoded[*time.Time]{dst: t, nullable: true, dec: func(s string) (*time.Time, error) {
		v, err := decTime(s)
		if err != nil {
			return nil, err
		}
		return &v, nil
	}}
}

// encJSONMap renders a JSON object column; nil is {}.
func encJSONMap(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// decJSONMap parses a JSON object column; null is an empty map.
func decJSONMap(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode stored json: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// encServices renders the services column; nil is [].
func encServices(s []string) (string, error) {
	if s == nil {
		s = []string{}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encode services: %w", err)
	}
	return string(b), nil
}

func decServices(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode stored services: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// encWindows renders the windows column with its times in UTC.
func encWindows(ws []incident.Window) (string, error) {
	out := make([]incident.Window, len(ws))
	for i, w := range ws {
		out[i].Start = w.Start.UTC()
		if w.End != nil {
			e := w.End.UTC()
			out[i].End = &e
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode windows: %w", err)
	}
	return string(b), nil
}

func decWindows(s string) ([]incident.Window, error) {
	out := []incident.Window{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode stored windows: %w", err)
	}
	if out == nil {
		out = []incident.Window{}
	}
	for i := range out {
		out[i].Start = out[i].Start.UTC()
		if out[i].End != nil {
			e := out[i].End.UTC()
			out[i].End = &e
		}
	}
	return out, nil
}

// encPayload renders an outbox payload; empty is {}.
func encPayload(p []byte) string {
	if len(p) == 0 {
		return "{}"
	}
	return string(p)
}

func decRoles(s string) (map[string]incident.Actor, error) {
	return storage.DecodeRoles([]byte(s))
}
