package match

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestoreIsTheScan: the terms found by scanning two texts apart,
// restored into fresh Hits, give the counts and matches of scanning both,
// and Folded is what AppendFold gives.
func TestRestoreIsTheScan(t *testing.T) {
	m := build(t, list{"pay", []string{"payment", "plać*", "nie działa"}}, list{"out", []string{"*ausfall*", "down"}})
	texts := [][2]string{
		{"Plaćanje ne radi", "payment nie działa, Serverausfall"},
		{"", "down down DOWN"},
		{"nothing here", ""},
	}
	for _, tx := range texts {
		var a, b, both, restored Hits
		m.Scan(&a, tx[0])
		assert.Equal(t, string(AppendFold(nil, tx[0])), string(a.Folded()))
		m.Scan(&b, tx[1])
		m.Scan(&both, tx[0])
		m.Scan(&both, tx[1])
		m.Restore(&restored, slices.Clone(a.Found()))
		m.Restore(&restored, slices.Clone(b.Found()))
		for l := range 2 {
			require.Equal(t, both.Count(l), restored.Count(l), "%q list %d", tx, l)
			require.Equal(t, both.Matched(l), restored.Matched(l), "%q list %d", tx, l)
		}
	}
	var h Hits
	m.Restore(&h, []int32{-1, 99})
	assert.Zero(t, h.Count(0)+h.Count(1))
}

// TestWordCountsAreWordsAndShouting: WordCounts gives Words and the
// counts Shouting divides, and they add up over texts joined by a line
// break, as text is subject and body.
func TestWordCountsAreWordsAndShouting(t *testing.T) {
	for _, s := range [][2]string{{"HELP now PLEASE", "it's DOWN!"}, {"", "ÄÖÜ straße"}, {"ok", ""}, {"日本語 テキスト", "Ünïcödé ÉCOLE"}} {
		w, c, u := WordCounts(s[0])
		w2, c2, u2 := WordCounts(s[1])
		joined := s[0] + "\n" + s[1]
		assert.Equal(t, Words(joined), w+w2, s)
		want := Shouting(joined)
		got := 0.0
		if c+c2 > 0 {
			got = float64(u+u2) / float64(c+c2)
		}
		assert.Equal(t, want, got, s)
		assert.Equal(t, Exclamations(joined), Exclamations(s[0])+Exclamations(s[1]))
	}
}
