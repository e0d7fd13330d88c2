package cluster

// counts maps feature hashes to how many docs hold them: a table with
// open addressing and linear probing, several times quicker than a Go map
// for the counting a sweep does (every doc of a window in and out), and
// one that shrinks again as counts leave it, which a Go map never does.
type counts struct {
	slots []slot // a power of two long, or nil
	n     int    // slots used
	shift uint   // 64 - log2(len(slots))
	zero  int32  // the count of hash 0, which marks a free slot
}

type slot struct {
	hash  uint64
	count int32
}

const minSlots = 16

// home is where h's probe starts: Fibonacci hashing, so that hashes made
// of small numbers (in tests) spread as well as keyed hashes do.
func (c *counts) home(h uint64) int { return int((h * 0x9E3779B97F4A7C15) >> c.shift) }

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
	if 2*(c.n+1) > len(c.slots) {
		c.resize(max(minSlots, 2*len(c.slots)))
	}
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
	// Free slot i, moving back the entries after it that probed past
	// it, so that no probe meets a hole before its entry.
	for j := (i + 1) & mask; c.slots[j].hash != 0; j = (j + 1) & mask {
		k := c.home(c.slots[j].hash)
		// The entry at j stays if its home lies cyclically in (i, j].
		if i <= j && (i < k && k <= j) || i > j && (i < k || k <= j) {
			continue
		}
		c.slots[i] = c.slots[j]
		i = j
	}
	c.slots[i] = slot{}
	c.n--
	if len(c.slots) > minSlots && 8*c.n < len(c.slots) {
		c.resize(len(c.slots) / 2)
	}
}

func (c *counts) resize(size int) {
	old := c.slots
	c.slots = make([]slot, size)
	c.shift = 64
	for s := size; s > 1; s >>= 1 {
		c.shift--
	}
	mask := size - 1
	for _, s := range old {
		if s.hash == 0 {
			continue
		}
		i := c.home(s.hash)
		for c.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = s
	}
}

// reset forgets every count, keeping the table.
func (c *counts) reset() {
	clear(c.slots)
	c.n, c.zero = 0, 0
}
