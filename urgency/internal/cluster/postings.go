package cluster

import "slices"

// postingList is the docs indexed with one feature, in canonical order,
// with the removed ones not yet dropped: most in docs, and those added
// out of order too far back to be moved into it in late, a sorted run of
// its own that a read merges with docs. late is merged into docs once it
// is longer than lateMax, so that neither a doc added out of order nor a
// read costs in proportion to a long list.
type postingList struct {
	docs []*Doc
	late []*Doc
	dead int
}

// insertWithin is how far from the end of a feature's list a doc added
// out of canonical order is moved to its place; one further back goes to
// the list's late run: docs come mostly in order, and a doc far out of
// it does not move a long list.
const insertWithin = 64

// lateMax is how long a list's late run grows before it is merged into
// the rest, in one pass over the list: at least 256 docs and the square
// root of the list's length, so that a doc added out of order costs a
// list of n docs O(sqrt(n)) moves, amortized.
func lateMax(n int) int {
	m := 256
	for m*m < n {
		m *= 2
	}
	return m
}

func (pl *postingList) add(d *Doc) {
	n := len(pl.docs)
	pl.docs = append(pl.docs, d)
	if n == 0 || canonical(pl.docs[n-1], d) <= 0 {
		return
	}
	i := n
	for i > 0 && n-i < insertWithin && canonical(pl.docs[i-1], d) > 0 {
		i--
	}
	if i > 0 && canonical(pl.docs[i-1], d) > 0 {
		pl.docs = pl.docs[:n]
		j, _ := slices.BinarySearchFunc(pl.late, d, canonical)
		pl.late = slices.Insert(pl.late, j, d)
		if len(pl.late) > lateMax(n) {
			pl.merge()
		}
		return
	}
	copy(pl.docs[i+1:], pl.docs[i:n])
	pl.docs[i] = d
}

// merge moves the late run into docs, keeping canonical order.
func (pl *postingList) merge() {
	i, j := len(pl.docs)-1, len(pl.late)-1
	pl.docs = slices.Grow(pl.docs, len(pl.late))[:len(pl.docs)+len(pl.late)]
	for k := len(pl.docs) - 1; j >= 0; k-- {
		if i >= 0 && canonical(pl.docs[i], pl.late[j]) > 0 {
			pl.docs[k] = pl.docs[i]
			i--
		} else {
			pl.docs[k] = pl.late[j]
			j--
		}
	}
	clear(pl.late)
	pl.late = pl.late[:0]
}

// drop removes the docs no longer indexed, keeping the order, and
// returns how many it removed.
func (pl *postingList) drop() int {
	removed := 0
	for _, run := range []*[]*Doc{&pl.docs, &pl.late} {
		n := 0
		for _, d := range *run {
			if d.indexed {
				(*run)[n] = d
				n++
			}
		}
		clear((*run)[n:])
		removed += len(*run) - n
		*run = (*run)[:n]
	}
	pl.dead = 0
	return removed
}

// size is the number of docs of the list, removed ones included.
func (pl *postingList) size() int { return len(pl.docs) + len(pl.late) }

// runCursor walks one sorted run of a list, from a position, over the
// docs indexed other than q: back (next is before at) or forth (next is
// at).
type runCursor struct {
	run  []*Doc
	at   int
	back bool
}

// peek returns the cursor's next doc indexed other than q, or nil,
// passing over the others for good.
func (c *runCursor) peek(q *Doc) *Doc {
	if c.back {
		for c.at > 0 {
			if d := c.run[c.at-1]; d != q && d.indexed {
				return d
			}
			c.at--
		}
		return nil
	}
	for c.at < len(c.run) {
		if d := c.run[c.at]; d != q && d.indexed {
			return d
		}
		c.at++
	}
	return nil
}

func (c *runCursor) step() {
	if c.back {
		c.at--
	} else {
		c.at++
	}
}

// side walks a list's two runs as one, in canonical order, back or forth.
type side [2]runCursor

// next returns the side's next doc indexed other than q, or nil, taking
// it when take is set.
func (s *side) next(q *Doc, take bool) *Doc {
	a := s[0].peek(q)
	if len(s[1].run) == 0 { // no late run, as mostly
		if take && a != nil {
			s[0].step()
		}
		return a
	}
	b := s[1].peek(q)
	c := &s[0]
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil, b != nil && (canonical(b, a) > 0) == s[1].back:
		a, c = b, &s[1]
	}
	if take {
		c.step()
	}
	return a
}

// latest appends to read the list's n latest docs indexed created no
// later than until, other than q, and returns them, the earliest of them,
// and whether there are more.
func (pl *postingList) latest(q *Doc, until int64, n int, read []*Doc) (_ []*Doc, first *Doc, more bool) {
	var s side
	for r, run := range [2][]*Doc{pl.docs, pl.late} {
		end, _ := slices.BinarySearchFunc(run, until, func(d *Doc, t int64) int {
			if d.Created <= t {
				return -1
			}
			return 1
		})
		s[r] = runCursor{run: run, at: end, back: true}
	}
	for len(read) < n {
		d := s.next(q, true)
		if d == nil {
			return read, nil, false
		}
		read, first = append(read, d), d
	}
	return read, first, s.next(q, false) != nil
}

// nearest appends to read the list's n docs indexed nearest q in
// canonical order, other than q: the first before it, the first after,
// the second before, and so on; and returns them, the first and the last
// of them in canonical order, and whether there are more.
func (pl *postingList) nearest(q *Doc, n int, read []*Doc) (_ []*Doc, first, last *Doc, more bool) {
	var before, after side
	for r, run := range [2][]*Doc{pl.docs, pl.late} {
		lo, _ := slices.BinarySearchFunc(run, q, canonical)
		hi := lo
		for hi < len(run) && canonical(run[hi], q) == 0 {
			hi++
		}
		before[r] = runCursor{run: run, at: lo, back: true}
		after[r] = runCursor{run: run, at: hi}
	}
	var firstAfter, lastBefore *Doc
	for len(read) < n {
		b := before.next(q, true)
		if b != nil {
			read, first = append(read, b), b
			if lastBefore == nil {
				lastBefore = b
			}
			if len(read) == n {
				break
			}
		}
		a := after.next(q, true)
		if a == nil {
			if b == nil {
				break
			}
			continue
		}
		read, last = append(read, a), a
		if firstAfter == nil {
			firstAfter = a
		}
	}
	more = before.next(q, false) != nil || after.next(q, false) != nil
	if first == nil {
		first = firstAfter
	}
	if last == nil {
		last = lastBefore
	}
	return read, first, last, more
}
