package match

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// list is a list name and its terms, for building test matchers.
type list struct {
	name  string
	terms []string
}

func build(t testing.TB, lists ...list) *Matcher {
	t.Helper()
	var b Builder
	for _, l := range lists {
		for _, term := range l.terms {
			require.NoError(t, b.Add(l.name, term))
		}
	}
	return b.Build()
}

// found scans texts into fresh Hits and returns the matched terms of the
// only list.
func found(m *Matcher, texts ...string) []string {
	var h Hits
	for _, s := range texts {
		m.Scan(&h, s)
	}
	terms := m.Terms(0)
	out := []string{}
	for _, i := range h.Matched(0) {
		out = append(out, terms[i])
	}
	return out
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		text  string
		want  []string
	}{
		{"exact word", []string{"pay"}, "Please pay now", []string{"pay"}},
		{"no match inside word", []string{"pay"}, "repayment payment paying", []string{}},
		{"prefix", []string{"pay*"}, "the payment failed", []string{"pay*"}},
		{"prefix matches the bare word", []string{"pay*"}, "pay", []string{"pay*"}},
		{"prefix not inside word", []string{"pay*"}, "repayment", []string{}},
		{"prefix shorter word", []string{"payment*"}, "pay", []string{}},
		{"charg*", []string{"charg*"}, "CHARGED twice", []string{"charg*"}},
		{"exact and prefix", []string{"payment", "pay*", "paym*"}, "payment", []string{"payment", "pay*", "paym*"}},
		{"first and last word", []string{"a", "z"}, "a b z", []string{"a", "z"}},
		{"phrase", []string{"ne radi"}, "kartica ne radi", []string{"ne radi"}},
		{"phrase needs order", []string{"ne radi"}, "radi ne", []string{}},
		{"phrase needs adjacency", []string{"ne radi"}, "ne baš radi", []string{}},
		{"phrase across punctuation", []string{"ne radi"}, "Ne, radi.", []string{"ne radi"}},
		{"phrase across newline", []string{"ne radi"}, "ništa ne\n\nradi", []string{"ne radi"}},
		{"phrase with prefix", []string{"nie dział*"}, "Płatności nie działają", []string{"nie dział*"}},
		{"phrase prefix first word", []string{"plać* ne*"}, "plaćanje nećemo", []string{"plać* ne*"}},
		{"long phrase", []string{"n'arrive pas à payer"}, "Je n’arrive pas a payer!", []string{"n'arrive pas à payer"}},
		{"long phrase broken", []string{"n'arrive pas à payer"}, "je n'arrive pas à le payer", []string{}},
		{"overlapping phrases", []string{"a b", "b c", "a b c"}, "x a b c", []string{"a b", "b c", "a b c"}},
		{"repeated word phrase", []string{"very very"}, "very very bad", []string{"very very"}},
		{"phrase after partial", []string{"a a b"}, "a a a b", []string{"a a b"}},
		{"hyphenated term", []string{"e-mail"}, "my E-Mail and e mail", []string{"e-mail"}},
		{"hyphenated term not joined", []string{"e-mail"}, "email", []string{}},
		{"serbian cyrillic text, latin term", []string{"plaćanje"}, "Не ради ПЛАЋАЊЕ", []string{"plaćanje"}},
		{"serbian latin text, cyrillic term", []string{"плаћањ*"}, "plaćanja nema", []string{"плаћањ*"}},
		{"ascii term, accented text", []string{"placanje"}, "Plaćanje", []string{"placanje"}},
		{"cyrillic phrase", []string{"не ради"}, "kartica ne radi", []string{"не ради"}},
		{"polish phrase", []string{"nie działa"}, "NIE DZIALA", []string{"nie działa"}},
		{"infix inside compound", []string{"*ausfall*"}, "Der Serverausfall dauert", []string{"*ausfall*"}},
		{"infix at word start", []string{"*ausfall*"}, "Ausfallzeiten", []string{"*ausfall*"}},
		{"infix is the word", []string{"*ausfall*"}, "ein AUSFALL", []string{"*ausfall*"}},
		{"infix in the middle", []string{"*ausfall*"}, "Stromausfalls", []string{"*ausfall*"}},
		{"infix not across words", []string{"*ausfall*"}, "aus fall", []string{}},
		{"infix after a false start", []string{"*katko*"}, "palvelukatkon", []string{"*katko*"}},
		{"suffix", []string{"*ausfall"}, "Serverausfall", []string{"*ausfall"}},
		{"suffix is the word", []string{"*ausfall"}, "Ausfall", []string{"*ausfall"}},
		{"suffix needs the end", []string{"*ausfall"}, "Ausfallzeiten Serverausfalls", []string{}},
		{"suffix and infix share a word", []string{"*fall", "*ausfall*", "ausfall"}, "totalausfall", []string{"*fall", "*ausfall*"}},
		{"infix and exact together", []string{"*ausfall*", "ausfall"}, "Ausfall", []string{"*ausfall*", "ausfall"}},
		{"infix repeated in a word", []string{"*aa*"}, "aaaa", []string{"*aa*"}},
		{"infix folded", []string{"*störung*"}, "NETZSTOERUNG Netzstörung", []string{"*störung*"}},
		{"infix cyrillic", []string{"*плат*"}, "исплата", []string{"*плат*"}},
		{"phrase with infix word", []string{"*ausfall* seit"}, "Systemausfalls seit gestern", []string{"*ausfall* seit"}},
		{"phrase with infix second word", []string{"kein *zugriff*"}, "kein Datenbankzugriff", []string{"kein *zugriff*"}},
		{"phrase with repeated infix", []string{"*aa* b"}, "aaaa b", []string{"*aa* b"}},
		{"phrase with infix broken", []string{"*ausfall* seit"}, "Ausfall heute seit", []string{}},
		{"polish prefix", []string{"płatnoś*"}, "PŁATNOŚCI nie przechodzą", []string{"płatnoś*"}},
		{"finnish", []string{"ei toimi", "maksu*"}, "Maksun käsittely ei toimi", []string{"ei toimi", "maksu*"}},
		{"french apostrophe", []string{"n'arrive pas"}, "Je n’arrive pas à me connecter", []string{"n'arrive pas"}},
		{"french apostrophe split", []string{"application"}, "l'application plante", []string{"application"}},
		{"german prefix", []string{"Zahlung*"}, "ZAHLUNGSFEHLER bei der Zahlung", []string{"Zahlung*"}},
		{"german eszett", []string{"straße"}, "STRASSE", []string{"straße"}},
		{"spanish", []string{"pagó", "tarjeta"}, "Ya PAGO con la tarjéta", []string{"pagó", "tarjeta"}},
		{"portuguese", []string{"não funciona"}, "NAO FUNCIONA", []string{"não funciona"}},
		{"italian", []string{"perché"}, "perche?", []string{"perché"}},
		{"fullwidth text", []string{"error"}, "ＥＲＲＯＲ", []string{"error"}},
		{"digits", []string{"404"}, "HTTP 404!", []string{"404"}},
		{"empty text", []string{"pay"}, "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t, list{"l", tt.terms})
			assert.Equal(t, tt.want, found(m, tt.text))
		})
	}
}

