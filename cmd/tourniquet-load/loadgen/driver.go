package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
)

// Options configure a Driver.
type Options struct {
	// Targets are the base URLs of the servers (http://127.0.0.1:8080);
	// requests go to them in turn, as behind a load balancer.
	Targets []string
	// SigningSecret is the server's Slack signing secret.
	SigningSecret string
	// Fake receives the server's deliveries.
	Fake *slacktest.Server
	// Rate is requests per second; Duration how long to send them.
	Rate     float64
	Duration time.Duration
	// Concurrency bounds the requests in flight (default 64).
	Concurrency int
	// Incidents is how many incident channels the commands are spread
	// over (default 50). Slack takes about one message per second per
	// channel, and so does the server's pacing.
	Incidents int
	// ClickEvery makes every n-th request a button click instead of a
	// slash command (default 5; negative: no clicks).
	ClickEvery int
	// Retries is how many times a request that failed (no answer, or a
	// 5xx) is sent again to the next target with the same Slack IDs, as a
	// load balancer or Slack's own retries would (default 0).
	Retries int
	// Users is how many distinct users send (default 20).
	Users int
	// Client sends the requests (default: keep-alive, 10s timeout).
	Client *http.Client
	// RunID tells the tokens of this run apart (default random).
	RunID string
}

// Driver sends Slack traffic to servers and matches it to deliveries.
type Driver struct {
	o      Options
	signer Signer
	tokRe  *regexp.Regexp

	mu   sync.Mutex
	incs []slacktest.Channel
	reqs []*request
	next int // the next target
}

// request is one sent request and what became of it.
type request struct {
	token   string
	kind    string // "command" or "click"
	channel string
	due     time.Time
	done    time.Time
	status  int
	err     error
	// deliveries are the arrival times of the message it caused.
	deliveries []time.Time
}

// New returns a driver; call Setup, then Run.
func New(o Options) (*Driver, error) {
	if len(o.Targets) == 0 || o.Fake == nil || o.SigningSecret == "" {
		return nil, errors.New("loadgen: targets, a fake Slack and the signing secret are required")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Incidents <= 0 {
		o.Incidents = 50
	}
	if o.ClickEvery == 0 {
		o.ClickEvery = 5
	}
	if o.Users <= 0 {
		o.Users = 20
	}
	if o.RunID == "" {
		var b [3]byte
		_, _ = rand.Read(b[:])
		o.RunID = hex.EncodeToString(b[:])
	}
	if o.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 2 * o.Concurrency
		tr.MaxIdleConnsPerHost = 2 * o.Concurrency
		o.Client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	for i, t := range o.Targets {
		o.Targets[i] = strings.TrimRight(t, "/")
	}
	d := &Driver{
		o:      o,
		signer: Signer{Secret: o.SigningSecret, Client: o.Client},
		tokRe:  regexp.MustCompile(`lg` + regexp.QuoteMeta(o.RunID) + `n(\d+)`),
	}
	o.Fake.Watch(d.observe)
	return d, nil
}

// RunID is the run's ID, part of every token.
func (d *Driver) RunID() string { return d.o.RunID }

// Token is the unique text of the i-th request of the run.
func (d *Driver) token(i int) string { return "lg" + d.o.RunID + "n" + strconv.Itoa(i) }

// user is the i-th request's user.
func (d *Driver) user(i int) string { return fmt.Sprintf("U0LOAD%03d", i%d.o.Users) }

// Incidents returns the incident channels Setup opened.
func (d *Driver) Incidents() []slacktest.Channel {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]slacktest.Channel(nil), d.incs...)
}

// observe matches a message at the fake to the request that caused it.
func (d *Driver) observe(m slacktest.Message) {
	var idx string
	switch m.Method {
	case "hook":
		if sm := d.tokRe.FindStringSubmatch(m.Channel); sm != nil {
			idx = sm[1]
		}
	case "chat.postMessage":
		if sm := d.tokRe.FindStringSubmatch(m.Text); sm != nil {
			idx = sm[1]
		}
	}
	if idx == "" {
		return
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return
	}
	d.mu.Lock()
	if i < len(d.reqs) && d.reqs[i] != nil {
		d.reqs[i].deliveries = append(d.reqs[i].deliveries, m.At)
	}
	d.mu.Unlock()
}

