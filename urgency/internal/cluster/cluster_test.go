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

func doc(id string, created int64, hashes ...uint64) *Doc {
	d := &Doc{ID: id, Created: created}
	slices.Sort(hashes)
	for _, h := range slices.Compact(hashes) {
		d.Feats = append(d.Feats, Feature{Hash: h, Weight: 1})
	}
	return d
}

func TestSimilarity(t *testing.T) {
	f := newDF()
	a, b, c := doc("a", 0, 1, 2, 3), doc("b", 0, 1, 2, 3), doc("c", 0, 7, 8)
	for _, d := range []*Doc{a, b, c} {
		f.add(d)
	}
	assert.InDelta(t, 1, f.similarity(a, b), 1e-12)
	assert.Zero(t, f.similarity(a, c))
	assert.Zero(t, f.similarity(a, &Doc{}), "no features, no similarity")
	ab := doc("ab", 0, 1, 2, 9)
	f.add(ab)
	assert.InDelta(t, f.similarity(a, ab), f.similarity(ab, a), 1e-12)
	assert.Greater(t, f.similarity(a, ab), 0.0)
	assert.Less(t, f.similarity(a, ab), 1.0)
}

func TestRareFeaturesWeighMore(t *testing.T) {
	f := newDF()
	for i := range 100 {
		f.add(doc(fmt.Sprint(i), 0, 1)) // feature 1 is everywhere
	}
	q := doc("q", 0, 1, 2)
	common := doc("common", 0, 1, 3)
	rare := doc("rare", 0, 2, 4)
	f.add(q)
	f.add(common)
	f.add(rare)
	assert.Greater(t, f.similarity(q, rare), f.similarity(q, common))
	assert.True(t, f.frequent(1))
	assert.False(t, f.frequent(2))
}

// TestGrouperResumeEqualsOnePass: stopping anywhere, resetting with the
// docs before and going on gives the clusters of one pass.
func TestGrouperResumeEqualsOnePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := Params{Window: 100, Similarity: 0.4}
	make := func() []*Doc {
		r := rand.New(rand.NewPCG(5, 6))
		var docs []*Doc
		for i := range 300 {
			topic := uint64(r.IntN(12)) * 10
			docs = append(docs, doc(fmt.Sprintf("d%03d", i), int64(i*3), topic, topic+1+uint64(r.IntN(3)), 1000+uint64(r.IntN(50))))
		}
		return docs
	}
	onePass := make()
	g := NewGrouper(p)
	for _, d := range onePass {
		g.Assign(d)
	}
	for range 10 {
		docs := make()
		stop := 1 + rng.IntN(len(docs)-1)
		g := NewGrouper(p)
		for _, d := range docs[:stop] {
			g.Assign(d)
		}
		var context []*Doc
		for _, d := range docs[:stop] {
			if d.Created >= docs[stop].Created-p.Window {
				context = append(context, d)
			}
		}
		g.Reset(context)
		for _, d := range docs[stop:] {
			g.Assign(d)
		}
		for i := range docs {
			require.Equal(t, onePass[i].Leader().ID, docs[i].Leader().ID, "doc %d after resuming at %d", i, stop)
		}
	}
	leaders := 0
	for _, d := range onePass {
		if d.Leader() == d {
			leaders++
		}
		assert.LessOrEqual(t, d.Created-d.Leader().Created, p.Window, "a doc joins only a leader within the window")
	}
	// 36 kinds of doc (topic and subtopic) recur every ~100 time units:
	// each window brings new clusters, and within one, docs of a kind meet.
	assert.Greater(t, leaders, 36, "a kind recurring after the window starts a new cluster")
	assert.Less(t, leaders, 200, "docs of a kind within a window meet")
}