func TestMatchLists(t *testing.T) {
	m := build(t,
		list{"payment", []string{"payment", "invoice", "charg*", "plać*", "uplat*", "płatnoś*", "maksu*", "Zahlung*", "плаћањ*"}},
		list{"failure", []string{"fail*", "declined", "error", "ne radi", "nie działa", "ei toimi", "n'arrive pas"}},
		list{"empty", nil},
		list{"shared", []string{"payment", "ne radi"}},
	)
	assert.Equal(t, []string{"payment", "failure", "shared"}, m.Lists())
	pay, ok := m.List("payment")
	require.True(t, ok)
	fail, ok := m.List("failure")
	require.True(t, ok)
	shared, ok := m.List("shared")
	require.True(t, ok)
	_, ok = m.List("missing")
	assert.False(t, ok)

	var h Hits
	m.Scan(&h, "Plaćanje ne radi! Payment failed, PAYMENT declined, плаћање again, payment error.")
	assert.True(t, h.Has(pay))
	assert.Equal(t, 3, h.Count(pay), "payment, plać*, плаћањ* – each once")
	assert.Equal(t, []int{0, 3, 8}, h.Matched(pay))
	assert.Equal(t, 4, h.Count(fail))
	assert.Equal(t, []int{0, 1, 2, 3}, h.Matched(fail))
	assert.Equal(t, 2, h.Count(shared))
	assert.False(t, h.Has(-1))
	assert.False(t, h.Has(99))
	assert.Zero(t, h.Count(99))
	assert.Nil(t, h.Matched(99))
}

