package match

import "slices"

// A trie is a double-array trie over the bytes of folded words. A state s
// has a child for byte c when alpha[c] != 0 and
// states[states[s].base+alpha[c]].check == s. The root is state 0. Because
// codes start at 1, the slot base+0 never belongs to s, so a byte with code 0
// fails the check without a separate test, and states is padded so that
// base+code is always in range.
type trie struct {
	alpha  [256]uint8
	states []daState
}

// daState is one double-array slot; prefix and exact are word pattern ids
// (or -1) reported when a word passes through or ends at the state.
type daState struct {
	base, check   int32
	prefix, exact int32
}

// trieWord is a pattern to insert: a folded word, its id and whether it
// matches as a prefix.
type trieWord struct {
	word   string
	id     int32
	prefix bool
}

// tnode is a node of the pointer trie built before packing.
type tnode struct {
	kids          []tedge
	prefix, exact int32
}

type tedge struct {
	c    byte
	node int32
}

func buildTrie(words []trieWord) trie {
	var t trie
	nodes := []tnode{{prefix: -1, exact: -1}}
	for _, w := range words {
		n := int32(0)
		for i := 0; i < len(w.word); i++ {
			c := w.word[i]
			t.alpha[c] = 1
			next := int32(-1)
			for _, e := range nodes[n].kids {
				if e.c == c {
					next = e.node
					break
				}
			}
			if next < 0 {
				next = int32(len(nodes))
				nodes = append(nodes, tnode{prefix: -1, exact: -1})
				nodes[n].kids = append(nodes[n].kids, tedge{c, next})
			}
			n = next
		}
		if w.prefix {
			nodes[n].prefix = w.id
		} else {
			nodes[n].exact = w.id
		}
	}
	maxCode := int32(0)
	for c := range t.alpha {
		if t.alpha[c] != 0 {
			maxCode++
			t.alpha[c] = uint8(maxCode)
		}
	}

	// Pack breadth first. free tracks unused slots; slot 0 is the root.
	states := []daState{{check: -2, prefix: -1, exact: -1}}
	grow := func(n int32) {
		for int32(len(states)) < n {
			states = append(states, daState{check: -1, prefix: -1, exact: -1})
		}
	}
	firstFree := int32(1)
	type item struct{ node, slot int32 }
	queue := []item{{0, 0}}
	codes := make([]int32, 0, 256)
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		kids := nodes[it.node].kids
		if len(kids) == 0 {
			continue
		}
		codes = codes[:0]
		for _, e := range kids {
			codes = append(codes, int32(t.alpha[e.c]))
		}
		slices.Sort(codes)
		for firstFree < int32(len(states)) && states[firstFree].check != -1 {
			firstFree++
		}
		base := max(firstFree-codes[0], 0)
		for ; ; base++ {
			// The first code's slot must be free: bases where it is not
			// are passed over at once (the same base is found).
			for base+codes[0] < int32(len(states)) && states[base+codes[0]].check != -1 {
				base++
			}
			grow(base + codes[len(codes)-1] + 1)
			fits := true
			for _, c := range codes {
				if states[base+c].check != -1 {
					fits = false
					break
				}
			}
			if fits {
				break
			}
		}
		states[it.slot].base = base
		for _, e := range kids {
			slot := base + int32(t.alpha[e.c])
			kid := &nodes[e.node]
			states[slot] = daState{check: it.slot, prefix: kid.prefix, exact: kid.exact}
			queue = append(queue, item{e.node, slot})
		}
	}
	// Pad so that base+code never leaves the array, even for code 0 slots.
	maxBase := int32(0)
	for _, s := range states {
		maxBase = max(maxBase, s.base)
	}
	grow(maxBase + maxCode + 1)
	t.states = slices.Clip(states)
	return t
}
