package cluster

import (
	"cmp"
	"math"
	"slices"
)

// Grouper assigns docs to clusters, one after the other in canonical
// order. Its state is that of the window of the next doc: the docs
// counted in the frequencies, and by feature. Not
// safe for concurrent use.
type Grouper struct {
	p       Params
	df      *df
	window  []*Doc    // docs counted in df, in canonical order
	posts   postTable // the docs counted, by feature, in canonical order
	cands   []cand    // docs sharing a feature with the doc being grouped
	votes   []vote    // the clusters of the candidates
	members []member  // the candidates that are not leaders, to compare
	scratch memberScratch
	idfs    []float64 // the idf of each feature of the doc being grouped
	// Of the doc being grouped: the squared weight of its frequent
	// features, its features whose postings were not all read, and the
	// sums of their squared weights from each on.
	frequent2  float64
	partial    []partial
	unreadFrom []float64
	counts     []int32 // how many docs of the window have each feature
	// peak is the most docs counted at once since the maps were made.
	peak int
	// postings is postingsRead; a test may read more.
	postings int
}

// NewGrouper returns a grouper with empty state.
func NewGrouper(p Params) *Grouper {
	return &Grouper{p: p, df: newDF(), postings: postingsRead}
}

// Reset empties the state and then counts the docs of context (earlier
// docs, in canonical order, already assigned): it prepares a grouper to
// go on after them. Context docs outside the window of the next doc are
// dropped by the next Assign or Skip.
func (g *Grouper) Reset(context []*Doc) {
	g.Clear(math.MaxInt)
	for _, d := range context {
		g.count(d)
	}
}

// Clear empties the state and lets go of every doc. The state's maps and
// slices are kept for the next use, unless they were once sized for many
// more than docs docs, the most the next use can count: a Go map never
// shrinks.
func (g *Grouper) Clear(docs int) {
	if g.peak > 1024 && docs < g.peak/4 {
		g.df, g.posts, g.peak = newDF(), postTable{}, 0
		g.window, g.cands, g.idfs = nil, nil, nil
		g.members, g.scratch = nil, memberScratch{}
		g.partial, g.unreadFrom, g.counts = nil, nil, nil
		return
	}
	g.df.count.reset()
	g.df.docs = 0
	g.posts.reset()
	clear(g.window)
	g.window = g.window[:0]
	clear(g.cands)
	g.cands = g.cands[:0]
	clear(g.partial)
	g.partial = g.partial[:0]
}

func (g *Grouper) count(d *Doc) {
	g.df.add(d)
	g.window = append(g.window, d)
	g.peak = max(g.peak, len(g.window))
	for _, ft := range d.Feats {
		g.posts.add(ft.Hash, d)
	}
}

// Window returns the docs counted now, in canonical order.
func (g *Grouper) Window() []*Doc { return slices.Clone(g.window) }

// expire drops the docs created before cut from the state.
func (g *Grouper) expire(cut int64) {
	n := 0
	for n < len(g.window) && g.window[n].Created < cut {
		old := g.window[n]
		g.df.remove(old)
		for _, ft := range old.Feats {
			g.unpost(ft.Hash, old)
		}
		g.window[n] = nil
		n++
	}
	// Drop the expired docs from the front; the slice is reallocated now
	// and then rather than moved on every call.
	g.window = g.window[n:]
}

// Skip counts d, the next doc in canonical order, with the cluster it
// has: the state goes on past a doc whose cluster cannot have changed.
func (g *Grouper) Skip(d *Doc) {
	g.expire(SubSat(d.Created, g.p.Window))
	g.count(d)
}

