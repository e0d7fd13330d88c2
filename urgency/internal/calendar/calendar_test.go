package calendar

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(tb, err)
	return loc
}

// build makes a calendar from the spec forms: hours maps day specs like
// "mon-fri" to hour specs like "08:00-16:00".
func build(tb testing.TB, zone string, hours map[string]string, holidays ...string) *Calendar {
	tb.Helper()
	var week [7][]Window
	for days, spec := range hours {
		ds, err := ParseDays(days)
		require.NoError(tb, err)
		ws, err := ParseHours(spec)
		require.NoError(tb, err)
		for _, d := range ds {
			week[d] = ws
		}
	}
	var hs []Holiday
	for _, s := range holidays {
		h, err := ParseHoliday(s)
		require.NoError(tb, err)
		hs = append(hs, h)
	}
	c, err := New(mustLoad(tb, zone), week, hs)
	require.NoError(tb, err)
	return c
}

// The calendars of the hand-computed tables.
func testCalendars(tb testing.TB) map[string]*Calendar {
	return map[string]*Calendar{
		// Monday to Friday 08:00-16:00; Christmas Eve 2026 is off once.
		"zg-office": build(tb, "Europe/Zagreb", map[string]string{"mon-fri": "08:00-16:00"},
			"01-01", "12-25", "12-26", "2026-12-24"),
		"zg-night": build(tb, "Europe/Zagreb", map[string]string{"mon-sun": "22:00-06:00"}),
		// Inside the hour Zagreb skips in March and repeats in October.
		"zg-sun": build(tb, "Europe/Zagreb", map[string]string{"sun": "02:30-03:30"}),
		// Windows crossing midnight into Sunday and from Sunday into Monday.
		"zg-wrap": build(tb, "Europe/Zagreb", map[string]string{
			"sat": "20:00-02:00", "sun": "22:00-06:00", "mon": "06:00-14:00",
		}),
		"ny-sun":   build(tb, "America/New_York", map[string]string{"sun": "00:00-24:00"}),
		"ny-night": build(tb, "America/New_York", map[string]string{"mon-sun": "22:00-06:00"}),
		// Half in the hour New York skips in March, wholly in the hour it
		// repeats in November.
		"ny-gap": build(tb, "America/New_York", map[string]string{"sun": "01:30-02:30"}),
		// Wholly inside the skipped hour: empty on the day clocks go forward.
		"ny-empty": build(tb, "America/New_York", map[string]string{"sun": "02:15-02:45"}),
		"tokyo": build(tb, "Asia/Tokyo", map[string]string{"mon-fri": "09:00-12:00, 13:00-18:00"},
			"01-01"),
		"sydney-night": build(tb, "Australia/Sydney", map[string]string{"mon-sun": "22:00-06:00"}),
	}
}

