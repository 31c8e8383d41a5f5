package openai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/postmortem/openai"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// Secrets of the deployment that must never reach the model.
const (
	slackToken = "xoxb-1111-2222-secretslacktoken"
	apiToken   = "tq-api-token-abcdefghijklmnop"
	linkSecret = "link-secret-abcdefghijklmnop"
)

var (
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

// incidentWithDraft runs an incident to resolution through the engine and
// returns what the worker needs.
func incidentWithDraft(t *testing.T, s storage.Store) (*bot.Engine, *bot.Sender, *bottest.Recorder, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	links := web.Links{Base: "https://tq.example.com", Signer: web.NewSigner(config.NewSecret(linkSecret))}
	e := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), postmortem.Commands()...), Hooks: []bot.Hook{postmortem.Hook{}},
		Store: s, Clock: clk, Links: links})
	rec := bottest.NewRecorder("slack")
	snd := bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}})
	do := func(ch incident.ChannelRef, line string) bot.Reply {
		r, err := e.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: alice, Text: line})
		if err != nil || r.Error {
			t.Fatalf("%q: %v %+v", line, err, r)
		}
		return r
	}
	r := do(lobby, "/incident declare sev1 Checkout errors")
	if err := snd.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	inc, _ := s.GetIncidentByKey(context.Background(), r.IncidentKey)
	ch, _ := inc.ChannelOn("slack")
	clk.Advance(4 * time.Minute)
	do(ch, "/incident update Rotated the bot token "+slackToken+" just in case; api token is "+apiToken)
	clk.Advance(8 * time.Minute)
	do(ch, "/incident mitigated rolled back checkout to v41")
	clk.Advance(33 * time.Minute)
	do(ch, "/incident diagnosed a migration locked the orders table")
	clk.Advance(time.Hour)
	do(ch, "/incident resolve migration rewritten")
	return e, snd, rec, clk
}

func postedDraft(t *testing.T, snd *bot.Sender, rec *bottest.Recorder) bot.Message {
	t.Helper()
	if err := snd.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, d := range rec.Ops("post") {
		if len(d.Message.Blocks) > 0 && strings.HasPrefix(d.Message.Blocks[0].Text.String(), "📝 Postmortem draft") {
			return d.Message
		}
	}
	t.Fatal("no postmortem draft was posted")
	return bot.Message{}
}

func texts(m bot.Message, kind bot.BlockKind) string {
	var out []string
	for _, b := range m.Blocks {
		if b.Kind == kind {
			out = append(out, b.Text.String())
		}
	}
	return strings.Join(out, "\n")
}

func TestDraftWrittenByTheModel(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		e, snd, rec, clk := incidentWithDraft(t, s)
		answer := "Customers were impacted for 12m until a rollback of checkout stopped it.\n\nThe cause, a migration that locked the orders table, was identified 45m after impact started."
		f := newFake(t, answer)
		sum, err := openai.New(openai.Options{APIKey: config.NewSecret(apiKey), BaseURL: f.srv.URL + "/v1", Model: "llama3.1", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		w := postmortem.NewWorker(postmortem.Options{Store: s, Engine: e, Summarizer: sum, Model: sum.Model(), Timeout: 5 * time.Second,
			Clock: clk, Redact: postmortem.NewRedactor([]string{slackToken, apiToken, linkSecret, apiKey})})
		if did, err := w.RunOnce(context.Background()); !did || err != nil {
			t.Fatalf("RunOnce: %v %v", did, err)
		}
		req, body := f.last()
		user := req.Messages[1].Content
		for _, want := range []string{`"key": "INC-1"`, `"time_to_mitigate": "12m"`, `"time_to_diagnose": "45m"`, `"customer_impact": "12m"`,
			"a migration locked the orders table"} {
			if !strings.Contains(user, want) {
				t.Errorf("the request lacks %s", want)
			}
		}
		for _, secret := range []string{slackToken, apiToken, linkSecret, apiKey, "sig="} {
			if strings.Contains(body, secret) {
				t.Errorf("a secret reached the model: %q", secret)
			}
		}
		if !strings.Contains(user, "Rotated the bot token [redacted]") {
			t.Error("the status update was not sent with its secret redacted")
		}
		m := postedDraft(t, snd, rec)
		if got := texts(m, bot.BlockText); got != answer {
			t.Errorf("posted summary %q, want the model's answer", got)
		}
		if note := texts(m, bot.BlockContext); !strings.Contains(note, "Written by llama3.1 (127.0.0.1:") ||
			!strings.Contains(note, "https://tq.example.com/incidents/INC-1?exp=") {
			t.Errorf("notes %q", note)
		}
	})
}

func TestDraftFallsBackWhenTheModelHangs(t *testing.T) {
	s := storagetest.NewSQLite(t)
	e, snd, rec, clk := incidentWithDraft(t, s)
	f := newFake(t, "too late")
	f.hang = 30 * time.Second
	sum, _ := openai.New(openai.Options{APIKey: config.NewSecret(apiKey), BaseURL: f.srv.URL + "/v1", Timeout: 10 * time.Second})
	w := postmortem.NewWorker(postmortem.Options{Store: s, Engine: e, Summarizer: sum, Timeout: 300 * time.Millisecond, Clock: clk})
	if did, err := w.RunOnce(context.Background()); !did || err != nil {
		t.Fatalf("RunOnce: %v %v", did, err)
	}
	m := postedDraft(t, snd, rec)
	got := texts(m, bot.BlockText)
	if strings.Contains(got, "too late") || !strings.Contains(got, "first mitigated 12m later") || !strings.Contains(got, "Mitigation came first") {
		t.Errorf("posted summary is not the template: %q", got)
	}
	if note := texts(m, bot.BlockContext); !strings.Contains(note, "did not answer within 300ms, so this is the template summary") {
		t.Errorf("note %q", note)
	}
}
