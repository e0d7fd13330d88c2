package cluster

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"sort"
)

// Set holds docs in canonical order and their clusters: after Sync, every
// doc has the cluster that grouping all the docs of the set in one pass
// would give it, whatever the additions and removals that led there.
//
// A doc's cluster depends only on the docs of its window (the docs
// created at most a window before it, up to it in canonical order): on
// their frequencies, and on the clusters of those that share a feature
// with it. So a change at time t (a doc added or removed) can change only
// the docs of the following window, and then the docs that share a
// feature with a doc whose cluster changed, within a window after it; Sync regroups those and leaves the rest as it is. Not safe
// for concurrent use.
type Set struct {
	p    Params
	list list
	// pending are the creation times of the docs added or removed since
	// the last Sync.
	pending []int64
	g       *Grouper
	led     leadChanges // scratch: the docs of the sweep's window whose cluster changed
	context []*Doc      // scratch for the window before a change
	// tail, when last is set, is the grouper's state after the last doc
	// as the last Sync left it: a stream of docs in order goes on from
	// it rather than counting the window again.
	tail *Grouper
	last *Doc
}

// NewSet returns an empty set grouping with p.
func NewSet(p Params) *Set {
	return &Set{p: p, g: NewGrouper(p), tail: NewGrouper(p)}
}

// Len returns the number of docs in the set.
func (s *Set) Len() int { return s.list.n }

// Pending returns the number of changes since the last Sync.
func (s *Set) Pending() int { return len(s.pending) }

// Add puts d in the set; its cluster is set by the next Sync. A doc of
// the same creation time and ID must not be in the set already, nor may
// d's features change while it is in it.
func (s *Set) Add(d *Doc) {
	d.leader, d.dup = nil, false
	s.list.insert(d)
	s.pending = append(s.pending, d.Created)
}

// Remove takes d out of the set and reports whether it was there. The
// docs of its cluster are regrouped by the next Sync; until then they
// may still name d as their leader. The set reads d's features no more:
// the caller may drop them.
func (s *Set) Remove(d *Doc) bool {
	if !s.list.remove(d) {
		return false
	}
	s.pending = append(s.pending, d.Created)
	return true
}

// All returns the docs in canonical order.
func (s *Set) All() iter.Seq[*Doc] {
	return func(yield func(*Doc) bool) {
		for _, c := range s.list.chunks {
			for _, d := range c {
				if !yield(d) {
					return
				}
			}
		}
	}
}

// Sync brings the clusters up to date with the changes since the last
// Sync.
//
// A doc's cluster depends on the frequencies of the docs of its window
// and on the clusters of those among them that share a feature with it
// (its candidates). So the sweep groups again, in canonical order from the
// first change, the docs whose window holds a doc added or removed (their
// frequencies changed), and the docs whose window holds a doc whose
// cluster changed and that share a feature with it (it may be or have
// been a candidate); it keeps the cluster of every other doc, and stops
// once a window has passed without either.
func (s *Set) Sync() {
	if len(s.pending) == 0 {
		return
	}
	slices.Sort(s.pending)
	w := s.p.Window
	pi := 0
	// Docs created up to reweighed have an added or removed doc in their
	// window; docs created up to relead may have a doc whose cluster
	// changed, one of s.led.
	reweighed, relead := int64(math.MinInt64), int64(math.MinInt64)
	p := s.start(s.pending[0], math.MinInt64)
	atEnd := false
	for s.list.valid(p) {
		d := s.list.at(p)
		for pi < len(s.pending) && s.pending[pi] <= d.Created {
			reweighed = max(reweighed, AddSat(s.pending[pi], w))
			pi++
		}
		s.led.expire(SubSat(d.Created, w))
		switch {
		case d.Created <= reweighed || d.Created <= relead && s.led.touches(d):
			was := d.leader
			s.g.Assign(d)
			if d.leader != was {
				relead = max(relead, AddSat(d.Created, w))
				s.led.add(d)
			}
		case d.Created <= relead:
			s.g.Skip(d) // no candidate of d changed
		case pi == len(s.pending):
			p = s.list.end()
			continue
		case SubSat(s.pending[pi], w) > d.Created:
			// The next change is more than a window away: start again
			// there.
			s.led.clear()
			p = s.start(s.pending[pi], max(reweighed, relead))
			continue
		default:
			// d cannot have changed, but it is in the window of the next
			// change.
			s.g.Skip(d)
		}
		p = s.list.next(p)
		atEnd = !s.list.valid(p)
	}
	for ; pi < len(s.pending); pi++ {
		// Changes after the last doc: removals.
		reweighed = max(reweighed, AddSat(s.pending[pi], w))
	}
	switch {
	case atEnd:
		// The state is that after the last doc: keep it for the next
		// docs in order.
		s.g, s.tail = s.tail, s.g
		s.last = s.list.at(s.list.prev(s.list.end()))
	case s.last != nil && max(reweighed, relead) >= SubSat(s.last.Created, w):
		// A change reached the window of the last doc.
		s.last = nil
		s.tail.Clear(s.list.n)
	}
	clear(s.pending)
	s.pending = s.pending[:0]
	if cap(s.pending) > 4096 {
		s.pending = nil
	}
	s.g.Clear(s.list.n)
	s.led.clear()
	clear(s.context)
	s.context = s.context[:0]
	if cap(s.context) > 1024 && cap(s.context) > 4*s.list.n {
		s.context = nil
	}
}

