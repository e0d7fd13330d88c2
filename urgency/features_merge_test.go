package urgency

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
	var trace []uint64
	var hits match.Hits
	for _, part := range []struct {
		text   string
		weight float32
	}{{t.Subject, subjectWeight}, {t.Body, bodyWeight}} {
		text, _ := clip(part.text, MaxTextBytes)
		text = mask(text)
		buf := match.AppendFold(nil, text)
		var toks []uint64
		for _, tok := range bytes.Split(buf, []byte(" ")) {
			if keepToken(tok) {
				toks = append(toks, cluster.WithKind(maphash.Bytes(f.seed, tok), tokenKind(tok)))
			}
		}
		marked := make([]bool, len(toks))
		if part.weight == bodyWeight {
			marked = referenceMachineText(toks)
		}
		for i, h := range toks {
			if marked[i] {
				trace = append(trace, h)
			} else {
				raw = append(raw, cluster.Feature{Hash: h, Weight: part.weight})
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
	slices.SortStableFunc(raw, byHash)
	var out []cluster.Feature
	for _, ft := range raw {
		if n := len(out); n > 0 && out[n-1].Hash == ft.Hash {
			out[n-1].Weight = min(out[n-1].Weight+ft.Weight, maxWeight)
			continue
		}
		out = append(out, ft)
	}
	// Words of machine text weigh 1, unless the prose has them.
	for _, h := range trace {
		if !slices.ContainsFunc(out, func(ft cluster.Feature) bool { return ft.Hash == h }) {
			out = append(out, cluster.Feature{Hash: h, Weight: 1})
		}
	}
	slices.SortFunc(out, byHash)
	return out
}

// referenceMachineText marks machine text as its definition says: the
// times each three consecutive words are met fall into runs, each time
// within machineGap words of the one before; a run of machineRepeats
// times or more marks the words from its first time to the third word of
// its last.
func referenceMachineText(toks []uint64) []bool {
	marked := make([]bool, len(toks))
	at := make(map[[3]uint64][]int)
	var pairs [][3]uint64
	for i := 0; i+2 < len(toks); i++ {
		p := [3]uint64{toks[i], toks[i+1], toks[i+2]}
		if at[p] == nil {
			pairs = append(pairs, p)
		}
		at[p] = append(at[p], i)
	}
	for _, p := range pairs {
		times := at[p]
		for lo := 0; lo < len(times); {
			hi := lo + 1
			for hi < len(times) && times[hi]-times[hi-1] <= machineGap {
				hi++
			}
			if hi-lo >= machineRepeats {
				for j := times[lo]; j <= times[hi-1]+2; j++ {
					marked[j] = true
				}
			}
			lo = hi
		}
	}
	return marked
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
	for i := range 200 {
		// Few words, so that runs of three come back: machine text, in
		// stretches of every length and gap.
		var b strings.Builder
		for range rng.IntN(80) {
			b.WriteString(words[rng.IntN(3)] + " ")
			if rng.IntN(4) == 0 {
				b.WriteString(words[3+rng.IntN(len(words)-3)] + " ")
			}
		}
		tickets = append(tickets, Ticket{ID: string(rune('A' + i%26)), Subject: words[rng.IntN(len(words))], Body: b.String()})
	}
	tickets = append(tickets, Ticket{Subject: strings.Repeat("payment payment ", 10), Body: strings.Repeat("payment ", 20)}, Ticket{})
	for _, tk := range tickets {
		got, _, _ := f.features(&tk)
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
	got, _, _ := f.features(&tk)
	require.Len(t, got, maxFeatureWords)
	short := Ticket{Subject: tk.Subject, Body: strings.Join(strings.Fields(tk.Body)[:maxFeatureWords-2], " ")}
	want, _, _ := f.features(&short)
	require.Equal(t, want, got, "the subject's words and the body's first")
}

// TestMachineTextCountsOnce: the words of a pasted stack trace count once
// each, however often its frames repeat them, while a word the customer
// wrote keeps its weight, also where the trace has it too; prose that
// repeats a phrase now and then is not machine text.
func TestMachineTextCountsOnce(t *testing.T) {
	e := loadDefaultPack(t)
	f := newFeaturizer(e.matcher)
	frames := strings.Repeat("at org eclipse jdt internal compiler parser parse ", 6)
	tk := Ticket{Subject: "Parser crash on save", Body: "The editor crashes when I save a file. " + frames + "Please fix the parser crash."}
	got, _, _ := f.features(&tk)
	weight := func(word string) float32 {
		h := cluster.WithKind(maphash.Bytes(f.seed, []byte(word)), cluster.KindWord)
		for _, ft := range got {
			if ft.Hash == h {
				return ft.Weight
			}
		}
		return 0
	}
	assert.Equal(t, float32(1), weight("eclipse"), "a frame word, six times in the trace")
	assert.Equal(t, float32(1), weight("compiler"))
	// "parser": 3 in the subject, once in the prose of the body; the
	// trace's six do not count.
	assert.Equal(t, float32(4), weight("parser"))
	assert.Equal(t, float32(2), weight("editor")+weight("file"))

	prose := Ticket{Body: "The invoice is wrong. I paid it twice, and the invoice still shows the old price. Is the invoice late? The invoice number is on the receipt."}
	got, _, _ = f.features(&prose)
	h := cluster.WithKind(maphash.Bytes(f.seed, []byte("invoice")), cluster.KindWord)
	i := slices.IndexFunc(got, func(ft cluster.Feature) bool { return ft.Hash == h })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, float32(4), got[i].Weight, "a word the customer repeats keeps its count")
	// Four times "the invoice is" within a dozen words is machine text.
	chant := Ticket{Body: "the invoice is the invoice is the invoice is the invoice is"}
	got, _, _ = f.features(&chant)
	i = slices.IndexFunc(got, func(ft cluster.Feature) bool { return ft.Hash == h })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, float32(1), got[i].Weight)
}
