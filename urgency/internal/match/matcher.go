package match

import (
	"bytes"
	"slices"
)

// A Matcher finds the terms of every list in a text in one pass. It is
// immutable and safe for concurrent use; each goroutine scans into its own
// [Hits].
//
// Terms are numbered globally so that the terms of list l are the ids
// listStart[l] up to listStart[l+1]. Every distinct folded word of a term,
// together with its prefix flag, is a word pattern. Single-word terms hang
// off their word pattern; a term of several words is a phrase, indexed by
// the pair of its first two word patterns.
//
// Word patterns that start with "*" live in a second trie, infix, which is
// walked from every byte of a word as the scan reaches it: a state's prefix
// id is reported wherever the walk passes ("*ausfall*"), its exact id only
// when the walk ends with the word ("*ausfall"). Without such patterns the
// second trie is empty and never walked.
type Matcher struct {
	lists     []string
	listIndex map[string]int
	terms     [][]string
	listStart []int32
	termList  []int32 // global term id -> list

	trie    trie
	infix   trie // word patterns starting with "*"; no states if none
	wpFlags []uint8
	wpTerms offsets // word pattern -> global term ids of one-word terms

	pairs       map[uint64]int32 // first two word patterns -> index in pairPhrases
	pairPhrases offsets          // pair index -> phrase ids
	phraseWords offsets          // phrase id -> word patterns
	phraseTerms offsets          // phrase id -> global term ids
}

// Word pattern flags.
const (
	wpHasTerms    = 1 << iota // one-word terms consist of this pattern
	wpInPhrase                // some phrase contains this pattern
	wpStartPhrase             // some phrase starts with this pattern
)

// offsets is a flattened [][]int32: the values of row i are
// vals[off[i]:off[i+1]].
type offsets struct {
	off  []int32
	vals []int32
}

func (o offsets) row(i int32) []int32 { return o.vals[o.off[i]:o.off[i+1]] }

