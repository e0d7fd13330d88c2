package urgency

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/triagekit/triage/urgency/internal/cluster"
)

// Machine text, in a ticket's body, is a stretch whose runs of three
// consecutive words keep coming back: a stack trace repeats its frames'
// package prefixes ("at org eclipse jdt internal ..."), a log its lines'
// fields. Such words are the component's, not the customer's: two reports
// of different bugs in one component share dozens of them, each many
// times, and counted as often as they occur they outweigh what the two
// customers wrote. So the words of machine text count once each (weight
// 1), unless the prose (the subject, or the body outside machine text)
// has them too, and then they weigh what the prose gives them. The same
// features feed the lookup. Measured on the duplicate reports of
// cmd/dupeval (BENCHMARKS.md §14).
//
// Three consecutive words met for the machineRepeats-th time, each time
// within machineGap words of the last, mark the words from their first
// time on; later times mark the words since the last. (Pairs would do as
// well on stack traces, but prose repeats pairs: "the invoice" four times
// in twenty words.) It is a function of the body's words alone, in any
// language.
const (
	machineRepeats = 4
	machineGap     = 12
)

// pairRun is what the detector knows of three consecutive words: where
// they were last met, where their run began and how many times they were
// met.
type pairRun struct {
	key         uint64
	last, start int32
	n           int32
	used        bool
}

// machineScratch is the detector's memory, kept with a featureScratch.
type machineScratch struct {
	table  []pairRun // open addressing, a power of two long
	marked []bool
	trace  []uint64
}

// splitMachineText marks the machine text of toks, the hashes of the
// body's words in text order, moves the hashes of its words to
// ms.trace, sorted, and returns the rest, in order, in toks' memory.
func (ms *machineScratch) splitMachineText(toks []uint64) []uint64 {
	ms.trace = ms.trace[:0]
	n := len(toks)
	if n < machineRepeats+2 {
		return toks
	}
	size := 1 << bits.Len(uint(2*n))
	if cap(ms.table) < size {
		ms.table = make([]pairRun, size)
	}
	table := ms.table[:size]
	clear(table)
	marked := slices.Grow(ms.marked[:0], n)[:n]
	clear(marked)
	any := false
	for i := 0; i+2 < n; i++ {
		key := toks[i]*0x9E3779B97F4A7C15 ^ bits.RotateLeft64(toks[i+1], 31) ^ bits.RotateLeft64(toks[i+2], 17)*0xC2B2AE3D27D4EB4F
		slot := int(key>>1) & (size - 1)
		for table[slot].used && table[slot].key != key {
			slot = (slot + 1) & (size - 1)
		}
		r := &table[slot]
		if r.used && i-int(r.last) <= machineGap {
			r.n++
			from := r.last
			if r.n == machineRepeats {
				from = r.start
			}
			if r.n >= machineRepeats {
				for j := from; j <= int32(i+2); j++ {
					marked[j] = true
				}
				any = true
			}
		} else {
			*r = pairRun{key: key, start: int32(i), n: 1, used: true}
		}
		r.last = int32(i)
	}
	ms.marked = marked
	if !any {
		return toks
	}
	prose := toks[:0]
	for i, h := range toks {
		if marked[i] {
			ms.trace = append(ms.trace, h)
		} else {
			prose = append(prose, h)
		}
	}
	slices.Sort(ms.trace)
	return prose
}

// byHash orders features by hash, as a doc keeps them.
func byHash(a, b cluster.Feature) int { return cmp.Compare(a.Hash, b.Hash) }

// addMachineText adds to out, sorted by hash, the features of the sorted
// hashes of machine text: weight 1 each, and none for a hash out already
// has from the prose.
func addMachineText(out []cluster.Feature, trace []uint64) []cluster.Feature {
	if len(trace) == 0 {
		return out
	}
	n := len(out)
	for i, h := range trace {
		if i > 0 && trace[i-1] == h {
			continue
		}
		if _, found := slices.BinarySearchFunc(out[:n], h, func(f cluster.Feature, h uint64) int { return cmp.Compare(f.Hash, h) }); !found {
			out = append(out, cluster.Feature{Hash: h, Weight: 1})
		}
	}
	if len(out) > n {
		slices.SortFunc(out, byHash)
	}
	return out
}
