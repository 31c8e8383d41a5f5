package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/probe"
)

const token = "tok-SECRET-4711"

func promProbe(url string) config.Probe {
	above := 0.02
	return config.Probe{ID: "checkout-errors", Name: "checkout error ratio", Service: "checkout", Type: config.ProbePrometheus,
		URL: url, BearerToken: config.NewSecret(token), Query: `sum(rate(errors[2m])) / sum(rate(requests[2m]))`,
		ImpactingWhen: config.Threshold{Above: &above}, Unit: config.UnitRatio, For: time.Minute,
		Interval: 30 * time.Second, VerifyHold: 5 * time.Minute, Lookback: time.Hour, Timeout: 2 * time.Second}
}

// TestPrometheusAnswers: every shape of answer the API gives is read as
// one number or refused with a message that says what was wrong, and no
// message holds the token, even when the upstream echoes it.
func TestPrometheusAnswers(t *testing.T) {
	f := newFakeProm(t, token)
	api, err := probe.NewPrometheus(promProbe(f.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	body := func(s string, status int) func(time.Time) (string, int) {
		return func(time.Time) (string, int) { return s, status }
	}
	cases := []struct {
		name   string
		answer func(time.Time) (string, int)
		want   float64
		err    string
	}{
		{"vector", func(at time.Time) (string, int) { return vector(at, "0.382"), 200 }, 0.382, ""},
		{"scalar", body(`{"status":"success","data":{"resultType":"scalar","result":[1772373600,"7"]}}`, 200), 7, ""},
		{"empty vector", body(`{"status":"success","data":{"resultType":"vector","result":[]}}`, 200), 0, "no data"},
		{"NaN", func(at time.Time) (string, int) { return vector(at, "NaN"), 200 }, 0, "NaN"},
		{"two series", body(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}`, 200), 0, "2 series"},
		{"matrix", body(`{"status":"success","data":{"resultType":"matrix","result":[]}}`, 200), 0, "matrix"},
		{"string", body(`{"status":"success","data":{"resultType":"string","result":[1,"x"]}}`, 200), 0, "string"},
		{"bad query", body(`{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected identifier"}`, 400), 0, "HTTP 400, bad_data: 1:5: parse error"},
		{"execution error", body(`{"status":"error","errorType":"execution","error":"query processing would load too many samples"}`, 422), 0, "HTTP 422, execution"},
		{"unavailable", body(`{"status":"error","errorType":"unavailable","error":"echo `+token+`"}`, 503), 0, "HTTP 503, unavailable"},
		{"bare 500", body(`oops`, 500), 0, "HTTP 500"},
		{"not JSON", body(`<html>proxy</html>`, 200), 0, "not its API's JSON"},
		{"value not a number", func(at time.Time) (string, int) { return vector(at, "lots"), 200 }, 0, "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.setAnswer(tc.answer)
			v, err := api.Query(context.Background(), "q", at)
			if tc.err == "" {
				if err != nil || v != tc.want {
					t.Fatalf("Query = %v, %v; want %v", v, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Query error = %v; want one containing %q", err, tc.err)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), f.srv.URL) {
				t.Errorf("error shows the token or the URL: %v", err)
			}
		})
	}
}

// TestPrometheusRefusedCredentials: a 401 says the credentials were
// refused, and never repeats them though the upstream echoed them.
func TestPrometheusRefusedCredentials(t *testing.T) {
	f := newFakeProm(t, "another-token")
	api, _ := probe.NewPrometheus(promProbe(f.srv.URL), nil)
	_, err := api.Query(context.Background(), "q", time.Now())
	if err == nil || !strings.Contains(err.Error(), "refused the credentials (HTTP 401)") || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v", err)
	}
}

// TestPrometheusDownOrSlow: no server, or one that does not answer within
// the probe's timeout, is an error saying so, without the URL (which may
// hold a password).
func TestPrometheusDownOrSlow(t *testing.T) {
	f := newFakeProm(t, token)
	f.block = make(chan struct{})
	defer close(f.block)
	p := promProbe(f.srv.URL)
	p.Timeout = 50 * time.Millisecond
	api, _ := probe.NewPrometheus(p, nil)
	if _, err := api.Query(context.Background(), "q", time.Now()); err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Errorf("slow: %v", err)
	}

	down := promProbe("http://user:pw-SECRET@127.0.0.1:1")
	api, _ = probe.NewPrometheus(down, nil)
	_, err := api.Query(context.Background(), "q", time.Now())
	if err == nil || !strings.Contains(err.Error(), "cannot reach Prometheus") || strings.Contains(err.Error(), "pw-SECRET") {
		t.Errorf("down: %v", err)
	}
}

// TestPrometheusRange: a range query returns the series' points, NaNs
// left out; the client sends start, end and step as the API reads them.
func TestPrometheusRange(t *testing.T) {
	f := newFakeProm(t, token)
	t0 := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	f.setHistory(func(at time.Time) (float64, bool) {
		switch {
		case at.Equal(t0.Add(10 * time.Second)):
			return 0, false // a gap
		case at.Equal(t0.Add(20 * time.Second)):
			return nanValue(), true
		}
		return at.Sub(t0).Seconds(), true
	})
	api, _ := probe.NewPrometheus(promProbe(f.srv.URL), &http.Client{})
	pts, err := api.QueryRange(context.Background(), "q", t0, t0.Add(40*time.Second), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pts {
		got = append(got, fmt.Sprintf("%s=%g", p.At.Sub(t0), p.Value))
	}
	if strings.Join(got, " ") != "0s=0 30s=30 40s=40" {
		t.Errorf("points = %v", got)
	}
}
