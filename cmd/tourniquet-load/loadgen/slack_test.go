package loadgen

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
)

func newTestFake(t *testing.T) *slacktest.Server {
	t.Helper()
	f, err := NewFakeSlack("127.0.0.1:0", "xoxb-test", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// bearer puts the token in the Authorization header, as Tourniquet does.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Body != nil && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		form, _ := url.ParseQuery(string(body))
		form.Del("token")
		enc := form.Encode()
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
	}
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// client is slack-go pointed at the fake, with the token in the header
// only.
func client(f *slacktest.Server, token string) *slack.Client {
	return slack.New(token, slack.OptionAPIURL(f.APIURL()), slack.OptionHTTPClient(&http.Client{Transport: bearer{token}}))
}

// The fake answers slack-go the way Slack does: auth by bearer token,
// ok:false codes, 429 with Retry-After and 5xx during an outage, message
// metadata in the history.
func TestFakeSlackSpeaksSlack(t *testing.T) {
	f := newTestFake(t)
	ctx := context.Background()
	if _, err := client(f, "xoxb-wrong").AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v; want invalid_auth", err)
	}
	api := client(f, "xoxb-test")
	if res, err := api.AuthTestContext(ctx); err != nil || res.UserID != BotUserID {
		t.Fatalf("auth.test: %+v %v", res, err)
	}
	ch, err := api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-1-db"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-1-db"}); err == nil || err.Error() != "name_taken" {
		t.Fatalf("same name again: %v; want name_taken", err)
	}
	var (
		mu   sync.Mutex
		seen []slacktest.Message
	)
	f.Watch(func(m slacktest.Message) {
		mu.Lock()
		seen = append(seen, m)
		mu.Unlock()
	})
	_, ts, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("hello lgabcn7", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("a", slack.NewButtonBlockElement("tq:1", "answer 3 yes", slack.NewTextBlockObject("plain_text", "Yes", false, false)))),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "tourniquet_message", EventPayload: map[string]any{"key": "k1"}}))
	if err != nil || ts == "" {
		t.Fatalf("post: %q %v", ts, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].Channel != ch.ID || seen[0].Text != "hello lgabcn7" || len(seen[0].Values) != 1 || seen[0].Values[0] != "answer 3 yes" {
		t.Fatalf("watched: %+v", seen)
	}
	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch.ID, IncludeAllMetadata: true})
	if err != nil || len(hist.Messages) != 1 || hist.Messages[0].Metadata.EventPayload["key"] != "k1" {
		t.Fatalf("history: %+v %v", hist, err)
	}

	f.SetOutage(slacktest.Outage{Until: time.Now().Add(time.Minute), Statuses: []int{429, 500}, RetryAfter: 7})
	_, _, err = api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("429: %v; want a rate limit of 7s", err)
	}
	_, _, err = api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("x", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != 500 {
		t.Fatalf("500: %v", err)
	}
	f.SetOutage(slacktest.Outage{})
	if got := f.Counts(); got["chat.postMessage 200"] != 1 || got["chat.postMessage 429"] != 1 || got["chat.postMessage 500"] != 1 {
		t.Fatalf("calls: %v", got)
	}
	if n := len(f.Messages()); n != 1 {
		t.Fatalf("%d messages stored; failed calls store nothing", n)
	}
}

func TestPercentilesNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p := percentiles(ds)
	if p.N != 100 || p.P50 != 50*time.Millisecond || p.P99 != 99*time.Millisecond || p.Max != 100*time.Millisecond {
		t.Fatalf("%+v", p)
	}
	if p := percentiles(nil); p.N != 0 || p.Max != 0 {
		t.Fatalf("empty: %+v", p)
	}
}

func TestLeaksAndPeakRSS(t *testing.T) {
	logs := []byte(`{"msg":"x","url":"http://127.0.0.1:1/hooks/abc"} token xoxb-123456`)
	got := Leaks(logs, map[string]string{"bot token": "xoxb-123456", "signing secret": "s3cr3t-value", "response URL": "http://127.0.0.1:1/hooks/", "short": "xo"})
	if len(got) != 2 {
		t.Fatalf("leaks %v; want the bot token and the response URL", got)
	}
	rss, err := PeakRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("peak RSS of this process: %d %v", rss, err)
	}
	if _, err := PeakRSS(1 << 30); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}
