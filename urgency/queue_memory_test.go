package urgency_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/triagekit/triage/urgency"
)

// memoryBound is how much more live heap a queue may hold, after all
// its tickets are gone, than an empty queue: generous against the 130 MiB
// of the tickets it was given.
const memoryBound = 2 << 20

// TestQueueMemoryFollowsOpenTickets (issue 11, defect 5: adding and
// removing 20,000 tickets, the queue empty throughout, left 120 MiB on
// the heap, text included). A queue's memory must follow its open
// tickets: after 20,000 tickets of 6 KiB have gone through it, one at a
// time, with reads or without, or all at once, the live heap is back to
// within memoryBound of the empty queue's. It measures bytes, not time.
func TestQueueMemoryFollowsOpenTickets(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	eng := loadDefault(t)
	const n = 20_000
	id := func(i int) string { return fmt.Sprintf("M-%06d", i) }
	remove := func(t *testing.T, q *urgency.Queue, i int) {
		if !q.Remove(id(i)) {
			t.Fatalf("%s was not in the queue", id(i))
		}
	}
	for _, c := range []struct {
		name string
		run  func(t *testing.T, q *urgency.Queue)
	}{
		{"one-at-a-time", func(t *testing.T, q *urgency.Queue) {
			for i := range n {
				q.Add(memoryTicket(i))
				remove(t, q, i)
			}
		}},
		{"one-at-a-time-with-reads", func(t *testing.T, q *urgency.Queue) {
			for i := range n {
				q.Add(memoryTicket(i))
				if i%1000 == 0 {
					q.Ranked(benchNow)
					q.Clusters(benchNow)
					q.Similar(id(i), 3)
				}
				remove(t, q, i)
			}
		}},
		{"all-then-drained", func(t *testing.T, q *urgency.Queue) {
			for i := range n {
				q.Add(memoryTicket(i))
			}
			q.Ranked(benchNow)
			q.Similar(id(7), 3)
			for i := range n {
				remove(t, q, i)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := mustQueue(urgency.NewQueue(eng))
			// What a queue that has held one ticket holds.
			q.Add(memoryTicket(-1))
			q.Ranked(benchNow)
			q.Remove(id(-1))
			before := liveHeap()
			c.run(t, q)
			q.Ranked(benchNow)
			if q.Len() != 0 {
				t.Fatalf("%d tickets left", q.Len())
			}
			after := liveHeap()
			runtime.KeepAlive(q)
			grown := int64(after) - int64(before)
			t.Logf("live heap grew by %d bytes (%d to %d)", grown, before, after)
			if grown > memoryBound {
				t.Errorf("after %d tickets went through the queue it holds %.1f MiB more than before, over %d MiB",
					n, float64(grown)/(1<<20), memoryBound>>20)
			}
		})
	}
}

// memoryTicket is the ith ticket of the memory test: 6 KiB of text.
func memoryTicket(i int) urgency.Ticket {
	return urgency.Ticket{
		ID:        fmt.Sprintf("M-%06d", i),
		Subject:   fmt.Sprintf("Export %d fails with error E%d", i, 500+i%300),
		Body:      fmt.Sprintf("Ticket %d, word%d: %s", i, i, memoryFiller),
		CreatedAt: benchNow.Add(time.Duration(i-20_000) * time.Minute),
		Customer:  urgency.Customer{ID: fmt.Sprintf("C-%d", i)},
	}
}

var memoryFiller = strings.Repeat("the export stops halfway and the file is empty ", 128) // 6 KiB

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
