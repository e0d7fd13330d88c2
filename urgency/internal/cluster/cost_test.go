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

// bruteSimilar is Similar by its definition, from every doc indexed: of
// each feature of q that is not frequent, the docs holding it sorted, the
// perWord latest created no later than until (or, for a candidate's
// nearest docs, nearest q on both sides) read; of those read, the scored
// (scoredNear) sharing most of q's weight scored in full; the best k of
// them. What the lookup's bounds must not change.
func bruteSimilar(x *Index, docs []*Doc, q *Doc, k int, kind lookupKind, until int64, eligible func(*Doc) bool) []Match {
	shared := make(map[*Doc]float64)
	for i, ft := range q.Feats {
		if x.df.frequent(ft.Hash) {
			continue
		}
		w := float64(q.iw[i]) * x.df.idf(ft.Hash)
		var with []*Doc
		for _, d := range docs {
			if _, ok := d.find(ft.Hash); ok && d.indexed && d != q && (kind == around || d.Created <= until) {
				with = append(with, d)
			}
		}
		slices.SortFunc(with, Compare)
		var read []*Doc
		if kind == around {
			at, _ := slices.BinarySearchFunc(with, q, Compare)
			before, after := with[:at], with[at:]
			for len(read) < x.perWord && len(before)+len(after) > 0 {
				if len(before) > 0 {
					read, before = append(read, before[len(before)-1]), before[:len(before)-1]
				}
				if len(read) < x.perWord && len(after) > 0 {
					read, after = append(read, after[0]), after[1:]
				}
			}
		} else {
			read = with[max(0, len(with)-x.perWord):]
		}
		for _, d := range read {
			shared[d] += w * w
		}
	}
	var cands []cand
	for d, sh := range shared {
		if eligible(d) {
			cands = append(cands, cand{d: d, shared: sh})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	scored := x.scored
	if kind == around {
		scored = x.scoredNear
	}
	idfs := make([]float64, len(q.Feats))
	for i, ft := range q.Feats {
		idfs[i] = x.df.idf(ft.Hash)
	}
	var out []Match
	for _, c := range cands[:min(scored, len(cands))] {
		d := c.d
		s := cosine(dotIW(idfs, q, d), x.length(q), x.length(d))
		if s <= 0 {
			continue
		}
		if kind == penalised {
			near := bruteSimilar(x, docs, d, 4, around, 0, func(*Doc) bool { return true })
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

// The lookup, which stops early and skips candidates whose bound less
// their penalty is too low, finds what its definition does, through
// additions and removals, with many ties; with bounds on the docs read
// and scored that leave some out and with bounds that leave none out;
// and docs added in no order, so that the lists of docs by feature are
// sorted again.
func TestIndexSimilarIsExhaustive(t *testing.T) {
	for _, bounds := range [][3]int{{perWordDocs, scoredCandidates, scoredNear}, {6, 9, 5}, {3, 1, 2}, {2, 60, 8}, {4, 300, 300}} {
		t.Run(fmt.Sprint(bounds), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			x := NewIndex()
			x.perWord, x.scored, x.scoredNear = bounds[0], bounds[1], bounds[2]
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
					until := int64(math.MaxInt64)
					if rng.IntN(2) == 0 {
						until = q.Created
					}
					odd := func(d *Doc) bool { return d.ID[len(d.ID)-1]%2 == 1 }
					if rng.IntN(3) != 0 {
						odd = func(*Doc) bool { return true }
					}
					want := bruteSimilar(x, docs, q, k, penalised, until, odd)
					got := x.Similar(q, k, until, odd)
					require.Equal(t, len(want), len(got), "query %s, k %d", q.ID, k)
					for j := range want {
						require.Equal(t, want[j].Doc.ID, got[j].Doc.ID, "query %s, k %d, place %d", q.ID, k, j)
						require.Equal(t, want[j].Score, got[j].Score)
					}
				}
			}
		})
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
		g.postings = len(docs) // every doc of a window is met: the definition
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

// A lookup's answer is a function of the docs indexed, whatever the order
// they came in, with bounds on the docs read that leave most out: docs
// far out of canonical order go to a feature's late run, read with the
// rest, docs near their place are moved to their place.
func TestIndexSimilarIsOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var docs []*Doc
	for i := range 1000 {
		var hs []uint64
		if i%6 == 0 {
			hs = append(hs, 1) // in more docs than insertWithin, not frequent
		}
		for range 2 + rng.IntN(5) {
			hs = append(hs, 2+rng.Uint64N(60))
		}
		docs = append(docs, doc(fmt.Sprintf("d%03d", i), int64(i/3), hs...))
	}
	answers := func(order []int) []string {
		for _, d := range docs {
			*d = Doc{ID: d.ID, Created: d.Created, Feats: d.Feats}
		}
		x := NewIndex()
		x.perWord, x.scored, x.scoredNear = 8, 12, 6
		for _, i := range order {
			x.Add(docs[i])
		}
		var out []string
		for _, q := range everyNth(docs, 25) {
			out = append(out, fmt.Sprint(ids(x.Similar(q, 3, q.Created, func(*Doc) bool { return true }))))
		}
		return out
	}
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	want := answers(order)
	for range 4 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		require.Equal(t, want, answers(order))
	}
	// Near their place: swapped with a neighbour.
	for i := range order {
		order[i] = i
	}
	for i := 0; i+1 < len(order); i += 2 {
		order[i], order[i+1] = order[i+1], order[i]
	}
	require.Equal(t, want, answers(order))
}

func everyNth(docs []*Doc, n int) []*Doc {
	var out []*Doc
	for i := 0; i < len(docs); i += n {
		out = append(out, docs[i])
	}
	return out
}

// A lookup reads at most perWord docs of each feature, however many docs
// have it: the latest created no later than the time given, or the
// nearest on both sides for a candidate's nearest docs.
func TestIndexLookupReadsABoundedNumber(t *testing.T) {
	x := NewIndex()
	var docs []*Doc
	for i := range 3000 {
		hs := []uint64{uint64(1000 + i)}
		if i%6 == 0 {
			hs = append(hs, 1) // in 500 docs: not frequent
		}
		d := doc(fmt.Sprintf("d%04d", i), int64(i), hs...)
		docs = append(docs, d)
		x.Add(d)
	}
	q := docs[1800]
	var sc indexScratch
	cands, _, _, _ := x.gather(q, penalised, q.Created, nextStamp(), &sc)
	require.Len(t, cands, perWordDocs)
	for _, c := range cands {
		assert.LessOrEqual(t, c.d.Created, q.Created)
		assert.Greater(t, c.d.Created, q.Created-6*(perWordDocs+1))
	}
	require.Len(t, sc.unread, 1, "the feature not read in full")
	cands, _, _, _ = x.gather(q, around, 0, nextStamp(), &sc)
	require.Len(t, cands, perWordDocs)
	before := 0
	for _, c := range cands {
		if c.d.Created < q.Created {
			before++
		}
	}
	assert.Equal(t, perWordDocs/2, before, "as many before as after")
}
