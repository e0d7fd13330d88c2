package cluster

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
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

// bruteAssign is the grouping of docs (in canonical order) by comparing
// each doc with every doc of its window that shares a feature with it
// that is not frequent: what the grouper's bounds must not change.
func bruteAssign(p Params, docs []*Doc) []*Doc {
	leaders := make([]*Doc, len(docs))
	byDoc := make(map[*Doc]int)
	for i, d := range docs {
		byDoc[d] = i
		cut := SubSat(d.Created, p.Window)
		f := newDF()
		var window []*Doc
		for _, c := range docs[:i+1] {
			if c.Created >= cut {
				f.add(c)
				window = append(window, c)
			}
		}
		type agg struct {
			best  float64
			led   bool
			links int
		}
		votes := make(map[*Doc]*agg)
		for _, c := range window[:len(window)-1] {
			l := leaders[byDoc[c]]
			if l.Created < cut || !sharesRareDF(f, d, c) {
				continue
			}
			if votes[l] == nil {
				votes[l] = &agg{}
			}
			v := votes[l]
			s := f.similarity(d, c)
			if s < p.Similarity*memberShare || l == c && s < p.Similarity {
				continue
			}
			if s >= p.Similarity {
				v.best = max(v.best, s)
			}
			if l == c {
				v.led = true
			} else {
				v.links++
			}
		}
		leaders[i] = d
		var best *agg
		for l, v := range votes {
			if !v.led && v.links < memberLinks {
				continue
			}
			if best == nil || v.best > best.best || v.best == best.best && Compare(l, leaders[i]) < 0 {
				best, leaders[i] = v, l
			}
		}
	}
	return leaders
}

func sharesRareDF(f *df, a, b *Doc) bool {
	for _, fa := range a.Feats {
		for _, fb := range b.Feats {
			if fa.Hash == fb.Hash && !f.frequent(fa.Hash) {
				return true
			}
		}
	}
	return false
}

// The grouper, which compares a doc only with the docs its bounds leave,
// groups as comparing it with every doc of its window does: docs of a few
// templates with words of their own, in dense bursts, so that clusters
// grow by their leader and by member links.
func TestGrouperIsExhaustive(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 9))
		p := Params{Window: 60, Similarity: 0.5}
		var docs []*Doc
		for i := range 400 {
			tpl := uint64(rng.IntN(6)) * 100
			hs := []uint64{tpl + 1, tpl + 2, tpl + 3 + uint64(rng.IntN(4))}
			for range rng.IntN(3) {
				hs = append(hs, 1000+uint64(rng.IntN(400)))
			}
			hs = append(hs, uint64(rng.IntN(3))) // common words
			docs = append(docs, doc(fmt.Sprintf("d%03d", i), int64(i/3), hs...))
		}
		g := NewGrouper(p)
		for _, d := range docs {
			g.Assign(d)
		}
		want := bruteAssign(p, docs)
		links := 0
		for i, d := range docs {
			require.Equal(t, want[i].ID, d.Leader().ID, "seed %d, doc %d", seed, i)
			if d.Leader() != d {
				links++
			}
		}
		assert.Greater(t, links, 100, "docs join clusters")
	}
}
