// Package cluster groups tickets into repeated issues and finds similar
// tickets, from keyed hashes of their words: it never sees or keeps text.
//
// A ticket is a Doc: its features are (hash, weight) pairs, the weight
// counting a word more in the subject than in the body. Two docs are alike
// by the cosine of their feature weights times the inverse document
// frequency of each feature among recent docs, so that words every ticket
// shares ("please", "problem") count for little. Candidates come from an
// inverted index that skips the most frequent features; every candidate is
// then scored exactly.
//
// Grouping is leader-based in canonical order (created, then ID): a doc
// joins the most similar cluster whose leader, its first doc, is within
// the window and at least Similarity alike; otherwise it leads a new
// cluster. Chains (A~B, B~C) never merge clusters by themselves.
package cluster

import (
	"cmp"
	"math"
	"slices"
)

// Feature is one keyed hash of a word or concept and its weight in a doc.
type Feature struct {
	Hash   uint64
	Weight float32
}

// Doc is what the detector knows of one ticket.
type Doc struct {
	ID       string
	Created  int64  // Unix nanoseconds
	Customer uint64 // keyed hash of the customer ID; 0 when unknown
	// Feats are sorted by Hash, one per hash. They are dropped (set to
	// nil) once the doc leaves the window: a frozen doc keeps its cluster
	// but takes no part in later comparisons.
	Feats []Feature

	frozen bool // a doc without features (an empty ticket) is not frozen

	leader *Doc // nil until assigned; itself for a leader
	dup    bool

	// shared accumulates, while a later doc is grouped, the squared
	// weight it shares with this leader; stamp says for which doc.
	shared float64
	stamp  uint64

	// norm caches the doc's idf-weighted length in an Index, valid while
	// the index's version is normVersion.
	norm        float64
	normVersion uint64
}

// Leader returns the first doc of d's cluster (d itself for a leader), or
// nil before d is assigned.
func (d *Doc) Leader() *Doc { return d.leader }

// Duplicate reports whether an earlier doc of the same known customer is
// in d's cluster.
func (d *Doc) Duplicate() bool { return d.dup }

// Frozen reports whether d's features were dropped.
func (d *Doc) Frozen() bool { return d.frozen }

func (d *Doc) freeze() {
	d.Feats = nil
	d.frozen = true
}

// Compare is the canonical order: created, then ID.
func Compare(a, b *Doc) int {
	return cmp.Or(cmp.Compare(a.Created, b.Created), cmp.Compare(a.ID, b.ID))
}

// Params are the grouping settings.
type Params struct {
	Window     int64   // nanoseconds; docs link only within this span of their leader
	Similarity float64 // minimum cosine similarity to join a leader, 0..1
}

// frequentShare is the share of recent docs above which a feature is too
// common to find candidates with; minDocsForFrequent is how many docs
// must be known before any feature counts as frequent.
const (
	frequentShare      = 0.2
	minDocsForFrequent = 50
)

// df counts in how many docs of a set each feature occurs.
type df struct {
	count map[uint64]int32
	docs  int
}

func newDF() *df { return &df{count: make(map[uint64]int32)} }

func (f *df) add(d *Doc) {
	for _, ft := range d.Feats {
		f.count[ft.Hash]++
	}
	f.docs++
}

func (f *df) remove(d *Doc) {
	for _, ft := range d.Feats {
		if n := f.count[ft.Hash] - 1; n > 0 {
			f.count[ft.Hash] = n
		} else {
			delete(f.count, ft.Hash)
		}
	}
	f.docs--
}

// idf weighs a feature by how rare it is among the counted docs.
func (f *df) idf(h uint64) float64 {
	n := f.count[h]
	return math.Log(1 + float64(f.docs+1)/float64(n+1))
}

func (f *df) frequent(h uint64) bool {
	return f.docs >= minDocsForFrequent && float64(f.count[h]) > frequentShare*float64(f.docs)
}