func TestAdd(t *testing.T) {
	cals := testCalendars(t)
	tests := []struct {
		name, cal, start string
		d                time.Duration
		want             string
	}{
		{"within a day", "zg-office", "2026-03-02T09:00:00+01:00", 4 * time.Hour, "2026-03-02T13:00:00+01:00"},
		{"ends with the window", "zg-office", "2026-03-02T09:00:00+01:00", 7 * time.Hour, "2026-03-02T16:00:00+01:00"},
		{"into the next morning", "zg-office", "2026-03-02T09:00:00+01:00", 7*time.Hour + time.Minute, "2026-03-03T08:01:00+01:00"},
		{"zero at opening", "zg-office", "2026-03-02T08:00:00+01:00", 0, "2026-03-02T08:00:00+01:00"},
		{"zero at closing", "zg-office", "2026-03-02T16:00:00+01:00", 0, "2026-03-03T08:00:00+01:00"},
		{"before opening", "zg-office", "2026-03-02T07:00:00+01:00", time.Hour, "2026-03-02T09:00:00+01:00"},
		{"in the evening", "zg-office", "2026-03-02T20:00:00+01:00", time.Hour, "2026-03-03T09:00:00+01:00"},
		{"over the weekend", "zg-office", "2026-03-06T15:00:00+01:00", 2 * time.Hour, "2026-03-09T09:00:00+01:00"},
		{"zero on saturday", "zg-office", "2026-03-07T10:00:00+01:00", 0, "2026-03-09T08:00:00+01:00"},
		{"over the spring forward weekend", "zg-office", "2026-03-27T15:00:00+01:00", 2 * time.Hour, "2026-03-30T09:00:00+02:00"},
		{"christmas 2026", "zg-office", "2026-12-23T15:00:00+01:00", 2 * time.Hour, "2026-12-28T09:00:00+01:00"},
		{"christmas eve 2025 is a working day", "zg-office", "2025-12-23T15:00:00+01:00", 2 * time.Hour, "2025-12-24T09:00:00+01:00"},
		{"new year on friday", "zg-office", "2026-12-31T15:00:00+01:00", 2 * time.Hour, "2027-01-04T09:00:00+01:00"},
		{"new year on thursday", "zg-office", "2025-12-31T15:00:00+01:00", 2 * time.Hour, "2026-01-02T09:00:00+01:00"},
		{"two weeks", "zg-office", "2026-03-02T08:00:00+01:00", 80 * time.Hour, "2026-03-13T16:00:00+01:00"},
		{"start in utc", "zg-office", "2026-03-02T08:00:00Z", 4 * time.Hour, "2026-03-02T13:00:00+01:00"},
		// 50 weeks, then three days for 2026-12-24, 2026-12-25 and 2027-01-01.
		{"2000 hours", "zg-office", "2026-03-02T09:00:00+01:00", 2000 * time.Hour, "2027-02-18T09:00:00+01:00"},

		{"spring night lasts 7h", "zg-night", "2026-03-28T22:00:00+01:00", 7 * time.Hour, "2026-03-29T06:00:00+02:00"},
		{"after the spring night", "zg-night", "2026-03-28T22:00:00+01:00", 7*time.Hour + 30*time.Minute, "2026-03-29T22:30:00+02:00"},
		{"autumn night lasts 9h", "zg-night", "2026-10-24T22:00:00+02:00", 9 * time.Hour, "2026-10-25T06:00:00+01:00"},
		{"first 02:30 of the autumn night", "zg-night", "2026-10-24T23:00:00+02:00", 3*time.Hour + 30*time.Minute, "2026-10-25T02:30:00+02:00"},
		{"second 02:00 of the autumn night", "zg-night", "2026-10-24T23:00:00+02:00", 4 * time.Hour, "2026-10-25T02:00:00+01:00"},
		{"zero at noon", "zg-night", "2026-03-02T12:00:00+01:00", 0, "2026-03-02T22:00:00+01:00"},
		{"in last night's window", "zg-night", "2026-03-03T05:00:00+01:00", 30 * time.Minute, "2026-03-03T05:30:00+01:00"},
		{"past last night's window", "zg-night", "2026-03-03T05:00:00+01:00", 90 * time.Minute, "2026-03-03T22:30:00+01:00"},

		{"plain sunday", "zg-sun", "2026-03-22T00:00:00+01:00", time.Hour, "2026-03-22T03:30:00+01:00"},
		{"start in the skipped hour", "zg-sun", "2026-03-29T00:00:00+01:00", 0, "2026-03-29T03:00:00+02:00"},
		{"skipped hour leaves 30m", "zg-sun", "2026-03-29T00:00:00+01:00", 30 * time.Minute, "2026-03-29T03:30:00+02:00"},
		{"past the short window", "zg-sun", "2026-03-29T00:00:00+01:00", 31 * time.Minute, "2026-04-05T02:31:00+02:00"},
		{"start at the first 02:30", "zg-sun", "2026-10-25T00:00:00+02:00", 0, "2026-10-25T02:30:00+02:00"},
		{"repeated hour gives 2h", "zg-sun", "2026-10-25T00:00:00+02:00", 2 * time.Hour, "2026-10-25T03:30:00+01:00"},
		{"through the repeated hour", "zg-sun", "2026-10-25T00:00:00+02:00", 90 * time.Minute, "2026-10-25T03:00:00+01:00"},

		{"wrap from sunday into monday", "zg-wrap", "2026-03-01T23:00:00+01:00", 8 * time.Hour, "2026-03-02T07:00:00+01:00"},
		{"wrap from saturday into sunday", "zg-wrap", "2026-03-07T21:00:00+01:00", 5 * time.Hour, "2026-03-08T02:00:00+01:00"},
		{"on to sunday night", "zg-wrap", "2026-03-07T21:00:00+01:00", 5*time.Hour + time.Minute, "2026-03-08T22:01:00+01:00"},
		{"zero on friday", "zg-wrap", "2026-03-06T01:00:00+01:00", 0, "2026-03-07T20:00:00+01:00"},

		{"short sunday", "ny-sun", "2026-03-08T00:00:00-05:00", 23 * time.Hour, "2026-03-09T00:00:00-04:00"},
		{"after the short sunday", "ny-sun", "2026-03-08T00:00:00-05:00", 23*time.Hour + time.Minute, "2026-03-15T00:01:00-04:00"},
		{"2h on the short sunday", "ny-sun", "2026-03-08T00:00:00-05:00", 2 * time.Hour, "2026-03-08T03:00:00-04:00"},
		{"long sunday", "ny-sun", "2026-11-01T00:00:00-04:00", 25 * time.Hour, "2026-11-02T00:00:00-05:00"},

		{"ny spring night", "ny-night", "2026-03-07T22:00:00-05:00", 7 * time.Hour, "2026-03-08T06:00:00-04:00"},
		{"ny autumn night", "ny-night", "2026-10-31T22:00:00-04:00", 9 * time.Hour, "2026-11-01T06:00:00-05:00"},
		{"first 01:30", "ny-night", "2026-10-31T22:00:00-04:00", 3*time.Hour + 30*time.Minute, "2026-11-01T01:30:00-04:00"},
		{"second 01:30", "ny-night", "2026-10-31T22:00:00-04:00", 4*time.Hour + 30*time.Minute, "2026-11-01T01:30:00-05:00"},

		{"gap cuts the window", "ny-gap", "2026-03-08T00:00:00-05:00", 30 * time.Minute, "2026-03-08T03:00:00-04:00"},
		{"window opens before the gap", "ny-gap", "2026-03-08T00:00:00-05:00", 0, "2026-03-08T01:30:00-05:00"},
		{"repeated hour doubles the window", "ny-gap", "2026-11-01T00:00:00-04:00", 2 * time.Hour, "2026-11-01T02:30:00-05:00"},
		{"hour into the doubled window", "ny-gap", "2026-11-01T00:00:00-04:00", time.Hour, "2026-11-01T01:30:00-05:00"},

		{"empty window is no working period", "ny-empty", "2026-03-08T00:00:00-05:00", 0, "2026-03-15T02:15:00-04:00"},
		{"over the empty window", "ny-empty", "2026-03-01T03:00:00-05:00", 30 * time.Minute, "2026-03-15T02:45:00-04:00"},

		{"over lunch", "tokyo", "2026-03-02T11:00:00+09:00", 2 * time.Hour, "2026-03-02T14:00:00+09:00"},
		{"zero at lunch", "tokyo", "2026-03-02T12:30:00+09:00", 0, "2026-03-02T13:00:00+09:00"},
		{"tokyo new year", "tokyo", "2025-12-31T17:00:00+09:00", 2 * time.Hour, "2026-01-02T10:00:00+09:00"},

		{"sydney autumn night", "sydney-night", "2026-04-04T22:00:00+11:00", 9 * time.Hour, "2026-04-05T06:00:00+10:00"},
		{"sydney spring night", "sydney-night", "2026-10-03T22:00:00+10:00", 7 * time.Hour, "2026-10-04T06:00:00+11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cals[tt.cal]
			start, err := time.Parse(time.RFC3339, tt.start)
			require.NoError(t, err)
			got := c.Add(start, tt.d)
			assert.Equal(t, tt.want, got.Format(time.RFC3339))
			assert.Same(t, c.Location(), got.Location())
			assert.Equal(t, tt.d, c.Working(start, got), "working time up to the result")
		})
	}
}