// leadChanges holds the docs of a sweep's window whose cluster changed, and
// their features. The features are counted only once a doc is tested
// against them: a sweep that regroups every doc of a stretch (all of them
// changed, as when a queue is first read) tests none.
type leadChanges struct {
	docs    []*Doc // in canonical order
	counted int    // the features of docs[:counted] are in feats
	feats   counts
}

func (r *leadChanges) add(d *Doc) {
	if len(d.Feats) == 0 {
		return // a candidate of no doc
	}
	r.docs = append(r.docs, d)
}

// expire forgets the docs created before cut.
func (r *leadChanges) expire(cut int64) {
	n := 0
	for n < len(r.docs) && r.docs[n].Created < cut {
		if n < r.counted {
			for _, ft := range r.docs[n].Feats {
				r.feats.dec(ft.Hash)
			}
		}
		r.docs[n] = nil
		n++
	}
	r.docs = r.docs[n:]
	r.counted = max(r.counted-n, 0)
}

// touches reports whether d shares a feature with a doc held.
func (r *leadChanges) touches(d *Doc) bool {
	if len(r.docs) == 0 {
		return false
	}
	for _, c := range r.docs[r.counted:] {
		for _, ft := range c.Feats {
			r.feats.inc(ft.Hash)
		}
	}
	r.counted = len(r.docs)
	for _, ft := range d.Feats {
		if r.feats.get(ft.Hash) > 0 {
			return true
		}
	}
	return false
}

func (r *leadChanges) clear() {
	clear(r.docs)
	r.docs, r.counted = r.docs[:0], 0
	if r.feats.len() > 4096 {
		r.feats = counts{}
	} else {
		r.feats.reset()
	}
}

// start returns the position of the first doc created at t or later, with
// the grouper's state set to the window before it: the state the last
// Sync left after the last doc, if t is after it and nothing since
// (changes up to active) reached its window; otherwise counted anew.
// (Called for a change more than a window after the doc the sweep is at,
// the stale docs of a state failing the test would all leave its window
// before the next doc; the test keeps the state from holding them at
// all, removed docs included, whose features are gone.)
func (s *Set) start(t, active int64) pos {
	if s.last != nil && t > s.last.Created && active < SubSat(s.last.Created, s.p.Window) {
		s.g, s.tail = s.tail, s.g
		s.tail.Clear(s.list.n)
		last := s.last
		s.last = nil
		return s.list.next(s.list.search(last.Created, last.ID))
	}
	return s.seek(t)
}