// Setup declares o.Incidents incidents from a channel of their own and
// waits until each has its channel and its card, so commands typed there
// find their incident.
func (d *Driver) Setup(ctx context.Context) error {
	home := "C0LOADHOME"
	want := d.o.Incidents
	slug := "load-" + d.o.RunID + "-"
	var failures []error
	sem := make(chan struct{}, min(8, d.o.Concurrency))
	var wg sync.WaitGroup
	var fmu sync.Mutex
	for i := range want {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := SlashCommand{Channel: home, User: d.user(i), Text: fmt.Sprintf("declare sev4 load %s %d", d.o.RunID, i),
				TriggerID: fmt.Sprintf("setup.%s.%d", d.o.RunID, i)}
			status, _, err := d.send(ctx, func(target string) (int, []byte, error) { return d.signer.Command(ctx, target, c) }, 5)
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("status %d", status)
			}
			if err != nil {
				fmu.Lock()
				failures = append(failures, fmt.Errorf("declare %d: %w", i, err))
				fmu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(failures...); err != nil {
		return err
	}
	// Wait for the channels and their first post (the card, sent once
	// the channel is bound to its incident).
	for {
		posted := map[string]bool{}
		for _, m := range d.o.Fake.Messages() {
			if m.Method == "chat.postMessage" {
				posted[m.Channel] = true
			}
		}
		var incs []slacktest.Channel
		for _, c := range d.o.Fake.Channels() {
			if strings.Contains(c.Name, slug) && posted[c.ID] {
				incs = append(incs, c)
			}
		}
		if len(incs) >= want {
			d.mu.Lock()
			d.incs = incs[:want]
			d.mu.Unlock()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d incident channels (have %d): %w", want, len(incs), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// send runs try against the targets in turn, again on a transport error
// or a 5xx, up to tries times.
func (d *Driver) send(ctx context.Context, try func(target string) (int, []byte, error), tries int) (int, []byte, error) {
	var (
		status int
		body   []byte
		err    error
	)
	d.mu.Lock()
	first := d.next
	d.next++
	d.mu.Unlock()
	for attempt := 0; attempt < max(1, tries); attempt++ {
		// A retry goes to the next target after the one that failed.
		target := d.o.Targets[(first+attempt)%len(d.o.Targets)]
		status, body, err = try(target)
		if err == nil && status < 500 {
			return status, body, nil
		}
		if ctx.Err() != nil {
			break
		}
		if attempt+1 < tries {
			time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		}
	}
	return status, body, err
}

// Run sends o.Rate requests per second for o.Duration, open loop, and
// returns when the last one is answered.
func (d *Driver) Run(ctx context.Context) error {
	incs := d.Incidents()
	if len(incs) == 0 {
		return errors.New("loadgen: Run before Setup")
	}
	if d.o.Rate <= 0 || d.o.Duration <= 0 {
		return errors.New("loadgen: rate and duration must be positive")
	}
	n := int(d.o.Rate * d.o.Duration.Seconds())
	interval := time.Duration(float64(time.Second) / d.o.Rate)
	d.mu.Lock()
	start := len(d.reqs)
	d.reqs = append(d.reqs, make([]*request, n)...)
	d.mu.Unlock()
	jobs := make(chan int, n)
	var wg sync.WaitGroup
	for range d.o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				d.do(ctx, i, incs)
			}
		}()
	}
	t0 := time.Now()
	for k := range n {
		i := start + k
		due := t0.Add(time.Duration(k) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		r := &request{token: d.token(i), due: due, channel: incs[i%len(incs)].ID, kind: "command"}
		if d.o.ClickEvery > 0 && i%d.o.ClickEvery == d.o.ClickEvery-1 {
			r.kind = "click"
		}
		d.mu.Lock()
		d.reqs[i] = r
		d.mu.Unlock()
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// do sends request i.
func (d *Driver) do(ctx context.Context, i int, incs []slacktest.Channel) {
	d.mu.Lock()
	r := d.reqs[i]
	d.mu.Unlock()
	tok := r.token
	var try func(target string) (int, []byte, error)
	if r.kind == "click" {
		c := Click{Channel: r.channel, User: d.user(i), Value: "actions", ActionTS: fmt.Sprintf("%d.%06d", r.due.Unix(), i%1000000),
			MessageTS: "1700000000.000001", TriggerID: "trig." + tok, ResponseURL: d.o.Fake.HookURL(tok)}
		try = func(target string) (int, []byte, error) { return d.signer.Click(ctx, target, c) }
	} else {
		c := SlashCommand{Channel: r.channel, User: d.user(i), Text: "note " + tok, TriggerID: "trig." + tok,
			ResponseURL: d.o.Fake.HookURL("cmd-" + tok)}
		try = func(target string) (int, []byte, error) { return d.signer.Command(ctx, target, c) }
	}
	status, _, err := d.send(ctx, try, 1+d.o.Retries)
	now := time.Now()
	d.mu.Lock()
	r.done, r.status, r.err = now, status, err
	d.mu.Unlock()
}

// Wait waits until every acknowledged request's message reached the fake
// or timeout passes, and says how many are still missing.
func (d *Driver) Wait(ctx context.Context, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		d.mu.Lock()
		for _, r := range d.reqs {
			if r != nil && r.status == http.StatusOK && r.err == nil && len(r.deliveries) == 0 {
				missing++
			}
		}
		d.mu.Unlock()
		if missing == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return missing
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Outcome is what became of one request, for tests.
type Outcome struct {
	Token, Kind, Channel string
	Due, Done            time.Time
	Status               int
	Err                  error
	Deliveries           []time.Time
}

// Outcomes returns every request sent so far.
func (d *Driver) Outcomes() []Outcome {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Outcome
	for _, r := range d.reqs {
		if r == nil {
			continue
		}
		out = append(out, Outcome{Token: r.token, Kind: r.kind, Channel: r.channel, Due: r.due, Done: r.done,
			Status: r.status, Err: r.err, Deliveries: append([]time.Time(nil), r.deliveries...)})
	}
	return out
}

// isConnRefused reports a server that is not there (killed).
func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