func TestMarkDuplicates(t *testing.T) {
	a, b, c, d := doc("a", 0, 1), doc("b", 1, 1), doc("c", 2, 1), doc("d", 3, 2)
	a.Customer, b.Customer, c.Customer, d.Customer = 7, 8, 7, 7
	a.leader, b.leader, c.leader, d.leader = a, a, a, d
	MarkDuplicates(slices.Values([]*Doc{a, b, c, d}))
	assert.False(t, a.Duplicate())
	assert.False(t, b.Duplicate())
	assert.True(t, c.Duplicate(), "customer 7 wrote a first")
	assert.False(t, d.Duplicate(), "another cluster")
}

func TestIndexSimilar(t *testing.T) {
	x := NewIndex()
	a, b, c := doc("a", 0, 1, 2, 3), doc("b", 1, 1, 2, 4), doc("c", 2, 5)
	for _, d := range []*Doc{a, b, c} {
		x.Add(d)
	}
	got := x.Similar(b, 5, math.MaxInt64, func(*Doc) bool { return true })
	require.Len(t, got, 1)
	assert.Equal(t, "a", got[0].Doc.ID)
	x.Remove(a)
	assert.Empty(t, x.Similar(b, 5, math.MaxInt64, func(*Doc) bool { return true }))
	assert.Equal(t, 2, x.Len())
}

// TestDotIDFIsDot checks that the dot product with the idf computed once
// is the same number, to the last bit, as computing it per feature: the
// grouping must not change with the shortcut.
func TestDotIDFIsDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := newDF()
	doc := func() *Doc {
		var d Doc
		for range 1 + rng.IntN(30) {
			d.Feats = append(d.Feats, Feature{Hash: uint64(rng.IntN(60)), Weight: float32(1 + rng.IntN(3))})
		}
		slices.SortFunc(d.Feats, func(a, b Feature) int { return cmp.Compare(a.Hash, b.Hash) })
		d.Feats = slices.CompactFunc(d.Feats, func(a, b Feature) bool { return a.Hash == b.Hash })
		f.add(&d)
		return &d
	}
	docs := make([]*Doc, 200)
	for i := range docs {
		docs[i] = doc()
	}
	for _, a := range docs[:50] {
		var idfs []float64
		for _, ft := range a.Feats {
			idfs = append(idfs, f.idf(ft.Hash))
		}
		for _, b := range docs {
			dot, shared2 := dotIDF(idfs, a, b)
			require.Equal(t, f.dot(a, b), dot)
			require.LessOrEqual(t, shared2, f.length(b)*f.length(b)*(1+1e-12), "b is at least as long as its shared weight")
		}
	}
}

func weighted(id string, feats ...Feature) *Doc {
	slices.SortFunc(feats, func(a, b Feature) int { return cmp.Compare(a.Hash, b.Hash) })
	return &Doc{ID: id, Feats: feats}
}

// TestIndexSaturatesCounts: in the lookup, one word counted many times
// (a subject word repeated in the body) weighs less than several words
// shared once each.
func TestIndexSaturatesCounts(t *testing.T) {
	x := NewIndex()
	q := weighted("q", Feature{1, 9}, Feature{2, 1}, Feature{3, 1}, Feature{4, 1})
	one := weighted("one", Feature{1, 9}, Feature{5, 1}, Feature{6, 1}, Feature{7, 1})
	many := weighted("many", Feature{1, 1}, Feature{2, 1}, Feature{3, 1}, Feature{4, 1}, Feature{8, 1})
	for _, d := range []*Doc{q, one, many} {
		x.Add(d)
	}
	for i := range 20 {
		x.Add(doc(fmt.Sprint("filler", i), 0, uint64(100+i)))
	}
	got := x.Similar(q, 2, math.MaxInt64, func(*Doc) bool { return true })
	require.Len(t, got, 2)
	assert.Equal(t, "many", got[0].Doc.ID)
}

