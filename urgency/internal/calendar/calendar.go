package calendar

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Window is one working period of a day in local wall clock time: From and
// To are offsets from local midnight; To may exceed 24h for a window that
// crosses midnight ("22:00-06:00" is From 22h, To 30h). [New] accepts From
// in [0, 24h) and To after From by at most 24h.
type Window struct{ From, To time.Duration }

// String formats w the way [ParseHours] reads it, like "08:00-16:00" or
// "22:00-06:00"; seconds appear only when they are not zero.
func (w Window) String() string {
	to := w.To
	if to > 24*time.Hour && to <= 48*time.Hour {
		to -= 24 * time.Hour
	}
	return clock(w.From) + "-" + clock(to)
}

// clock formats an offset from midnight as HH:MM, HH:MM:SS or, for
// fractions of a second and values outside two days, as a duration.
func clock(d time.Duration) string {
	if d < 0 || d > 48*time.Hour || d%time.Second != 0 {
		return d.String()
	}
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// Holiday is a date without working time: a one-off date (2026-12-26) or,
// with Year == 0, the same day every year (12-25). A yearly February 29
// takes effect in leap years only.
type Holiday struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats h the way [ParseHoliday] reads it: "2026-12-25", or
// "12-25" for a yearly holiday.
func (h Holiday) String() string {
	if h.Year == 0 {
		return fmt.Sprintf("%02d-%02d", int(h.Month), h.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", h.Year, int(h.Month), h.Day)
}

// problem says what makes h an impossible date, or returns "".
func (h Holiday) problem() string {
	switch {
	case h.Year < 0 || h.Year > 9999:
		return fmt.Sprintf("there is no year %d, years run from 0001 to 9999", h.Year)
	case h.Month < time.January || h.Month > time.December:
		return fmt.Sprintf("there is no month %d", int(h.Month))
	case h.Day < 1:
		return fmt.Sprintf("there is no day %d", h.Day)
	case h.Day > daysIn(h.Year, h.Month):
		if h.Year == 0 {
			return fmt.Sprintf("%s has at most %d days", h.Month, daysIn(0, h.Month))
		}
		return fmt.Sprintf("%s %d has %d days", h.Month, h.Year, daysIn(h.Year, h.Month))
	}
	return ""
}

// Calendar is working time in one time zone: the working windows of each
// day of the week less the holidays. Build one with [New] or use [Always].
// A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	loc    *time.Location
	always bool

	week      [7][]Window // sorted by From
	work      [7]int64    // nominal working time of each weekday
	cum       [15]int64   // cum[i]: working time of weekdays 0..i-1, the week repeated twice
	plainWeek int64       // nominal working time of a week without holidays

	yearly   [13]uint32 // bit d of yearly[m]: month m, day d is a holiday every year
	yearlyMD []int      // the yearly holidays as month*32+day, sorted
	dated    []int64    // the one-off holidays as day numbers, sorted
}

// always24x7 is the calendar [Always] returns.
var always24x7 = &Calendar{loc: time.UTC, always: true}

// Always returns the calendar in which all time is working time (24/7, no
// holidays): [Calendar.Add] and [Calendar.Working] are plain time
// arithmetic, and its location is UTC.
func Always() *Calendar { return always24x7 }

// New builds a calendar in the time zone loc. week[time.Monday] and so on
// are that day's working windows; windows belong to the day they start on,
// and a holiday removes the windows that start on it.
//
// New reports an error for a nil location, a window outside the rules of
// [Window], windows of the week that overlap (including a window crossing
// midnight into the next day's first window, and Saturday into Sunday), a
// week without working time, an impossible holiday date, and yearly
// holidays covering every day of the year.
//
// A calendar whose windows cover the whole week, without holidays, counts
// all time like [Always] but in loc; [Calendar.Is24x7] reports it.
func New(loc *time.Location, week [7][]Window, holidays []Holiday) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("no time zone")
	}
	c := &Calendar{loc: loc}
	type span struct {
		day      time.Weekday
		w        Window
		from, to int64 // in the week from Sunday 00:00
	}
	var spans []span
	for i := range week {
		wd := time.Weekday(i)
		ws := slices.Clone(week[i])
		slices.SortFunc(ws, func(a, b Window) int {
			return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
		})
		for _, w := range ws {
			var why string
			switch {
			case w.From < 0 || w.From >= 24*time.Hour:
				why = "it must start from 00:00 to before 24:00"
			case w.To <= w.From:
				why = "it must end after it starts"
			case w.To-w.From > 24*time.Hour:
				why = "it is longer than a day"
			}
			if why != "" {
				return nil, fmt.Errorf("invalid %s window %s-%s: %s", dayName(wd), clock(w.From), clock(w.To), why)
			}
			c.work[i] += int64(w.To - w.From)
			base := int64(i) * day
			spans = append(spans, span{wd, w, base + int64(w.From), base + int64(w.To)})
		}
		if len(ws) > 0 {
			c.week[i] = ws
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	for i, s := range spans {
		next, nextFrom := spans[0], spans[0].from+7*day
		if i+1 < len(spans) {
			next, nextFrom = spans[i+1], spans[i+1].from
		}
		if s.to > nextFrom {
			return nil, fmt.Errorf("%s %s overlaps %s %s", dayName(s.day), s.w, dayName(next.day), next.w)
		}
	}
	for i := range 14 {
		c.cum[i+1] = c.cum[i] + c.work[i%7]
	}
	c.plainWeek = c.cum[7]
	if c.plainWeek == 0 {
		return nil, errors.New("no working hours in the week")
	}

	for _, h := range holidays {
		if why := h.problem(); why != "" {
			return nil, fmt.Errorf("invalid holiday %s: %s", h, why)
		}
		if h.Year == 0 {
			c.yearly[h.Month] |= 1 << h.Day
			continue
		}
		c.dated = append(c.dated, daysFromCivil(int64(h.Year), h.Month, h.Day))
	}
	slices.Sort(c.dated)
	c.dated = slices.Clip(slices.Compact(c.dated))
	everyDay := true
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= daysIn(0, m); d++ {
			if c.yearly[m]&(1<<d) != 0 {
				c.yearlyMD = append(c.yearlyMD, int(m)*32+d)
			} else {
				everyDay = false
			}
		}
	}
	if everyDay {
		return nil, errors.New("holidays cover every day of the year")
	}
	c.always = c.plainWeek == 7*day && len(holidays) == 0
	return c, nil
}

func dayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// Location returns the time zone of the calendar, in which [Calendar.Add]
// returns its results.
func (c *Calendar) Location() *time.Location { return c.loc }

// Is24x7 reports whether all time is working time: true for [Always] and
// for calendars whose windows cover the whole week without holidays.
func (c *Calendar) Is24x7() bool { return c.always }

const (
	// giveUpDays is how long Add looks for working time before it stops,
	// ten years. Only yearly holidays covering all but a few days of the
	// year, or years of one-off holidays, can leave a calendar idle that
	// long.
	giveUpDays = 3653

	// maxSkip bounds one arithmetic skip, in days, so that the working
	// time of the skipped days fits in an int64.
	maxSkip = 7 * 5000
)

// Add returns the instant at which d of working time has passed after t, in
// the calendar's location; t may be in any location. If t is outside
// working time, the clock starts at the next working period: Add(t, 0) is t
// when t is in working time, else the start of the next working period. A
// d of working time that ends exactly at the end of a window ends there,
// not at the start of the next one. A negative d counts as 0.
//
// Then Working(t, Add(t, d)) == d for every t and d, since time outside
// working periods counts nothing, and Add never decreases as t or d grows.
// Two limits break the equality: the clock counts from 1680-01-01 UTC at
// the earliest and results after 2260 stay at 2260-01-01 UTC, on every
// calendar (so a result is always a time RFC 3339 can write); and when ten
// years pass without any working time (which needs holidays on nearly
// every day) Add stops and returns the instant where it stopped.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	if c.always {
		s := clampInstant(t)
		if s > maxInstant-int64(d) {
			return c.at(maxInstant)
		}
		return c.at(s + int64(d))
	}
	z := zone{loc: c.loc}
	cur, left := clampInstant(t), int64(d)
	n := floorDiv(z.wall(cur), day) - 1
	idle := int64(0)
	for {
		if n >= maxDay {
			return c.at(maxInstant)
		}
		s := z.instant(n * day)
		if idle > giveUpDays {
			return c.at(max(cur, s))
		}
		// Every window from day n on starts at s or later; when that is
		// not before cur, whole days can be counted by their nominal time.
		if s >= cur {
			e := min(z.plainUntil(n), c.nextHoliday(n), n+maxSkip)
			if e > n {
				w := c.nominal(n, e)
				if w < left {
					left -= w
					if w > 0 {
						idle = 0
					} else {
						idle += e - n
					}
					n = e
					continue
				}
				// The end lies in [n, e): skip the whole weeks before it
				// and leave a week at most to the windows below.
				if k := (left - 1) / c.plainWeek; k > 0 {
					left -= k * c.plainWeek
					n += 7 * k
					idle = 0
				}
			}
		}
		found := false
		base := n * day
		for _, w := range c.windows(n) {
			ws, we := z.instant(base+int64(w.From)), z.instant(base+int64(w.To))
			if we <= cur || ws == we {
				continue
			}
			found = true
			cur = max(cur, ws)
			if we-cur >= left {
				return c.at(cur + left)
			}
			left -= we - cur
			cur = we
		}
		if found {
			idle = 0
		} else {
			idle++
		}
		n++
	}
}

