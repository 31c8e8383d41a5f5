package redact_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/redact"
)

const token = "xoxb-1234-abcd/EF+gh"

func TestRedactReplacesEveryForm(t *testing.T) {
	r := redact.New(token, "hunter2-password", "short", "")
	for _, tc := range []struct{ in, want string }{
		{`{"ok":false,"error":"invalid_auth","token":"` + token + `"}`, `{"ok":false,"error":"invalid_auth","token":"<secret>"}`},
		{"GET /api?token=" + url.QueryEscape(token) + "&x=1", "GET /api?token=<secret>&x=1"},
		{"/hooks/" + url.PathEscape(token) + "/x", "/hooks/<secret>/x"},
		{`"xoxb-1234-abcd\/EF+gh"`, `"<secret>"`}, // JSON may escape the slash
		{"upper: " + strings.ToUpper(token), "upper: <secret>"},
		{"two: hunter2-password, hunter2-password.", "two: <secret>, <secret>."},
		{"short words stay short", "short words stay short"},
		{"", ""},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if redact.Marker != config.Redacted {
		t.Errorf("Marker %q differs from what config.Secret prints (%q)", redact.Marker, config.Redacted)
	}
}

// A secret that contains another is removed whole, not half.
func TestRedactLongestFirst(t *testing.T) {
	r := redact.New("abcdef", "abcdef-ghijkl")
	if got := r.Redact("x abcdef-ghijkl y abcdef"); got != "x <secret> y <secret>" {
		t.Fatalf("got %q", got)
	}
}

// A binary secret (a key file) is removed too, and never panics.
func TestRedactBinarySecret(t *testing.T) {
	secret := "k\xe5y-\xff\xfe-binary"
	r := redact.New(secret)
	if got := r.Redact("before " + secret + " after"); got != "before <secret> after" {
		t.Fatalf("got %q", got)
	}
}

func TestEmptyRedactorChangesNothing(t *testing.T) {
	var nilR *redact.Redactor
	for _, r := range []*redact.Redactor{nilR, redact.New(), redact.New("abc")} {
		if !r.Empty() || r.Redact("abc "+token) != "abc "+token {
			t.Fatalf("an empty redactor changed text")
		}
	}
	h := slog.NewJSONHandler(&bytes.Buffer{}, nil)
	if redact.NewHandler(h, redact.New()) != slog.Handler(h) {
		t.Fatal("an empty redactor wraps the handler anyway")
	}
}

type upstreamError struct{ body string }

func (e upstreamError) Error() string { return "slack answered: " + e.body }

type request struct {
	URL    string
	Header map[string]string
}

// Every part of a log line is scrubbed: the message, string and error
// attributes (wrapped too), values printed with fmt, groups at any depth,
// attributes added with With and WithGroup; other kinds pass unchanged.
func TestHandlerScrubsEveryPart(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var base slog.Handler = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			if format == "text" {
				base = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			}
			log := slog.New(redact.NewHandler(base, redact.New(token)))
			wrapped := fmt.Errorf("post message: %w", upstreamError{body: `{"error":"invalid_auth","token":"` + token + `"}`})
			log = log.With("component", "slack", "bot_token", token).WithGroup("call")
			log.DebugContext(context.Background(), "calling with "+token,
				"err", wrapped,
				"raw", []byte("Bearer "+token),
				"req", request{URL: "https://slack.com/api/chat.postMessage?token=" + token, Header: map[string]string{"Authorization": "Bearer " + token}},
				slog.Group("retry", "attempt", 2, slog.Group("last", "error", errors.New("refused "+token), "took", 1500)),
				"configured", config.NewSecret(token),
				"count", 3, "ok", true)
			out := buf.String()
			if strings.Contains(strings.ToLower(out), strings.ToLower(token)) || strings.Contains(out, url.QueryEscape(token)) {
				t.Fatalf("a secret got through:\n%s", strings.ReplaceAll(out, token, "<LEAK>"))
			}
			for _, want := range []string{"calling with <secret>", "invalid_auth", "slack", "2", "1500", "3", "true", "refused <secret>"} {
				if !strings.Contains(out, want) {
					t.Errorf("the line lost %q:\n%s", want, out)
				}
			}
		})
	}
}

// A value with no secret in it reaches the handler unchanged, so that the
// handler formats it its own way (a struct as JSON, not as fmt text).
func TestHandlerKeepsCleanValues(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.NewHandler(slog.NewJSONHandler(&buf, nil), redact.New(token)))
	log.Info("ok", "req", request{URL: "https://example.com"})
	if !strings.Contains(buf.String(), `"req":{"URL":"https://example.com","Header":null}`) {
		t.Fatalf("a clean struct was reformatted: %s", buf.String())
	}
}
