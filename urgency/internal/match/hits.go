package match

import "math/bits"

// Hits holds the terms found by [Matcher.Scan] together with the scratch
// space Scan needs. The zero value is ready to use. A Hits belongs to one
// goroutine at a time; reuse it (with [Hits.Reset]) to scan without
// allocating.
type Hits struct {
	m      *Matcher
	found  []uint64 // bit set over global term ids
	set    []int32  // ids set in found since the last Reset
	counts []int32  // distinct terms found per list
	buf    []byte   // folded text of the last scan
	events []event  // word pattern matches of phrase words in the last scan
}

// event records that the word at pos matched word pattern wp; start is set
// when a phrase starts with wp.
type event struct {
	pos   int32
	wp    int32
	start bool
}

// attach sizes h for m and forgets all hits.
func (h *Hits) attach(m *Matcher) {
	h.m = m
	n := len(m.termList)
	h.found = make([]uint64, (n+63)/64)
	h.set = h.set[:0]
	h.counts = make([]int32, len(m.lists))
}

// Reset forgets all hits, keeping the scratch space. Its cost is
// proportional to the number of terms found, not to the number of terms.
func (h *Hits) Reset() {
	for _, t := range h.set {
		h.found[t>>6] = 0
		h.counts[h.m.termList[t]] = 0
	}
	h.set = h.set[:0]
}

// mark records global term t as found.
func (h *Hits) mark(t int32) {
	w, b := t>>6, uint64(1)<<(t&63)
	if h.found[w]&b != 0 {
		return
	}
	h.found[w] |= b
	h.set = append(h.set, t)
	h.counts[h.m.termList[t]]++
}

// Has reports whether any term of list was found. It is false for a list
// index that the Matcher does not have.
func (h *Hits) Has(list int) bool { return h.Count(list) > 0 }

// Count returns the number of distinct terms of list that were found. It is
// 0 for a list index that the Matcher does not have.
func (h *Hits) Count(list int) int {
	if list < 0 || list >= len(h.counts) {
		return 0
	}
	return int(h.counts[list])
}

// Matched returns the indexes into [Matcher.Terms] of the terms of list that
// were found, in ascending order, or nil if there are none.
func (h *Hits) Matched(list int) []int {
	if h.Count(list) == 0 {
		return nil
	}
	lo, hi := int(h.m.listStart[list]), int(h.m.listStart[list+1])
	out := make([]int, 0, h.counts[list])
	for w := lo >> 6; w<<6 < hi; w++ {
		word := h.found[w]
		for word != 0 {
			t := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			if t >= lo && t < hi {
				out = append(out, t-lo)
			}
		}
	}
	return out
}

// Found returns the global ids of the terms found since the last Reset,
// in the order they were found. The slice is h's own, valid until h
// changes; [Matcher.Restore] gives the same hits back from a copy.
func (h *Hits) Found() []int32 { return h.set }

// Folded returns the folded form of the text of the last [Matcher.Scan]
// (as [AppendFold] gives it). The slice is h's own, valid until h next
// scans.
func (h *Hits) Folded() []byte { return h.buf }

// Restore adds to h the terms found, global ids as [Hits.Found] returned
// them for a scan with m: h then holds what scanning the same texts
// gives, without reading them again. If h was last used with a different
// Matcher it is reset first. Ids out of m's range are ignored.
func (m *Matcher) Restore(h *Hits, found []int32) {
	if h.m != m {
		h.attach(m)
	}
	for _, t := range found {
		if t >= 0 && int(t) < len(m.termList) {
			h.mark(t)
		}
	}
}