// TestIndexHubRanksLower: of two docs as alike to the query, the one near
// many other docs (a generic report) ranks below the one near the query
// alone; and the lookup does not depend on the order docs came in.
func TestIndexHubRanksLower(t *testing.T) {
	build := func(order []int) (*Index, map[string]*Doc) {
		docs := []*Doc{
			doc("q", 0, 1, 2, 3, 4),
			doc("specific", 0, 1, 2, 5, 6),
			doc("hub", 0, 3, 4, 7, 8),
			doc("h1", 0, 7, 8, 9, 10),
			doc("h2", 0, 7, 8, 11, 12),
			doc("h3", 0, 7, 8, 13, 14),
		}
		for i := range 20 {
			docs = append(docs, doc(fmt.Sprint("filler", i), 0, uint64(100+i)))
		}
		x := NewIndex()
		byID := make(map[string]*Doc)
		for _, i := range order {
			x.Add(docs[i%len(docs)])
			byID[docs[i%len(docs)].ID] = docs[i%len(docs)]
		}
		return x, byID
	}
	var order []int
	for i := range 26 {
		order = append(order, i)
	}
	x, byID := build(order)
	got := x.Similar(byID["q"], 2, math.MaxInt64, func(*Doc) bool { return true })
	require.NotEmpty(t, got)
	assert.Equal(t, "specific", got[0].Doc.ID)
	if len(got) > 1 {
		assert.Equal(t, "hub", got[1].Doc.ID)
	}
	want := fmt.Sprint(ids(got))
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		x, byID := build(order)
		// Lookups before and after a change use fresh neighbour figures.
		x.Similar(byID["hub"], 3, math.MaxInt64, func(*Doc) bool { return true })
		extra := doc("extra", 0, 500)
		x.Add(extra)
		x.Remove(extra)
		got := x.Similar(byID["q"], 2, math.MaxInt64, func(*Doc) bool { return true })
		assert.Equal(t, want, fmt.Sprint(ids(got)))
	}
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %.9f", m.Doc.ID, m.Score))
	}
	return out
}

// TestGrouperJoinsABurst: reports of distinct customers that share only a
// code and a concept, each in words of its own, join one cluster once
// burstCustomers of them are in the window; the same customer again, or
// an unknown one, makes no burst; a long doc that happens to name the
// code and the concept neither counts nor joins.
func TestGrouperJoinsABurst(t *testing.T) {
	code, concept := WithKind(1, KindCode), WithKind(2, KindConcept)
	word := uint64(100)
	report := func(id string, created int64, customer uint64, words int) *Doc {
		hashes := []uint64{code, concept}
		for range words {
			word++
			hashes = append(hashes, word)
		}
		d := doc(id, created, hashes...)
		d.Customer = customer
		return d
	}
	var docs []*Doc
	for i := range 60 {
		docs = append(docs, doc(fmt.Sprintf("u%02d", i), int64(i), uint64(1000+i), uint64(2000+i%7))) // unrelated
	}
	docs = append(docs,
		report("a1", 100, 7, 3), report("a2", 101, 7, 3), report("a3", 102, 0, 3), // one customer, and an unknown one
		report("long1", 103, 8, 40), report("long2", 104, 9, 40), // the pair is a small share of them
		report("b1", 105, 10, 3), report("b2", 106, 11, 3), report("b3", 107, 12, 3),
		report("b4", 108, 13, 3), report("b5", 109, 14, 3), report("long3", 110, 15, 40),
	)
	g := NewGrouper(Params{Window: 1000, Similarity: 0.5})
	leader := make(map[string]string)
	for _, d := range docs {
		g.Assign(d)
		leader[d.ID] = d.Leader().ID
	}
	for _, id := range []string{"a1", "a2", "a3", "long1", "long2", "b1", "b2", "long3"} {
		assert.Equal(t, id, leader[id], "%s joins no burst", id)
	}
	// Customers 7, 10 and 11 make a burst: b3 joins its earliest cluster,
	// and so do the next reports, to the cluster holding most of it.
	assert.Equal(t, "a1", leader["b3"])
	assert.Equal(t, "a1", leader["b4"])
	assert.Equal(t, "a1", leader["b5"])
}

