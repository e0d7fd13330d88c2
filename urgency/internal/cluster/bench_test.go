package cluster

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
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

// BenchmarkSimilar is one lookup (k 5, among the docs created no later
// than the doc looked up) in an index of 10k or 100k docs, each of 40
// words drawn with a Zipf law from 50,000 (a few in most docs, most in
// few), counted once to thrice. The docs looked up are spread over the
// index; their candidates' nearest docs are cached from one lookup to the
// next, as in a series of lookups of an unchanging index.
func BenchmarkSimilar(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
			x := NewIndex()
			docs := make([]*Doc, n)
			for i := range docs {
				d := &Doc{ID: fmt.Sprintf("d%07d", i), Created: int64(i)}
				for range 40 {
					d.Feats = append(d.Feats, Feature{Hash: 1 + zipf.Uint64(), Weight: float32(1 + rng.IntN(3))})
				}
				slices.SortFunc(d.Feats, func(a, b Feature) int { return cmp.Compare(a.Hash, b.Hash) })
				d.Feats = slices.CompactFunc(d.Feats, func(a, b Feature) bool { return a.Hash == b.Hash })
				docs[i] = d
				x.Add(d)
			}
			all := func(*Doc) bool { return true }
			b.ResetTimer()
			for i := range b.N {
				q := docs[(i*7919)%n]
				x.Similar(q, 5, q.Created, all)
			}
		})
	}
}
