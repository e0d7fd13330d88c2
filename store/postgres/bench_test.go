package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/triagekit/triage/urgency"
)

// BenchmarkReplicasAdd: 1, 2 and 4 replicas on one machine, each adding
// its own tickets, one a call (one transaction each) or 100 a call,
// against one queue in memory. tickets/s is the total of all the
// replicas.
func BenchmarkReplicasAdd(b *testing.B) {
	e := defaultEngine(b)
	pool := sampleTickets(b, 20_000)
	b.Run("memory", func(b *testing.B) {
		q := mustQueue(urgency.NewQueue(e))
		i := 0
		for b.Loop() {
			q.Add(pool[i%len(pool)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
	})
	for _, n := range []int{1, 2, 4} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("replicas=%d/batch=%d", n, batch), func(b *testing.B) {
				dsn, _ := testDSN(b)
				replicas := make([]*urgency.Queue, n)
				for r := range n {
					replicas[r] = mustQueue(urgency.NewQueue(e, urgency.WithStore(openStore(b, dsn, fmt.Sprintf("r%d", r)))))
					defer replicas[r].Close()
				}
				b.ResetTimer()
				var wg sync.WaitGroup
				for r := range n {
					wg.Go(func() {
						// Replica r adds the batches r, r+n, r+2n... of the
						// b.N tickets.
						for lo := r * batch; lo < b.N; lo += n * batch {
							tickets := make([]urgency.Ticket, 0, batch)
							for i := lo; i < min(lo+batch, b.N); i++ {
								tickets = append(tickets, pool[i%len(pool)])
							}
							if err := replicas[r].AddContext(context.Background(), tickets...); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
			})
		}
	}
}

// BenchmarkReplicaRanked is Ranked on a replica with 10k open tickets
// (BenchmarkReplicaRanked100k: 100k), against a queue in memory: with no
// change since the last read (the read only asks the database for
// changes), and right after another replica added a ticket (untimed), so
// that the read applies it and regroups what it reaches. catch-up-only
// is the read's question to the database alone, with no change.
func BenchmarkReplicaRanked(b *testing.B) { benchRanked(b, 10_000) }

func BenchmarkReplicaRanked100k(b *testing.B) { benchRanked(b, 100_000) }

func benchRanked(b *testing.B, n int) {
	e := defaultEngine(b)
	pool := sampleTickets(b, n+b.N+1000)
	now := pool[n-1].CreatedAt.Add(time.Hour)
	b.Run("memory", func(b *testing.B) {
		q := mustQueue(urgency.NewQueue(e))
		q.Add(pool[:n]...)
		q.Ranked(now)
		for b.Loop() {
			q.Ranked(now)
		}
	})
	dsn, _ := testDSN(b)
	writer := openStore(b, dsn, "writer")
	for lo := 0; lo < n; lo += 5000 {
		if err := writer.Put(context.Background(), pool[lo:min(lo+5000, n)]); err != nil {
			b.Fatal(err)
		}
	}
	for _, replicas := range []int{2, 4} {
		// The other replicas are open and listening, idle.
		qs := make([]*urgency.Queue, replicas)
		for r := range replicas {
			qs[r] = mustQueue(urgency.NewQueue(e, urgency.WithStore(openStore(b, dsn, fmt.Sprintf("r%d", r)))))
			defer qs[r].Close()
		}
		for _, q := range qs {
			// Each has read the whole set before the timing starts.
			if err := q.Refresh(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		q := qs[0]
		q.Ranked(now)
		b.Run(fmt.Sprintf("replicas=%d/no-change", replicas), func(b *testing.B) {
			for b.Loop() {
				q.Ranked(now)
			}
		})
		b.Run(fmt.Sprintf("replicas=%d/catch-up-only", replicas), func(b *testing.B) {
			for b.Loop() {
				if err := q.Refresh(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
		next := n
		b.Run(fmt.Sprintf("replicas=%d/after-add", replicas), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if err := qs[1].AddContext(context.Background(), pool[next%len(pool)]); err != nil {
					b.Fatal(err)
				}
				next++
				b.StartTimer()
				q.Ranked(now)
			}
		})
		if err := q.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
