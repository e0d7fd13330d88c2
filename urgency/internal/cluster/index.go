package cluster

import (
	"cmp"
	"math"
	"slices"
)

// Index finds the docs most similar to a doc among a set, weighing
// features by their frequency in the whole set. Not safe for concurrent
// use.
type Index struct {
	version  uint64 // changes with every Add and Remove: cached lengths are stale
	df       *df
	postings map[uint64][]*Doc
	cands    []*Doc
	idfs     []float64
	stamp    uint64
}

// Match is a similar doc and its similarity, 0..1.
type Match struct {
	Doc   *Doc
	Score float64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{df: newDF(), postings: make(map[uint64][]*Doc)}
}

// Add indexes d, which must not be frozen.
func (x *Index) Add(d *Doc) {
	x.version++
	x.df.add(d)
	for _, ft := range d.Feats {
		x.postings[ft.Hash] = append(x.postings[ft.Hash], d)
	}
}

// Remove drops d, with the features it was added with.
func (x *Index) Remove(d *Doc, feats []Feature) {
	x.version++
	x.df.remove(&Doc{Feats: feats})
	for _, ft := range feats {
		ds := x.postings[ft.Hash]
		if i := slices.Index(ds, d); i >= 0 {
			ds = slices.Delete(ds, i, i+1)
		}
		if len(ds) == 0 {
			delete(x.postings, ft.Hash)
		} else {
			x.postings[ft.Hash] = ds
		}
	}
}

// length returns d's length, cached until the index changes: a series of
// lookups computes each length once.
func (x *Index) length(d *Doc) float64 {
	if d.normVersion != x.version {
		d.norm, d.normVersion = x.df.length(d), x.version
	}
	return d.norm
}

// Len returns the number of docs indexed.
func (x *Index) Len() int { return x.df.docs }

// Similar returns up to k docs most similar to q for which eligible is
// true, best first; ties in canonical order. Only docs sharing a feature
// that is not among the most frequent are considered. Candidates are
// compared in full in order of how much of q's weight they share, which
// bounds their similarity, until the bound falls below the k-th best.
func (x *Index) Similar(q *Doc, k int, eligible func(*Doc) bool) []Match {
	x.stamp++
	cands, idfs, norm2, frequent2 := gather(x.df, q, x.postings, x.stamp, x.cands[:0], x.idfs[:0])
	x.idfs = idfs
	x.cands = cands
	if norm2 == 0 || k <= 0 {
		return nil
	}
	slices.SortFunc(cands, func(a, b *Doc) int { return cmp.Or(cmp.Compare(b.shared, a.shared), Compare(a, b)) })
	var out []Match
	for _, d := range cands {
		bound := math.Sqrt((d.shared + frequent2) / norm2)
		if len(out) == k && bound < out[k-1].Score-1e-9 {
			break
		}
		if !eligible(d) {
			continue
		}
		s := cosine(dotIDF(idfs, q, d), x.length(q), x.length(d))
		if s <= 0 {
			continue
		}
		m := Match{Doc: d, Score: s}
		i, _ := slices.BinarySearchFunc(out, m, func(a, b Match) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), Compare(a.Doc, b.Doc))
		})
		if i < k {
			out = slices.Insert(out, i, m)
			if len(out) > k {
				out = out[:k]
			}
		}
	}
	return out
}
