package cluster

import (
	"cmp"
	"slices"
)

// An incident is a burst: many customers within a window reporting one
// error code and one concept (a 502 when paying), each in their own words
// and language. A doc joins a cluster through a pair of its code (not a
// frequent one) and its concept that docs of burstCustomers distinct known
// customers of the window share: the cluster with the most of those docs,
// ties to the earlier leader, whatever else the doc is alike to. A doc
// counts, and joins, only when the pair is at least burstShare of its
// squared weight: in a short report the code and the concept are most of
// what it says; in a long one that happens to name both they are not.
// Measured on the duplicate sets of cmd/dupeval, a lower share, or counting
// long docs, links unrelated reports.
const (
	burstCustomers = 3
	burstShare     = 0.1
)

// burst returns the vote of the cluster d joins by the burst rule, or nil.
// The votes are those of d's candidates, stamped with stamp: every doc
// sharing a code that is not frequent with d is one.
func (g *Grouper) burst(d *Doc, length float64, stamp uint64, cut int64) *vote {
	// Features sort by kind: words, then codes, then concepts.
	codes, _ := slices.BinarySearchFunc(d.Feats, KindCode, func(f Feature, k uint64) int { return cmp.Compare(KindOf(f.Hash), k) })
	concepts, _ := slices.BinarySearchFunc(d.Feats, KindConcept, func(f Feature, k uint64) int { return cmp.Compare(KindOf(f.Hash), k) })
	if codes == concepts || concepts == len(d.Feats) || length == 0 {
		return nil
	}
	pair := 0
	for i := codes; i < concepts; i++ {
		code := d.Feats[i]
		codeIDF := g.idfs[i]
		var posts []*Doc // the docs sharing the code, once needed
		for j := concepts; j < len(d.Feats); j++ {
			concept := d.Feats[j]
			conceptIDF := g.idfs[j]
			if pairShare(code.Weight, concept.Weight, codeIDF, conceptIDF, length) < burstShare {
				continue
			}
			if posts == nil {
				if g.df.frequent(code.Hash) {
					break
				}
				if posts = g.posts.get(code.Hash); posts == nil {
					break
				}
			}
			// in tells whether a doc sharing the code is in the burst.
			in := func(c *Doc) bool {
				k, ok := c.find(concept.Hash)
				if !ok {
					return false
				}
				cw, _ := c.find(code.Hash)
				return pairShare(c.Feats[cw].Weight, c.Feats[k].Weight, codeIDF, conceptIDF, g.df.length(c)) >= burstShare
			}
			var customers [burstCustomers]uint64
			known := 0
			for _, c := range posts {
				if known == burstCustomers {
					break
				}
				if c.Customer != 0 && !slices.Contains(customers[:known], c.Customer) && in(c) {
					customers[known] = c.Customer
					known++
				}
			}
			if known < burstCustomers {
				continue
			}
			pair++
			for _, c := range posts {
				l := c.leader
				if l == nil || l.Created < cut || l.voteStamp != stamp || !in(c) {
					continue
				}
				v := &g.votes[l.voteSlot]
				if v.pair != pair {
					v.pair, v.pairDocs = pair, 0
				}
				v.pairDocs++
				v.burst = max(v.burst, v.pairDocs)
			}
		}
	}
	if pair == 0 {
		return nil
	}
	var best *vote
	for i := range g.votes {
		v := &g.votes[i]
		if v.burst == 0 {
			continue
		}
		if best == nil || better(float64(v.burst), float64(best.burst), v.leader, best.leader) {
			best = v
		}
	}
	return best
}

// pairShare is the share of a doc's squared length, length, that a code
// and a concept of the given weights and idfs have.
func pairShare(codeWeight, conceptWeight float32, codeIDF, conceptIDF, length float64) float64 {
	if length == 0 {
		return 0
	}
	wc, wk := float64(codeWeight)*codeIDF, float64(conceptWeight)*conceptIDF
	return (wc*wc + wk*wk) / (length * length)
}

// find returns the index of the feature h in d's features, and whether d
// has it.
func (d *Doc) find(h uint64) (int, bool) {
	return slices.BinarySearchFunc(d.Feats, h, func(f Feature, h uint64) int { return cmp.Compare(f.Hash, h) })
}
