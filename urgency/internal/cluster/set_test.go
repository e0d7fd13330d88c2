package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// onePass groups copies of docs in one pass in canonical order and
// returns each doc's leader by ID.
func onePass(p Params, docs []*Doc) map[string]string {
	copies := make([]*Doc, len(docs))
	for i, d := range docs {
		copies[i] = &Doc{ID: d.ID, Created: d.Created, Customer: d.Customer, Feats: d.Feats, Subject: d.Subject}
	}
	slices.SortFunc(copies, Compare)
	g := NewGrouper(p)
	out := make(map[string]string)
	for _, d := range copies {
		g.Assign(d)
		out[d.ID] = d.Leader().ID
	}
	return out
}

func leaders(s *Set) map[string]string {
	out := make(map[string]string)
	for d := range s.All() {
		out[d.ID] = d.Leader().ID
	}
	return out
}

// TestSetIsOnePass drives sets through random histories (adds, removals,
// re-adds, replacements, late docs, docs at the same time, batches of
// changes between syncs; sparse kinds of docs and dense ones) and requires after every Sync the clusters of
// one pass over the docs the set holds.
func TestSetIsOnePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 60 {
		p := Params{Window: int64(20 + rng.IntN(200)), Similarity: 0.3 + 0.3*rng.Float64()}
		span := 50 + rng.IntN(2000)
		kinds := 3 + rng.IntN(20)
		// In odd rounds the docs of a kind are each a few of its six
		// words: docs alike to several of a cluster's docs but not to its
		// leader, whose joining depends on the clusters of others.
		dense := round%2 == 1
		if dense {
			p.Window, span, kinds = int64(10+rng.IntN(40)), 100+rng.IntN(200), 1+rng.IntN(3)
		}
		newDoc := func(id string) *Doc {
			topic := uint64(rng.IntN(kinds)) * 10
			hashes := []uint64{topic, topic + 1 + uint64(rng.IntN(3))}
			if dense {
				hashes = hashes[:0]
				for range 3 + rng.IntN(3) {
					hashes = append(hashes, topic+uint64(rng.IntN(8)))
				}
			}
			for range rng.IntN(4) {
				hashes = append(hashes, 1000+uint64(rng.IntN(40)))
			}
			// In every third round docs of a few customers name a few
			// codes and concepts: bursts join them whatever their words.
			bursty := round%3 == 2
			if bursty {
				hashes = append(hashes, WithKind(uint64(rng.IntN(3)), KindCode), WithKind(uint64(rng.IntN(2)), KindConcept))
			}
			if rng.IntN(20) == 0 {
				hashes = nil // a doc without words
			}
			var subject []uint64
			if len(hashes) > 0 && rng.IntN(3) == 0 {
				// A subject of its topic's template with one of a few
				// slots: some docs alike enough are one series.
				for w := range uint64(6) {
					if w == 3 {
						subject = append(subject, 2000+uint64(rng.IntN(3)))
					}
					subject = append(subject, topic+5000+w)
				}
			}
			d := doc(id, int64(rng.IntN(span)), append(hashes, subject...)...)
			d.Subject = SubjectOf(d.Feats, subject)
			if bursty {
				d.Customer = uint64(rng.IntN(6)) // 0: unknown
			}
			if rng.IntN(10) == 0 {
				d.Created = int64(rng.IntN(5)) // many at one time
			}
			return d
		}
		s := NewSet(p)
		open := make(map[string]*Doc)
		ids := 10 + rng.IntN(300)
		for step := range 400 {
			id := fmt.Sprintf("d%03d", rng.IntN(ids))
			switch x := rng.IntN(10); {
			case x < 5:
				d := newDoc(id)
				if old := open[id]; old != nil {
					if rng.IntN(3) == 0 {
						d = &Doc{ID: id, Created: old.Created, Customer: old.Customer, Feats: old.Feats} // re-added unchanged
					}
					require.True(t, s.Remove(old))
					old.Feats = nil // as a queue drops them
				}
				s.Add(d)
				open[id] = d
			case x < 8:
				if old := open[id]; old != nil {
					require.True(t, s.Remove(old))
					require.False(t, s.Remove(old))
					old.Feats = nil
					delete(open, id)
				}
			default:
				s.Sync()
				require.Equal(t, len(open), s.Len())
				var docs []*Doc
				for _, d := range open {
					docs = append(docs, d)
				}
				require.Equal(t, onePass(p, docs), leaders(s), "round %d step %d", round, step)
				require.True(t, slices.IsSortedFunc(slices.Collect(s.All()), Compare))
			}
		}
	}
}