// Working returns the working time between a and b: positive when b is
// after a, negative (minus the working time between b and a) when b is
// before a. It is additive, Working(a, b) + Working(b, c) == Working(a, c),
// and saturates at the limits of [time.Duration].
func (c *Calendar) Working(a, b time.Time) time.Duration {
	if c.always {
		return b.Sub(a)
	}
	x, y := clampInstant(a), clampInstant(b)
	switch {
	case x < y:
		return time.Duration(c.working(x, y))
	case y < x:
		return -time.Duration(c.working(y, x))
	}
	return 0
}

// working returns the working time in [a, b), a < b.
func (c *Calendar) working(a, b int64) int64 {
	z := zone{loc: c.loc}
	// Windows of days before last end before the wall clock reaches b's
	// day, so before b.
	last := floorDiv(z.wall(b), day) - 1
	n := floorDiv(z.wall(a), day) - 1
	total := int64(0)
	for n < maxDay {
		s := z.instant(n * day)
		if s >= b {
			break
		}
		if s >= a {
			e := min(z.plainUntil(n), c.nextHoliday(n), n+maxSkip, last)
			if e > n {
				total = addSat(total, c.nominal(n, e))
				n = e
				continue
			}
		}
		base := n * day
		for _, w := range c.windows(n) {
			ws, we := z.instant(base+int64(w.From)), z.instant(base+int64(w.To))
			if ws >= b {
				return total
			}
			if lo, hi := max(ws, a), min(we, b); hi > lo {
				total = addSat(total, hi-lo)
			}
		}
		n++
	}
	return total
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func (c *Calendar) at(s int64) time.Time { return time.Unix(0, s).In(c.loc) }

// windows returns the windows starting on day n.
func (c *Calendar) windows(n int64) []Window {
	ws := c.week[weekday(n)]
	if len(ws) == 0 || c.isHoliday(n) {
		return nil
	}
	return ws
}

// nominal returns the working time of the windows starting on days [n, e)
// by their nominal length, as if no day were a holiday.
func (c *Calendar) nominal(n, e int64) int64 {
	k, wd := e-n, int64(weekday(n))
	return k/7*c.plainWeek + c.cum[wd+k%7] - c.cum[wd]
}

func (c *Calendar) isHoliday(n int64) bool {
	_, m, d := civilFromDays(n)
	if c.yearly[m]&(1<<d) != 0 {
		return true
	}
	_, found := slices.BinarySearch(c.dated, n)
	return found
}

// nextHoliday returns a day no later than the first holiday on day n or
// after, or the largest int64 when there is none. A yearly February 29
// counts as March 1 in other years.
func (c *Calendar) nextHoliday(n int64) int64 {
	next := int64(math.MaxInt64)
	if i, _ := slices.BinarySearch(c.dated, n); i < len(c.dated) {
		next = c.dated[i]
	}
	if len(c.yearlyMD) > 0 {
		y, m, d := civilFromDays(n)
		i, _ := slices.BinarySearch(c.yearlyMD, int(m)*32+d)
		if i == len(c.yearlyMD) {
			i, y = 0, y+1
		}
		md := c.yearlyMD[i]
		next = min(next, daysFromCivil(y, time.Month(md/32), md%32))
	}
	return next
}