// length is d's idf-weighted length.
func (f *df) length(d *Doc) float64 {
	var n float64
	for _, ft := range d.Feats {
		w := float64(ft.Weight) * f.idf(ft.Hash)
		n += w * w
	}
	return math.Sqrt(n)
}

// dotIDF is dot with the idf of a's features given, in their order: the
// same sum, for a doc compared with many.
func dotIDF(aIDF []float64, a, b *Doc) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.Feats) && j < len(b.Feats) {
		switch {
		case a.Feats[i].Hash < b.Feats[j].Hash:
			i++
		case b.Feats[j].Hash < a.Feats[i].Hash:
			j++
		default:
			idf := aIDF[i]
			dot += float64(a.Feats[i].Weight) * float64(b.Feats[j].Weight) * idf * idf
			i++
			j++
		}
	}
	return dot
}

// dot is the idf-weighted dot product of a and b.
func (f *df) dot(a, b *Doc) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.Feats) && j < len(b.Feats) {
		switch {
		case a.Feats[i].Hash < b.Feats[j].Hash:
			i++
		case b.Feats[j].Hash < a.Feats[i].Hash:
			j++
		default:
			idf := f.idf(a.Feats[i].Hash)
			dot += float64(a.Feats[i].Weight) * float64(b.Feats[j].Weight) * idf * idf
			i++
			j++
		}
	}
	return dot
}

// cosine rounds the cosine of a dot product and two lengths. The sums run
// in the order of the hashes, whose key is random per queue: rounding
// keeps floating-point noise from breaking ties differently from one queue
// to the next.
func cosine(dot, la, lb float64) float64 {
	if la == 0 || lb == 0 {
		return 0
	}
	return math.Round(dot/(la*lb)*1e9) / 1e9
}

// similarity is the cosine of a and b weighted by idf.
func (f *df) similarity(a, b *Doc) float64 {
	return cosine(f.dot(a, b), f.length(a), f.length(b))
}

// Grouper assigns docs to clusters. Docs are given in canonical order; the
// state (features counted over the window, leaders by feature) carries
// over from one call of Run to the next, so a stream in order costs one
// step per doc. Not safe for concurrent use.
type Grouper struct {
	p       Params
	df      *df
	window  []*Doc            // docs counted in df, in canonical order
	leaders map[uint64][]*Doc // leaders by feature, in canonical order
	cands   []*Doc            // leaders sharing a feature with the doc being grouped
	idfs    []float64         // the idf of each feature of the doc being grouped
	stamp   uint64
}

// NewGrouper returns a grouper with empty state.
func NewGrouper(p Params) *Grouper {
	return &Grouper{p: p, df: newDF(), leaders: make(map[uint64][]*Doc)}
}

// Reset empties the state and then counts the docs of context (earlier
// docs, in canonical order, already assigned) that are still within the
// window of start: it prepares a grouper to resume at start. Docs of
// context older than that are frozen and returned.
func (g *Grouper) Reset(context []*Doc, start int64) (frozen []*Doc) {
	g.df = newDF()
	g.window = g.window[:0]
	clear(g.leaders)
	for _, d := range context {
		switch {
		case d.Frozen():
		case d.Created < start-g.p.Window:
			d.freeze()
			frozen = append(frozen, d)
		default:
			g.count(d)
		}
	}
	return frozen
}

func (g *Grouper) count(d *Doc) {
	g.df.add(d)
	g.window = append(g.window, d)
	if d.leader == d {
		for _, ft := range d.Feats {
			g.leaders[ft.Hash] = append(g.leaders[ft.Hash], d)
		}
	}
}

// Window returns the docs counted now, in canonical order.
func (g *Grouper) Window() []*Doc { return slices.Clone(g.window) }

// Expire freezes the docs created before cut and returns them.
func (g *Grouper) Expire(cut int64) (frozen []*Doc) {
	n := 0
	for n < len(g.window) && g.window[n].Created < cut {
		old := g.window[n]
		g.df.remove(old)
		if old.leader == old {
			for _, ft := range old.Feats {
				g.unlead(ft.Hash, old)
			}
		}
		old.freeze()
		frozen = append(frozen, old)
		n++
	}
	// Drop the expired docs from the front; the slice is reallocated now
	// and then rather than moved on every call.
	g.window = g.window[n:]
	return frozen
}

