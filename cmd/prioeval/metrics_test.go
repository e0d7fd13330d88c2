package main

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pairwise is the definition: every pair with different labels, by hand.
func pairwise(items []item) Concordance {
	var c Concordance
	for i, a := range items {
		for _, b := range items[i+1:] {
			if a.label == b.label {
				continue
			}
			hi, lo := a, b
			if b.label > a.label {
				hi, lo = b, a
			}
			switch {
			case hi.key > lo.key:
				c.Concordant++
			case hi.key < lo.key:
				c.Discordant++
			default:
				c.Tied++
			}
		}
	}
	c.Pairs = c.Concordant + c.Discordant + c.Tied
	return c
}

func TestConcordanceCountsPairs(t *testing.T) {
	// Labels 0..2, keys 0..3. Pairs with different labels: 0-1: (a,c) (a,d)
	// (b,c) (b,d); 0-2: (a,e) (b,e); 1-2: (c,e) (d,e).
	items := []item{
		{0, 0}, // a
		{0, 2}, // b
		{1, 2}, // c
		{1, 1}, // d
		{2, 3}, // e
	}
	c := concordance(items, nil, 4, 3)
	// a<c a<d: 2 concordant; b=c tied; b>d discordant; e above all: 4.
	assert.Equal(t, Concordance{Pairs: 8, Concordant: 6, Discordant: 1, Tied: 1}, c)
	assert.Equal(t, pairwise(items), c)
	assert.InDelta(t, 6.5/8, c.Value(), 1e-12)
	assert.InDelta(t, 1.0/8, c.TiedShare(), 1e-12)
	assert.InDelta(t, 6.0/7, c.Untied(), 1e-12)
}

func TestConcordanceAllTiedIsHalf(t *testing.T) {
	items := []item{{0, 0}, {1, 0}, {2, 0}, {2, 0}}
	c := concordance(items, nil, 1, 3)
	assert.Equal(t, 0.5, c.Value())
	assert.Equal(t, 1.0, c.TiedShare())
	assert.True(t, math.IsNaN(c.Untied()))
}

func TestConcordanceWeightsCountCopies(t *testing.T) {
	items := []item{{0, 1}, {1, 0}, {2, 2}}
	copies := []item{{0, 1}, {0, 1}, {1, 0}, {2, 2}, {2, 2}, {2, 2}}
	assert.Equal(t, pairwise(copies), concordance(items, []float64{2, 1, 3}, 3, 3))
}

func TestRankKeysOrderByLevelThenScore(t *testing.T) {
	keys, n := rankKeys([]rankable{{1, 5}, {0, 90}, {1, -3}, {2, 0}, {0, 90}})
	assert.Equal(t, 4, n)
	assert.Equal(t, []int{2, 0, 1, 3, 0}, keys)
}

func TestBootstrapIsFixedBySeedAndBracketsTheValue(t *testing.T) {
	var items []item
	for i := range 60 {
		items = append(items, item{label: i % 3, key: (i%3)*2 + i%4})
	}
	c := concordance(items, nil, 8, 3)
	lo, hi := bootstrap(items, 8, 3, 200, 7)
	lo2, hi2 := bootstrap(items, 8, 3, 200, 7)
	assert.Equal(t, [2]float64{lo, hi}, [2]float64{lo2, hi2})
	assert.Less(t, lo, c.Value())
	assert.Greater(t, hi, c.Value())
}

func TestParseLabels(t *testing.T) {
	got, err := parseLabels(strings.NewReader("id,priority,language\na,high,en\nb,low,de\n"), "labels.csv")
	require.NoError(t, err)
	assert.Equal(t, map[string]labelled{"a": {grade: 2, language: "en"}, "b": {grade: 0, language: "de"}}, got)

	_, err = parseLabels(strings.NewReader("id,priority,language\na,urgent,en\n"), "labels.csv")
	assert.ErrorContains(t, err, `labels.csv:2: priority "urgent"`)
	_, err = parseLabels(strings.NewReader("id,label\n"), "labels.csv")
	assert.ErrorContains(t, err, "want id,priority,language")
}
