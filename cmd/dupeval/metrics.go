package main

import (
	"cmp"
	"slices"
)

// Pair is two reports of one bug, as listed in a pairs file.
type Pair struct {
	A, B string
	// Kind is "similar" (similar wording) or "dissimilar".
	Kind string
}

// Components returns the connected components of the pairs over ids: every
// ID in ids is in exactly one component, an ID in no pair alone in its own.
// Pair members missing from ids are ignored. Members keep the order of ids;
// components are ordered by their first member.
func Components(ids []string, pairs []Pair) [][]string {
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	parent := make([]int, len(ids))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, p := range pairs {
		a, okA := pos[p.A]
		b, okB := pos[p.B]
		if !okA || !okB {
			continue
		}
		ra, rb := find(a), find(b)
		// The smaller index becomes the root, so a component's root is
		// its first member and the output order needs no sort.
		if ra < rb {
			parent[rb] = ra
		} else {
			parent[ra] = rb
		}
	}
	index := make(map[int]int) // root -> position in out
	var out [][]string
	for i, id := range ids {
		r := find(i)
		j, ok := index[r]
		if !ok {
			j = len(out)
			index[r] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], id)
	}
	return out
}

// labels maps each member of clusters to its cluster's position.
func labels(clusters [][]string) map[string]int {
	m := make(map[string]int)
	for i, c := range clusters {
		for _, id := range c {
			m[id] = i
		}
	}
	return m
}

// Scores is a precision, recall and their harmonic mean.
type Scores struct {
	Precision, Recall, F1 float64
}

func newScores(p, r float64) Scores {
	s := Scores{Precision: p, Recall: r}
	if p+r > 0 {
		s.F1 = 2 * p * r / (p + r)
	}
	return s
}

// PairCounts are the link counts behind pairwise precision and recall: a
// link is two tickets in the same cluster.
type PairCounts struct {
	Predicted, Gold, Both int
}

// Scores returns the pairwise precision (Both/Predicted), recall
// (Both/Gold) and F1. With no predicted links precision is 1, with no gold
// links recall is 1: nothing was claimed, or nothing was to be found.
func (c PairCounts) Scores() Scores {
	p, r := 1.0, 1.0
	if c.Predicted > 0 {
		p = float64(c.Both) / float64(c.Predicted)
	}
	if c.Gold > 0 {
		r = float64(c.Both) / float64(c.Gold)
	}
	return newScores(p, r)
}

func links(n int) int { return n * (n - 1) / 2 }

// PairwiseLinks counts the links of the predicted clustering, of the gold
// one and of both, over the tickets of gold. Tickets of gold that pred
// leaves out count as predicted alone; tickets of pred not in gold are
// ignored.
func PairwiseLinks(pred, gold [][]string) PairCounts {
	var c PairCounts
	for _, members := range gold {
		c.Gold += links(len(members))
	}
	t := tabulate(pred, gold)
	for _, n := range t.predSize {
		c.Predicted += links(n)
	}
	for _, n := range t.cell {
		c.Both += links(n)
	}
	return c
}

// contingency is the contingency table of a predicted and a gold clustering over
// the tickets of gold: the size of each predicted cluster, the number of
// tickets in each (predicted, gold) pair of clusters, and each ticket's
// pair. Tickets that pred leaves out are predicted alone.
type contingency struct {
	predSize map[int]int
	cell     map[[2]int]int
	tickets  [][2]int // (predicted, gold) per ticket
}

func tabulate(pred, gold [][]string) contingency {
	pl := labels(pred)
	t := contingency{predSize: make(map[int]int), cell: make(map[[2]int]int)}
	alone := len(pred)
	for g, members := range gold {
		for _, id := range members {
			p, ok := pl[id]
			if !ok {
				p = alone
				alone++
			}
			t.predSize[p]++
			t.cell[[2]int{p, g}]++
			t.tickets = append(t.tickets, [2]int{p, g})
		}
	}
	return t
}

// BCubed returns the B-cubed precision and recall over the tickets of gold:
// for each ticket, the share of its predicted cluster that is in its gold
// cluster (precision) and the share of its gold cluster that is in its
// predicted cluster (recall), each averaged over all tickets; F1 is their
// harmonic mean. Tickets that pred leaves out count as predicted alone.
func BCubed(pred, gold [][]string) Scores {
	t := tabulate(pred, gold)
	if len(t.tickets) == 0 {
		return newScores(1, 1)
	}
	var sp, sr float64
	for _, pg := range t.tickets {
		both := float64(t.cell[pg])
		sp += both / float64(t.predSize[pg[0]])
		sr += both / float64(len(gold[pg[1]]))
	}
	n := float64(len(t.tickets))
	return newScores(sp/n, sr/n)
}

// PairRecall returns, for the pairs of each kind and for all of them under
// the kind "", how many there are and how many have both tickets in the
// same predicted cluster.
func PairRecall(pred [][]string, pairs []Pair) map[string]Ratio {
	pl := labels(pred)
	out := make(map[string]Ratio)
	for _, p := range pairs {
		a, okA := pl[p.A]
		b, okB := pl[p.B]
		hit := okA && okB && a == b
		for _, kind := range []string{"", p.Kind} {
			r := out[kind]
			r.add(hit)
			out[kind] = r
		}
	}
	return out
}

// Ratio is hits out of a total.
type Ratio struct {
	Hits, Total int
}