func TestWorking(t *testing.T) {
	cals := testCalendars(t)
	tests := []struct {
		name, cal, a, b string
		want            time.Duration
	}{
		{"monday to friday", "zg-office", "2026-03-02T09:00:00+01:00", "2026-03-06T12:00:00+01:00", 35 * time.Hour},
		{"backwards", "zg-office", "2026-03-06T12:00:00+01:00", "2026-03-02T09:00:00+01:00", -35 * time.Hour},
		{"same instant", "zg-office", "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00+01:00", 0},
		{"weekend only", "zg-office", "2026-03-07T00:00:00+01:00", "2026-03-09T00:00:00+01:00", 0},
		{"over the weekend", "zg-office", "2026-03-06T15:00:00+01:00", "2026-03-09T09:00:00+01:00", 2 * time.Hour},
		{"christmas", "zg-office", "2026-12-23T12:00:00+01:00", "2026-12-28T12:00:00+01:00", 8 * time.Hour},
		{"march with its clock change", "zg-office", "2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00", 22 * 8 * time.Hour},
		// 261 weekdays, less New Year's Day.
		{"year 2027", "zg-office", "2027-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00", 260 * 8 * time.Hour},
		{"inputs in utc", "zg-office", "2026-03-02T08:00:00Z", "2026-03-02T15:00:00Z", 7 * time.Hour},

		{"spring night", "zg-night", "2026-03-28T12:00:00+01:00", "2026-03-29T12:00:00+02:00", 7 * time.Hour},
		{"autumn night", "zg-night", "2026-10-24T12:00:00+02:00", "2026-10-25T12:00:00+01:00", 9 * time.Hour},
		// Eight hours a day, and the repeated hour.
		{"week of the autumn change", "zg-night", "2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 57 * time.Hour},
		{"the repeated hour twice", "zg-sun", "2026-10-25T00:00:00+02:00", "2026-10-25T12:00:00+01:00", 2 * time.Hour},
		{"second pass of the repeated hour", "zg-sun", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", 30 * time.Minute},

		{"week of wrapped windows", "zg-wrap", "2026-03-01T00:00:00+01:00", "2026-03-09T00:00:00+01:00", 26 * time.Hour},

		{"short sunday", "ny-sun", "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 23 * time.Hour},
		{"long sunday", "ny-sun", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25 * time.Hour},
		{"empty window", "ny-empty", "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 0},
		{"sydney autumn night", "sydney-night", "2026-04-04T12:00:00+11:00", "2026-04-05T12:00:00+10:00", 9 * time.Hour},
		{"tokyo day", "tokyo", "2026-03-02T00:00:00+09:00", "2026-03-03T00:00:00+09:00", 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := time.Parse(time.RFC3339, tt.a)
			require.NoError(t, err)
			b, err := time.Parse(time.RFC3339, tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, cals[tt.cal].Working(a, b))
		})
	}
}

func TestAlways(t *testing.T) {
	zg := mustLoad(t, "Europe/Zagreb")
	full, err := ParseHours("00:00-24:00")
	require.NoError(t, err)
	halves, err := ParseHours("00:00-12:00, 12:00-24:00")
	require.NoError(t, err)
	allWeek := func(ws []Window) (week [7][]Window) {
		for i := range week {
			week[i] = ws
		}
		return week
	}
	whole, err := New(zg, allWeek(full), nil)
	require.NoError(t, err)
	split, err := New(zg, allWeek(halves), nil)
	require.NoError(t, err)
	withHoliday, err := New(zg, allWeek(full), []Holiday{{Month: 12, Day: 25}})
	require.NoError(t, err)

	assert.True(t, Always().Is24x7())
	assert.Same(t, Always(), Always())
	assert.Equal(t, time.UTC, Always().Location())
	assert.True(t, whole.Is24x7())
	assert.True(t, split.Is24x7())
	assert.False(t, withHoliday.Is24x7())
	assert.False(t, testCalendars(t)["zg-office"].Is24x7())

	start := time.Date(2026, 3, 28, 23, 0, 0, 0, zg)
	tests := []struct {
		name string
		c    *Calendar
	}{{"always", Always()}, {"whole days", whole}, {"half days", split}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.Add(start, 5*time.Hour)
			assert.True(t, got.Equal(start.Add(5*time.Hour)))
			assert.Same(t, tt.c.Location(), got.Location())
			assert.Equal(t, 5*time.Hour, tt.c.Working(start, got))
			assert.Equal(t, -5*time.Hour, tt.c.Working(got, start))
			assert.True(t, tt.c.Add(start, -time.Hour).Equal(start), "negative d counts as 0")
		})
	}
	// Clocks go forward that night: a 24h window on the day lasts 23h.
	assert.Equal(t, 23*time.Hour, withHoliday.Working(
		time.Date(2026, 3, 29, 0, 0, 0, 0, zg), time.Date(2026, 3, 30, 0, 0, 0, 0, zg)))
	assert.Equal(t, 0*time.Hour, withHoliday.Working(
		time.Date(2026, 12, 25, 0, 0, 0, 0, zg), time.Date(2026, 12, 26, 0, 0, 0, 0, zg)))
}

func TestNewErrors(t *testing.T) {
	zg := mustLoad(t, "Europe/Zagreb")
	h := func(from, to time.Duration) Window { return Window{from * time.Hour, to * time.Hour} }
	office := [7][]Window{time.Monday: {h(8, 16)}}
	tests := []struct {
		name     string
		loc      *time.Location
		week     [7][]Window
		holidays []Holiday
		want     string
	}{
		{"no location", nil, office, nil, "no time zone"},
		{"empty week", zg, [7][]Window{}, nil, "no working hours in the week"},
		{"start before midnight", zg, [7][]Window{time.Monday: {{-time.Hour, time.Hour}}}, nil,
			"invalid monday window -1h0m0s-01:00: it must start from 00:00 to before 24:00"},
		{"start at 24:00", zg, [7][]Window{time.Monday: {h(24, 25)}}, nil,
			"invalid monday window 24:00-25:00: it must start from 00:00 to before 24:00"},
		{"end before start", zg, [7][]Window{time.Tuesday: {h(16, 8)}}, nil,
			"invalid tuesday window 16:00-08:00: it must end after it starts"},
		{"empty window", zg, [7][]Window{time.Tuesday: {h(8, 8)}}, nil,
			"invalid tuesday window 08:00-08:00: it must end after it starts"},
		{"longer than a day", zg, [7][]Window{time.Tuesday: {h(8, 33)}}, nil,
			"invalid tuesday window 08:00-33:00: it is longer than a day"},
		{"overlap in a day", zg, [7][]Window{time.Friday: {h(13, 17), h(8, 14)}}, nil,
			"friday 08:00-14:00 overlaps friday 13:00-17:00"},
		{"overlap across midnight", zg, [7][]Window{time.Monday: {h(22, 30)}, time.Tuesday: {h(5, 9)}}, nil,
			"monday 22:00-06:00 overlaps tuesday 05:00-09:00"},
		{"overlap from saturday into sunday", zg, [7][]Window{time.Saturday: {h(20, 26)}, time.Sunday: {h(1, 3)}}, nil,
			"saturday 20:00-02:00 overlaps sunday 01:00-03:00"},
		{"impossible date", zg, office, []Holiday{{2026, 2, 29}}, "invalid holiday 2026-02-29: February 2026 has 28 days"},
		{"impossible yearly date", zg, office, []Holiday{{0, 4, 31}}, "invalid holiday 04-31: April has at most 30 days"},
		{"no month", zg, office, []Holiday{{2026, 13, 1}}, "invalid holiday 2026-13-01: there is no month 13"},
		{"negative year", zg, office, []Holiday{{-1, 1, 1}}, "invalid holiday -001-01-01: there is no year -1, years run from 0001 to 9999"},
		{"every day a holiday", zg, office, everyDay(), "holidays cover every day of the year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.loc, tt.week, tt.holidays)
			assert.Nil(t, c)
			require.EqualError(t, err, tt.want)
		})
	}
}