func TestHitsAccumulateAndReset(t *testing.T) {
	m := build(t, list{"l", []string{"ne radi", "kartica", "uplat*"}})
	l, _ := m.List("l")
	var h Hits

	m.Scan(&h, "kartica ne")
	m.Scan(&h, "radi")
	assert.Equal(t, []int{1}, h.Matched(l), "phrases do not span scans")

	m.Scan(&h, "uplata ne radi")
	assert.Equal(t, []int{0, 1, 2}, h.Matched(l), "hits accumulate")
	assert.Equal(t, 3, h.Count(l))

	m.Scan(&h, "kartica kartica")
	assert.Equal(t, 3, h.Count(l), "distinct terms")

	h.Reset()
	assert.False(t, h.Has(l))
	assert.Zero(t, h.Count(l))
	assert.Nil(t, h.Matched(l))

	m.Scan(&h, "nema uplate")
	assert.Equal(t, []int{2}, h.Matched(l))

	other := build(t, list{"x", []string{"nema"}})
	other.Scan(&h, "kartica")
	assert.False(t, h.Has(0), "a different matcher starts afresh")
	other.Scan(&h, "nema")
	assert.True(t, h.Has(0))
}

func TestBuilder(t *testing.T) {
	t.Run("duplicates count once", func(t *testing.T) {
		m := build(t, list{"l", []string{"Payment", "payment", "PAYMENT", "paymént", "pay*", "pay", "ne radi", "Ne, radi", "не ради"}})
		assert.Equal(t, []string{"Payment", "pay*", "pay", "ne radi"}, m.Terms(0))
		assert.Equal(t, []string{"Payment", "pay*", "pay"}, found(m, "payment pay"))
	})
	t.Run("lists in order of first add", func(t *testing.T) {
		var b Builder
		require.NoError(t, b.Add("b", "x"))
		require.NoError(t, b.Add("a", "y"))
		require.NoError(t, b.Add("b", "z"))
		m := b.Build()
		assert.Equal(t, []string{"b", "a"}, m.Lists())
		assert.Equal(t, []string{"x", "z"}, m.Terms(0))
		require.NoError(t, b.Add("c", "w"))
		assert.Equal(t, []string{"b", "a"}, m.Lists(), "matcher unaffected by later adds")
	})
	t.Run("terms is a copy", func(t *testing.T) {
		m := build(t, list{"l", []string{"x"}})
		m.Terms(0)[0] = "changed"
		m.Lists()[0] = "changed"
		assert.Equal(t, []string{"x"}, m.Terms(0))
		assert.Equal(t, []string{"l"}, m.Lists())
	})
	t.Run("empty builder", func(t *testing.T) {
		var b Builder
		m := b.Build()
		var h Hits
		m.Scan(&h, "anything at all")
		assert.Empty(t, m.Lists())
		assert.False(t, h.Has(0))
	})
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		term string
		err  error
	}{
		{"", ErrEmptyTerm},
		{"   ", ErrEmptyTerm},
		{"?!", ErrEmptyTerm},
		{"\u0301", ErrEmptyTerm},
		{"*", ErrBareStar},
		{" * ", ErrBareStar},
		{"**", ErrBareStar},
		{"pa*y", ErrStarPosition},
		{"*pa*y", ErrStarPosition},
		{"* pay", ErrStarPosition},
		{"pay **x", ErrStarPosition},
		{"pay**", ErrStarPosition},
		{"pay *", ErrStarPosition},
		{"pay-*", ErrStarPosition},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.term), func(t *testing.T) {
			var b Builder
			err := b.Add("l", tt.term)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.err), "%v", err)
			msg := err.Error()
			assert.Regexp(t, `^[a-z]`, msg)
			assert.NotRegexp(t, `\.$`, msg)
			assert.Empty(t, b.Build().Lists(), "a bad term creates nothing")
		})
	}
	t.Run("empty list", func(t *testing.T) {
		var b Builder
		assert.ErrorIs(t, b.Add("", "pay"), ErrEmptyList)
	})
	t.Run("valid stars", func(t *testing.T) {
		for _, term := range []string{"pay*", "ne radi*", "ne* radi*", "e-mail*", "pay*!", "café*", "cafe\u0301*", "(pay*)",
			"*pay", "*pay*", "ne *radi", "(*pay*)", "*ausfall* seit*"} {
			var b Builder
			assert.NoError(t, b.Add("l", term), term)
		}
	})
	t.Run("message", func(t *testing.T) {
		var b Builder
		assert.EqualError(t, b.Add("l", "pa*y"), `term "pa*y": "*" is only allowed at the start or the end of a word`)
	})
}

