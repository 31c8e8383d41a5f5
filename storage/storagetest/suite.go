// Package storagetest is the storage conformance suite and the helpers that
// give tests a fresh store of each dialect.
//
// The suite is split by area, one file each, as the stores are:
// suite_incidents.go tests what storage/sqlite/incidents.go and
// storage/postgres/incidents.go implement, suite_outbox*.go the outbox, and
// so on. Run, below, is the whole suite's index.
package storagetest

import (
	"testing"

	"github.com/tourniquet/tourniquet/storage"
)

// Run runs the storage conformance suite: each test gets a fresh, empty,
// migrated store from newStore. Every Store implementation must pass it;
// it checks only behaviour that package storage defines.
func Run(t *testing.T, newStore func(t testing.TB) storage.Store) {
	runTests(t, newStore, []storeTest{
		{"Migrations", testMigrations},
		{"IncidentRoundTrip", testIncidentRoundTrip},
		{"IncidentUpdate", testIncidentUpdate},
		{"IncidentLookups", testIncidentLookups},
		{"IncidentByChannelForUpdate", testIncidentByChannelForUpdate},
		{"IncidentChannels", testIncidentChannels},
		{"BorrowedChannels", testBorrowedChannels},
		{"PrivateIncidents", testPrivateIncidents},
		{"IncidentNotFound", testIncidentNotFound},
		{"ListIncidents", testListIncidents},
		{"IncidentRoles", testIncidentRoles},
		{"Events", testEvents},
		{"EventsConcurrentAppends", testEventsConcurrent},
		{"EventsVerbatim", testEventsVerbatim},
		{"TxCommitsTogether", testTxCommit},
		{"TxRollsBackTogether", testTxRollback},
		{"OutboxRoundTrip", testOutboxRoundTrip},
		{"OutboxChannelOrder", testOutboxChannelOrder},
		{"OutboxRetry", testOutboxRetry},
		{"OutboxNotDueYet", testOutboxNotDueYet},
		{"OutboxLeaseExpiry", testOutboxLease},
		{"OutboxKill", testOutboxKill},
		{"OutboxStaleWorker", testOutboxStaleWorker},
		{"OutboxMarkDeliveredMany", testOutboxMarkDeliveredMany},
		{"OutboxHandoff", testOutboxHandoff},
		{"OutboxClaimLimit", testOutboxLimit},
		{"OutboxConcurrentWorkers", testOutboxConcurrentWorkers},
		{"OutboxStats", testOutboxStats},
		{"OutboxWake", testOutboxWake},
		{"OutboxPrune", testOutboxPrune},
		{"OutboxDefer", testOutboxDefer},
		{"MessageRefs", testMessageRefs},
		{"Dedupe", testDedupe},
		{"DedupeLater", testDedupeLater},
		{"Audit", testAudit},
	})
	t.Run("Checkins", func(t *testing.T) { runTests(t, newStore, checkinTests) })
	t.Run("Drafts", func(t *testing.T) { runTests(t, newStore, draftTests) })
	t.Run("ActionRuns", func(t *testing.T) { runTests(t, newStore, actionRunTests) })
	t.Run("Alerts", func(t *testing.T) { runTests(t, newStore, alertTests) })
	t.Run("Pages", func(t *testing.T) { runTests(t, newStore, pageTests) })
	t.Run("Signin", func(t *testing.T) { runTests(t, newStore, signinTests) })
	t.Run("FollowUps", func(t *testing.T) { runTests(t, newStore, followUpTests) })
	t.Run("Probes", func(t *testing.T) { runTests(t, newStore, probeTests) })
	t.Run("Readiness", func(t *testing.T) { runTests(t, newStore, readinessTests) })
	t.Run("Changes", func(t *testing.T) { runTests(t, newStore, changeTests) })
}

// storeTest is one test of the suite, run as a subtest named name.
type storeTest struct {
	name string
	fn   func(t *testing.T, s storage.Store)
}

// runTests runs each test as a subtest on a fresh store from newStore.
func runTests(t *testing.T, newStore func(t testing.TB) storage.Store, tests []storeTest) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}