func everyDay() []Holiday {
	var hs []Holiday
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= daysIn(0, m); d++ {
			hs = append(hs, Holiday{Month: m, Day: d})
		}
	}
	return hs
}

func TestNewKeepsItsOwnWindows(t *testing.T) {
	ws := []Window{{13 * time.Hour, 17 * time.Hour}, {8 * time.Hour, 12 * time.Hour}}
	c, err := New(time.UTC, [7][]Window{time.Monday: ws}, nil)
	require.NoError(t, err)
	ws[0] = Window{0, 24 * time.Hour}
	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 8*time.Hour, c.Working(monday, monday.AddDate(0, 0, 1)))
	assert.Equal(t, time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC), c.Add(monday, 5*time.Hour))
}

func TestLimits(t *testing.T) {
	c := testCalendars(t)["zg-office"]
	end := time.Date(2260, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	assert.True(t, c.Add(start, math.MaxInt64).Equal(end), "saturates at the end of the range")
	assert.True(t, c.Add(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour).Equal(end))
	early, first := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1680, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.True(t, c.Add(early, 0).Equal(c.Add(first, 0)), "early instants count from 1680")
	assert.Zero(t, c.Working(early, first))
	all := c.Working(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Greater(t, all, 100_000*8*time.Hour)
	assert.Equal(t, -all, c.Working(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)))
}

// TestLimitsAlways: 24/7 calendars keep to the same range as the others,
// so that no deadline is a time RFC 3339 cannot write (issue 11: a ticket
// of year 9999 had its deadline in year 10000).
func TestLimitsAlways(t *testing.T) {
	zg := mustLoad(t, "Europe/Zagreb")
	full, err := ParseHours("00:00-24:00")
	require.NoError(t, err)
	var week [7][]Window
	for i := range week {
		week[i] = full
	}
	whole, err := New(zg, week, nil)
	require.NoError(t, err)
	end := time.Date(2260, 1, 1, 0, 0, 0, 0, time.UTC)
	first := time.Date(1680, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []*Calendar{Always(), whole} {
		require.True(t, c.Is24x7())
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		assert.True(t, c.Add(start, time.Hour).Equal(start.Add(time.Hour)))
		assert.True(t, c.Add(start, math.MaxInt64).Equal(end), "saturates at the end of the range")
		assert.True(t, c.Add(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), time.Hour).Equal(end))
		assert.True(t, c.Add(time.Date(2259, 12, 31, 23, 0, 0, 0, time.UTC), 2*time.Hour).Equal(end))
		assert.True(t, c.Add(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour).Equal(first.Add(time.Hour)), "early instants count from 1680")
		assert.True(t, c.Add(time.Date(-9999, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64).Equal(first.Add(math.MaxInt64)))
		assert.Same(t, c.Location(), c.Add(start, 0).Location())
	}
}

func TestGiveUp(t *testing.T) {
	// Only Sundays work, and only February 29 is not a holiday: 2032-02-29
	// is a Sunday, and the next leap day on a Sunday is in 2060.
	hs := everyDay()
	hs = slices.DeleteFunc(hs, func(h Holiday) bool { return h.Month == time.February && h.Day == 29 })
	c, err := New(time.UTC, [7][]Window{time.Sunday: {{9 * time.Hour, 17 * time.Hour}}}, hs)
	require.NoError(t, err)

	got := c.Add(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour)
	assert.Equal(t, time.Date(2032, 2, 29, 10, 0, 0, 0, time.UTC), got)

	got = c.Add(time.Date(2032, 3, 1, 0, 0, 0, 0, time.UTC), time.Hour)
	assert.True(t, got.After(time.Date(2042, 2, 1, 0, 0, 0, 0, time.UTC)), "gave up at %v", got)
	assert.True(t, got.Before(time.Date(2042, 4, 1, 0, 0, 0, 0, time.UTC)), "gave up at %v", got)
}

func TestConcurrent(t *testing.T) {
	c := testCalendars(t)["zg-office"]
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := make([]time.Time, 200)
	for i := range want {
		want[i] = c.Add(start.Add(time.Duration(i)*7*time.Hour), time.Duration(i)*3*time.Hour)
	}
	got := make([][]time.Time, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			got[g] = make([]time.Time, len(want))
			for i := range want {
				got[g][i] = c.Add(start.Add(time.Duration(i)*7*time.Hour), time.Duration(i)*3*time.Hour)
			}
		})
	}
	wg.Wait()
	for g := range got {
		assert.Equal(t, want, got[g], "goroutine %d", g)
	}
}

