package bot

import (
	"bytes"
	"hash/maphash"
	"sync"
)

// maxMemoOps bounds opMemo: past it (a backlog, or units of work rolled
// back after enqueuing) it starts over, and payloads are decoded.
const maxMemoOps = 1024

// opMemo remembers the Op behind each outbox payload this process
// enqueued, so that delivering it does not decode the JSON it was encoded
// to moments before: a post's message decodes in tens of microseconds,
// as much CPU as the Web API call costs the process. It is keyed by
// content: an entry serves only a payload byte for byte equal to the one
// it was made from, so a message another replica enqueued, one redaction
// changed, or one whose unit of work rolled back is simply decoded. An
// entry serves once (a retry decodes).
type opMemo struct {
	mu sync.Mutex
	m  map[uint64]memoOp
}

// memoOp is an Op and the payload it was encoded to.
type memoOp struct {
	payload []byte
	op      Op
}

// enqueuedOps is the process's opMemo: engines fill it, senders read it.
var enqueuedOps opMemo

var memoSeed = maphash.MakeSeed()

// put remembers that payload is op's encoding.
func (c *opMemo) put(payload []byte, op Op) {
	h := maphash.Bytes(memoSeed, payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxMemoOps {
		c.m = make(map[uint64]memoOp, 64)
	}
	c.m[h] = memoOp{payload: payload, op: op}
}

// take returns the Op payload encodes, if it was put, and forgets it.
func (c *opMemo) take(payload []byte) (Op, bool) {
	h := maphash.Bytes(memoSeed, payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[h]
	if !ok || !bytes.Equal(e.payload, payload) {
		return Op{}, false
	}
	delete(c.m, h)
	return e.op, true
}