func (r *Ratio) add(hit bool) {
	r.Total++
	if hit {
		r.Hits++
	}
}

// Value returns Hits/Total, 0 when Total is 0.
func (r Ratio) Value() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Hits) / float64(r.Total)
}

// SizeStats describes the sizes of a clustering.
type SizeStats struct {
	Clusters   int
	Singletons int
	Largest    int
	// Buckets counts the clusters by size, for sizes 2, 3–5, 6–10, 11–50
	// and over 50.
	Buckets [5]int
	// InClusters is the number of tickets in clusters of two or more.
	InClusters int
}

// sizeBuckets are the upper bounds of SizeStats.Buckets.
var sizeBuckets = [5]int{2, 5, 10, 50, int(^uint(0) >> 1)}

// sizeBucketNames label SizeStats.Buckets.
var sizeBucketNames = [5]string{"2", "3–5", "6–10", "11–50", ">50"}

// Sizes returns the size statistics of clusters.
func Sizes(clusters [][]string) SizeStats {
	s := SizeStats{Clusters: len(clusters)}
	for _, c := range clusters {
		n := len(c)
		s.Largest = max(s.Largest, n)
		if n == 1 {
			s.Singletons++
			continue
		}
		s.InClusters += n
		for i, ub := range sizeBuckets {
			if n <= ub {
				s.Buckets[i]++
				break
			}
		}
	}
	return s
}

// Ranking returns up to k IDs most similar to the ticket id, best first.
type Ranking func(id string, k int) []string

// LookupResult is how well a ranking finds the other ticket of each pair,
// queried from both ends.
type LookupResult struct {
	// Ks are the cut-offs, ascending; Depth is how many results each query
	// asked for (at least the largest k).
	Ks    []int
	Depth int
	// Kinds holds the figures of each kind of pair, and of all pairs under
	// the kind "".
	Kinds map[string]*LookupFigures
}

// LookupFigures are the recall@k and the mean reciprocal rank of the
// queries of one kind of pair.
type LookupFigures struct {
	Queries int
	// Found[i] counts the queries whose target is in the top Ks[i].
	Found []int
	// rr is the sum of 1/rank of the target, 0 when not in the top Depth.
	rr float64
}

// Recall returns recall@Ks[i].
func (f *LookupFigures) Recall(i int) float64 {
	if f.Queries == 0 {
		return 0
	}
	return float64(f.Found[i]) / float64(f.Queries)
}

// MRR returns the mean reciprocal rank, counting a target below the depth
// as 0.
func (f *LookupFigures) MRR() float64 {
	if f.Queries == 0 {
		return 0
	}
	return f.rr / float64(f.Queries)
}

// EvaluateLookup queries rank with each end of each pair, asking for depth
// results (at least the largest k), and records at which rank the other
// end comes: pair (a, b) makes two queries, a looking for b and b looking
// for a.
func EvaluateLookup(rank Ranking, pairs []Pair, ks []int, depth int) LookupResult {
	ks = slices.Clone(ks)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	if len(ks) > 0 {
		depth = max(depth, ks[len(ks)-1])
	}
	res := LookupResult{Ks: ks, Depth: depth, Kinds: make(map[string]*LookupFigures)}
	figures := func(kind string) *LookupFigures {
		f := res.Kinds[kind]
		if f == nil {
			f = &LookupFigures{Found: make([]int, len(ks))}
			res.Kinds[kind] = f
		}
		return f
	}
	// A ticket in several pairs is queried once.
	cache := make(map[string][]string)
	query := func(id string) []string {
		r, ok := cache[id]
		if !ok {
			r = rank(id, depth)
			cache[id] = r
		}
		return r
	}
	for _, p := range pairs {
		for _, q := range [][2]string{{p.A, p.B}, {p.B, p.A}} {
			got := query(q[0])
			rank := slices.Index(got, q[1]) + 1 // 0: not found
			if rank > depth {
				rank = 0 // a ranking that returned more than asked
			}
			for _, kind := range []string{"", p.Kind} {
				f := figures(kind)
				f.Queries++
				if rank > 0 {
					f.rr += 1 / float64(rank)
				}
				for i, k := range ks {
					if rank > 0 && rank <= k {
						f.Found[i]++
					}
				}
			}
		}
	}
	return res
}

// kindsOf returns the kinds of pairs, sorted.
func kindsOf(pairs []Pair) []string {
	var kinds []string
	for _, p := range pairs {
		kinds = append(kinds, p.Kind)
	}
	slices.SortFunc(kinds, cmp.Compare[string])
	return slices.Compact(kinds)
}

// LinksBySize counts the predicted links, and those that are gold links
// too, of the predicted clusters of each size bucket of SizeStats: the
// precision of small and of large clusters apart.
func LinksBySize(pred, gold [][]string) [5]PairCounts {
	var out [5]PairCounts
	t := tabulate(pred, gold)
	bucket := func(n int) int {
		for i, ub := range sizeBuckets {
			if n <= ub {
				return i
			}
		}
		return len(sizeBuckets) - 1
	}
	for _, n := range t.predSize {
		if n > 1 {
			out[bucket(n)].Predicted += links(n)
		}
	}
	for pg, n := range t.cell {
		if size := t.predSize[pg[0]]; size > 1 {
			out[bucket(size)].Both += links(n)
		}
	}
	return out
}
