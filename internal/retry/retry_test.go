package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDoRetriesUntilSuccess(t *testing.T) {
	tries, waits := 0, []time.Duration{}
	err := Do(context.Background(), Policy{First: time.Millisecond, Longest: 4 * time.Millisecond}, func(func()) error {
		tries++
		if tries < 5 {
			return errors.New("down")
		}
		return nil
	}, func(_ error, next time.Duration) { waits = append(waits, next) })
	if err != nil || tries != 5 || len(waits) != 4 {
		t.Fatalf("err %v after %d tries and waits %v; want success on the 5th", err, tries, waits)
	}
	for _, w := range waits {
		if w < 800*time.Microsecond || w > 5*time.Millisecond {
			t.Errorf("wait %v outside 1ms..4ms ±20%%", w)
		}
	}
}

func TestDoStopsOnPermanentTriesAndContext(t *testing.T) {
	boom := errors.New("rejected token")
	tries := 0
	if err := Do(context.Background(), Policy{First: time.Millisecond, Longest: time.Millisecond}, func(func()) error {
		tries++
		return Permanent(boom)
	}, nil); !errors.Is(err, boom) || tries != 1 {
		t.Errorf("permanent: %v after %d tries", err, tries)
	}
	tries = 0
	if err := Do(context.Background(), Policy{First: time.Millisecond, Longest: time.Millisecond, Tries: 3}, func(func()) error {
		tries++
		return boom
	}, nil); !errors.Is(err, boom) || tries != 3 {
		t.Errorf("bounded: %v after %d tries", err, tries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := Do(ctx, Policy{First: time.Hour, Longest: time.Hour}, func(func()) error { return boom }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRetryAfterAndReset(t *testing.T) {
	var waits []time.Duration
	tries := 0
	_ = Do(context.Background(), Policy{First: time.Millisecond, Longest: time.Second}, func(reset func()) error {
		tries++
		switch tries {
		case 1:
			return After(3 * time.Millisecond)
		case 2, 3, 4:
			return errors.New("down")
		case 5:
			reset() // connected, then dropped: start over
			return errors.New("dropped")
		}
		return nil
	}, func(_ error, next time.Duration) { waits = append(waits, next) })
	if waits[0] != 3*time.Millisecond {
		t.Errorf("first wait %v, want the server's 3ms", waits[0])
	}
	if last := waits[len(waits)-1]; last > 2*time.Millisecond {
		t.Errorf("wait after a reset %v, want back at ~1ms", last)
	}
}
