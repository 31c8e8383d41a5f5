package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

func testTxCommit(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	drain(s)
	var inc *incident.Incident
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		inc = newIncident("in a transaction", base)
		if err := q.CreateIncident(ctx, inc); err != nil {
			return err
		}
		// The transaction sees its own writes.
		got, err := q.GetIncident(ctx, inc.ID)
		if err != nil {
			return fmt.Errorf("read own incident: %w", err)
		}
		if got.Title != inc.Title {
			return fmt.Errorf("read own incident: title %q", got.Title)
		}
		if err := q.AddIncidentChannel(ctx, inc.ID, incident.ChannelRef{Platform: "slack", ChannelID: "CTX"}); err != nil {
			return err
		}
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(base, incident.KindDeclared, alice, "declared", nil)); err != nil {
			return err
		}
		evs, err := q.ListEvents(ctx, inc.ID, 0, 0)
		if err != nil || len(evs) != 1 {
			return fmt.Errorf("read own events: %d, %v", len(evs), err)
		}
		return q.EnqueueOutbox(ctx, outboxMsg("slack", "CTX", 1, inc.ID))
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	got := mustGet(t, s, inc.ID)
	checkIncident(t, inc, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{{Platform: "slack", ChannelID: "CTX"}})
	if evs, err := s.ListEvents(ctx, inc.ID, 0, 0); err != nil || len(evs) != 1 {
		t.Errorf("ListEvents after commit = %d, %v; want 1", len(evs), err)
	}
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].IncidentID != inc.ID {
		t.Errorf("claim after commit = %v, want the one message of incident %d", describe(msgs), inc.ID)
	}
	waitWake(t, s)
}

func testTxRollback(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("stable", base))
	before := mustGet(t, s, inc.ID)
	boom := errors.New("boom")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CROLLBACK"}
	var created int64
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		cur, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		cur.Title = "changed"
		cur.Severity = incident.Sev1
		cur.MitigatedAt = ptr(at(time.Minute))
		if err := q.UpdateIncident(ctx, cur); err != nil {
			return err
		}
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(at(time.Minute), incident.KindMitigated, alice, "", nil)); err != nil {
			return err
		}
		if err := q.EnqueueOutbox(ctx, outboxMsg("slack", "C1", 1, inc.ID), outboxMsg("discord", "D1", 2, inc.ID)); err != nil {
			return err
		}
		if err := q.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
			return err
		}
		if err := q.PutMessageRef(ctx, "INC-x/card", storage.MessageRef{Platform: "slack", ChannelID: "C1", MessageID: "1.2"}); err != nil {
			return err
		}
		if err := q.ClaimDedupe(ctx, "ev-rollback", base, at(time.Hour)); err != nil {
			return err
		}
		if _, err := q.AppendAudit(ctx, storage.AuditEntry{At: base, IncidentID: inc.ID, Actor: alice, Action: "action.run", Step: "requested"}); err != nil {
			return err
		}
		fresh := newIncident("never", base)
		if err := q.CreateIncident(ctx, fresh); err != nil {
			return err
		}
		created = fresh.ID
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the fn's error", err)
	}
	checkIncident(t, before, mustGet(t, s, inc.ID))
	if evs, err := s.ListEvents(ctx, inc.ID, 0, 0); err != nil || len(evs) != 0 {
		t.Errorf("events after rollback = %d, %v; want none", len(evs), err)
	}
	if msgs := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(msgs) != 0 {
		t.Errorf("outbox after rollback: claimed %v, want nothing", describe(msgs))
	}
	if st, err := s.OutboxStats(ctx); err != nil || pendingTotal(st) != 0 {
		t.Errorf("OutboxStats after rollback = %+v, %v; want nothing pending", st, err)
	}
	_, err = s.GetIncidentByChannel(ctx, ch)
	isNotFound(t, "channel bound in a rolled-back transaction", err)
	_, err = s.GetMessageRef(ctx, "INC-x/card")
	isNotFound(t, "message ref put in a rolled-back transaction", err)
	if err := s.ClaimDedupe(ctx, "ev-rollback", base, at(time.Hour)); err != nil {
		t.Errorf("dedupe key claimed in a rolled-back transaction is still there: %v", err)
	}
	if rows, err := s.ListAudit(ctx, storage.AuditFilter{}); err != nil || len(rows) != 0 {
		t.Errorf("audit after rollback = %d, %v; want none", len(rows), err)
	}
	if created != 0 {
		_, err = s.GetIncident(ctx, created)
		isNotFound(t, "incident created in a rolled-back transaction", err)
	}
	// The rolled-back append used no sequence number.
	evs, err := s.AppendEvents(ctx, inc.ID, incident.NewEvent(at(2*time.Minute), incident.KindNote, alice, "after", nil))
	if err != nil || len(evs) != 1 || evs[0].Seq != 1 {
		t.Errorf("AppendEvents after rollback = %v, %v; want Seq 1", seqs(evs), err)
	}
}