// Assign places d, the next doc in canonical order.
func (g *Grouper) Assign(d *Doc) {
	// Docs older than a window before d do not weigh it and cannot lead
	// its cluster.
	g.expire(SubSat(d.Created, g.p.Window))

	g.df.add(d)
	g.window = append(g.window, d)
	g.peak = max(g.peak, len(g.window))

	// A doc can only be as similar as the share of d's weight the two
	// have in common: sim = dot/(|d||c|) <= |d shared|/|d| by
	// Cauchy-Schwarz. That share builds up feature by feature from the
	// postings, one step per posting; only docs whose share can reach
	// the threshold are compared in full. Frequent features find no
	// candidates, and of the others only the latest docs are read, so
	// they count as shared with every doc that may have them unread (see
	// [Grouper.bound]).
	//
	// d's idf and length are computed once here, not per candidate: the
	// same numbers in the same order as df.similarity would compute.
	stamp := nextStamp()
	norm2 := g.gather(d, stamp)
	length := math.Sqrt(norm2)
	cut := SubSat(d.Created, g.p.Window)
	g.votes = g.votes[:0]
	for _, c := range g.cands {
		l := c.d.leader
		if norm2 == 0 || l == nil || l.Created < cut {
			continue // a cluster led from outside the window takes no more docs
		}
		if l.voteStamp != stamp {
			l.voteStamp, l.voteSlot = stamp, int32(len(g.votes))
			// Grown in place, not appended as a composite literal: that
			// is built on the stack and copied, a stall for each vote.
			g.votes = slices.Grow(g.votes, 1)[:len(g.votes)+1]
			v := &g.votes[len(g.votes)-1]
			*v = vote{}
			v.leader = l
		}
	}
	// Leaders first, then the other docs: a doc of a cluster d can join
	// already, and whose bound is below the cluster's best similarity,
	// changes nothing and is not compared. (A vote does not depend on the
	// order its docs are met in.) The leader of a cluster met may be too
	// early to be among the postings read: then it shares with d at most
	// the features not read in full.
	for i := range g.votes {
		v := &g.votes[i]
		l := v.leader
		var shared float64
		if l.stamp == stamp {
			shared = g.cands[l.slot].shared
		}
		if g.bound(l, shared, norm2) < g.p.Similarity-1e-9 {
			continue
		}
		if s := g.alike(d, l, length, g.p.Similarity); s >= g.p.Similarity {
			v.best, v.led = s, true
		}
	}
	// Of the other docs, only the latest memberCandidates of each cluster
	// that may be alike enough are compared: in canonical order, whatever
	// the order they were met in, so the result is still a function of
	// the window. A cluster repeating one template thousands of times in a
	// window is compared with a new doc no more than a small one. Which
	// are the latest does not depend on the leader: a doc its leader
	// outdoes is passed over only once chosen (see [Grouper.link]), or an
	// earlier doc would take its place.
	g.members = g.members[:0]
	for i, c := range g.cands {
		l := c.d.leader
		if norm2 == 0 || l == nil || l.Created < cut || l == c.d {
			continue
		}
		bound := g.bound(c.d, c.shared, norm2)
		if bound < g.p.Similarity*memberShare-1e-9 {
			continue
		}
		g.members = append(g.members, member{slot: l.voteSlot, cand: int32(i), bound: bound})
	}
	g.members = g.scratch.latestMembers(g.members, g.cands, len(g.votes))
	g.linkMembers(d, length)
	// d joins the cluster it is most alike to a doc of, among those whose
	// leader it is alike to, or enough of whose other docs it is nearly
	// as alike to: a report worded like the later ones of an incident but
	// not like its first still joins.
	var best *vote
	for i := range g.votes {
		v := &g.votes[i]
		if !v.led && v.links < memberLinks {
			continue
		}
		if best == nil || better(v.best, best.best, v.leader, best.leader) {
			best = v
		}
	}
	if b := g.burst(d, length, stamp, cut); b != nil {
		best = b
	}
	if best == nil {
		d.leader = d
	} else {
		d.leader = best.leader
	}
	for _, ft := range d.Feats {
		g.posts.add(ft.Hash, d)
	}
	clear(g.votes)
}

