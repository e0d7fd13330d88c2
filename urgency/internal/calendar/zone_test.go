package calendar

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZoneInstant(t *testing.T) {
	tests := []struct {
		zone string
		// A wall clock reading and the instant it stands for.
		wall, want string
	}{
		{"Europe/Zagreb", "2026-03-29T01:59:00", "2026-03-29T01:59:00+01:00"},
		{"Europe/Zagreb", "2026-03-29T02:00:00", "2026-03-29T03:00:00+02:00"},
		{"Europe/Zagreb", "2026-03-29T02:30:00", "2026-03-29T03:00:00+02:00"},
		{"Europe/Zagreb", "2026-03-29T03:00:00", "2026-03-29T03:00:00+02:00"},
		{"Europe/Zagreb", "2026-10-25T01:59:00", "2026-10-25T01:59:00+02:00"},
		{"Europe/Zagreb", "2026-10-25T02:00:00", "2026-10-25T02:00:00+02:00"},
		{"Europe/Zagreb", "2026-10-25T02:59:00", "2026-10-25T02:59:00+02:00"},
		{"Europe/Zagreb", "2026-10-25T03:00:00", "2026-10-25T03:00:00+01:00"},
		{"America/New_York", "2026-03-08T02:00:00", "2026-03-08T03:00:00-04:00"},
		{"America/New_York", "2026-03-08T02:45:00", "2026-03-08T03:00:00-04:00"},
		{"America/New_York", "2026-11-01T01:00:00", "2026-11-01T01:00:00-04:00"},
		{"America/New_York", "2026-11-01T01:30:00", "2026-11-01T01:30:00-04:00"},
		{"America/New_York", "2026-11-01T02:00:00", "2026-11-01T02:00:00-05:00"},
		// Clocks went back from Sunday 00:00 to Saturday 23:00.
		{"America/Sao_Paulo", "2018-02-17T23:30:00", "2018-02-17T23:30:00-02:00"},
		{"America/Sao_Paulo", "2018-02-18T00:00:00", "2018-02-18T00:00:00-03:00"},
		// Clocks went forward half an hour.
		{"Australia/Lord_Howe", "2026-10-04T02:15:00", "2026-10-04T02:30:00+11:00"},
		{"Asia/Tokyo", "2026-03-29T02:30:00", "2026-03-29T02:30:00+09:00"},
	}
	for _, tt := range tests {
		loc := mustLoad(t, tt.zone)
		wall, err := time.Parse("2006-01-02T15:04:05", tt.wall)
		require.NoError(t, err)
		want, err := time.Parse(time.RFC3339, tt.want)
		require.NoError(t, err)
		w := wall.UnixNano()
		// The answer must not depend on the period the zone looked up last.
		for _, cached := range []time.Duration{0, -30 * 24 * time.Hour, -25 * time.Hour, -time.Hour, time.Hour, 25 * time.Hour, 30 * 24 * time.Hour} {
			t.Run(fmt.Sprintf("%s %s after %v", tt.zone, tt.wall, cached), func(t *testing.T) {
				z := zone{loc: loc}
				if cached != 0 {
					z.load(want.UnixNano() + int64(cached))
				}
				got := z.instant(w)
				assert.Equal(t, want.UnixNano(), got, "got %v", time.Unix(0, got).In(loc))
				assert.Equal(t, ref{loc: loc}.instant(w), got)
			})
		}
	}
}

func TestCivil(t *testing.T) {
	start := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := start.Unix() / 86400; n < 150_000; n += 3 {
		date := time.Unix(n*86400, 0).UTC()
		y, m, d := civilFromDays(n)
		require.Equal(t, [3]int{date.Year(), int(date.Month()), date.Day()}, [3]int{int(y), int(m), d}, "day %d", n)
		require.Equal(t, n, daysFromCivil(y, m, d))
		require.Equal(t, date.Weekday(), weekday(n), "day %d", n)
	}
}
