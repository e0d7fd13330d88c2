package main

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// Concordance summarises how well an order agrees with graded labels over
// every pair of items whose labels differ.
type Concordance struct {
	// Pairs is the number of pairs with different labels.
	Pairs float64
	// Concordant, Discordant and Tied count those pairs whose higher
	// labelled item is ranked above, below or level with the other.
	Concordant, Discordant, Tied float64
}

// Value is the probability that the higher-labelled item of a pair ranks
// above the other, ties counted half; NaN without pairs.
func (c Concordance) Value() float64 { return (c.Concordant + c.Tied/2) / c.Pairs }

// TiedShare is the share of pairs ranked level.
func (c Concordance) TiedShare() float64 { return c.Tied / c.Pairs }

// Untied is the concordance of the pairs that are not tied.
func (c Concordance) Untied() float64 { return c.Concordant / (c.Concordant + c.Discordant) }

// item is one assessed ticket: its label grade (higher is more urgent) and
// its rank key (higher ranks first; equal keys are tied).
type item struct {
	label int
	key   int
}

// concordance counts the pairs of items, each item weighted by weight[i]
// (nil: weight 1), in O(n + keys × labels). Keys and labels must be small
// non-negative integers: see rankKeys.
func concordance(items []item, weight []float64, nKeys, nLabels int) Concordance {
	// count[l][k] is the weight of items with label l and key k.
	count := make([][]float64, nLabels)
	for l := range count {
		count[l] = make([]float64, nKeys)
	}
	for i, it := range items {
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		count[it.label][it.key] += w
	}
	var c Concordance
	lower := make([]float64, nKeys) // weight of all items with label < l, by key
	for l := 0; l < nLabels; l++ {
		var cum, total float64 // lower weight with key below k; all lower weight
		for _, w := range lower {
			total += w
		}
		for k := 0; k < nKeys; k++ {
			w := count[l][k]
			if w != 0 {
				c.Concordant += w * cum
				c.Tied += w * lower[k]
				c.Discordant += w * (total - cum - lower[k])
			}
			cum += lower[k]
		}
		for k, w := range count[l] {
			lower[k] += w
		}
	}
	c.Pairs = c.Concordant + c.Discordant + c.Tied
	return c
}

// A rankable is what an item is ranked by: the index of its level counted
// from the lowest (higher is more urgent), then its score.
type rankable struct {
	level int
	score float64
}

// rankKeys maps each rankable to a dense key, equal for equal rankables and
// ordered like (level, score); it returns the keys and their number.
func rankKeys(rs []rankable) ([]int, int) {
	distinct := slices.Clone(rs)
	less := func(a, b rankable) int {
		if a.level != b.level {
			return a.level - b.level
		}
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return 0
	}
	slices.SortFunc(distinct, less)
	distinct = slices.CompactFunc(distinct, func(a, b rankable) bool { return less(a, b) == 0 })
	keys := make([]int, len(rs))
	for i, r := range rs {
		keys[i] = sort.Search(len(distinct), func(j int) bool { return less(distinct[j], r) >= 0 })
	}
	return keys, len(distinct)
}

// bootstrap resamples the items n times with replacement (the seed fixes
// the draws) and returns the 2.5th and 97.5th percentiles of the
// concordance.
func bootstrap(items []item, nKeys, nLabels, n int, seed uint64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	weight := make([]float64, len(items))
	vals := make([]float64, 0, n)
	for range n {
		clear(weight)
		for range items {
			weight[rng.IntN(len(items))]++
		}
		vals = append(vals, concordance(items, weight, nKeys, nLabels).Value())
	}
	slices.Sort(vals)
	return percentile(vals, 0.025), percentile(vals, 0.975)
}

// percentile returns the p-quantile of sorted vals, linearly interpolated.
func percentile(vals []float64, p float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	x := p * float64(len(vals)-1)
	i := int(x)
	if i+1 >= len(vals) {
		return vals[len(vals)-1]
	}
	f := x - float64(i)
	return vals[i]*(1-f) + vals[i+1]*f
}