// linkMembers compares d with the docs of g.members that may change
// the cluster it joins, to count its links to each cluster and raise the
// cluster's best similarity. The cluster of the leader d is most alike
// to comes first, its most promising docs first: once it is as alike as
// the others' docs can make them, they are not compared. (What each
// cluster's vote comes to does not depend on the order.)
func (g *Grouper) linkMembers(d *Doc, length float64) {
	var win *vote
	for _, m := range g.members {
		v := &g.votes[m.slot]
		v.members++
		v.top = max(v.top, m.bound)
	}
	for i := range g.votes {
		v := &g.votes[i]
		if v.led && (win == nil || better(v.best, win.best, v.leader, win.leader)) {
			win = v
		}
	}
	if win != nil {
		ms := g.scratch.buf[:0]
		for _, m := range g.members {
			if &g.votes[m.slot] == win {
				ms = append(ms, m)
			}
		}
		slices.SortFunc(ms, func(a, b member) int { return cmp.Compare(b.bound, a.bound) })
		for _, m := range ms {
			g.link(d, length, m)
		}
		g.scratch.buf = ms
		settled := true
		for i := range g.votes {
			v := &g.votes[i]
			if v != win && (v.led || v.members >= memberLinks) && v.top >= win.best-1e-9 {
				// Its docs could take it above the winner, or level with
				// it and before it.
				settled = false
				break
			}
		}
		if settled {
			return
		}
	}
	for _, m := range g.members {
		if &g.votes[m.slot] != win {
			g.link(d, length, m)
		}
	}
}

// alike returns the similarity of d, the doc being grouped, of the given
// length, and c, or 0 when it is below need or their subjects are one
// series. c's length, whose every feature's idf is looked up, is
// computed only when the features the two share could make them need
// alike: c is at least as long as its weight on them.
func (g *Grouper) alike(d, c *Doc, length, need float64) float64 {
	dot, shared2 := dotIDF(g.idfs, d, c)
	if shared2 == 0 || dot/(length*math.Sqrt(shared2)) < need-1e-6 {
		return 0
	}
	if s := cosine(dot, length, g.df.length(c)); s >= need && !oneSeries(d, c) {
		return s
	}
	return 0
}

// link compares d with the member m, unless that cannot change its
// cluster's vote.
func (g *Grouper) link(d *Doc, length float64, m member) {
	v := &g.votes[m.slot]
	if (v.led || v.links >= memberLinks) && v.best >= m.bound+1e-9 || !v.led && v.members < memberLinks {
		return // changes nothing, or cannot make memberLinks
	}
	s := g.alike(d, g.cands[m.cand].d, length, g.p.Similarity*memberShare)
	if s < g.p.Similarity*memberShare {
		return
	}
	if s >= g.p.Similarity {
		v.best = max(v.best, s)
	}
	v.links++
}

// gather finds the docs of the window that share a feature with d, not
// counting the frequent features, with the squared weight of d each
// shares, and returns d's squared length. Of each feature it reads only
// the postingsRead latest docs of the window that have it, dropping the
// earlier ones for good (a later doc never leaves the window before
// them). So the candidates of a doc are a function of the docs of its
// window that share a feature with it, and a word that thousands of docs
// of a window repeat costs a new doc no more than a rare one. It sets
// g.cands, g.idfs (the idf of each of d's features), g.frequent2 and
// g.partial, from which [Grouper.bound] bounds d's similarity to any doc
// of the window.
func (g *Grouper) gather(d *Doc, stamp uint64) (norm2 float64) {
	cands, idfs := g.cands[:0], g.idfs[:0]
	g.partial, g.frequent2 = g.partial[:0], 0
	var frequent2 float64
	counts := g.counts[:0]
	for _, ft := range d.Feats {
		n := g.df.count.get(ft.Hash)
		counts = append(counts, n)
		idf := g.df.idfOf(n)
		idfs = append(idfs, idf)
		w := float64(ft.Weight) * idf
		norm2 += w * w
		if g.df.frequentOf(n) {
			frequent2 += w * w
		}
	}
	// The frequent features find candidates too when the others alone
	// cannot make a doc alike enough to link: a flood of one template,
	// every word of it frequent in the window, is still one cluster.
	readFrequent := math.Sqrt((norm2-frequent2)/norm2) < g.p.Similarity*memberShare
	g.counts = counts
	for i, ft := range d.Feats {
		n := counts[i]
		w := float64(ft.Weight) * idfs[i]
		if !readFrequent && g.df.frequentOf(n) {
			g.frequent2 += w * w
			continue
		}
		var ls []*Doc
		if s := g.posts.find(ft.Hash); s != nil {
			if over := len(s.docs()) - g.postings; over > 0 {
				s.drop(over)
			}
			ls = s.docs()
		}
		if n > crowded && len(ls) > crowdedPostings {
			// Read the latest of a crowded feature only, but keep the
			// others: the feature may be less crowded for a later doc,
			// which must find what a pass from anywhere would find.
			ls = ls[len(ls)-crowdedPostings:]
		}
		if int(n)-1 > len(ls) {
			// Some docs of the window that have it (d is counted, not
			// posted yet) are not read: those before the first read.
			var oldest *Doc
			if len(ls) > 0 {
				oldest = ls[0]
			}
			g.partial = append(g.partial, partial{oldest: oldest, w2: w * w})
		}
		for _, c := range ls {
			if c.stamp != stamp {
				c.stamp, c.slot = stamp, int32(len(cands))
				cands = append(cands, cand{d: c})
			}
			cands[c.slot].shared += w * w
		}
	}
	g.cands, g.idfs = cands, idfs
	// By the first doc read, none read last.
	slices.SortFunc(g.partial, func(a, b partial) int { return comparePartial(a.oldest, b.oldest) })
	g.unreadFrom = slices.Grow(g.unreadFrom[:0], len(g.partial)+1)[:len(g.partial)+1]
	g.unreadFrom[len(g.partial)] = 0
	for i := len(g.partial) - 1; i >= 0; i-- {
		g.unreadFrom[i] = g.unreadFrom[i+1] + g.partial[i].w2
	}
	return norm2
}