func TestParseTermKey(t *testing.T) {
	for raw, want := range map[string]string{
		"Ausfall":          "ausfall",
		"*Ausfall":         "*ausfall",
		"*AUSFALL*":        "*ausfall*",
		"Ausfall*":         "ausfall*",
		"nie dział*":       "nie dzial*",
		"kein *Zugriff*":   "kein *zugriff*",
		"(*störung*) seit": "*storung* seit",
	} {
		term, err := ParseTerm(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want, term.Key, raw)
	}
	m := build(t, list{"l", []string{"*ausfall*", "*Ausfall*", "*ausfall", "ausfall"}})
	assert.Equal(t, []string{"*ausfall*", "*ausfall", "ausfall"}, m.Terms(0), "the stars make different terms")
}

func TestScanConcurrent(t *testing.T) {
	m := build(t, list{"l", []string{"plać*", "ne radi"}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var h Hits
			for range 200 {
				h.Reset()
				m.Scan(&h, "ПЛАЋАЊЕ НЕ РАДИ")
				assert.Equal(t, 2, h.Count(0))
			}
		})
	}
	wg.Wait()
}

func TestScanAllocs(t *testing.T) {
	m := benchMatcher(1000)
	text := mixedText
	var h Hits
	m.Scan(&h, text) // warm up
	h.Reset()
	allocs := testing.AllocsPerRun(200, func() {
		h.Reset()
		m.Scan(&h, text)
	})
	assert.Zero(t, allocs)
	pay, _ := m.List("payment")
	assert.True(t, h.Has(pay))
}

func FuzzScan(f *testing.F) {
	m := benchMatcherInfix(300, 0.2)
	for _, s := range []string{"", mixedText, "ne radi ne radi", "a\xffb", "ПЛАЋАЊЕ", "*ausfall* Serverausfall", "*aa* b"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var h Hits
		m.Scan(&h, a)
		m.Scan(&h, b)
		for l := range m.Lists() {
			matched := h.Matched(l)
			require.Len(t, matched, h.Count(l))
			require.Equal(t, len(matched) > 0, h.Has(l))
		}
		h.Reset()
		for l := range m.Lists() {
			require.False(t, h.Has(l))
		}
		// A term added on the fly is found in the text it came from.
		var bl Builder
		if bl.Add("x", a) == nil {
			fm := bl.Build()
			fm.Scan(&h, a)
			require.True(t, h.Has(0), "%q", a)
		}
	})
}

// naiveWord reports whether text word w matches term word p with its stars.
func naiveWord(w, p string, prefix, suffix bool) bool {
	switch {
	case prefix && suffix:
		return strings.Contains(w, p)
	case prefix:
		return strings.HasPrefix(w, p)
	case suffix:
		return strings.HasSuffix(w, p)
	}
	return w == p
}

// naiveFound reports whether term t occurs in the folded words.
func naiveFound(words []string, t Term) bool {
	for i := 0; i+len(t.Words) <= len(words); i++ {
		ok := true
		for k, p := range t.Words {
			if !naiveWord(words[i+k], p, t.Prefix[k], t.Suffix[k]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TestScanStarsAgainstNaive compares the matcher with a word-by-word
// reference on random texts and terms over a small alphabet, where
// prefixes, suffixes and infixes overlap often.
func TestScanStarsAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(min int) string {
		var b strings.Builder
		for range min + rng.IntN(4) {
			b.WriteByte("abc"[rng.IntN(3)])
		}
		return b.String()
	}
	for round := range 300 {
		var raws []string
		for range 1 + rng.IntN(12) {
			var parts []string
			for range 1 + rng.IntN(2) {
				w := word(1)
				switch rng.IntN(4) {
				case 1:
					w += "*"
				case 2:
					w = "*" + w
				case 3:
					w = "*" + w + "*"
				}
				parts = append(parts, w)
			}
			raws = append(raws, strings.Join(parts, " "))
		}
		var b Builder
		for _, r := range raws {
			require.NoError(t, b.Add("l", r))
		}
		m := b.Build()
		var words []string
		for range 1 + rng.IntN(8) {
			words = append(words, word(0))
		}
		text := strings.Join(words, " ")
		var want []string
		for _, r := range m.Terms(0) {
			term, err := ParseTerm(r)
			require.NoError(t, err)
			if naiveFound(strings.Fields(Fold(text)), term) {
				want = append(want, r)
			}
		}
		got := found(m, text)
		assert.ElementsMatch(t, want, got, "round %d: terms %q, text %q", round, raws, text)
	}
}
