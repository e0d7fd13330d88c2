package cluster

import (
	"slices"
)

// A doc not alike to a cluster's leader still joins the cluster when it
// is memberShare of the threshold alike to memberLinks of its other docs:
// many, so that a cluster grows by its dense core and not by one doc
// alike to another's generic words. Measured on the duplicate sets of
// cmd/dupeval at the default threshold, it raises recall and keeps
// pairwise precision (fewer links, or nearer the threshold, lowered it).
const (
	memberLinks      = 5
	memberShare      = 0.9
	memberCandidates = 32
)

// member is a doc of a cluster that d may link to: the vote of its
// cluster, its index among the candidates and the bound on its
// similarity.
type member struct {
	slot, cand int32
	bound      float64 // the most d can be alike to it
}

// memberScratch is latestMembers' space, kept by a Grouper from one doc
// to the next.
type memberScratch struct {
	buf         []member
	start, next []int32
}

// latestMembers keeps, of each cluster's members in ms, the
// memberCandidates latest in canonical order, grouped by cluster; which
// are kept does not depend on the order of ms. votes is the number of
// clusters.
func (sc *memberScratch) latestMembers(ms []member, cands []cand, votes int) (kept []member) {
	if len(ms) <= memberCandidates {
		return ms
	}
	// Bucket by cluster (a counting sort), then keep each bucket's latest.
	start := slices.Grow(sc.start[:0], votes+1)[:votes+1]
	clear(start)
	for _, m := range ms {
		start[m.slot+1]++
	}
	for i := range votes {
		start[i+1] += start[i]
	}
	buf := slices.Grow(sc.buf[:0], len(ms))[:len(ms)]
	next := append(sc.next[:0], start[:votes]...)
	for _, m := range ms {
		buf[next[m.slot]] = m
		next[m.slot]++
	}
	sc.buf, sc.start, sc.next = buf, start, next
	kept = ms[:0]
	later := func(a, b member) bool { return Compare(cands[a.cand].d, cands[b.cand].d) > 0 }
	for slot := range votes {
		bucket := buf[start[slot]:start[slot+1]]
		if len(bucket) <= memberCandidates {
			kept = append(kept, bucket...)
			continue
		}
		// A min-heap of the latest seen so far: its root is the earliest
		// of them, replaced by any later doc.
		h := bucket[:memberCandidates]
		for i := len(h)/2 - 1; i >= 0; i-- {
			siftMembers(h, i, later)
		}
		for _, m := range bucket[memberCandidates:] {
			if later(m, h[0]) {
				h[0] = m
				siftMembers(h, 0, later)
			}
		}
		kept = append(kept, h...)
	}
	return kept
}

// siftMembers restores h below i as a heap whose every parent is earlier
// in canonical order than its children.
func siftMembers(h []member, i int, later func(a, b member) bool) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && later(h[c], h[c+1]) {
			c++
		}
		if !later(h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// vote is what a doc being grouped has of one cluster: its best
// similarity to a doc of it, whether it is alike to its leader, and to
// how many other docs of it; and, for the burst join, how many of its docs
// share the pair of code and concept being counted (pair), from which
// distinct customers, and the most docs sharing a pair of the doc from
// burstCustomers customers or more.
type vote struct {
	leader *Doc
	best   float64
	led    bool
	links  int
	// members are how many of the cluster's docs other than its leader
	// may be compared, and top the most d can be alike to one.
	members int
	top     float64

	pair     int
	pairDocs int
	burst    int
}

// better reports whether a cluster led by la, of the score a, is to be
// chosen over one led by lb, of the score b: the higher score, ties to the
// earlier leader, whatever the order the clusters were met in.
func better(a, b float64, la, lb *Doc) bool {
	return a > b || a == b && Compare(la, lb) < 0
}
