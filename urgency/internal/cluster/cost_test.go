package cluster

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The memoized idf is the same number as computed afresh, whatever the
// order docs and counts change in, and whichever counts share a table.
func TestIDFMemoIsExact(t *testing.T) {
	f := newDF()
	for _, docs := range []int{0, 1, 2, 5, 4, 3, 100, 104, 1000, 3, 0, maxIDFMemo + 7} {
		f.docs = docs
		for _, n := range []int32{0, 1, 2, 3, 50, 99, 1000, maxIDFMemo - 1, maxIDFMemo, maxIDFMemo + 3} {
			for range 2 {
				want := math.Log(1 + float64(docs+1)/float64(n+1))
				if got := f.idfOf(n); got != want {
					t.Fatalf("idfOf(%d) with %d docs = %v, want %v", n, docs, got, want)
				}
			}
		}
	}
}

// bruteSimilar is Similar by scoring every doc indexed that shares a
// feature with q that is not frequent, and sorting them all: what the
// lookup's bounds must not change.
func bruteSimilar(x *Index, docs []*Doc, q *Doc, k int, penalise bool) []Match {
	score := func(a, b *Doc) float64 {
		idfs := make([]float64, len(a.Feats))
		for i, ft := range a.Feats {
			idfs[i] = x.df.idf(ft.Hash)
		}
		return cosine(dotIW(idfs, a, b), x.length(a), x.length(b))
	}
	var out []Match
	for _, d := range docs {
		if d == q || !d.indexed || !sharesRare(x, q, d) {
			continue
		}
		s := score(q, d)
		if s <= 0 {
			continue
		}
		if penalise {
			near := bruteSimilar(x, docs, d, 4, false)
			var sum float64
			n := 0
			for _, m := range near {
				if m.Doc != q && n < 3 {
					sum += m.Score
					n++
				}
			}
			if s = math.Round((s-hubPenalty*sum/3)*1e9) / 1e9; s <= 0 {
				continue
			}
		}
		out = append(out, Match{d, s})
	}
	slices.SortFunc(out, func(a, b Match) int { return cmp.Or(cmp.Compare(b.Score, a.Score), Compare(a.Doc, b.Doc)) })
	return out[:min(k, len(out))]
}

func sharesRare(x *Index, a, b *Doc) bool {
	for _, fa := range a.Feats {
		for _, fb := range b.Feats {
			if fa.Hash == fb.Hash && !x.df.frequent(fa.Hash) {
				return true
			}
		}
	}
	return false
}

// The lookup, which stops early and skips candidates whose bound less
// their penalty is too low, finds what scoring every doc finds, through
// additions and removals, with many ties.
func TestIndexSimilarIsExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := NewIndex()
	var docs []*Doc
	for i := range 300 {
		var hs []uint64
		for range 2 + rng.IntN(6) {
			hs = append(hs, 1+rng.Uint64N(40))
		}
		d := doc(fmt.Sprintf("d%03d", i), int64(rng.IntN(20)), hs...)
		docs = append(docs, d)
		x.Add(d)
		if i%7 == 3 {
			x.Remove(docs[rng.IntN(len(docs))])
		}
		if i%10 != 9 {
			continue
		}
		for range 5 {
			q := docs[rng.IntN(len(docs))]
			if !q.indexed {
				continue
			}
			k := 1 + rng.IntN(6)
			want := bruteSimilar(x, docs, q, k, true)
			got := x.Similar(q, k, func(*Doc) bool { return true })
			require.Equal(t, len(want), len(got), "query %s, k %d", q.ID, k)
			for j := range want {
				require.Equal(t, want[j].Doc.ID, got[j].Doc.ID, "query %s, k %d, place %d", q.ID, k, j)
				require.Equal(t, want[j].Score, got[j].Score)
			}
		}
	}
}
