package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/redact"
)

// maxBody caps what is read of an answer: one number, or a range of them.
const maxBody = 4 << 20

// Prometheus queries a Prometheus-compatible HTTP API (Prometheus, Thanos,
// Mimir, VictoriaMetrics) at /api/v1/query and /api/v1/query_range. Its
// errors never carry the URL nor a credential: the URL may hold a
// password, and an upstream may echo what it was sent.
type Prometheus struct {
	base    *url.URL
	client  *http.Client
	auth    func(*http.Request)
	scrub   *redact.Redactor
	timeout time.Duration
}

// NewPrometheus is a client of the probe's API. client may be nil (a
// client of its own).
func NewPrometheus(p config.Probe, client *http.Client) (*Prometheus, error) {
	u, err := url.Parse(strings.TrimRight(p.URL, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("probe %s: the url is not an absolute URL", p.ID)
	}
	if client == nil {
		client = &http.Client{}
	}
	return &Prometheus{base: u, client: client, auth: authOf(p), scrub: scrubberOf(p), timeout: p.Timeout}, nil
}

// authOf sets the probe's credentials on a request.
func authOf(p config.Probe) func(*http.Request) {
	return func(r *http.Request) {
		switch {
		case p.BearerToken.IsSet():
			r.Header.Set("Authorization", "Bearer "+p.BearerToken.Reveal())
		case p.BasicAuth.Username != "":
			r.SetBasicAuth(p.BasicAuth.Username, p.BasicAuth.Password.Reveal())
		}
	}
}

// scrubberOf removes the probe's credentials (and the URL's password)
// from text an upstream sent back.
func scrubberOf(p config.Probe) *redact.Redactor {
	secrets := []string{p.BearerToken.Reveal(), p.BasicAuth.Password.Reveal()}
	if u, err := url.Parse(p.URL); err == nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	return redact.New(secrets...)
}

// Point is one value of a series at one time.
type Point struct {
	At    time.Time
	Value float64
}

// apiAnswer is the envelope of every answer of the HTTP API.
type apiAnswer struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

type apiData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// Query evaluates query at the instant at and returns its one number.
// An empty result, several series, a NaN or anything but a vector or a
// scalar is an error that says so.
func (p *Prometheus) Query(ctx context.Context, query string, at time.Time) (float64, error) {
	v := url.Values{"query": {query}, "time": {formatTime(at)}}
	if p.timeout > 0 {
		v.Set("timeout", p.timeout.String())
	}
	data, err := p.get(ctx, "/api/v1/query", v)
	if err != nil {
		return 0, err
	}
	var val float64
	switch data.ResultType {
	case "scalar":
		var pair []json.RawMessage
		if err := json.Unmarshal(data.Result, &pair); err != nil {
			return 0, errors.New("Prometheus sent a scalar that is not [time, value]")
		}
		if val, err = sampleValue(pair); err != nil {
			return 0, err
		}
	case "vector":
		var series []struct {
			Value []json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &series); err != nil {
			return 0, errors.New("Prometheus sent a vector that is not a list of samples")
		}
		switch len(series) {
		case 0:
			return 0, errors.New("the query returned no data (an empty vector)")
		case 1:
		default:
			return 0, fmt.Errorf("the query returned %d series; it must return one number (wrap it in sum() or max())", len(series))
		}
		if val, err = sampleValue(series[0].Value); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("the query returned a %s; it must return one number (a scalar or a one-series vector)", resultType(data.ResultType))
	}
	if math.IsNaN(val) || math.IsInf(val, 0) {
		return 0, fmt.Errorf("the query returned %v (a ratio with nothing to divide, often no traffic)", val)
	}
	return val, nil
}

// QueryRange evaluates query from start to end every step and returns its
// one series (none when the result is empty). NaNs are left out.
func (p *Prometheus) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Point, error) {
	v := url.Values{"query": {query}, "start": {formatTime(start)}, "end": {formatTime(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	if p.timeout > 0 {
		v.Set("timeout", p.timeout.String())
	}
	data, err := p.get(ctx, "/api/v1/query_range", v)
	if err != nil {
		return nil, err
	}
	if data.ResultType != "matrix" {
		return nil, fmt.Errorf("a range query returned a %s, not a matrix", resultType(data.ResultType))
	}
	var series []struct {
		Values [][]json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(data.Result, &series); err != nil {
		return nil, errors.New("Prometheus sent a matrix that is not a list of series")
	}
	switch len(series) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("the query returned %d series; it must return one number (wrap it in sum() or max())", len(series))
	}
	out := make([]Point, 0, len(series[0].Values))
	for _, pair := range series[0].Values {
		val, err := sampleValue(pair)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(val) {
			continue // nothing to divide there: no point
		}
		var ts float64
		if err := json.Unmarshal(pair[0], &ts); err != nil {
			return nil, errors.New("Prometheus sent a sample whose time is not a number")
		}
		out = append(out, Point{At: time.Unix(0, int64(ts*1e9)).UTC(), Value: val})
	}
	return out, nil
}

// get calls the API and returns the data of a successful answer.
func (p *Prometheus) get(ctx context.Context, path string, v url.Values) (apiData, error) {
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	u := *p.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = v.Encode()
	u.User = nil // credentials in the URL go as basic auth, below
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return apiData{}, errors.New("cannot build the request")
	}
	req.Header.Set("Accept", "application/json")
	if pu := p.base.User; pu != nil {
		pw, _ := pu.Password()
		req.SetBasicAuth(pu.Username(), pw)
	}
	p.auth(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return apiData{}, p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return apiData{}, p.transportError(ctx, err)
	}
	var a apiAnswer
	jsonErr := json.Unmarshal(body, &a)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return apiData{}, fmt.Errorf("Prometheus refused the credentials (HTTP %d)", resp.StatusCode)
	case jsonErr == nil && a.Status == "error":
		return apiData{}, fmt.Errorf("Prometheus answered HTTP %d, %s: %s", resp.StatusCode, p.clean(a.ErrorType), p.clean(a.Error))
	case resp.StatusCode/100 != 2:
		return apiData{}, fmt.Errorf("Prometheus answered HTTP %d", resp.StatusCode)
	case jsonErr != nil || a.Status != "success":
		return apiData{}, errors.New("Prometheus sent an answer that is not its API's JSON")
	}
	var d apiData
	if err := json.Unmarshal(a.Data, &d); err != nil {
		return apiData{}, errors.New("Prometheus sent data that is not {resultType, result}")
	}
	return d, nil
}

// transportError says why no answer came, without the URL that
// net/http's errors repeat.
func (p *Prometheus) transportError(ctx context.Context, err error) error {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("Prometheus did not answer within %s", p.timeout)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot reach Prometheus: %s", p.clean(err.Error()))
}

// clean is upstream text made safe to show: no credential, one line, short.
func (p *Prometheus) clean(s string) string {
	s = strings.Join(strings.Fields(p.scrub.Redact(s)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// sampleValue reads the value of a [time, "value"] pair.
func sampleValue(pair []json.RawMessage) (float64, error) {
	if len(pair) != 2 {
		return 0, errors.New("Prometheus sent a sample that is not [time, value]")
	}
	var s string
	if err := json.Unmarshal(pair[1], &s); err != nil {
		return 0, errors.New("Prometheus sent a sample value that is not a string")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("Prometheus sent a sample value that is not a number")
	}
	return v, nil
}

func resultType(t string) string {
	if t == "" {
		return "result of no type"
	}
	return t
}

// formatTime is a time as the API reads it: Unix seconds.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}
