package cluster

// postTable maps feature hashes to the docs a Grouper counted with them:
// the table of [counts], open addressing and linear probing, with a list
// of docs in each slot. A grouping reads and appends to the list of each
// feature of every doc, and drops the first doc of each as docs leave
// the window; a Go map does each in a lookup and a store, this table in
// one probe. A hash is held while its list is not empty.
type postTable struct {
	table[postSlot]
	zero postSlot // the list of hash 0, which marks a free slot
}

// postSlot is a hash and its list, buf[head:]. The docs dropped from the
// front leave their room to the docs appended, so that a list that docs
// go through, as the window moves on, keeps one array.
type postSlot struct {
	hash uint64
	buf  []*Doc
	head int
}

func (s postSlot) key() uint64 { return s.hash }

// docs returns the list.
func (s *postSlot) docs() []*Doc { return s.buf[s.head:] }

// drop removes the list's n first docs. A list that shrank to less than
// a quarter of its array moves to one twice its length: a word that a
// flood of docs had keeps no more room once they leave.
func (s *postSlot) drop(n int) {
	clear(s.buf[s.head : s.head+n])
	s.head += n
	switch live := len(s.buf) - s.head; {
	case live == 0:
		s.buf, s.head = s.buf[:0], 0
	case cap(s.buf) > 64 && 4*live < cap(s.buf):
		s.buf, s.head = append(make([]*Doc, 0, 2*live), s.buf[s.head:]...), 0
	}
}

func (s *postSlot) add(d *Doc) {
	if len(s.buf) == cap(s.buf) && 2*s.head >= len(s.buf) {
		// The dropped docs are at least half of it: move the list to
		// the front rather than to an array twice as long.
		n := copy(s.buf, s.buf[s.head:])
		clear(s.buf[n:])
		s.buf, s.head = s.buf[:n], 0
	}
	s.buf = append(s.buf, d)
}

// find returns h's slot, or nil when h has no list. The pointer is valid
// until the next add or remove.
func (t *postTable) find(h uint64) *postSlot {
	if h == 0 {
		if len(t.zero.docs()) == 0 {
			return nil
		}
		return &t.zero
	}
	if t.n == 0 {
		return nil
	}
	mask := len(t.slots) - 1
	for i := t.home(h); ; i = (i + 1) & mask {
		switch t.slots[i].hash {
		case h:
			return &t.slots[i]
		case 0:
			return nil
		}
	}
}

// get returns h's list, nil when h has none.
func (t *postTable) get(h uint64) []*Doc {
	if s := t.find(h); s != nil {
		return s.docs()
	}
	return nil
}

// add appends d to h's list.
func (t *postTable) add(h uint64, d *Doc) {
	if h == 0 {
		t.zero.add(d)
		return
	}
	// Filled up to three quarters, not half as counts is: a slot is 40
	// bytes, and most probes find their hash.
	t.grow(3, 4)
	mask := len(t.slots) - 1
	for i := t.home(h); ; i = (i + 1) & mask {
		switch t.slots[i].hash {
		case h:
			t.slots[i].add(d)
			return
		case 0:
			t.slots[i] = postSlot{hash: h, buf: append([]*Doc(nil), d)}
			t.n++
			return
		}
	}
}

// remove forgets h and its list. h must have one.
func (t *postTable) remove(h uint64) {
	if h == 0 {
		t.zero = postSlot{}
		return
	}
	mask := len(t.slots) - 1
	i := t.home(h)
	for t.slots[i].hash != h {
		i = (i + 1) & mask
	}
	t.free(i)
}

// reset forgets every list, keeping the table.
func (t *postTable) reset() {
	clear(t.slots)
	t.n, t.zero = 0, postSlot{}
}
