package sqlite

// OutboxWake receives (coalesced) after a transaction that enqueued outbox
// messages has committed in this process.
func (s *Store) OutboxWake() <-chan struct{} { return s.wake }

func (s *Store) signalOutbox() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending: coalesce
	}
}
