package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/internal/retry"
)

// cmdChange is "change record …": tell a running Tourniquet that a change
// shipped, from a CI pipeline. It posts to /api/v1/changes with the API
// token and retries while the server is unreachable or answers 429/5xx;
// one external ID per invocation makes those retries one change.
func cmdChange(ctx context.Context, c command, args []string, o stdio) int {
	if len(args) == 0 || (args[0] != "record" && !strings.HasPrefix(args[0], "-")) {
		if len(args) > 0 {
			fmt.Fprintf(o.errOut, "tourniquet change: unknown subcommand %q (want record)\n\n", args[0])
		}
		c.usage(o.errOut, nil)
		return 2
	}
	if args[0] == "record" {
		args = args[1:]
	}
	fs, _ := c.flags()
	var b changes.Body
	fs.StringVar(&b.Service, "service", "", "the changed `service` (required)")
	fs.StringVar(&b.Kind, "kind", "deploy", "deploy, flag, config or infra")
	fs.StringVar(&b.Version, "version", "", "the `version` shipped")
	fs.StringVar(&b.PreviousVersion, "previous", "", "the `version` it replaced (what an undo rolls back to)")
	fs.StringVar(&b.Flag, "flag", "", "the flag's `key` (kind flag)")
	fs.StringVar(&b.Value, "value", "", "the flag's new `value`")
	fs.StringVar(&b.By, "by", "", "who made it (a name, shown as text)")
	fs.StringVar(&b.Link, "link", "", "a `URL` to it (the pipeline run)")
	fs.StringVar(&b.At, "at", "", "when it shipped, RFC 3339 (default now)")
	fs.StringVar(&b.ExternalID, "id", "", "an `ID` that makes re-sending it harmless (default: one per invocation)")
	base := fs.String("url", "", "the Tourniquet server's base `URL` (default $TOURNIQUET_URL, else http://127.0.0.1:8080)")
	tokenFile := fs.String("token-file", "", "a `file` holding the API token (default $TOURNIQUET_API_TOKEN_FILE or $TOURNIQUET_API_TOKEN)")
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(o.errOut, "tourniquet change record: unexpected argument %q\n\n", fs.Arg(0))
		c.usage(o.errOut, fs)
		return 2
	}
	if b.Service == "" {
		fmt.Fprintf(o.errOut, "tourniquet change record: --service is required\n\n")
		c.usage(o.errOut, fs)
		return 2
	}
	token, err := apiToken(*tokenFile, o.getenv)
	if err != nil {
		fmt.Fprintf(o.errOut, "tourniquet change record: %v\n", err)
		return 2
	}
	url := strings.TrimRight(first(*base, o.getenv("TOURNIQUET_URL"), "http://127.0.0.1:8080"), "/") + "/api/v1/changes"
	b.Source = "cli"
	if b.ExternalID == "" {
		b.ExternalID = "cli-" + uuid.NewString()
	}
	msg, err := postChange(ctx, url, token, b)
	if err != nil {
		fmt.Fprintf(o.errOut, "tourniquet change record: %v\n", err)
		return 1
	}
	fmt.Fprintln(o.out, msg)
	return 0
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// apiToken reads the token from --token-file, $TOURNIQUET_API_TOKEN_FILE
// or $TOURNIQUET_API_TOKEN.
func apiToken(file string, getenv func(string) string) (string, error) {
	file = first(file, getenv("TOURNIQUET_API_TOKEN_FILE"))
	if file == "" {
		if t := getenv("TOURNIQUET_API_TOKEN"); t != "" {
			return t, nil
		}
		return "", errors.New("no API token: give --token-file, or set TOURNIQUET_API_TOKEN_FILE or TOURNIQUET_API_TOKEN")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read the token file: %w", err)
	}
	t := strings.TrimSpace(string(data))
	if t == "" {
		return "", fmt.Errorf("the token file %s is empty", file)
	}
	return t, nil
}

// postChange sends b and says what the server recorded. Connection
// failures, 429 and 5xx are retried for about a minute.
func postChange(ctx context.Context, url, token string, b changes.Body) (string, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	client := &http.Client{Timeout: 15 * time.Second}
	var answer string
	err = retry.Do(ctx, retry.Policy{First: time.Second, Longest: 10 * time.Second, Tries: 8}, func(func()) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return retry.Permanent(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("POST %s: %w", url, errors.Unwrap(err))
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var out struct {
			Recorded bool   `json:"recorded"`
			Error    string `json:"error"`
			Change   struct {
				ID int64 `json:"id"`
			} `json:"change"`
		}
		_ = json.Unmarshal(data, &out)
		switch {
		case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
			what := "recorded"
			if !out.Recorded {
				what = "already recorded"
			}
			answer = fmt.Sprintf("change %d %s: %s %s %s", out.Change.ID, what, b.Kind, b.Service, b.Version)
			return nil
		case resp.StatusCode == http.StatusUnauthorized:
			return retry.Permanent(errors.New("the server refused the API token (401)"))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return fmt.Errorf("the server answered %d: %s", resp.StatusCode, first(out.Error, http.StatusText(resp.StatusCode)))
		default:
			return retry.Permanent(fmt.Errorf("the server refused the change (%d): %s", resp.StatusCode, first(out.Error, http.StatusText(resp.StatusCode))))
		}
	}, nil)
	return strings.TrimSpace(answer), err
}
