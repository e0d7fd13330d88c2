package main

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Document is what the TF-IDF baseline sees of a ticket.
type Document struct {
	ID      string
	Text    string
	Created time.Time
}

// TFIDF is the baseline similar-ticket lookup: plain full-text search with
// cosine similarity over tf·idf vectors of lower-cased word tokens, idf =
// log(N/df). It knows nothing of concepts, masking or subject weight.
type TFIDF struct {
	docs     []Document
	byID     map[string]int
	vecs     []map[string]float64 // unit vectors
	postings map[string][]posting
}

type posting struct {
	doc    int
	weight float64
}

// Tokenize returns the lower-cased words of s: runs of letters and digits.
func Tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// NewTFIDF indexes docs. A later document with the ID of an earlier one
// replaces it.
func NewTFIDF(docs []Document) *TFIDF {
	x := &TFIDF{byID: make(map[string]int), postings: make(map[string][]posting)}
	for _, d := range docs {
		if i, ok := x.byID[d.ID]; ok {
			x.docs[i] = d
			continue
		}
		x.byID[d.ID] = len(x.docs)
		x.docs = append(x.docs, d)
	}
	tfs := make([]map[string]float64, len(x.docs))
	df := make(map[string]int)
	for i, d := range x.docs {
		tf := make(map[string]float64)
		for _, w := range Tokenize(d.Text) {
			tf[w]++
		}
		for w := range tf {
			df[w]++
		}
		tfs[i] = tf
	}
	n := float64(len(x.docs))
	x.vecs = make([]map[string]float64, len(x.docs))
	// Sums run over sorted words and postings in document order: a
	// different order of float additions could swap near ties between
	// runs.
	for i, tf := range tfs {
		words := sortedKeys(tf)
		var norm float64
		for _, w := range words {
			v := tf[w] * math.Log(n/float64(df[w]))
			tf[w] = v
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for _, w := range words {
			if tf[w] == 0 {
				delete(tf, w) // in every document: no use for ranking
				continue
			}
			tf[w] /= norm
			x.postings[w] = append(x.postings[w], posting{i, tf[w]})
		}
		x.vecs[i] = tf
	}
	return x
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ScoredID is a document with its cosine similarity to a query.
type ScoredID struct {
	ID    string
	Score float64
}

// Similar returns up to k documents most similar to the document id with a
// similarity above 0, created no later than it, itself excluded, best
// first; ties in order of creation, then ID.
func (x *TFIDF) Similar(id string, k int) []ScoredID {
	q, ok := x.byID[id]
	if !ok || k <= 0 {
		return nil
	}
	scores := make(map[int]float64)
	for _, w := range sortedKeys(x.vecs[q]) {
		qw := x.vecs[q][w]
		for _, p := range x.postings[w] {
			if p.doc != q && !x.docs[p.doc].Created.After(x.docs[q].Created) {
				scores[p.doc] += qw * p.weight
			}
		}
	}
	out := make([]ScoredID, 0, len(scores))
	for d, s := range scores {
		out = append(out, ScoredID{x.docs[d].ID, s})
	}
	slices.SortFunc(out, func(a, b ScoredID) int {
		return cmp.Or(
			cmp.Compare(b.Score, a.Score),
			x.docs[x.byID[a.ID]].Created.Compare(x.docs[x.byID[b.ID]].Created),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out[:min(k, len(out))]
}
