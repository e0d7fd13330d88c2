package match

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSameTerm checks that two spellings are one term exactly when the
// matcher keeps only one of them: folded, with "*" in the same places.
func TestSameTerm(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"plaćanje", "plaćanje", true},
		{"Placanje", "plaćanje", true},
		{"ПЛАЋАЊЕ", "plaćanje", true},
		{"plać*", "PLAC*", true},
		{"plać*", "plać", false},
		{"nie dział*", "nie działa*", false},
		{"nie dział*", "Nie Dzial*", true},
		{"nie działa*", "nie-działa*", true},
		{"nie działa*", "Nie_Działa*", true},
		{"ne radi", "ne* radi", false},
		{"*Ausfall*", "*ausfall*", true},
		{"*ausfall", "ausfall", false},
		{"*ausfall", "ausfall*", false},
		{"*ausfall*", "*ausfall", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SameTerm(tt.a, tt.b), "%q, %q", tt.a, tt.b)
		var b Builder
		require.NoError(t, b.Add("l", tt.a))
		require.NoError(t, b.Add("l", tt.b))
		m := b.Build()
		want := 2
		if tt.want {
			want = 1
		}
		assert.Len(t, m.Terms(0), want, "the matcher's terms for %q, %q", tt.a, tt.b)
	}
}
