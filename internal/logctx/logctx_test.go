package logctx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/tourniquet/tourniquet/internal/logctx"
)

func TestContextAttributesReachEveryLine(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logctx.New(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	ctx := logctx.With(context.Background(), "request_id", "r1", "platform", "slack")
	ctx = logctx.With(ctx, "incident", "INC-7", "platform", "discord")
	log.InfoContext(ctx, "hello", "n", 1)
	log.Info("no context")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	var first, second map[string]any
	if err := json.Unmarshal(lines[0], &first); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(lines[1], &second)
	if first["request_id"] != "r1" || first["incident"] != "INC-7" || first["platform"] != "discord" || first["component"] != "test" {
		t.Fatalf("line with context: %s", lines[0])
	}
	if _, ok := second["request_id"]; ok {
		t.Fatalf("line without context got attributes: %s", lines[1])
	}
}
