package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The gold clustering of the metric tests: {a b c} {d e} {f}.
var (
	goldIDs   = []string{"a", "b", "c", "d", "e", "f"}
	goldPairs = []Pair{{"a", "b", "similar"}, {"c", "b", "dissimilar"}, {"d", "e", "similar"}}
	gold      = [][]string{{"a", "b", "c"}, {"d", "e"}, {"f"}}
)

func TestComponents(t *testing.T) {
	tests := []struct {
		name  string
		ids   []string
		pairs []Pair
		want  [][]string
	}{
		{"gold", goldIDs, goldPairs, gold},
		{"no pairs", []string{"x", "y"}, nil, [][]string{{"x"}, {"y"}}},
		{"unknown ticket ignored", []string{"x", "y"}, []Pair{{"x", "z", ""}, {"z", "y", ""}}, [][]string{{"x"}, {"y"}}},
		{
			// c~e joins the chains a~c and e~b: members keep the order of ids.
			"chain", []string{"a", "b", "c", "d", "e"},
			[]Pair{{"e", "b", ""}, {"a", "c", ""}, {"c", "e", ""}},
			[][]string{{"a", "b", "c", "e"}, {"d"}},
		},
		{"self pair", []string{"x"}, []Pair{{"x", "x", ""}}, [][]string{{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Components(tt.ids, tt.pairs))
		})
	}
}

func TestPairwise(t *testing.T) {
	tests := []struct {
		name   string
		pred   [][]string
		counts PairCounts
		scores Scores
	}{
		{
			// Gold links ab ac bc de; predicted ab cd ce de; both ab de.
			"half", [][]string{{"a", "b"}, {"c", "d", "e"}, {"f"}},
			PairCounts{Predicted: 4, Gold: 4, Both: 2}, Scores{0.5, 0.5, 0.5},
		},
		{
			"all in one", [][]string{{"a", "b", "c", "d", "e", "f"}},
			PairCounts{Predicted: 15, Gold: 4, Both: 4}, Scores{4.0 / 15, 1, 8.0 / 19},
		},
		{
			// c, d, e and f are left out: each counts as alone.
			"partial", [][]string{{"a", "b"}},
			PairCounts{Predicted: 1, Gold: 4, Both: 1}, Scores{1, 0.25, 0.4},
		},
		{
			// No link claimed: precision 1 by convention.
			"each alone", [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}},
			PairCounts{Predicted: 0, Gold: 4, Both: 0}, Scores{1, 0, 0},
		},
		{
			// x is not a gold ticket and does not count.
			"extra ticket", [][]string{{"a", "b", "c", "x"}, {"d", "e"}, {"f"}},
			PairCounts{Predicted: 4, Gold: 4, Both: 4}, Scores{1, 1, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := PairwiseLinks(tt.pred, gold)
			assert.Equal(t, tt.counts, c)
			assertScores(t, tt.scores, c.Scores())
		})
	}
}

func TestBCubed(t *testing.T) {
	tests := []struct {
		name string
		pred [][]string
		want Scores
	}{
		{
			// Per ticket (precision, recall): a, b (1, 2/3); c (1/3, 1/3);
			// d, e (2/3, 1); f (1, 1).
			"half", [][]string{{"a", "b"}, {"c", "d", "e"}, {"f"}},
			Scores{7.0 / 9, 7.0 / 9, 7.0 / 9},
		},
		{
			// Precision: a, b, c 3/6; d, e 2/6; f 1/6.
			"all in one", [][]string{{"a", "b", "c", "d", "e", "f"}},
			Scores{7.0 / 18, 1, 14.0 / 25},
		},
		{
			// Recall: a, b, c 1/3; d, e 1/2; f 1.
			"each alone", [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}},
			Scores{1, 0.5, 2.0 / 3},
		},
		{"missing tickets count as alone", nil, Scores{1, 0.5, 2.0 / 3}},
		{"gold", gold, Scores{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertScores(t, tt.want, BCubed(tt.pred, gold))
		})
	}
}

func assertScores(t *testing.T, want, got Scores) {
	t.Helper()
	assert.InDelta(t, want.Precision, got.Precision, 1e-12, "precision")
	assert.InDelta(t, want.Recall, got.Recall, 1e-12, "recall")
	assert.InDelta(t, want.F1, got.F1, 1e-12, "F1")
}

