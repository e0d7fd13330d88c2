//go:build race

package urgency

// The race detector makes the incident tests several times slower.
func init() { incidentRace = true }
