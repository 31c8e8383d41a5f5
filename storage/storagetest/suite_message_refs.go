package storagetest

import (
	"testing"

	"github.com/tourniquet/tourniquet/storage"
)

func testMessageRefs(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	ref := storage.MessageRef{Platform: "slack", ChannelID: "C1", MessageID: "1712345678.000100"}
	if err := s.PutMessageRef(ctx, "INC-7/card", ref); err != nil {
		t.Fatalf("PutMessageRef: %v", err)
	}
	if err := s.PutMessageRef(ctx, "INC-7/checkin", storage.MessageRef{Platform: "discord", ChannelID: "9", MessageID: "10"}); err != nil {
		t.Fatalf("PutMessageRef: %v", err)
	}
	got, err := s.GetMessageRef(ctx, "INC-7/card")
	if err != nil || got != ref {
		t.Fatalf("GetMessageRef = %+v, %v; want %+v", got, err, ref)
	}
	repl := storage.MessageRef{Platform: "slack", ChannelID: "C2", MessageID: "1712345679.000200"}
	if err := s.PutMessageRef(ctx, "INC-7/card", repl); err != nil {
		t.Fatalf("PutMessageRef replace: %v", err)
	}
	got, err = s.GetMessageRef(ctx, "INC-7/card")
	if err != nil || got != repl {
		t.Fatalf("GetMessageRef after replace = %+v, %v; want %+v", got, err, repl)
	}
	got, err = s.GetMessageRef(ctx, "INC-7/checkin")
	if err != nil || got.MessageID != "10" {
		t.Fatalf("GetMessageRef of the other key = %+v, %v", got, err)
	}
	_, err = s.GetMessageRef(ctx, "INC-8/card")
	isNotFound(t, "GetMessageRef of a missing key", err)
}
