package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	assert.Equal(t, []string{"ünïcode", "fehler", "502", "can", "t", "e1234"},
		Tokenize("Ünïcode-Fehler 502: can't (E1234)!"))
	assert.Empty(t, Tokenize(" -- "))
}

// tinyDocs reads the five tickets of testdata/tiny.jsonl. Their words,
// "the" left out as it is in every ticket (idf 0):
//
//	D1 alpha alpha beta   D2 alpha beta gamma   D3 gamma delta
//	D4 alpha epsilon (created an hour after the others)   D5 zeta
func tinyDocs(t *testing.T) []Document {
	t.Helper()
	tickets, err := readTickets("testdata/tiny.jsonl")
	require.NoError(t, err)
	require.Len(t, tickets, 5)
	docs := make([]Document, len(tickets))
	for i, tk := range tickets {
		docs[i] = Document{ID: tk.ID, Text: tk.Subject + "\n" + tk.Body, Created: tk.CreatedAt}
	}
	return docs
}

func TestTFIDFSimilar(t *testing.T) {
	x := NewTFIDF(tinyDocs(t))
	// With idf alpha ln 5/3, beta and gamma ln 5/2, the others ln 5, the
	// cosines are D1·D2 .7122, D2·D3 .3255, D1·D4 .2252, D2·D4 .1109, and
	// 0 for every other pair.
	tests := []struct {
		id   string
		k    int
		want []ScoredID
	}{
		{"D1", 10, []ScoredID{{"D2", .7122}}}, // D4 is later than D1
		{"D2", 10, []ScoredID{{"D1", .7122}, {"D3", .3255}}},
		{"D2", 1, []ScoredID{{"D1", .7122}}},
		{"D3", 10, []ScoredID{{"D2", .3255}}},
		{"D4", 10, []ScoredID{{"D1", .2252}, {"D2", .1109}}},
		{"D5", 10, nil}, // shares no word
		{"D2", 0, nil},
		{"nosuch", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got := x.Similar(tt.id, tt.k)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				assert.Equal(t, w.ID, got[i].ID)
				assert.InDelta(t, w.Score, got[i].Score, 1e-4)
			}
		})
	}
}

func TestTFIDFTies(t *testing.T) {
	// B and C are the same text: equally like A, they come in ID order,
	// whatever the order they were given in.
	x := NewTFIDF([]Document{
		{ID: "C", Text: "disk full"},
		{ID: "A", Text: "disk full again"},
		{ID: "B", Text: "disk full"},
		{ID: "D", Text: "printer"},
	})
	got := x.Similar("A", 5)
	require.Len(t, got, 2)
	assert.Equal(t, "B", got[0].ID)
	assert.Equal(t, "C", got[1].ID)
	assert.Equal(t, got[0].Score, got[1].Score)
}