// TestLatestMembers: of each cluster's members that a doc may link to,
// the memberCandidates latest in canonical order are compared, whatever
// order the candidates were gathered in (it follows the features' hashes,
// whose key is random per queue).
func TestLatestMembers(t *testing.T) {
	var cands []cand
	var ms []member
	for slot, n := range []int{3, memberCandidates + 40, memberCandidates} {
		for i := range n {
			// Same creation times in pairs: the ID breaks the tie.
			cands = append(cands, cand{d: doc(fmt.Sprintf("s%d-%03d", slot, i), int64(i/2))})
			ms = append(ms, member{slot: int32(slot), cand: int32(len(cands) - 1)})
		}
	}
	want := map[int32][]string{}
	for _, m := range ms {
		want[m.slot] = append(want[m.slot], cands[m.cand].d.ID)
	}
	want[1] = want[1][40:] // the latest of the second cluster
	for round := range 5 {
		shuffled := slices.Clone(ms)
		rand.New(rand.NewPCG(uint64(round), 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var sc memberScratch
		kept := sc.latestMembers(shuffled, cands, 3)
		got := map[int32][]string{}
		for _, m := range kept {
			got[m.slot] = append(got[m.slot], cands[m.cand].d.ID)
		}
		for slot := range got {
			slices.Sort(got[slot])
		}
		assert.Equal(t, want, got, "round %d", round)
	}
}

// TestGrouperReadsTheLatestPostings: a word that many docs of the window
// share finds only its postingsRead latest docs, and its posting list
// keeps no more; a doc alike to a cluster's leader, which came before
// them, still joins it: the leader of every cluster met is compared.
func TestGrouperReadsTheLatestPostings(t *testing.T) {
	const a, b = 1, 2
	var docs []*Doc
	for i := range 600 {
		docs = append(docs, doc(fmt.Sprintf("f%03d", i), 0, uint64(10_000+i))) // unrelated
	}
	docs = append(docs, doc("lead", 1, a, b))
	for i := range 100 {
		// Each alike to the leader, and little to the last doc.
		u := uint64(20_000 + 3*i)
		docs = append(docs, doc(fmt.Sprintf("m%03d", i), 2, a, b, u, u+1, u+2))
	}
	last := doc("last", 3, a, b, 99)
	docs = append(docs, last)
	g := NewGrouper(Params{Window: 100, Similarity: 0.25})
	for _, d := range docs {
		g.Assign(d)
	}
	for _, d := range docs[601:701] {
		require.Equal(t, "lead", d.Leader().ID, "%s joins the leader", d.ID)
	}
	require.Greater(t, 0.25*memberShare, g.df.similarity(last, docs[700]), "the members are not alike enough to link")
	require.Equal(t, "lead", last.Leader().ID)
	for _, h := range []uint64{a, b} {
		require.LessOrEqual(t, len(g.posts.get(h)), postingsRead+1, "postings of a shared word")
	}
}

// TestGrouperBoundsEveryDoc: however few of a word's postings a doc
// reads, the bound it puts on a doc of its window met or not is at least
// their similarity, so that what it does not compare could not have
// changed its cluster.
func TestGrouperBoundsEveryDoc(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	g := NewGrouper(Params{Window: 40, Similarity: 0.4})
	checked := 0
	for i := range 2000 {
		topic := uint64(rng.IntN(8)) * 100
		hashes := []uint64{topic, topic + 1 + uint64(rng.IntN(2))}
		for range 1 + rng.IntN(4) {
			hashes = append(hashes, topic+10+uint64(rng.IntN(40)))
		}
		d := doc(fmt.Sprintf("d%04d", i), int64(i/20), hashes...)
		// What Assign does before it compares anything.
		g.expire(SubSat(d.Created, g.p.Window))
		g.df.add(d)
		g.window = append(g.window, d)
		stamp := nextStamp()
		norm2 := g.gather(d, stamp)
		if len(g.partial) == 0 || i%5 != 0 {
			g.df.remove(d)
			g.window = g.window[:len(g.window)-1]
			g.Assign(d)
			continue
		}
		checked++
		for _, c := range g.window[:len(g.window)-1] {
			var shared float64
			if c.stamp == stamp {
				shared = g.cands[c.slot].shared
			}
			require.GreaterOrEqual(t, g.bound(c, shared, norm2)+1e-9, g.df.similarity(d, c), "%s and %s", d.ID, c.ID)
		}
		g.df.remove(d)
		g.window = g.window[:len(g.window)-1]
		g.Assign(d)
	}
	require.Greater(t, checked, 200, "docs reading only some postings")
}

// TestGrouperComparesTheLatestMembers: of a cluster whose leader a doc
// is alike to, the doc is compared with the memberCandidates latest other
// docs that may be alike enough, even those that cannot be more alike
// than the leader: an earlier doc more alike than the leader, beyond them,
// does not take the doc from a cluster it is more alike to. Skipping the
// members the leader outdoes must not let earlier ones in their place.
func TestGrouperComparesTheLatestMembers(t *testing.T) {
	const a, b, p, e, k = 1, 2, 3, 4, 5
	feats := func(fs ...Feature) []Feature { return fs }
	lead := &Doc{ID: "lead", Created: 0, Feats: feats(Feature{a, 1}, Feature{b, 1}, Feature{p, 1})}
	early := &Doc{ID: "early", Created: 1, Feats: feats(Feature{a, 1}, Feature{b, 1}, Feature{p, 1}, Feature{e, 1})}
	docs := []*Doc{lead, early}
	for i := range memberCandidates {
		docs = append(docs, &Doc{ID: fmt.Sprintf("late%02d", i), Created: int64(2 + i), Feats: feats(Feature{a, 1}, Feature{p, 1})})
	}
	other := &Doc{ID: "other", Created: 100, Feats: feats(Feature{e, 1}, Feature{k, 1})}
	d := &Doc{ID: "d", Created: 101, Feats: feats(Feature{a, 3}, Feature{b, 1}, Feature{e, 1}, Feature{k, 1})}
	docs = append(docs, other, d)
	p4 := Params{Window: 1000, Similarity: 0.4}
	g := NewGrouper(p4)
	g.postings = 2 * memberCandidates // d meets every late doc through a
	for _, x := range docs {
		g.Assign(x)
	}
	for _, x := range docs[:len(docs)-2] {
		require.Equal(t, "lead", x.Leader().ID, x.ID)
	}
	require.Equal(t, "other", other.Leader().ID)
	sim := func(x *Doc) float64 { return g.df.similarity(d, x) }
	// d is alike to the leader, more to the early doc, less to the later
	// ones, which it may still be alike enough to to link.
	require.GreaterOrEqual(t, sim(lead), p4.Similarity)
	require.Greater(t, sim(early), sim(other))
	require.Greater(t, sim(other), sim(lead))
	require.Less(t, sim(docs[2]), sim(lead))
	require.GreaterOrEqual(t, math.Sqrt(g.df.idf(a)*g.df.idf(a)*9)/g.df.length(d), p4.Similarity*memberShare, "the bound of a late doc")
	assert.Equal(t, "other", d.Leader().ID, "the early doc is not among the latest compared")
}

// TestGrouperShortcutsAreExact: with words frequent in the window,
// crowded ones and weights above one, the bound the grouper puts on any
// doc of the window is at least their similarity, and alike returns the
// similarity for any need up to it, and 0 above it or for a doc of the
// same series: neither the bound nor the put-off length skips a doc that
// is alike enough.
func TestGrouperShortcutsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	g := NewGrouper(Params{Window: 30, Similarity: 0.4})
	checked, frequent, partial, alike, inSeries := 0, 0, 0, 0, 0
	for i := range 1000 {
		topic := uint64(rng.IntN(3)) * 100
		var hashes []uint64
		for range 1 + rng.IntN(5) {
			hashes = append(hashes, topic+uint64(rng.IntN(1+rng.IntN(20))))
		}
		if rng.IntN(2) == 0 {
			hashes = append(hashes, 7) // in half the docs: frequent
		}
		// A template of the topic around a slot: docs of one topic with
		// different slots are one series.
		var subject []uint64
		for w := range uint64(6) {
			if w == 2 {
				subject = append(subject, 1000+uint64(rng.IntN(3)))
			}
			subject = append(subject, topic+500+w)
		}
		d := doc(fmt.Sprintf("d%04d", i), int64(i/10), append(hashes, subject...)...)
		for j := range d.Feats {
			d.Feats[j].Weight = float32(1 + rng.IntN(4))
		}
		d.Subject = SubjectOf(d.Feats, subject)
		if i%8 != 0 {
			g.Assign(d)
			continue
		}
		// What Assign does before it compares anything.
		g.expire(SubSat(d.Created, g.p.Window))
		g.df.add(d)
		g.window = append(g.window, d)
		stamp := nextStamp()
		norm2 := g.gather(d, stamp)
		length := math.Sqrt(norm2)
		if g.frequent2 > 0 {
			frequent++
		}
		if len(g.partial) > 0 {
			partial++
		}
		checked++
		for _, c := range g.window[:len(g.window)-1] {
			var shared float64
			if c.stamp == stamp {
				shared = g.cands[c.slot].shared
			}
			s := g.df.similarity(d, c)
			require.GreaterOrEqual(t, g.bound(c, shared, norm2)+1e-9, s, "%s and %s", d.ID, c.ID)
			if s > 0 && oneSeries(d, c) {
				inSeries++
				require.Zero(t, g.alike(d, c, length, s), "%s and %s, one series", d.ID, c.ID)
			} else if s > 0 {
				alike++
				require.Equal(t, s, g.alike(d, c, length, s), "%s and %s", d.ID, c.ID)
				require.Zero(t, g.alike(d, c, length, s+1e-9), "%s and %s", d.ID, c.ID)
			}
		}
		g.df.remove(d)
		g.window = g.window[:len(g.window)-1]
		g.Assign(d)
	}
	require.Greater(t, frequent, checked/4, "docs with frequent words")
	require.Greater(t, partial, checked/4, "docs reading only some postings")
	require.Greater(t, alike, 10*checked, "pairs compared")
	require.Greater(t, inSeries, 2*checked, "pairs of one series")
}

// TestGrouperGroupsAFlood: a form or a bot sends one text hundreds of
// times in a window, so that every word of it is frequent there; the
// copies are one cluster still, and the other docs are not in it.
func TestGrouperGroupsAFlood(t *testing.T) {
	g := NewGrouper(Params{Window: 1000, Similarity: 0.5})
	var flood, other []*Doc
	for i := range 400 {
		var d *Doc
		if i%4 == 3 {
			d = doc(fmt.Sprintf("d%03d", i), int64(i), uint64(5000+i), uint64(6000+i%9))
			other = append(other, d)
		} else {
			d = doc(fmt.Sprintf("d%03d", i), int64(i), 1, 2, 3)
			flood = append(flood, d)
		}
		g.Assign(d)
	}
	require.True(t, g.df.frequent(1), "the flood's words are frequent")
	for _, d := range flood {
		require.Equal(t, "d000", d.Leader().ID, "%s", d.ID)
	}
	for _, d := range other {
		require.NotEqual(t, "d000", d.Leader().ID, "%s", d.ID)
	}
}