// TestSetIsOnePassWhenWordsCrowd: words of a window shared by more docs
// than a doc reads the postings of, and not so many as to be frequent;
// the set changes here and there among them.
func TestSetIsOnePassWhenWordsCrowd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 6 {
		p := Params{Window: 1000, Similarity: 0.3 + 0.1*float64(round%3)}
		kinds := 6 + rng.IntN(3)
		newDoc := func(id string) *Doc {
			topic := uint64(rng.IntN(kinds)) * 100
			hashes := []uint64{topic, topic + 1 + uint64(rng.IntN(2))}
			for range 1 + rng.IntN(3) {
				hashes = append(hashes, topic+10+uint64(rng.IntN(30)))
			}
			return doc(id, int64(rng.IntN(500)), hashes...)
		}
		s := NewSet(p)
		open := make(map[string]*Doc)
		for i := range 12 * postingsRead {
			d := newDoc(fmt.Sprintf("b%04d", i))
			s.Add(d)
			open[d.ID] = d
		}
		for step := range 120 {
			id := fmt.Sprintf("b%04d", rng.IntN(14*postingsRead))
			if old := open[id]; old != nil {
				require.True(t, s.Remove(old))
				old.Feats = nil
				delete(open, id)
			}
			if rng.IntN(2) == 0 {
				open[id] = newDoc(id)
				s.Add(open[id])
			}
			if rng.IntN(8) == 0 {
				s.Sync()
				var docs []*Doc
				for _, d := range open {
					docs = append(docs, d)
				}
				require.Equal(t, onePass(p, docs), leaders(s), "round %d step %d", round, step)
			}
		}
	}
}

// TestSetStreams is the steady state of a live queue: docs come in order
// and the oldest go; the clusters are those of one pass, and the state
// kept for the stream is used only while valid.
func TestSetStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := Params{Window: 100, Similarity: 0.4}
	s := NewSet(p)
	var docs []*Doc
	var created int64
	for i := range 3000 {
		created += 3
		if rng.IntN(40) == 0 {
			created += p.Window + rng.Int64N(2*p.Window) // a quiet spell
		}
		topic := uint64(rng.IntN(15)) * 10
		d := doc(fmt.Sprintf("d%05d", i), created, topic, topic+1+uint64(rng.IntN(3)), 1000+uint64(rng.IntN(50)))
		s.Add(d)
		docs = append(docs, d)
		if len(docs) > 200 && rng.IntN(3) > 0 {
			k := 0
			switch rng.IntN(10) {
			case 0:
				k = rng.IntN(len(docs)) // now and then one answered out of turn
			case 1:
				k = len(docs) - 1 - rng.IntN(60) // a recent one
			}
			require.True(t, s.Remove(docs[k]))
			docs[k].Feats = nil
			docs = slices.Delete(docs, k, k+1)
		}
		if rng.IntN(7) == 0 {
			s.Sync()
		}
		if rng.IntN(20) == 0 {
			// The newest is withdrawn: the state kept after it is stale.
			require.True(t, s.Remove(docs[len(docs)-1]))
			docs[len(docs)-1].Feats = nil
			docs = docs[:len(docs)-1]
			s.Sync()
		}
		if i%250 == 0 {
			s.Sync()
			require.Equal(t, onePass(p, docs), leaders(s), "after doc %d", i)
		}
	}
}

func TestSaturating(t *testing.T) {
	require.Equal(t, int64(math.MaxInt64), AddSat(math.MaxInt64-1, 5))
	require.Equal(t, int64(math.MinInt64), AddSat(math.MinInt64+1, -5))
	require.Equal(t, int64(3), AddSat(1, 2))
	require.Equal(t, int64(math.MinInt64), SubSat(math.MinInt64+3, 10))
	require.Equal(t, int64(math.MaxInt64), SubSat(5, math.MinInt64))
	require.Equal(t, int64(-5), SubSat(5, 10))
}

// TestListKeepsOrder puts docs in and takes them out of a list at random
// places and checks it against a sorted slice, chunk sizes included.
func TestListKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var l list
	var want []*Doc
	for step := range 20000 {
		if len(want) > 0 && rng.IntN(100) < 45+int(10*math.Sin(float64(step)/2000)) {
			i := rng.IntN(len(want))
			if rng.IntN(2) == 0 {
				i = 0
			}
			require.True(t, l.remove(want[i]))
			want = slices.Delete(want, i, i+1)
		} else {
			d := &Doc{ID: fmt.Sprint(step), Created: int64(rng.IntN(5000))}
			if rng.IntN(2) == 0 {
				d.Created = int64(step) // in order
			}
			l.insert(d)
			i, _ := slices.BinarySearchFunc(want, d, Compare)
			want = slices.Insert(want, i, d)
		}
		if step%500 == 0 {
			var got []*Doc
			for _, c := range l.chunks {
				require.NotEmpty(t, c)
				require.LessOrEqual(t, len(c), maxChunk)
				got = append(got, c...)
			}
			require.Equal(t, want, got)
			require.Equal(t, len(want), l.n)
			require.LessOrEqual(t, len(l.chunks), 2+4*len(want)/maxChunk, "chunks stay well filled")
		}
	}
}

