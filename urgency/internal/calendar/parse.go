package calendar

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	hoursForm   = "use HH:MM-HH:MM like 08:00-16:00"
	daysForm    = "use a day like mon or a range like mon-fri"
	dayNames    = "use mon, tue, wed, thu, fri, sat or sun, or the full name"
	holidayForm = "use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year"
)

// ParseHours parses the working hours of a day: one range "08:00-16:00",
// several ranges separated by commas "08:00-12:00, 13:00-17:00", a range
// crossing midnight "22:00-06:00" (an end not after the start is on the
// next day), or the whole day "00:00-24:00". Times have two-digit hours and
// minutes; 24:00 may only end a range. The windows come back sorted by
// their start. Ranges that overlap, also across midnight, and empty ranges
// like "08:00-08:00" are errors.
func ParseHours(spec string) ([]Window, error) {
	type part struct {
		text string
		w    Window
	}
	var parts []part
	for r := range strings.SplitSeq(spec, ",") {
		r = strings.TrimSpace(r)
		w, err := parseRange(r)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{r, w})
	}
	slices.SortStableFunc(parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(a.w.From, b.w.From), cmp.Compare(a.w.To, b.w.To))
	})
	ws := make([]Window, len(parts))
	for i, p := range parts {
		// On the clock face of one day, each range must end before the
		// next one starts, and the last before the first starts again.
		next, from := parts[0], parts[0].w.From+24*time.Hour
		if i+1 < len(parts) {
			next, from = parts[i+1], parts[i+1].w.From
		}
		if p.w.To > from {
			return nil, fmt.Errorf("hours %q and %q overlap", p.text, next.text)
		}
		ws[i] = p.w
	}
	return ws, nil
}

// parseRange parses one "HH:MM-HH:MM".
func parseRange(r string) (Window, error) {
	from, to, ok := strings.Cut(r, "-")
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if !ok || !isClock(from) || !isClock(to) {
		return Window{}, fmt.Errorf("invalid hours %q: %s", r, hoursForm)
	}
	f, err := clockValue(from, r)
	if err != nil {
		return Window{}, err
	}
	t, err := clockValue(to, r)
	if err != nil {
		return Window{}, err
	}
	switch {
	case f == 24*time.Hour:
		return Window{}, fmt.Errorf("invalid hours %q: a range cannot start at 24:00, start it at 00:00", r)
	case f == t:
		return Window{}, fmt.Errorf("empty hours %q: the end must differ from the start", r)
	case t < f:
		t += 24 * time.Hour
	}
	return Window{From: f, To: t}, nil
}

// isClock reports whether s has the form HH:MM.
func isClock(s string) bool {
	return len(s) == 5 && isDigits(s[:2]) && s[2] == ':' && isDigits(s[3:])
}

// clockValue returns the time of day of a string of the form HH:MM.
func clockValue(s, r string) (time.Duration, error) {
	h, m := atoi(s[:2]), atoi(s[3:])
	switch {
	case h == 24 && m != 0:
		return 0, fmt.Errorf("invalid time %q in hours %q: the day ends at 24:00", s, r)
	case h > 24 || m > 59:
		return 0, fmt.Errorf("invalid time %q in hours %q: hours run from 00 to 24 and minutes from 00 to 59", s, r)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// ParseDays parses the days of the week that share hours: a day "mon", a
// range "mon-fri", a range that wraps past Sunday "fri-mon" (Friday to
// Monday), or several of them separated by commas "mon-wed, fri". Days are
// the three-letter abbreviations or the full English names, in any case.
// The days come back in the order the spec lists them; a range from a day
// to itself and a day listed twice are errors.
func ParseDays(spec string) ([]time.Weekday, error) {
	var days []time.Weekday
	for r := range strings.SplitSeq(spec, ",") {
		r = strings.TrimSpace(r)
		first, last, isRange := strings.Cut(r, "-")
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if first == "" || (isRange && last == "") || strings.Count(r, "-") > 1 {
			return nil, fmt.Errorf("invalid days %q: %s", r, daysForm)
		}
		a, err := parseDay(first, r)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseDay(last, r); err != nil {
				return nil, err
			}
			if a == b {
				return nil, fmt.Errorf("invalid days %q: a range needs two different days, like mon-fri", r)
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			if slices.Contains(days, d) {
				return nil, fmt.Errorf("invalid days %q: %s is listed twice", spec, dayName(d))
			}
			days = append(days, d)
			if d == b {
				break
			}
		}
	}
	return days, nil
}

func parseDay(s, r string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := d.String()
		if strings.EqualFold(s, name) || strings.EqualFold(s, name[:3]) {
			return d, nil
		}
	}
	if s == r {
		return 0, fmt.Errorf("unknown day %q: %s", s, dayNames)
	}
	return 0, fmt.Errorf("unknown day %q in %q: %s", s, r, dayNames)
}

// ParseHoliday parses a holiday: a date "2026-12-25", or a month and day
// "12-25" for the same day every year. The date must exist: "2026-02-29" is
// an error, "02-29" is a yearly holiday that counts in leap years.
func ParseHoliday(s string) (Holiday, error) {
	s = strings.TrimSpace(s)
	var h Holiday
	switch {
	case len(s) == 10 && isDigits(s[:4]) && s[4] == '-' && isDigits(s[5:7]) && s[7] == '-' && isDigits(s[8:]):
		h = Holiday{Year: atoi(s[:4]), Month: time.Month(atoi(s[5:7])), Day: atoi(s[8:])}
		if h.Year == 0 {
			return Holiday{}, fmt.Errorf("invalid holiday %q: years run from 0001 to 9999", s)
		}
	case len(s) == 5 && isDigits(s[:2]) && s[2] == '-' && isDigits(s[3:]):
		h = Holiday{Month: time.Month(atoi(s[:2])), Day: atoi(s[3:])}
	default:
		return Holiday{}, fmt.Errorf("invalid holiday %q: %s", s, holidayForm)
	}
	if why := h.problem(); why != "" {
		return Holiday{}, fmt.Errorf("invalid holiday %q: %s", s, why)
	}
	return h, nil
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi converts a short string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
