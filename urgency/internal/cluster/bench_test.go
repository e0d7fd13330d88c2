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
// few), counted once to thrice; the docs looked up are spread over the
// later half of the index. series: a series of lookups of an unchanging
// index, as urgency similar makes, its candidates' nearest docs cached
// from one lookup to the next. after-change: a doc added and removed
// before each lookup, as a live queue changes between lookups, so that
// no nearest docs are known.
func BenchmarkSimilar(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		rng := rand.New(rand.NewPCG(1, 2))
		zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
		docs := make([]*Doc, n+1)
		for i := range docs {
			d := &Doc{ID: fmt.Sprintf("d%07d", i), Created: int64(i)}
			for range 40 {
				d.Feats = append(d.Feats, Feature{Hash: 1 + zipf.Uint64(), Weight: float32(1 + rng.IntN(3))})
			}
			slices.SortFunc(d.Feats, func(a, b Feature) int { return cmp.Compare(a.Hash, b.Hash) })
			d.Feats = slices.CompactFunc(d.Feats, func(a, b Feature) bool { return a.Hash == b.Hash })
			docs[i] = d
		}
		extra := docs[n]
		docs = docs[:n]
		for _, change := range []bool{false, true} {
			name := fmt.Sprintf("%dk/series", n/1000)
			if change {
				name = fmt.Sprintf("%dk/after-change", n/1000)
			}
			b.Run(name, func(b *testing.B) {
				x := NewIndex()
				for _, d := range docs {
					*d = Doc{ID: d.ID, Created: d.Created, Feats: d.Feats}
					x.Add(d)
				}
				all := func(*Doc) bool { return true }
				b.ResetTimer()
				for i := range b.N {
					if change {
						*extra = Doc{ID: extra.ID, Created: extra.Created, Feats: extra.Feats}
						x.Add(extra)
						x.Remove(extra)
					}
					q := docs[n/2+(i*7919)%(n/2)]
					x.Similar(q, 5, q.Created, all)
				}
			})
		}
	}
}

// BenchmarkSimilarReverseOrder adds 5k, 20k or 80k docs in reverse
// canonical order to an index, looking each up once added, as a queue
// given tickets newest first: each doc holds one of 10 and one of 7 words
// (each in a tenth or a seventh of the docs, not frequent) and a word of
// its own. ns/doc is an add and a lookup; it should not grow with the docs.
func BenchmarkSimilarReverseOrder(b *testing.B) {
	for _, n := range []int{5_000, 20_000, 80_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			docs := make([]*Doc, n)
			for i := range docs {
				docs[i] = &Doc{ID: fmt.Sprintf("d%07d", i), Created: int64(i), Feats: []Feature{
					{Hash: uint64(1 + i%10), Weight: 1}, {Hash: uint64(11 + i%7), Weight: 1}, {Hash: uint64(100 + i), Weight: 1},
				}}
			}
			all := func(*Doc) bool { return true }
			for range b.N {
				x := NewIndex()
				for i := n - 1; i >= 0; i-- {
					d := docs[i]
					*d = Doc{ID: d.ID, Created: d.Created, Feats: d.Feats}
					x.Add(d)
					x.Similar(d, 5, d.Created, all)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/doc")
		})
	}
}