// TestCountsIsAMap holds the counting table to a Go map through random
// increments and decrements, hash 0 and colliding homes included, as it
// grows and shrinks.
func TestCountsIsAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var c counts
	want := make(map[uint64]int32)
	keys := []uint64{0, 1, 2, 3}
	for range 300 {
		keys = append(keys, rng.Uint64())
	}
	for step := range 200000 {
		phase := step / 20000 % 2 // grow, then shrink, and again
		h := keys[rng.IntN(len(keys))]
		if rng.IntN(10) < 6-3*phase || want[h] == 0 {
			c.inc(h)
			want[h]++
		} else {
			c.dec(h)
			if want[h]--; want[h] == 0 {
				delete(want, h)
			}
		}
		if step%997 == 0 {
			require.Equal(t, len(want), c.len(), "step %d", step)
			for _, k := range keys {
				require.Equal(t, want[k], c.get(k), "step %d, hash %d", step, k)
			}
			require.LessOrEqual(t, len(c.slots), max(minSlots, 16*c.len()), "the table shrinks")
		}
	}
}

// TestPostTableIsAMap holds the grouper's posting table to a Go map of
// lists through random appends, drops of a list's first docs and of whole
// lists, hash 0 and colliding homes included, as it grows and shrinks, and
// its lists' arrays with them.
func TestPostTableIsAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var pt postTable
	want := make(map[uint64][]*Doc)
	keys := []uint64{0, 1, 2, 3}
	for range 300 {
		keys = append(keys, rng.Uint64())
	}
	docs := make([]*Doc, 64)
	for i := range docs {
		docs[i] = &Doc{ID: fmt.Sprint(i)}
	}
	for step := range 100000 {
		phase := step / 10000 % 2 // grow, then shrink, and again
		h := keys[rng.IntN(len(keys))]
		switch s := pt.find(h); {
		case rng.IntN(10) < 6-3*phase || s == nil:
			d := docs[rng.IntN(len(docs))]
			pt.add(h, d)
			want[h] = append(want[h], d)
		case rng.IntN(4) == 0:
			pt.remove(h)
			delete(want, h)
		default:
			n := 1 + rng.IntN(len(s.docs()))
			if s.drop(n); len(s.docs()) == 0 {
				pt.remove(h)
			}
			if want[h] = want[h][n:]; len(want[h]) == 0 {
				delete(want, h)
			}
		}
		if step%997 == 0 {
			for _, k := range keys {
				require.Equal(t, want[k], pt.get(k), "step %d, hash %d", step, k)
				if s := pt.find(k); s != nil {
					require.LessOrEqual(t, cap(s.buf), max(64, 4*len(want[k])), "a list's array shrinks with it")
				}
			}
			require.LessOrEqual(t, len(pt.slots), max(minSlots, 16*len(want)), "the table shrinks")
		}
	}
	// A flood through one word: its list's array shrinks as the list
	// does.
	flood := keys[len(keys)-1]
	for i := range 10000 {
		pt.add(flood, docs[i%len(docs)])
	}
	for len(pt.get(flood)) > 3 {
		pt.find(flood).drop(1)
	}
	require.LessOrEqual(t, cap(pt.find(flood).buf), 64)
	pt.reset()
	for _, k := range keys {
		require.Nil(t, pt.get(k))
	}
}

// TestSetIsOnePassWhenFeaturesCrowd: a word in more than crowded docs of
// a window (a flood leaving the window) is read in part while crowded and
// in full once it is not; the set's clusters after any history are still
// those of one pass, which a regrouping from anywhere must find too.
func TestSetIsOnePassWhenFeaturesCrowd(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for round := range 3 {
		p := Params{Window: 1000, Similarity: 0.3 + 0.1*float64(round)}
		newDoc := func(id string, created int64) *Doc {
			topic := uint64(rng.IntN(8)) * 100
			hashes := []uint64{topic + uint64(rng.IntN(3)), topic + 10 + uint64(rng.IntN(20))}
			if rng.IntN(6) == 0 {
				hashes = append(hashes, 7) // crowded in the flood, not frequent
			}
			return doc(id, created, hashes...)
		}
		s := NewSet(p)
		open := make(map[string]*Doc)
		var ids []string
		add := func(d *Doc) {
			s.Add(d)
			open[d.ID] = d
			ids = append(ids, d.ID)
		}
		// A flood of 2,000 docs in the first 100 units, then a trickle
		// while it leaves the window.
		for i := range 2000 {
			add(newDoc(fmt.Sprintf("f%04d", i), int64(i/20)))
		}
		for i := range 300 {
			add(newDoc(fmt.Sprintf("t%04d", i), 950+int64(i)))
		}
		s.Sync()
		check := func(step int) {
			var docs []*Doc
			for _, d := range open {
				docs = append(docs, d)
			}
			require.Equal(t, onePass(p, docs), leaders(s), "round %d step %d", round, step)
		}
		check(-1)
		for step := range 12 {
			// A change in the trickle regroups from there, with the
			// flood's postings counted afresh.
			id := ids[2000+rng.IntN(300)]
			if old := open[id]; old != nil {
				require.True(t, s.Remove(old))
				old.Feats = nil
				delete(open, id)
			}
			s.Sync()
			check(step)
		}
	}
}