func flatten(rows [][]int32) offsets {
	o := offsets{off: make([]int32, 1, len(rows)+1)}
	for _, r := range rows {
		o.vals = append(o.vals, r...)
		o.off = append(o.off, int32(len(o.vals)))
	}
	return o
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// Build returns a Matcher for the terms added so far. Later calls to Add do
// not affect it.
func (b *Builder) Build() *Matcher {
	m := &Matcher{listIndex: make(map[string]int), listStart: []int32{0}}
	wpIDs := make(map[string]int32) // "word", "word*", "*word" or "*word*" -> id
	var (
		trieWords  []trieWord
		infixWords []trieWord
		wpTerms    [][]int32
		phraseIDs  = make(map[string]int32)
		phrases    [][]int32
		phTerms    [][]int32
		pairIDs    = make(map[uint64]int32)
		pairRows   [][]int32
	)
	wordPattern := func(word string, prefix, suffix bool) int32 {
		key := word
		if prefix {
			key += "*"
		}
		if suffix {
			key = "*" + key
		}
		id, ok := wpIDs[key]
		if !ok {
			id = int32(len(wpTerms))
			wpIDs[key] = id
			wpTerms = append(wpTerms, nil)
			m.wpFlags = append(m.wpFlags, 0)
			tw := trieWord{word: word, id: id, prefix: prefix}
			if suffix {
				infixWords = append(infixWords, tw)
			} else {
				trieWords = append(trieWords, tw)
			}
		}
		return id
	}
	for li, l := range b.lists {
		m.lists = append(m.lists, l.name)
		m.listIndex[l.name] = li
		raws := make([]string, len(l.terms))
		for ti, t := range l.terms {
			raws[ti] = t.raw
			gid := int32(len(m.termList))
			m.termList = append(m.termList, int32(li))
			wps := make([]int32, len(t.Words))
			for i, w := range t.Words {
				wps[i] = wordPattern(w, t.Prefix[i], t.Suffix[i])
			}
			if len(wps) == 1 {
				wpTerms[wps[0]] = append(wpTerms[wps[0]], gid)
				m.wpFlags[wps[0]] |= wpHasTerms
				continue
			}
			ph, ok := phraseIDs[t.Key]
			if !ok {
				ph = int32(len(phrases))
				phraseIDs[t.Key] = ph
				phrases = append(phrases, wps)
				phTerms = append(phTerms, nil)
				for _, wp := range wps {
					m.wpFlags[wp] |= wpInPhrase
				}
				m.wpFlags[wps[0]] |= wpStartPhrase
				k := pairKey(wps[0], wps[1])
				pi, ok := pairIDs[k]
				if !ok {
					pi = int32(len(pairRows))
					pairIDs[k] = pi
					pairRows = append(pairRows, nil)
				}
				pairRows[pi] = append(pairRows[pi], ph)
			}
			phTerms[ph] = append(phTerms[ph], gid)
		}
		m.terms = append(m.terms, raws)
		m.listStart = append(m.listStart, int32(len(m.termList)))
	}
	m.trie = buildTrie(trieWords)
	if len(infixWords) > 0 {
		m.infix = buildTrie(infixWords)
	}
	m.wpTerms = flatten(wpTerms)
	m.pairs = pairIDs
	m.pairPhrases = flatten(pairRows)
	m.phraseWords = flatten(phrases)
	m.phraseTerms = flatten(phTerms)
	return m
}

// List returns the index of the named list and whether it exists.
func (m *Matcher) List(name string) (int, bool) {
	i, ok := m.listIndex[name]
	return i, ok
}

// Lists returns the list names in the order in which they were first added
// to. The slice is a copy.
func (m *Matcher) Lists() []string { return slices.Clone(m.lists) }

// Terms returns the terms of list as they were first written, in the order
// they were added, without duplicates; Hits.Matched indexes this slice. The
// slice is a copy. Terms panics if list is out of range.
func (m *Matcher) Terms(list int) []string { return slices.Clone(m.terms[list]) }

// Scan folds s into the scratch space of h and records, for every list,
// which of its terms occur in s. It reads the folded text once, whatever the
// number of terms. Hits accumulate over calls to Scan until [Hits.Reset];
// a phrase only matches within a single call. If h was last used with a
// different Matcher it is reset first. Scan does not allocate once h has
// grown to the size of the texts it sees.
//
// Each word is walked through the trie once from its start and, when some
// term has a word starting with "*", once more from each of its bytes
// through the trie of those words; a walk stops at the first byte no
// pattern continues with, which in practice is the first or second.
func (m *Matcher) Scan(h *Hits, s string) {
	if h.m != m {
		h.attach(m)
	}
	h.buf = AppendFold(h.buf[:0], s)
	h.events = h.events[:0]
	buf := h.buf
	alpha := &m.trie.alpha
	states := m.trie.states
	pos := int32(0)
	infix := len(m.infix.states) > 0
	for i := 0; i < len(buf); pos++ {
		start := i
		st := int32(0)
		j := i
		for ; j < len(buf); j++ {
			c := buf[j]
			if c == ' ' {
				break
			}
			next := states[st].base + int32(alpha[c])
			if states[next].check != st {
				st = -1
				break
			}
			st = next
			if p := states[st].prefix; p >= 0 {
				h.word(m, p, pos)
			}
		}
		if st >= 0 {
			if e := states[st].exact; e >= 0 {
				h.word(m, e, pos)
			}
		} else if k := bytes.IndexByte(buf[j:], ' '); k >= 0 {
			j += k
		} else {
			j = len(buf)
		}
		if infix {
			m.scanInfix(h, buf[start:j], pos)
		}
		i = j + 1
	}
	if len(h.events) > 1 {
		m.matchPhrases(h)
	}
}

// scanInfix records the word patterns starting with "*" that match w, the
// word at pos: it walks the infix trie from every byte of w.
func (m *Matcher) scanInfix(h *Hits, w []byte, pos int32) {
	alpha := &m.infix.alpha
	states := m.infix.states
	first := len(h.events)
	for s := range w {
		st := int32(0)
		for j := s; j < len(w); j++ {
			next := states[st].base + int32(alpha[w[j]])
			if states[next].check != st {
				st = -1
				break
			}
			st = next
			if p := states[st].prefix; p >= 0 {
				h.wordOnce(m, p, pos, first)
			}
		}
		if st >= 0 {
			if e := states[st].exact; e >= 0 {
				h.wordOnce(m, e, pos, first)
			}
		}
	}
}

// wordOnce is word for a pattern that may match the same word more than
// once ("*aa*" in "aaaa"): it records the phrase event only once, looking
// at the events from first on, the ones of this word.
func (h *Hits) wordOnce(m *Matcher, wp, pos int32, first int) {
	for _, e := range h.events[first:] {
		if e.wp == wp {
			return
		}
	}
	h.word(m, wp, pos)
}

// word records that the word at pos matches word pattern wp.
func (h *Hits) word(m *Matcher, wp, pos int32) {
	f := m.wpFlags[wp]
	if f&wpHasTerms != 0 {
		for _, t := range m.wpTerms.row(wp) {
			h.mark(t)
		}
	}
	if f&wpInPhrase != 0 {
		h.events = append(h.events, event{pos: pos, wp: wp, start: f&wpStartPhrase != 0})
	}
}

// matchPhrases finds phrases in the word pattern events of the last scan.
// Events are ordered by position; group(i) is the run of events at the
// position of event i.
func (m *Matcher) matchPhrases(h *Hits) {
	ev := h.events
	for i := 0; i < len(ev); {
		pos := ev[i].pos
		j := groupEnd(ev, i)
		if j < len(ev) && ev[j].pos == pos+1 {
			k := groupEnd(ev, j)
			for _, a := range ev[i:j] {
				if !a.start {
					continue
				}
				for _, b := range ev[j:k] {
					pi, ok := m.pairs[pairKey(a.wp, b.wp)]
					if !ok {
						continue
					}
					for _, ph := range m.pairPhrases.row(pi) {
						if matchRest(ev, k, pos+2, m.phraseWords.row(ph)[2:]) {
							for _, t := range m.phraseTerms.row(ph) {
								h.mark(t)
							}
						}
					}
				}
			}
		}
		i = j
	}
}

// matchRest reports whether the word patterns wps occur at consecutive
// positions from pos on, looking at events from index i on.
func matchRest(ev []event, i int, pos int32, wps []int32) bool {
	for _, wp := range wps {
		if i >= len(ev) || ev[i].pos != pos {
			return false
		}
		end := groupEnd(ev, i)
		found := false
		for _, e := range ev[i:end] {
			if e.wp == wp {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		i, pos = end, pos+1
	}
	return true
}

func groupEnd(ev []event, i int) int {
	pos := ev[i].pos
	for i++; i < len(ev) && ev[i].pos == pos; i++ {
	}
	return i
}