func TestPairRecall(t *testing.T) {
	pred := [][]string{{"a", "b"}, {"c", "d", "e"}, {"f"}}
	got := PairRecall(pred, append(goldPairs, Pair{"a", "x", "similar"}))
	assert.Equal(t, map[string]Ratio{
		"":           {Hits: 2, Total: 4},
		"similar":    {Hits: 2, Total: 3},
		"dissimilar": {Hits: 0, Total: 1},
	}, got)
	assert.InDelta(t, 0.5, got[""].Value(), 1e-12)
	assert.Zero(t, Ratio{}.Value())
}

func TestEvaluateLookup(t *testing.T) {
	rankings := map[string][]string{
		"a": {"c", "b", "d"},
		"b": {"a", "c"},
		"c": {"e", "f", "g", "h", "i", "b"},
	}
	calls := make(map[string]int)
	rank := func(id string, k int) []string {
		calls[id]++
		r := rankings[id]
		return r[:min(k, len(r))]
	}
	// Queries and the rank of their target: a→b 2, b→a 1, c→b below the
	// depth, b→c 2.
	pairs := []Pair{{"a", "b", "similar"}, {"c", "b", "dissimilar"}}
	res := EvaluateLookup(rank, pairs, []int{5, 1, 2, 1}, 3)

	assert.Equal(t, []int{1, 2, 5}, res.Ks)
	assert.Equal(t, 5, res.Depth, "depth is raised to the largest k")
	assert.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, calls, "each ticket is queried once")
	tests := []struct {
		kind    string
		queries int
		recall  []float64
		mrr     float64
	}{
		{"", 4, []float64{0.25, 0.75, 0.75}, (0.5 + 1 + 0 + 0.5) / 4},
		{"similar", 2, []float64{0.5, 1, 1}, (0.5 + 1) / 2},
		{"dissimilar", 2, []float64{0, 0.5, 0.5}, (0 + 0.5) / 2},
	}
	require.Len(t, res.Kinds, len(tests))
	for _, tt := range tests {
		t.Run("kind "+tt.kind, func(t *testing.T) {
			f := res.Kinds[tt.kind]
			require.NotNil(t, f)
			assert.Equal(t, tt.queries, f.Queries)
			for i, want := range tt.recall {
				assert.InDelta(t, want, f.Recall(i), 1e-12, "recall@%d", res.Ks[i])
			}
			assert.InDelta(t, tt.mrr, f.MRR(), 1e-12)
		})
	}
}

func TestEvaluateLookupIgnoresResultsBeyondDepth(t *testing.T) {
	// A ranking that returns more than asked does not earn the extra.
	rank := func(string, int) []string { return []string{"x", "y", "z", "b"} }
	res := EvaluateLookup(rank, []Pair{{"a", "b", "k"}}, []int{1, 2}, 3)
	f := res.Kinds[""]
	require.NotNil(t, f)
	assert.Equal(t, []int{0, 0}, f.Found)
	assert.Zero(t, f.MRR())
}

func TestSizes(t *testing.T) {
	big := make([]string, 12)
	huge := make([]string, 51)
	got := Sizes([][]string{{"a"}, {"b", "c"}, {"d", "e", "f"}, big, {"g"}, huge})
	assert.Equal(t, SizeStats{
		Clusters:   6,
		Singletons: 2,
		Largest:    51,
		Buckets:    [5]int{1, 1, 0, 1, 1},
		InClusters: 2 + 3 + 12 + 51,
	}, got)
}

func TestLinksBySize(t *testing.T) {
	gold := [][]string{{"a", "b"}, {"c", "d", "e"}, {"f"}, {"g"}}
	pred := [][]string{{"a", "b"}, {"c", "d", "f"}, {"e"}, {"g"}}
	got := LinksBySize(pred, gold)
	assert.Equal(t, PairCounts{Predicted: 1, Both: 1}, got[0], "size 2")
	assert.Equal(t, PairCounts{Predicted: 3, Both: 1}, got[1], "size 3-5")
	assert.Equal(t, PairCounts{}, got[2])
}
