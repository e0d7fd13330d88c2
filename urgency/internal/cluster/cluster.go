// Package cluster groups tickets into repeated issues and finds similar
// tickets, from keyed hashes of their words: it never sees or keeps text.
//
// A ticket is a Doc: its features are (hash, weight) pairs, the weight
// counting a word more in the subject than in the body. Two docs are alike
// by the cosine of their feature weights times the inverse document
// frequency of each feature among recent docs, so that words every ticket
// shares ("please", "problem") count for little. Candidates come from an
// inverted index that skips the most frequent features (unless a doc's
// other features are too few to link it); every candidate is then scored
// exactly, unless a bound shows its score cannot matter. Grouping reads,
// of each feature, only the latest docs of the window that have it (see
// [postingsRead]), and compares the leader of every cluster met; a lookup
// ([Index]) reads a bounded number of each feature's docs too. A word that
// thousands of docs repeat costs a new doc no more than a rare one.
//
// Grouping is leader-based in canonical order (created, then ID): a doc
// joins the most similar cluster whose leader, its first doc, is within
// the window and at least Similarity alike, or nearly as alike to five of
// its other docs, or through a burst (docs of several customers of the
// window sharing one of its codes and concepts, see [burstCustomers]);
// otherwise it leads a new cluster. Chains (A~B, B~C) never merge clusters by themselves. The
// frequencies that weigh a doc are those of the docs of its window: the
// docs created at most a window before it, up to it in canonical order.
// So a doc's cluster is a function of the docs of the set, whatever the
// order they came in: a [Set] keeps it so through additions and removals,
// recomputing only the docs whose window a change reaches.
package cluster

import (
	"cmp"
	"iter"
	"math"
	"strings"
	"sync/atomic"
)

// Feature is one keyed hash of a word or concept and its weight in a doc.
type Feature struct {
	Hash   uint64
	Weight float32
}

// The top two bits of a feature's hash tell its kind: a plain word, a
// code (a word with a digit: 502, E1234) or a concept of the pack's
// lists. An outage's reports share its code and concept more than their
// words.
const (
	KindWord    uint64 = 0
	KindCode    uint64 = 1 << 62
	KindConcept uint64 = 2 << 62
	kindMask    uint64 = 3 << 62
)

// WithKind returns h with its top two bits set to kind.
func WithKind(h, kind uint64) uint64 { return h&^kindMask | kind }

// KindOf returns the kind of a feature's hash.
func KindOf(h uint64) uint64 { return h & kindMask }

// Doc is what the detector knows of one ticket.
type Doc struct {
	ID      string
	Created int64 // Unix nanoseconds

	// The fields a grouping reads of every candidate follow Created, so
	// that they mostly share its cache line.
	leader *Doc // nil until assigned; itself for a leader
	// slot is the doc's place among the candidates of the comparison
	// stamp names, while another doc is compared.
	stamp uint64
	slot  int32
	// voteSlot is, likewise, the doc's cluster's place among the clusters
	// of the candidates, when the doc leads it.
	voteSlot  int32
	voteStamp uint64

	Customer uint64 // keyed hash of the customer ID; 0 when unknown
	// Feats are sorted by Hash, one per hash. They must not change while
	// the doc is in a Set or an Index.
	Feats []Feature

	dup bool
	// indexed is set while the doc is in an Index: postings of docs
	// removed from it are dropped lazily.
	indexed bool

	// Subject is the subject's first words, as places among Feats (see
	// [SubjectOf]): two docs whose subjects are one series are never
	// alike (see [series]). Set before the doc is added to a Set. (Beside
	// the flags, it packs into their padding: a Doc is 192 bytes.)
	Subject Subject

	// norm caches the doc's idf-weighted length in an Index, valid while
	// the index's version is normVersion.
	norm        float64
	normVersion uint64
	// iw are the doc's saturated weights in an Index, one per feature;
	// near are its four nearest docs there, valid while the index's
	// version is nearVersion.
	iw          []float32
	near        []Match
	nearVersion uint64
}

// Leader returns the first doc of d's cluster (d itself for a leader), or
// nil before d is assigned.
func (d *Doc) Leader() *Doc { return d.leader }

// Duplicate reports whether an earlier doc of the same known customer is
// in d's cluster.
func (d *Doc) Duplicate() bool { return d.dup }

// Compare is the canonical order: created, then ID.
func Compare(a, b *Doc) int {
	if a.Created != b.Created {
		return cmp.Compare(a.Created, b.Created)
	}
	return strings.Compare(a.ID, b.ID)
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
	count counts
	docs  int
	// memo holds idfOf by count for the last values of docs, one table
	// per value modulo idfTables: the idf of a feature depends on its
	// count and docs alone, and one comparison meets the same few counts
	// many times over. A sliding window's docs go up and down by one.
	memo [idfTables][]idfMemo
}

// idfMemo is idfOf of a count while docs is tag-1 (0: not yet known).
type idfMemo struct {
	tag int
	idf float64
}

// idfTables is how many values of docs the memo keeps idfs for; counts
// of at least maxIDFMemo are not kept.
const (
	idfTables  = 4
	maxIDFMemo = 1 << 16
)

func newDF() *df { return &df{} }

func (f *df) add(d *Doc) {
	for _, ft := range d.Feats {
		f.count.inc(ft.Hash)
	}
	f.docs++
}

func (f *df) remove(d *Doc) {
	for _, ft := range d.Feats {
		f.count.dec(ft.Hash)
	}
	f.docs--
}

