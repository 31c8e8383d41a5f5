package bottest

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that many goroutines may write at once: the log
// or the terminal output of an adapter, its sender and its handlers, read
// by the test (to find a reply, or to make sure no secret was logged).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
