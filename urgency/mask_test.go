package urgency

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maskWhole is mask as it was: the regexp over the whole text.
func maskWhole(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(s, "://") && !strings.Contains(s, "www.") && strings.Count(s, "-") < 4 {
		return s
	}
	return masked.ReplaceAllString(s, " ")
}

func TestMaskWordByWordIsTheWholeTextRegexp(t *testing.T) {
	for _, s := range []string{
		"",
		"plain text - with - a few - dashes -",
		"mail ana.kovac@example.co.uk or see https://x.example/a?b=c now",
		"WWW.EXAMPLE.COM and www.example.com, HTTPS://A.B/C\thttpſ://a.b",
		"id 123e4567-e89b-12d3-a456-426614174000, ID 123E4567-E89B-12D3-A456-426614174000x",
		"x123e4567-e89b-12d3-a456-426614174000 (123e4567-e89b-12d3-a456-426614174000)",
		"2026-11-21T06:15:13.000Z INFO [billing-worker] request=0a1b2c3d retry\n2026-11-21T06:15:14.000Z",
		"a@b.c\u00a0https://nbsp\u00a0joined\vvertical-tab@x.y\fform@feed.z\r\n",
		"broken \xff\xfe@\xffx.y www.\xff example",
		"ww.w. wwww.x a@b @x.y a@.b -@-.-- ----@-.--",
		"Žana@primjer.hr šalje www.čćž.hr/ž i ПИСЬМО@пример.рф",
	} {
		assert.Equal(t, maskWhole(s), mask(s), "%q", s)
	}
	// Random texts from pieces that start, end or break matches.
	pieces := []string{" ", "\t", "\n", "\r", "\f", "\v", "\u00a0", "-", "--", "@", ".", "://", "http", "s", "ſ", "www", "WwW",
		"a", "Z", "é", "ж", "9", "f", "deadbeef", "e89b", "426614174000", "%", "+", "_", "(", ")", "\xff", "/", "?"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		require.Equal(t, maskWhole(s), mask(s), "%q", s)
	}
}

func FuzzMask(f *testing.F) {
	f.Add("mail a@b.co or https://x.y/z, id 123e4567-e89b-12d3-a456-426614174000")
	f.Add("2026-11-21T06:15:13.000Z [billing-worker] www.example.com")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mask(s), maskWhole(s); got != want {
			t.Fatalf("mask(%q) = %q, want %q", s, got, want)
		}
	})
}
