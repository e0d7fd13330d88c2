package cluster

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSetSlidingWindow is the grouping alone of a queue in its
// steady state: 10k docs open, one in and the oldest out per op, a Sync
// every 100 ops. Docs are 15 words of 5,000, one in 100 a report of a
// problem that recurs all along (a chain of clusters, one per window);
// the window holds 3,600 docs. no-removals is the same without removals.
func BenchmarkSetSlidingWindow(b *testing.B) {
	const open, every = 10_000, 100
	p := Params{Window: 3600 * 2, Similarity: 0.5}
	make := func(n int) []*Doc {
		rng := rand.New(rand.NewPCG(1, 2))
		docs := make([]*Doc, n)
		for i := range docs {
			var hs []uint64
			for range 15 {
				hs = append(hs, 1+rng.Uint64N(5000))
			}
			if i%100 == 50 {
				hs = append(hs[:4], 10001, 10002, 10003, 10004, 10005)
			}
			docs[i] = doc(fmt.Sprintf("d%07d", i), int64(i*2), hs...)
		}
		return docs
	}
	for _, removals := range []bool{true, false} {
		name := "remove-oldest"
		if !removals {
			name = "no-removals"
		}
		b.Run(name, func(b *testing.B) {
			docs := make(open + max(b.N, 100_000))
			s := NewSet(p)
			for _, d := range docs[:open] {
				s.Add(d)
			}
			s.Sync()
			b.ResetTimer()
			for i := range b.N {
				s.Add(docs[open+i])
				if removals {
					s.Remove(docs[i])
				}
				if (i+1)%every == 0 {
					s.Sync()
				}
			}
		})
	}
}