// seek returns the position of the first doc created at t or later, with
// the grouper's state set to the window before it.
func (s *Set) seek(t int64) pos {
	p := s.list.search(t, "")
	if !s.list.valid(p) {
		return p
	}
	s.context = s.context[:0]
	from := SubSat(s.list.at(p).Created, s.p.Window)
	for q := s.list.search(from, ""); q != p; q = s.list.next(q) {
		s.context = append(s.context, s.list.at(q))
	}
	s.g.Reset(s.context)
	return p
}

// list is a sequence of docs in canonical order, in chunks of at most
// maxChunk, so that a doc is put in or taken out anywhere in time
// proportional to a chunk, not to the whole sequence.
type list struct {
	chunks [][]*Doc // none empty
	n      int
}

const maxChunk = 512

// pos is a position in a list: offset i of chunk c; past the end when c
// is the number of chunks.
type pos struct{ c, i int }

func (l *list) valid(p pos) bool { return p.c < len(l.chunks) }
func (l *list) at(p pos) *Doc    { return l.chunks[p.c][p.i] }
func (l *list) end() pos         { return pos{len(l.chunks), 0} }

// prev returns the position before p, which must not be the first.
func (l *list) prev(p pos) pos {
	if p.i > 0 {
		return pos{p.c, p.i - 1}
	}
	return pos{p.c - 1, len(l.chunks[p.c-1]) - 1}
}

func (l *list) next(p pos) pos {
	if p.i++; p.i == len(l.chunks[p.c]) {
		return pos{p.c + 1, 0}
	}
	return p
}

// before reports whether d comes before the key (created, id) in
// canonical order.
func before(d *Doc, created int64, id string) bool {
	return cmp.Or(cmp.Compare(d.Created, created), cmp.Compare(d.ID, id)) < 0
}

// search returns the position of the first doc not before (created, id).
func (l *list) search(created int64, id string) pos {
	c := sort.Search(len(l.chunks), func(c int) bool {
		ch := l.chunks[c]
		return !before(ch[len(ch)-1], created, id)
	})
	if c == len(l.chunks) {
		return l.end()
	}
	ch := l.chunks[c]
	i := sort.Search(len(ch), func(i int) bool { return !before(ch[i], created, id) })
	return pos{c, i}
}

func (l *list) insert(d *Doc) {
	l.n++
	p := l.search(d.Created, d.ID)
	if !l.valid(p) {
		// After every doc: the usual case, a stream in order.
		if n := len(l.chunks); n > 0 && len(l.chunks[n-1]) < maxChunk {
			l.chunks[n-1] = append(l.chunks[n-1], d)
		} else {
			l.chunks = append(l.chunks, append(make([]*Doc, 0, maxChunk), d))
		}
		return
	}
	ch := slices.Insert(l.chunks[p.c], p.i, d)
	if len(ch) <= maxChunk {
		l.chunks[p.c] = ch
		return
	}
	half := len(ch) / 2
	second := append(make([]*Doc, 0, maxChunk), ch[half:]...)
	clear(ch[half:])
	l.chunks[p.c] = ch[:half]
	l.chunks = slices.Insert(l.chunks, p.c+1, second)
}

func (l *list) remove(d *Doc) bool {
	p := l.search(d.Created, d.ID)
	if !l.valid(p) || l.at(p) != d {
		return false
	}
	l.n--
	ch := slices.Delete(l.chunks[p.c], p.i, p.i+1)
	l.chunks[p.c] = ch
	if len(ch) == 0 {
		l.chunks = slices.Delete(l.chunks, p.c, p.c+1)
		return true
	}
	if len(ch) < maxChunk/4 {
		// Merge a small chunk into its smaller neighbour when they fit in
		// one, so that chunks stay well filled however docs are taken
		// out: a chunk of under a quarter is next to one of over three.
		c := p.c
		if c+1 < len(l.chunks) && (c == 0 || len(l.chunks[c+1]) < len(l.chunks[c-1])) {
			c++
		}
		if c > 0 && len(l.chunks[c-1])+len(l.chunks[c]) <= maxChunk {
			merged := append(l.chunks[c-1], l.chunks[c]...)
			clear(l.chunks[c])
			l.chunks[c-1] = merged
			l.chunks = slices.Delete(l.chunks, c, c+1)
		}
	}
	return true
}