// partial is a feature of the doc being grouped whose postings were not
// all read: the docs of the window that have it and are not met are
// those before oldest, the earliest met (nil: all of them).
type partial struct {
	oldest *Doc
	w2     float64 // its squared weight in the doc
}

// comparePartial is Compare with nil after every doc.
func comparePartial(a, b *Doc) int {
	switch {
	case a == b:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return Compare(a, b)
}

// unmet returns the squared weight of the doc being grouped that c may
// share with it through features c was not met through: the frequent
// ones, and those whose postings read start after c.
func (g *Grouper) unmet(c *Doc) float64 {
	i, _ := slices.BinarySearchFunc(g.partial, c, func(q partial, c *Doc) int {
		if comparePartial(q.oldest, c) > 0 {
			return 1
		}
		return -1
	})
	return g.frequent2 + g.unreadFrom[i]
}

// bound is the most the doc being grouped, of squared length norm2, can
// be alike to c, which shares the squared weight shared with it through
// the postings read.
func (g *Grouper) bound(c *Doc, shared, norm2 float64) float64 {
	if len(g.partial) == 0 {
		return math.Sqrt((shared + g.frequent2) / norm2)
	}
	return math.Sqrt((shared + g.unmet(c)) / norm2)
}

// postingsRead is how many of the latest docs of a window having a
// feature a doc being grouped meets through it. Measured with cmd/dupeval
// (the duplicate sets in one burst, where many words are in more docs
// than this) at the default threshold: 32 gives 0.778 / 0.270 (pair
// precision / recall) on Eclipse and 0.634 / 0.144 on Firefox, 16 0.779
// / 0.271 and 0.637 / 0.141, 8 0.798 / 0.271 and 0.642 / 0.142 (64 and
// 32 were the same but for one link). The cost goes both ways: ranking
// 100k templated tickets takes 2.94 s at 32, 2.28 s at 16 and 2.06 s at
// 8, but adding a stream of 100k everyday tickets to a queue (one core)
// 1.09, 1.16 and 1.80 s: with fewer docs read, more of a doc's features
// are read in part, the bound on the leaders met only through their
// clusters is looser, and more of them are compared in full.
const postingsRead = 32

// A feature that more than crowded docs of the window have is crowded: a
// flood of one template, a word of every ticket of a busy window that is
// not yet frequent. Of its postings a doc reads only the crowdedPostings
// latest: they are mostly in the few clusters the flood makes, whose
// first tickets are compared in full, and reading 32 found no more.
// Measured: rank of 100k templated tickets 2.86 -> 2.00 s; the queue's
// everyday stream (no word that crowded) and every cmd/dupeval figure
// the same.
const crowded, crowdedPostings = 256, 8

func (g *Grouper) unpost(h uint64, d *Doc) {
	s := g.posts.find(h)
	// Docs are counted and expire in canonical order, so the first to go
	// is first, if gather has not dropped it already.
	if s == nil || s.docs()[0] != d {
		return
	}
	if s.drop(1); len(s.docs()) == 0 {
		g.posts.remove(h)
	}
}
