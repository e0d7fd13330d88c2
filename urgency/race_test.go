//go:build race

package urgency_test

// The race detector drops a share of what is put in a sync.Pool and
// allocates on its own: allocation counts mean nothing under it.
func init() { raceEnabled = true }
