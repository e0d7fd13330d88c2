package cluster

import (
	"cmp"
	"slices"
)

// Index finds the docs most similar to a doc among a set, weighing
// features by their frequency in the whole set. Not safe for concurrent
// use.
type Index struct {
	df       *df
	postings map[uint64][]*Doc
	seen     map[*Doc]bool
}

// Match is a similar doc and its similarity, 0..1.
type Match struct {
	Doc   *Doc
	Score float64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{df: newDF(), postings: make(map[uint64][]*Doc), seen: make(map[*Doc]bool)}
}

// Add indexes d, which must not be frozen.
func (x *Index) Add(d *Doc) {
	x.df.add(d)
	for _, ft := range d.Feats {
		x.postings[ft.Hash] = append(x.postings[ft.Hash], d)
	}
}

// Remove drops d, with the features it was added with.
func (x *Index) Remove(d *Doc, feats []Feature) {
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

// Len returns the number of docs indexed.
func (x *Index) Len() int { return x.df.docs }

// Similar returns up to k docs most similar to q for which eligible is
// true, best first; ties in canonical order. Only docs sharing a feature
// that is not among the most frequent are considered.
func (x *Index) Similar(q *Doc, k int, eligible func(*Doc) bool) []Match {
	clear(x.seen)
	var out []Match
	for _, ft := range q.Feats {
		if x.df.frequent(ft.Hash) {
			continue
		}
		for _, d := range x.postings[ft.Hash] {
			if x.seen[d] || d == q {
				continue
			}
			x.seen[d] = true
			if !eligible(d) {
				continue
			}
			if s := x.df.similarity(q, d); s > 0 {
				out = append(out, Match{Doc: d, Score: s})
			}
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), Compare(a.Doc, b.Doc))
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}