// ref models a calendar from its definition, the slow way: it lists the
// windows day by day, with its own dates and its own conversion of wall
// clock readings, sampling offsets instead of walking zone periods.
type ref struct {
	loc      *time.Location
	week     [7][]Window
	holidays []Holiday
}

func (r ref) offset(s int64) int64 {
	_, off := time.Unix(0, s).In(r.loc).Zone()
	return int64(off) * int64(time.Second)
}

// instant returns the first instant, to the minute, whose wall clock reads
// w or later.
func (r ref) instant(w int64) int64 {
	lo, hi := w-int64(26*time.Hour), w+int64(26*time.Hour)
	off := r.offset(lo)
	plain := true
	for s := lo; s <= hi; s += int64(time.Hour) {
		if r.offset(s) != off {
			plain = false
			break
		}
	}
	if plain {
		return w - off
	}
	for s := lo; ; s += int64(time.Minute) {
		if s+r.offset(s) >= w {
			return s
		}
	}
}

// day returns the number of the local date of instant s.
func (r ref) day(s int64) int64 {
	y, m, d := time.Unix(0, s).In(r.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// windows returns the windows starting on day n as instants.
func (r ref) windows(n int64) [][2]int64 {
	date := time.Unix(n*86400, 0).UTC()
	for _, h := range r.holidays {
		if (h.Year == 0 || h.Year == date.Year()) && h.Month == date.Month() && h.Day == date.Day() {
			return nil
		}
	}
	ws := slices.Clone(r.week[date.Weekday()])
	slices.SortFunc(ws, func(a, b Window) int { return int(a.From - b.From) })
	var out [][2]int64
	for _, w := range ws {
		out = append(out, [2]int64{r.instant(n*day + int64(w.From)), r.instant(n*day + int64(w.To))})
	}
	return out
}

func (r ref) add(t time.Time, d time.Duration) time.Time {
	cur, left := t.UnixNano(), int64(d)
	first := r.day(cur) - 2
	for n := first; n < first+4000; n++ {
		for _, w := range r.windows(n) {
			if w[1] <= cur || w[0] == w[1] {
				continue
			}
			cur = max(cur, w[0])
			if w[1]-cur >= left {
				return time.Unix(0, cur+left)
			}
			left -= w[1] - cur
			cur = w[1]
		}
	}
	panic("no working time")
}

func (r ref) working(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -r.working(b, a)
	}
	x, y := a.UnixNano(), b.UnixNano()
	total := int64(0)
	for n := r.day(x) - 2; n <= r.day(y)+2; n++ {
		for _, w := range r.windows(n) {
			if lo, hi := max(w[0], x), min(w[1], y); hi > lo {
				total += hi - lo
			}
		}
	}
	return time.Duration(total)
}

// randomWeek lays windows along the week from Sunday 00:00, in steps of a
// quarter of an hour: a window of up to a day, then a gap of up to two days
// (none at all gives touching windows).
func randomWeek(next func(n int) int) [7][]Window {
	const q = 15 * time.Minute
	var week [7][]Window
	var first time.Duration = -1
	pos := time.Duration(next(4*48)) * q
	for {
		length := time.Duration(1+next(4*24)) * q
		d := int(pos / (24 * time.Hour))
		if d >= 7 || (first >= 0 && pos+length > first+7*24*time.Hour) {
			break
		}
		if first < 0 {
			first = pos
		}
		from := pos % (24 * time.Hour)
		week[d] = append(week[d], Window{from, from + length})
		pos += length + time.Duration(next(4*48))*q
	}
	if first < 0 {
		week[time.Monday] = []Window{{9 * time.Hour, 17 * time.Hour}}
	}
	return week
}

var propertyZones = []string{
	"Europe/Zagreb", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC",
	// Half-hour clock changes; and until 2019 clocks going back from
	// Sunday 00:00 to Saturday 23:00.
	"Australia/Lord_Howe", "America/Sao_Paulo",
}

// randomCalendar returns a calendar and its model.
func randomCalendar(tb testing.TB, next func(n int) int) (*Calendar, ref) {
	tb.Helper()
	r := ref{loc: mustLoad(tb, propertyZones[next(len(propertyZones))]), week: randomWeek(next)}
	for range next(6) {
		m := time.Month(1 + next(12))
		h := Holiday{Month: m, Day: 1 + next(daysIn(0, m))}
		if next(2) == 0 {
			h.Year = 2016 + next(14)
			h.Day = min(h.Day, daysIn(h.Year, m))
		}
		r.holidays = append(r.holidays, h)
	}
	c, err := New(r.loc, r.week, r.holidays)
	require.NoError(tb, err, "week %v", r.week)
	return c, r
}

// hotInstants returns the clock changes of loc from 2016 to 2029.
func hotInstants(loc *time.Location) []time.Time {
	var hot []time.Time
	t := time.Date(2016, 1, 1, 0, 0, 0, 0, loc)
	for t.Year() < 2030 {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		hot = append(hot, end)
		t = end
	}
	return hot
}

// randomInstant picks an instant from 2016 to 2029, half of the time within
// three days of a clock change, on a quarter hour or anywhere.
func randomInstant(rng *rand.Rand, hot []time.Time) time.Time {
	var t time.Time
	if len(hot) > 0 && rng.IntN(2) == 0 {
		t = hot[rng.IntN(len(hot))].Add(time.Duration(rng.Int64N(int64(6*24*time.Hour))) - 3*24*time.Hour)
	} else {
		t = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(14 * 365 * 24 * time.Hour))))
	}
	if rng.IntN(2) == 0 {
		t = t.Truncate(15 * time.Minute)
	}
	return t
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 3))
	cases := 300
	if testing.Short() {
		cases = 60
	}
	for i := range cases {
		c, r := randomCalendar(t, rng.IntN)
		hot := hotInstants(r.loc)
		week := c.Working(time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 11, 0, 0, 0, 0, time.UTC))
		for range 10 {
			a, b, x := randomInstant(rng, hot), randomInstant(rng, hot), randomInstant(rng, hot)
			if rng.IntN(2) == 0 {
				b = a.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
			}
			d := time.Duration(rng.Int64N(int64(3*week) + 1))
			switch rng.IntN(4) {
			case 0:
				d = 0
			case 1:
				d = d.Truncate(15 * time.Minute)
			}
			big := time.Duration(rng.Int64N(int64(4000 * time.Hour)))

			got := c.Add(a, d)
			require.Truef(t, r.add(a, d).Equal(got), "case %d: Add(%v, %v) = %v, want %v; week %v, holidays %v",
				i, a, d, got, r.add(a, d), r.week, r.holidays)
			require.Same(t, r.loc, got.Location())
			if b.Sub(a).Abs() < 45*24*time.Hour {
				require.Equalf(t, r.working(a, b), c.Working(a, b), "case %d: Working(%v, %v); week %v, holidays %v",
					i, a, b, r.week, r.holidays)
			}

			for _, d := range []time.Duration{d, big} {
				end := c.Add(a, d)
				require.Equalf(t, d, c.Working(a, end), "case %d: Working(%v, Add(%v, %v) = %v)", i, a, a, d, end)
				require.Falsef(t, end.Before(a) && d > 0, "case %d: Add goes back", i)
				later := d + time.Duration(rng.Int64N(int64(100*time.Hour)))
				require.Falsef(t, c.Add(a, later).Before(end), "case %d: Add(%v, %v) before Add(%v, %v)", i, a, later, a, d)
				lo, hi := a, b
				if hi.Before(lo) {
					lo, hi = hi, lo
				}
				require.Falsef(t, c.Add(hi, d).Before(c.Add(lo, d)), "case %d: Add(%v, %v) before Add(%v, %v)", i, hi, d, lo, d)
			}
			require.Equal(t, -c.Working(a, b), c.Working(b, a))
			require.Equalf(t, c.Working(a, x), c.Working(a, b)+c.Working(b, x), "case %d: additivity over %v, %v, %v", i, a, b, x)
		}
	}
}
