package cluster

import (
	"cmp"
	"math"
	"slices"
)

// Two subjects are one series, and their docs never alike, when they
// fill one template's slot with different words: the same seriesCommon
// words or more before and after the slot, at least half of each
// subject, and in the slot at most seriesSlot words, each side with a
// word the other's lacks that is not a code. A tracker's or a product's
// tickets come in series ("disallow *thai* / *tibetan* unicode block
// from IDN domains", "Intermittent *test_login.js* / *test_search.js* |
// Test timed out", "Add dark mode to the *Reports* / *Billing* page")
// whose words are mostly the template's, so they are alike, but each is
// its own problem. A slot that differs only in codes ("Error: we could
// not process your payment (reference *a7f3c9* / *b81e4d*)") is one
// problem with each customer's reference, and no series.
//
// Measured with cmd/dupeval (pair precision / recall at the default
// threshold 0.5; without it 0.778 / 0.270 on Eclipse, 0.634 / 0.144 on
// Firefox): 0.779 / 0.260 and 0.720 / 0.129; at 0.6, 0.855 / 0.177 and
// 0.848 / 0.084 (0.845 / 0.184 and 0.648 / 0.101 without). Counting
// codes as slot words: 0.778 / 0.259 and 0.717 / 0.128. With 3 common
// words, subjects of 64 words: 0.797 / 0.256 and 0.687 / 0.125; 5 common
// words, 64 words: 0.781 / 0.259 and 0.693 / 0.129. Five keep apart
// fewer reports of one problem that differ in a word ("Cannot open /
// load the dashboard").
const (
	seriesCommon = 5
	seriesSlot   = 6
)

// MaxSubjectWords is how many of a subject's first words a Doc keeps
// for its series: 14 fit a Doc in 192 bytes, 16 take it to 208. Measured
// as above at 0.5 (codes counted as slot words), 12 words give 0.778 /
// 0.258 and 0.709 / 0.125, 16 0.781 / 0.259 and 0.693 / 0.130, 64 the
// same as 16. A long subject is judged on its first words.
const MaxSubjectWords = 14

// Subject is a subject's first MaxSubjectWords words in order, each as
// the place of its feature among the doc's Feats. Two subjects' words
// are compared by their features' whole keyed hashes, not by a short
// hash of their own: two words of a short hash would agree under one
// queue's key, one time in 65,536, and whether two docs are alike would
// then depend on the key, not on their words.
type Subject struct {
	words [MaxSubjectWords]uint16
	n     uint8
}

// SubjectOf returns the subject whose words have the given hashes, in
// order, of a doc whose features are feats: the first MaxSubjectWords of
// them, up to the first that is not among feats.
func SubjectOf(feats []Feature, words []uint64) Subject {
	var s Subject
	for _, h := range words {
		i, ok := slices.BinarySearchFunc(feats, h, func(f Feature, h uint64) int { return cmp.Compare(f.Hash, h) })
		if !ok || i > math.MaxUint16 || int(s.n) == MaxSubjectWords {
			break
		}
		s.words[s.n] = uint16(i)
		s.n++
	}
	return s
}

// subject returns the hashes of d's subject's words, in buf: none once
// its features are dropped.
func (d *Doc) subject(buf *[MaxSubjectWords]uint64) []uint64 {
	for i, w := range d.Subject.words[:d.Subject.n] {
		if int(w) >= len(d.Feats) {
			return buf[:i]
		}
		buf[i] = d.Feats[w].Hash
	}
	return buf[:d.Subject.n]
}

// oneSeries reports whether the subjects of a and b are one series.
func oneSeries(a, b *Doc) bool {
	var wa, wb [MaxSubjectWords]uint64
	return series(a.subject(&wa), b.subject(&wb))
}

// series reports whether subjects a and b are one series.
func series(a, b []uint64) bool {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	common := p + s
	if common < seriesCommon || 2*common < len(a) || 2*common < len(b) {
		return false
	}
	sa, sb := a[p:len(a)-s], b[p:len(b)-s]
	if len(sa) > seriesSlot || len(sb) > seriesSlot {
		return false
	}
	return lacks(sa, sb) && lacks(sb, sa)
}

// lacks reports whether a has a word b lacks, not counting codes: a
// reference, a status or an order number the customer copied in is a
// detail of one problem, not another problem.
func lacks(a, b []uint64) bool {
	for _, w := range a {
		if KindOf(w) != KindCode && !slices.Contains(b, w) {
			return true
		}
	}
	return false
}
