package calendar

import (
	"math"
	"time"
)

// Instants are Unix nanoseconds; wall clock readings are the same count
// taken as if the local clock were UTC, so that day n of the local calendar
// starts at wall n*day.
const (
	day = int64(24 * time.Hour)

	// slack bounds every UTC offset a zone database holds (they stay within
	// ±16h): an instant whose wall clock reads w lies within slack of w.
	slack = int64(26 * time.Hour)
)

// minInstant and maxInstant bound the instants the calendar computes with,
// 1680-01-01 and 2260-01-01 UTC, leaving room below the limits of int64
// nanoseconds for wall clock offsets and the windows of a day.
var (
	minInstant = time.Date(1680, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxInstant = time.Date(2260, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxDay     = floorDiv(maxInstant, day) - 3
)

func clampInstant(t time.Time) int64 {
	s := t.Unix()
	switch {
	case s <= minInstant/1e9:
		return minInstant
	case s >= maxInstant/1e9:
		return maxInstant
	}
	return t.UnixNano()
}

// zone walks the offsets of one location. It remembers the last period of
// constant offset it looked up, so that converting the many wall clock
// readings of nearby windows costs no look-up; it lives on the stack of one
// call and is never shared.
type zone struct {
	loc        *time.Location
	start, end int64 // the period [start, end) in instants; the extremes of int64 when unbounded
	off        int64 // its UTC offset in nanoseconds
	ok         bool
}

// load looks up the period of constant offset that holds instant s.
func (z *zone) load(s int64) {
	t := time.Unix(0, s).In(z.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	z.off = int64(off) * int64(time.Second)
	z.start, z.end = int64(math.MinInt64), int64(math.MaxInt64)
	if !start.IsZero() {
		z.start = secondsToInstant(start.Unix())
	}
	if !end.IsZero() {
		z.end = secondsToInstant(end.Unix())
	}
	z.ok = true
}

func secondsToInstant(s int64) int64 {
	switch {
	case s < math.MinInt64/int64(time.Second):
		return math.MinInt64
	case s > math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return s * int64(time.Second)
}

// wall returns the wall clock reading of instant s.
func (z *zone) wall(s int64) int64 {
	if !z.ok || s < z.start || s >= z.end {
		z.load(s)
	}
	return s + z.off
}

// instant returns the first instant whose wall clock reads w or later. For
// a reading the clock shows once, that is the instant it shows it; for one
// it shows twice (the hour repeated when clocks go back) it is the first
// time; for one it skips (the hour lost when clocks go forward) it is the
// instant of the change, the first one after the gap. The result never
// decreases as w increases, so windows keep their order and never overlap
// in real time.
func (z *zone) instant(w int64) int64 {
	// In a period of offset off the wall clock reads s+off, so the answer
	// lies in [w-slack, w+slack]. When the whole stretch from w-slack up to
	// w-off is one period, no earlier instant reads w or later.
	if z.ok && z.start <= w-slack && w-z.off < z.end {
		return w - z.off
	}
	s := w - slack
	for range 8 {
		z.load(s)
		c := max(s, w-z.off)
		if c < z.end {
			return c
		}
		s = z.end
	}
	return w - z.off
}

// plainUntil reports how far days from day n on convert with the offset of
// the cached period, which must hold instant(n*day): it returns the day e
// such that every window starting on days [n, e) maps its wall clock
// readings with that one offset, so lasts exactly its nominal length. The
// result is n or less when there is no such day.
func (z *zone) plainUntil(n int64) int64 {
	if w := n * day; z.start > w-slack || w-z.off >= z.end {
		return n
	}
	if z.end == math.MaxInt64 {
		return maxDay
	}
	// Windows of day j end before wall (j+2)*day; they must end before the
	// period does, at wall z.end+z.off.
	return min(floorDiv(z.end+z.off, day)-1, maxDay)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// weekday returns the day of the week of day n, counted from 1970-01-01.
func weekday(n int64) time.Weekday {
	return time.Weekday((n%7 + 7 + 4) % 7)
}

// daysFromCivil returns the day number of a proleptic Gregorian date, with
// 1970-01-01 as day 0; a day past the end of the month runs into the next.
func daysFromCivil(y int64, m time.Month, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of [daysFromCivil].
func civilFromDays(n int64) (y int64, m time.Month, d int) {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = time.Month(mp + 3)
	} else {
		m = time.Month(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int) bool {
	return y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

// daysIn returns the number of days of month m in year y; y == 0 stands for
// any year, in which February may have 29 days.
func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y == 0 || isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
