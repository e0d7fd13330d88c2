package urgency

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency/internal/cluster"
	"github.com/triagekit/triage/urgency/internal/match"
)

// referenceFeatures is how features were computed before they were
// sorted per part and merged: every word and concept of both parts with
// its weight (its hash marked with its kind), sorted by hash, equal
// hashes summed up to maxWeight.
func referenceFeatures(f *featurizer, t *Ticket) []cluster.Feature {
	var raw []cluster.Feature
	var hits match.Hits
	for _, part := range []struct {
		text   string
		weight float32
	}{{t.Subject, subjectWeight}, {t.Body, bodyWeight}} {
		text, _ := clip(part.text, MaxTextBytes)
		text = mask(text)
		buf := match.AppendFold(nil, text)
		for _, tok := range bytes.Split(buf, []byte(" ")) {
			if keepToken(tok) {
				raw = append(raw, cluster.Feature{Hash: cluster.WithKind(maphash.Bytes(f.seed, tok), tokenKind(tok)), Weight: part.weight})
			}
		}
		hits.Reset()
		f.matcher.Scan(&hits, text)
		for l, h := range f.concepts {
			if hits.Has(l) {
				raw = append(raw, cluster.Feature{Hash: h, Weight: part.weight})
			}
		}
	}
	slices.SortStableFunc(raw, func(a, b cluster.Feature) int {
		switch {
		case a.Hash < b.Hash:
			return -1
		case a.Hash > b.Hash:
			return 1
		}
		return 0
	})
	var out []cluster.Feature
	for _, ft := range raw {
		if n := len(out); n > 0 && out[n-1].Hash == ft.Hash {
			out[n-1].Weight = min(out[n-1].Weight+ft.Weight, maxWeight)
			continue
		}
		out = append(out, ft)
	}
	return out
}

// TestFeaturesAreTheSortedWords: the features of sample, masked,
// repetitive and random texts are those of sorting every word and concept
// of both parts together.
func TestFeaturesAreTheSortedWords(t *testing.T) {
	e := loadDefaultPack(t)
	f := newFeaturizer(e.matcher)
	tickets := readSampleTickets(t)
	rng := rand.New(rand.NewPCG(7, 8))
	words := []string{"payment", "failed", "plaćanje", "ne", "radi", "502", "E1234", "12345", "anna@example.com", "https://x.example/a", "down", "Zahlung", "ok"}
	for i := range 300 {
		var s, b strings.Builder
		for range rng.IntN(8) {
			s.WriteString(words[rng.IntN(len(words))] + " ")
		}
		for range rng.IntN(60) {
			b.WriteString(words[rng.IntN(len(words))] + " ")
		}
		tickets = append(tickets, Ticket{ID: string(rune('a' + i%26)), Subject: s.String(), Body: b.String()})
	}
	tickets = append(tickets, Ticket{Subject: strings.Repeat("payment payment ", 10), Body: strings.Repeat("payment ", 20)}, Ticket{})
	for _, tk := range tickets {
		got, _ := f.features(&tk)
		want := referenceFeatures(f, &tk)
		if len(want) == 0 {
			require.Empty(t, got)
			continue
		}
		require.Equal(t, want, got, "%q / %q", tk.Subject, tk.Body)
	}
}

// TestFeaturesReadTheFirstWords: a ticket of tens of thousands of
// distinct words (a pasted log, a quoted thread) makes features of its
// first maxFeatureWords words only, the subject's first, so that
// comparing and looking it up costs no more than a long ticket.
func TestFeaturesReadTheFirstWords(t *testing.T) {
	e := loadDefaultPack(t)
	f := newFeaturizer(e.matcher)
	word := func(n int) string {
		return string([]byte{byte('a' + n%26), byte('a' + n/26%26), byte('a' + n/676%26), byte('a' + n/17576%26), 'q'})
	}
	var b strings.Builder
	for n := range 20_000 {
		b.WriteString(word(n) + " ")
	}
	tk := Ticket{Subject: "zzzfirst zzzsecond", Body: b.String()}
	got, _ := f.features(&tk)
	require.Len(t, got, maxFeatureWords)
	short := Ticket{Subject: tk.Subject, Body: strings.Join(strings.Fields(tk.Body)[:maxFeatureWords-2], " ")}
	want, _ := f.features(&short)
	require.Equal(t, want, got, "the subject's words and the body's first")
}