// idf weighs a feature by how rare it is among the counted docs.
func (f *df) idf(h uint64) float64 { return f.idfOf(f.count.get(h)) }

// idfOf is the idf of a feature counted n times.
func (f *df) idfOf(n int32) float64 {
	if n < 0 || n >= maxIDFMemo {
		return idfOf(n, f.docs)
	}
	t := &f.memo[f.docs&(idfTables-1)]
	if int(n) >= len(*t) {
		*t = append(*t, make([]idfMemo, int(n)+1-len(*t))...)
	}
	m := &(*t)[n]
	if m.tag != f.docs+1 {
		m.tag, m.idf = f.docs+1, idfOf(n, f.docs)
	}
	return m.idf
}

// idfOf is the idf of a feature counted n times among docs docs.
func idfOf(n int32, docs int) float64 {
	return math.Log(1 + float64(docs+1)/float64(n+1))
}

func (f *df) frequent(h uint64) bool { return f.frequentOf(f.count.get(h)) }

// frequentOf tells whether a feature counted n times is frequent.
func (f *df) frequentOf(n int32) bool {
	return f.docs >= minDocsForFrequent && float64(n) > frequentShare*float64(f.docs)
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
// same sum, for a doc compared with many. It also returns b's squared
// weight on the features the two share, at least which b's length is.
func dotIDF(aIDF []float64, a, b *Doc) (dot, bShared2 float64) {
	// A merge walk over the two sorted lists; which list steps on is not
	// a branch (the processor cannot guess how two hashes compare).
	af, bf := a.Feats, b.Feats
	aIDF = aIDF[:len(af)]
	i, j := 0, 0
	for i < len(af) && j < len(bf) {
		ha, hb := af[i].Hash, bf[j].Hash
		if ha == hb {
			idf := aIDF[i]
			dot += float64(af[i].Weight) * float64(bf[j].Weight) * idf * idf
			wb := float64(bf[j].Weight) * idf
			bShared2 += wb * wb
			i++
			j++
			continue
		}
		lt := 0
		if ha < hb {
			lt = 1
		}
		i += lt
		j += 1 - lt
	}
	return dot, bShared2
}

// dotIW is dotIDF over the docs' saturated weights in an Index.
func dotIW(aIDF []float64, a, b *Doc) float64 {
	var dot float64
	af, bf := a.Feats, b.Feats
	aIDF, aw, bw := aIDF[:len(af)], a.iw[:len(af)], b.iw[:len(bf)]
	i, j := 0, 0
	for i < len(af) && j < len(bf) {
		ha, hb := af[i].Hash, bf[j].Hash
		if ha == hb {
			idf := aIDF[i]
			dot += float64(aw[i]) * float64(bw[j]) * idf * idf
			i++
			j++
			continue
		}
		lt := 0
		if ha < hb {
			lt = 1
		}
		i += lt
		j += 1 - lt
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

// stamps numbers the calls of gather, across groupers and indexes: a
// doc's slot is valid for the call its stamp names.
var stamps atomic.Uint64

func nextStamp() uint64 { return stamps.Add(1) }

// AddSat is a+b, and SubSat a-b, saturating at the ends of int64 rather
// than wrapping: windows reach past the times of any doc.
func AddSat(a, b int64) int64 {
	if s := a + b; (b >= 0) == (s >= a) {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// SubSat is a-b, saturating; see [AddSat].
func SubSat(a, b int64) int64 {
	if b == math.MinInt64 {
		return AddSat(AddSat(a, math.MaxInt64), 1)
	}
	return AddSat(a, -b)
}

// cand is a doc met by gather and the squared weight of the compared
// doc it shares.
type cand struct {
	d      *Doc
	shared float64
}

// MarkDuplicates sets Duplicate for docs (all of them, in canonical
// order): a doc is a duplicate when an earlier doc of its cluster has the
// same known customer.
func MarkDuplicates(docs iter.Seq[*Doc]) {
	type key struct {
		leader   *Doc
		customer uint64
	}
	seen := make(map[key]bool)
	for d := range docs {
		d.dup = false
		if d.Customer == 0 || d.leader == nil {
			continue
		}
		k := key{d.leader, d.Customer}
		d.dup = seen[k]
		seen[k] = true
	}
}

// Term weights saturate as in BM25 in the similar-tickets lookup: a
// word's weight grows with its count in a doc but levels off, so that a
// subject word repeated in the body does not outweigh every other word two
// docs share. A long doc's counts level off later than a short one's; its
// length is the sum of its counts, against satAvgLen, a typical ticket's.
// (Grouping keeps the linear counts: in short tickets, saturation leaves
// the subject too little of its weight for reports of one incident, worded
// differently in the body, to meet.)
const (
	satK1     = 2.0
	satB      = 0.75
	satAvgLen = 60.0
)

// saturate returns the saturated weights of feats (a word's count, the
// subject's counting more): w' = w·(k1+1) / (w + k1·(1−b+b·L/avgL)), L the
// sum of the weights.
func saturate(feats []Feature) []float32 {
	var l float64
	for _, ft := range feats {
		l += float64(ft.Weight)
	}
	k := satK1 * (1 - satB + satB*l/satAvgLen)
	out := make([]float32, len(feats))
	for i, ft := range feats {
		w := float64(ft.Weight)
		out[i] = float32(w * (satK1 + 1) / (w + k))
	}
	return out
}
