package urgency

import (
	"fmt"
	"math/rand/v2"
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
