package storage

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeEventData holds DecodeEventData to encoding/json's answers:
// the same map for what both accept, an error for what json rejects.
func FuzzDecodeEventData(f *testing.F) {
	for _, s := range []string{`{}`, ` { } `, `null`, `{"checkin":12}`, `{"answer": "no", "n": -1.5e3, "ok": true, "x": null}`,
		`{"a":"b","a":"c"}`, `{"a":01}`, `{"a":1.}`, `{"a":"\u00e9"}`, `{"a":{"b":1}}`, `{"a":[1]}`, `{"a":1e400}`,
		`{"run_id": "4", "kind": "custom"}`, `{"a":1,}`, `{"a":1} x`, `[]`, `{"é":1}`, `{"a":-}`, `{"a":1E+2}`, `{"a":tru}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := map[string]any{}
		werr := json.Unmarshal(b, &want)
		if want == nil {
			want = map[string]any{}
		}
		got, err := DecodeEventData(b)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, encoding/json %v", b, err, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v, encoding/json %#v", b, got, want)
		}
	})
}

// TestDecodeEventDataFlat checks that the common shapes take the direct
// path (decodeFlat), not encoding/json.
func TestDecodeEventDataFlat(t *testing.T) {
	for _, s := range []string{`{}`, `{"checkin":12}`, `{"run_id": "4", "kind": "custom"}`, `{"ok":false,"x":null}`} {
		if _, ok := decodeFlat([]byte(s)); !ok {
			t.Errorf("%s: not parsed directly", s)
		}
	}
}
