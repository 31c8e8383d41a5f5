package probe_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProm speaks the Prometheus HTTP API (/api/v1/query and
// /api/v1/query_range, GET or form POST) as Prometheus 2.x does: the
// {status, data: {resultType, result}} envelope, sample values as
// strings, errors as {status: "error", errorType, error} with 400, 422
// or 503. Tests set what the query returns now and over time.
type fakeProm struct {
	srv     *httptest.Server
	token   string
	mu      sync.Mutex
	answer  func(at time.Time) (string, int) // the body and status of an instant query at a time
	history func(at time.Time) (float64, bool)
	queries atomic.Int64
	ranges  atomic.Int64
	block   chan struct{} // when set, queries wait on it (or the client giving up)
}

func newFakeProm(t testing.TB, token string) *fakeProm {
	f := &fakeProm{token: token}
	f.setValue(0)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/query", f.query)
	mux.HandleFunc("/api/v1/query_range", f.queryRange)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// vector is a one-series vector answer holding v.
func vector(at time.Time, v string) string {
	return fmt.Sprintf(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"checkout"},"value":[%s,%q]}]}}`, ts(at), v)
}

func ts(at time.Time) string { return strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64) }

// setValue makes the query return v.
func (f *fakeProm) setValue(v float64) {
	f.setAnswer(func(at time.Time) (string, int) {
		return vector(at, strconv.FormatFloat(v, 'f', -1, 64)), http.StatusOK
	})
}

func (f *fakeProm) setAnswer(a func(at time.Time) (string, int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = a
}

// setHistory makes range queries return fn's value at each step (false:
// no sample there).
func (f *fakeProm) setHistory(fn func(at time.Time) (float64, bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history = fn
}

func (f *fakeProm) authorized(w http.ResponseWriter, r *http.Request) bool {
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		// What an authenticating proxy in front of Prometheus answers,
		// echoing what it was sent, as some do.
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad credentials %q", r.Header.Get("Authorization"))
		return false
	}
	return true
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": typ, "error": msg})
}

func parseTime(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(f*1e9)).UTC(), nil
}

func (f *fakeProm) query(w http.ResponseWriter, r *http.Request) {
	f.queries.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-r.Context().Done():
			return
		}
	}
	if !f.authorized(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil || r.Form.Get("query") == "" {
		apiError(w, http.StatusBadRequest, "bad_data", "invalid parameter \"query\": unknown position")
		return
	}
	at, err := parseTime(r.Form.Get("time"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_data", "invalid parameter \"time\"")
		return
	}
	f.mu.Lock()
	a := f.answer
	f.mu.Unlock()
	body, status := a(at)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (f *fakeProm) queryRange(w http.ResponseWriter, r *http.Request) {
	f.ranges.Add(1)
	if !f.authorized(w, r) {
		return
	}
	_ = r.ParseForm()
	start, err1 := parseTime(r.Form.Get("start"))
	end, err2 := parseTime(r.Form.Get("end"))
	step, err3 := strconv.ParseFloat(r.Form.Get("step"), 64)
	if err1 != nil || err2 != nil || err3 != nil || step <= 0 {
		apiError(w, http.StatusBadRequest, "bad_data", "invalid parameter \"start\", \"end\" or \"step\"")
		return
	}
	if end.Sub(start).Seconds()/step > 11000 {
		apiError(w, http.StatusBadRequest, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	f.mu.Lock()
	h := f.history
	f.mu.Unlock()
	var values [][2]any
	for at := start; !at.After(end); at = at.Add(time.Duration(step * float64(time.Second))) {
		if h == nil {
			continue
		}
		v, ok := h(at)
		if !ok {
			continue
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if math.IsNaN(v) {
			s = "NaN"
		}
		values = append(values, [2]any{json.RawMessage(ts(at)), s})
	}
	result := []any{}
	if len(values) > 0 {
		result = append(result, map[string]any{"metric": map[string]string{}, "values": values})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
}

func nanValue() float64 { return math.NaN() }
