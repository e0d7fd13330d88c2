package cluster

// table is the open addressing with linear probing that counts and
// postTable share: slots a power of two long, probes from a hash's home
// on, a slot free while its hash is 0 (the tables keep hash 0 apart).
// Each table looks up and inserts on its own slots, where the time goes;
// freeing a slot and resizing are here.
type table[S keyed] struct {
	slots []S  // a power of two long, or nil
	n     int  // slots used
	shift uint // 64 - log2(len(slots))
}

// keyed is a table's slot: its hash, 0 when free.
type keyed interface{ key() uint64 }

const minSlots = 16

// home is where h's probe starts: Fibonacci hashing, so that hashes made
// of small numbers (in tests) spread as well as keyed hashes do.
func (t *table[S]) home(h uint64) int { return int((h * 0x9E3779B97F4A7C15) >> t.shift) }

// free empties slot i, moving back the entries after it that probed past
// it, so that no probe meets a hole before its entry, and shrinks the
// table once an eighth of it is used.
func (t *table[S]) free(i int) {
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; t.slots[j].key() != 0; j = (j + 1) & mask {
		k := t.home(t.slots[j].key())
		// The entry at j stays if its home lies cyclically in (i, j].
		if i <= j && (i < k && k <= j) || i > j && (i < k || k <= j) {
			continue
		}
		t.slots[i] = t.slots[j]
		i = j
	}
	var zero S
	t.slots[i] = zero
	t.n--
	if len(t.slots) > minSlots && 8*t.n < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

// grow makes room for one more entry when more than num/den of the
// table would then be used.
func (t *table[S]) grow(num, den int) {
	if den*(t.n+1) > num*len(t.slots) {
		t.resize(max(minSlots, 2*len(t.slots)))
	}
}

func (t *table[S]) resize(size int) {
	old := t.slots
	t.slots = make([]S, size)
	t.shift = 64
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	mask := size - 1
	for _, s := range old {
		if s.key() == 0 {
			continue
		}
		i := t.home(s.key())
		for t.slots[i].key() != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// counts maps feature hashes to how many docs hold them: a table with
// open addressing and linear probing, several times quicker than a Go map
// for the counting a sweep does (every doc of a window in and out), and
// one that shrinks again as counts leave it, which a Go map never does.
type counts struct {
	table[slot]
	zero int32 // the count of hash 0, which marks a free slot
}

type slot struct {
	hash  uint64
	count int32
}

func (s slot) key() uint64 { return s.hash }

// len returns the number of hashes counted.
func (c *counts) len() int {
	if c.zero > 0 {
		return c.n + 1
	}
	return c.n
}

func (c *counts) get(h uint64) int32 {
	if h == 0 {
		return c.zero
	}
	if c.n == 0 {
		return 0
	}
	mask := len(c.slots) - 1
	for i := c.home(h); ; i = (i + 1) & mask {
		switch c.slots[i].hash {
		case h:
			return c.slots[i].count
		case 0:
			return 0
		}
	}
}

func (c *counts) inc(h uint64) {
	if h == 0 {
		c.zero++
		return
	}
	c.grow(1, 2)
	mask := len(c.slots) - 1
	for i := c.home(h); ; i = (i + 1) & mask {
		switch c.slots[i].hash {
		case h:
			c.slots[i].count++
			return
		case 0:
			c.slots[i] = slot{h, 1}
			c.n++
			return
		}
	}
}

// dec lowers h's count, forgetting h at zero. h must be counted.
func (c *counts) dec(h uint64) {
	if h == 0 {
		c.zero--
		return
	}
	mask := len(c.slots) - 1
	i := c.home(h)
	for c.slots[i].hash != h {
		i = (i + 1) & mask
	}
	if c.slots[i].count--; c.slots[i].count > 0 {
		return
	}
	c.free(i)
}

// reset forgets every count, keeping the table.
func (c *counts) reset() {
	clear(c.slots)
	c.n, c.zero = 0, 0
}
