package urgency

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSortAgreesWithCompare checks that Sort orders by Compare, for every
// order a pack may choose, with many ties.
func TestSortAgreesWithCompare(t *testing.T) {
	e := loadBasic(t)
	rng := rand.New(rand.NewPCG(3, 4))
	as := make([]Assessment, 400)
	for i := range as {
		as[i] = Assessment{
			Ticket: Ticket{ID: fmt.Sprintf("T%03d", rng.IntN(300)), CreatedAt: now.Add(time.Duration(rng.IntN(5)) * time.Nanosecond)},
			Score:  float64(rng.IntN(4)), Due: now.Add(time.Duration(rng.IntN(3)) * time.Second),
			level: rng.IntN(3),
		}
	}
	for _, order := range [][]orderKey{defaultOrder, {keyScore, keyID}, {keyCreated, keyDue, keyID}, {keyID}} {
		e.order = order
		sorted := append([]Assessment(nil), as...)
		e.Sort(sorted)
		for i := 1; i < len(sorted); i++ {
			require.LessOrEqual(t, e.Compare(&sorted[i-1], &sorted[i]), 0, "order %v at %d", order, i)
		}
	}
}

// TestSortKeysInHalves: a long slice of keys sorted in two halves and
// merged is in the order one sort gives, levels, scores and IDs tied in
// many ways.
func TestSortKeysInHalves(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	e := loadDefaultPack(t)
	compare := func(a, b sortKey) int { return cmp.Or(e.compareKeys(a, b), cmp.Compare(a.idx, b.idx)) }
	for _, n := range []int{parallelSort - 1, parallelSort, 3*parallelSort + 7} {
		keys := make([]sortKey, n)
		for i := range keys {
			keys[i] = sortKey{level: int32(rng.IntN(4)), score: float64(rng.IntN(5) * 10), dueSec: int64(rng.IntN(3)),
				createdSec: int64(rng.IntN(3)), id: fmt.Sprintf("T%d", rng.IntN(50)), idx: int32(i)}
		}
		want := slices.Clone(keys)
		slices.SortFunc(want, compare)
		got := sortKeys(slices.Clone(keys), compare)
		require.Len(t, got, n)
		for i := range want {
			require.Equal(t, want[i].idx, got[i].idx, "n %d, place %d", n, i)
		}
	}
}
