package cluster

import (
	"math"
	"testing"
)

// The memoized idf is the same number as computed afresh, whatever the
// order docs and counts change in, and whichever counts share a table.
func TestIDFMemoIsExact(t *testing.T) {
	f := newDF()
	for _, docs := range []int{0, 1, 2, 5, 4, 3, 100, 104, 1000, 3, 0, maxIDFMemo + 7} {
		f.docs = docs
		for _, n := range []int32{0, 1, 2, 3, 50, 99, 1000, maxIDFMemo - 1, maxIDFMemo, maxIDFMemo + 3} {
			for range 2 {
				want := math.Log(1 + float64(docs+1)/float64(n+1))
				if got := f.idfOf(n); got != want {
					t.Fatalf("idfOf(%d) with %d docs = %v, want %v", n, docs, got, want)
				}
			}
		}
	}
}
