package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A doc added far out of canonical order goes to its list's late run: a
// lookup after it reads the list as it is, rather than sorting it, so
// that tickets arriving in reverse order do not make every lookup cost in
// proportion to the list.
func TestIndexOutOfOrderAddLeavesListInPlace(t *testing.T) {
	x := NewIndex()
	var docs []*Doc
	for i := range 6000 {
		hs := []uint64{uint64(1000 + i)}
		if i%6 == 0 {
			hs = append(hs, 1) // in 1000 docs: not frequent
		}
		d := doc(fmt.Sprintf("d%05d", i), int64(100_000+i), hs...)
		docs = append(docs, d)
		x.Add(d)
	}
	all := func(*Doc) bool { return true }
	q := docs[5994]
	x.Similar(q, 3, q.Created, all)
	was := slices.Clone(x.postings[1].docs)
	for i := range 200 {
		x.Add(doc(fmt.Sprintf("e%05d", i), int64(100_000-i), 1, uint64(9000+i)))
		if i%50 == 49 {
			x.Similar(q, 3, q.Created, all)
		}
	}
	assert.True(t, slices.Equal(was, x.postings[1].docs[:len(was)]), "the list's docs stay where they are")
}

// A long-lived index answers as a fresh one given its docs, and as the
// lookup's definition: through removals, IDs added again, docs at the
// ends of time and docs far out of canonical order, their late runs
// merged.
func TestIndexLongLivedEqualsFresh(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	times := []int64{math.MinInt64, math.MaxInt64, 0, 5}
	mk := func(i int) *Doc {
		var hs []uint64
		if rng.IntN(6) == 0 {
			hs = append(hs, 1)
		}
		if rng.IntN(7) == 0 {
			hs = append(hs, 2)
		}
		for range 1 + rng.IntN(4) {
			hs = append(hs, 3+rng.Uint64N(25))
		}
		c := int64(rng.IntN(60))
		switch {
		case rng.IntN(8) == 0:
			c = times[rng.IntN(len(times))]
		case i >= 1000 && rng.IntN(4) > 0:
			c = int64(100_000 - i) // in reverse order
		}
		return doc(fmt.Sprintf("t%d", rng.IntN(10_000)), c, hs...)
	}
	small := func(x *Index) *Index {
		x.perWord, x.scored, x.scoredNear = 6, 10, 5
		return x
	}
	x := small(NewIndex())
	live := map[string]*Doc{}
	all := func(*Doc) bool { return true }
	merged, late := false, 0
	for step := range 9000 {
		if rng.IntN(5) > 0 {
			d := mk(step)
			if old := live[d.ID]; old != nil {
				x.Remove(old)
			}
			live[d.ID] = d
			x.Add(d)
		} else {
			for id, d := range live {
				x.Remove(d)
				delete(live, id)
				break
			}
		}
		if pl := x.postings[1]; pl != nil {
			merged = merged || late > 200 && len(pl.late) == 0
			late = len(pl.late)
		}
		if rng.IntN(5) == 0 {
			for _, d := range live {
				x.Similar(d, 3, d.Created, all) // cached nearest docs
				break
			}
		}
		if step%3000 != 2999 {
			continue
		}
		qs := make([]*Doc, 0, len(live))
		for _, d := range live {
			qs = append(qs, d)
		}
		slices.SortFunc(qs, Compare)
		f := small(NewIndex())
		fresh := make([]*Doc, len(qs))
		for i, d := range qs {
			fresh[i] = &Doc{ID: d.ID, Created: d.Created, Feats: d.Feats, Subject: d.Subject}
		}
		for _, i := range rng.Perm(len(qs)) {
			f.Add(fresh[i])
		}
		for i, q := range qs {
			want := ids(f.Similar(fresh[i], 3, q.Created, all))
			require.Equal(t, want, ids(x.Similar(q, 3, q.Created, all)), "step %d, %s", step, q.ID)
		}
		for range 6 {
			q := qs[rng.IntN(len(qs))]
			until := int64(math.MaxInt64)
			if rng.IntN(2) == 0 {
				until = q.Created
			}
			require.Equal(t, bruteSimilar(x, qs, q, 3, penalised, until, all), x.Similar(q, 3, until, all), "step %d, %s", step, q.ID)
		}
	}
	assert.True(t, merged, "a late run was merged")
}