// Assign places d, the next doc in canonical order. It returns the docs
// that left the window and were frozen.
func (g *Grouper) Assign(d *Doc) (frozen []*Doc) {
	// Docs older than a window before d can link to nothing from here on.
	frozen = g.Expire(d.Created - g.p.Window)

	g.df.add(d)
	g.window = append(g.window, d)

	// A leader can only be as similar as the share of d's weight the two
	// have in common: sim = dot/(|d||l|) <= |d shared|/|d| by
	// Cauchy-Schwarz. That share builds up feature by feature from the
	// postings, one step per posting; only leaders whose share can reach
	// the threshold are compared in full. Frequent features find no
	// candidates, so they count as shared with every candidate.
	g.stamp++
	// d's idf and length are computed once here, not per candidate: the
	// same numbers in the same order as df.similarity would compute.
	var norm2, frequent2 float64
	g.cands, g.idfs, norm2, frequent2 = gather(g.df, d, g.leaders, g.stamp, g.cands[:0], g.idfs[:0])
	length := math.Sqrt(norm2)
	var best *Doc
	bestSim := g.p.Similarity
	for _, l := range g.cands {
		if norm2 == 0 || math.Sqrt((l.shared+frequent2)/norm2) < g.p.Similarity-1e-9 {
			continue
		}
		s := cosine(dotIDF(g.idfs, d, l), length, g.df.length(l))
		// Ties go to the earlier leader, whatever the order met.
		if s > bestSim || s == bestSim && (best == nil || Compare(l, best) < 0) {
			best, bestSim = l, s
		}
	}
	if best == nil {
		d.leader = d
		for _, ft := range d.Feats {
			g.leaders[ft.Hash] = append(g.leaders[ft.Hash], d)
		}
	} else {
		d.leader = best
	}
	return frozen
}

// gather finds the docs of postings that share a feature with q, not
// counting the frequent features, and sets on each (stamped with stamp)
// the squared weight of q it shares. It returns them with q's squared
// length and the squared weight of its frequent features, which count as
// shared with every candidate: sim(q, c) <= sqrt((c.shared+frequent2)/norm2)
// by Cauchy-Schwarz. It appends the idf of each of q's features to idfs.
func gather(f *df, q *Doc, postings map[uint64][]*Doc, stamp uint64, cands []*Doc, idfs []float64) (_ []*Doc, _ []float64, norm2, frequent2 float64) {
	for _, ft := range q.Feats {
		idf := f.idf(ft.Hash)
		idfs = append(idfs, idf)
		w := float64(ft.Weight) * idf
		norm2 += w * w
		if f.frequent(ft.Hash) {
			frequent2 += w * w
			continue
		}
		for _, c := range postings[ft.Hash] {
			if c == q {
				continue
			}
			if c.stamp != stamp {
				c.stamp, c.shared = stamp, 0
				cands = append(cands, c)
			}
			c.shared += w * w
		}
	}
	return cands, idfs, norm2, frequent2
}

func (g *Grouper) unlead(h uint64, d *Doc) {
	ls := g.leaders[h]
	if i := slices.Index(ls, d); i >= 0 {
		ls = slices.Delete(ls, i, i+1)
	}
	if len(ls) == 0 {
		delete(g.leaders, h)
	} else {
		g.leaders[h] = ls
	}
}

// MarkDuplicates sets Duplicate for docs (all of them, in canonical
// order): a doc is a duplicate when an earlier doc of its cluster has the
// same known customer.
func MarkDuplicates(docs []*Doc) {
	type key struct {
		leader   *Doc
		customer uint64
	}
	seen := make(map[key]bool)
	for _, d := range docs {
		d.dup = false
		if d.Customer == 0 || d.leader == nil {
			continue
		}
		k := key{d.leader, d.Customer}
		d.dup = seen[k]
		seen[k] = true
	}
}
