package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzAddWorking builds a calendar from spec (zone, windows, holidays) and
// checks Add and Working at an instant from start (1900 to 2100) and a
// working time from d (up to 400 days): no panic, the properties of TestProperties, and, for spans the model
// can afford, the model's answers.
func FuzzAddWorking(f *testing.F) {
	f.Add([]byte{}, int64(0), int64(0))
	f.Add([]byte{0, 32, 40, 200, 3}, int64(1774738800), int64(7*time.Hour))
	f.Add([]byte{1, 88, 31, 7, 9, 120, 44, 2, 5, 6, 1, 1, 4, 12}, int64(-3600), int64(3*time.Hour))
	f.Add([]byte{6, 95, 0, 0, 95, 191, 17, 33}, int64(1_000_000_007), int64(100*time.Hour))
	f.Add([]byte{5, 4, 200, 9, 100, 3, 0, 250, 250, 250}, int64(1_800_000_000), int64(0))
	base := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(200 * 365 * 24 * time.Hour / time.Second)
	f.Fuzz(func(t *testing.T, spec []byte, start, d int64) {
		next := func(n int) int {
			if len(spec) == 0 {
				return 0
			}
			b := spec[0]
			spec = spec[1:]
			return int(b) % n
		}
		c, r := randomCalendar(t, next)
		s := start % span
		if s < 0 {
			s += span
		}
		a := base.Add(time.Duration(s) * time.Second).Add(time.Duration(start&0x3ff) * time.Millisecond)
		dur := time.Duration(d % int64(400*24*time.Hour))
		if dur < 0 {
			dur = -dur
		}

		end := c.Add(a, dur)
		require.Same(t, r.loc, end.Location())
		require.Equal(t, dur, c.Working(a, end), "Working(%v, Add(%v, %v) = %v)", a, a, dur, end)
		require.Equal(t, -dur, c.Working(end, a))
		require.False(t, end.Before(a) && dur > 0, "Add goes back")
		require.False(t, c.Add(a, dur+time.Minute).Before(end), "Add decreases in d")
		require.False(t, c.Add(a.Add(time.Hour), dur).Before(end), "Add decreases in t")
		mid := a.Add(end.Sub(a) / 3)
		require.Equal(t, c.Working(a, end), c.Working(a, mid)+c.Working(mid, end))
		if dur <= time.Duration(c.plainWeek) {
			require.True(t, r.add(a, dur).Equal(end), "Add(%v, %v) = %v, want %v; week %v, holidays %v",
				a, dur, end, r.add(a, dur), r.week, r.holidays)
		}
		b := a.Add(dur % (20 * 24 * time.Hour))
		require.Equal(t, r.working(a, b), c.Working(a, b), "Working(%v, %v); week %v, holidays %v",
			a, b, r.week, r.holidays)
	})
}
