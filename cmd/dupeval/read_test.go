package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/triagekit/triage/urgency"
)

// TestMergeRepeats: a report listed as N and as N.0 with the same text is
// one ticket, whose pairs join the gold clusters named through either
// copy; a ".0" copy with another text, or with no N beside it, stays.
func TestMergeRepeats(t *testing.T) {
	tickets := []urgency.Ticket{
		{ID: "e-1", Subject: "crash", Body: "on save"},
		{ID: "e-1.0", Subject: "crash", Body: "on save"},
		{ID: "e-2", Subject: "hang"},
		{ID: "e-2.0", Subject: "another hang"},
		{ID: "e-3.0", Subject: "slow"},
		{ID: "e-4"},
		{ID: "e-5"},
	}
	pairs := []Pair{{A: "e-1.0", B: "e-4", Kind: "similar"}, {A: "e-5", B: "e-1", Kind: "similar"}, {A: "e-2.0", B: "e-3.0", Kind: "dissimilar"},
		{A: "e-4", B: "e-1", Kind: "dissimilar"}} // the first pair again, through the other copy
	kept, out, merged := mergeRepeats(tickets, pairs)
	assert.Equal(t, 1, merged)
	var ids []string
	for _, tk := range kept {
		ids = append(ids, tk.ID)
	}
	assert.Equal(t, []string{"e-1", "e-2", "e-2.0", "e-3.0", "e-4", "e-5"}, ids)
	assert.Equal(t, []Pair{{A: "e-1", B: "e-4", Kind: "similar"}, {A: "e-5", B: "e-1", Kind: "similar"}, {A: "e-2.0", B: "e-3.0", Kind: "dissimilar"}}, out)
	gold := Components(ids, out)
	assert.Equal(t, 3, Sizes(gold).Clusters, "e-1, e-4 and e-5 are one gold cluster, e-2.0 and e-3.0 another")
}
