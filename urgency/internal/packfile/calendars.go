package packfile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/urgency/internal/calendar"
)

// CalendarDef is one named calendar of the calendars section.
type CalendarDef struct {
	Name string
	Pos  Position
	Cal  *calendar.Calendar
}

// CalendarRef is a use of a calendar by name (settings.calendar, a level's
// or a rule's calendar), checked once every file of the pack is read.
type CalendarRef struct {
	Name string
	Pos  Position
	Line string
}

func (d *decoder) calendarRef(n *yaml.Node, rule string) *CalendarRef {
	s, ok := d.str(n, "calendar", rule)
	if !ok {
		return nil
	}
	return &CalendarRef{Name: s, Pos: d.src.Pos(n.Line, n.Column), Line: d.src.Line(n.Line)}
}

// Always24x7 names the calendar of plain time, usable without defining it.
const Always24x7 = "24/7"

// calendars reads
//
//	calendars:
//	  office:
//	    timezone: Europe/Zagreb
//	    hours: {mon-fri: "08:00-16:00", sat: "09:00-12:00"}
//	    holidays: ["2026-12-24", "12-25"]    # a date, or month-day every year
//	  always: 24/7
func (d *decoder) calendars(n *yaml.Node, p *Pack) {
	d.named(n, p, "calendar", "calendars must map calendar names to their hours", labelName, labelForm, func(name string, k, v *yaml.Node) {
		def := &CalendarDef{Name: name, Pos: d.src.Pos(k.Line, k.Column)}
		if v.Kind == yaml.ScalarNode && v.Value == Always24x7 {
			def.Cal = calendar.Always()
		} else {
			def.Cal = d.calendar(v, name)
		}
		if def.Cal != nil {
			p.Calendars = append(p.Calendars, def)
		}
	})
}

func (d *decoder) calendar(n *yaml.Node, name string) *calendar.Calendar {
	what := fmt.Sprintf("calendar %q", name)
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, "", "%s must be 24/7 or a mapping with timezone, hours and holidays, not %s", what, describe(n))
		return nil
	}
	f := d.fields(n, "calendar", "", calendarKeys...)
	ok := true
	loc := time.UTC
	if v, found := f["timezone"]; !found {
		d.errorAt(n, "", "%s has no timezone: name one like Europe/Zagreb", what)
		ok = false
	} else if l, good := d.location(v.val); good {
		loc = l
	} else {
		ok = false
	}
	var week [7][]calendar.Window
	hours, found := f["hours"]
	switch {
	case !found:
		d.errorAt(n, "", "%s has no hours: give working hours per day, like mon-fri: \"08:00-16:00\"", what)
		ok = false
	case hours.val.Kind != yaml.MappingNode:
		d.errorAt(hours.val, "", "hours must map days to times, like mon-fri: \"08:00-16:00\", not %s", describe(hours.val))
		ok = false
	default:
		var setAt [7]int // the line that gave each day its hours
		for i := 0; i+1 < len(hours.val.Content); i += 2 {
			dk, dv := hours.val.Content[i], d.resolve(hours.val.Content[i+1])
			days, err := calendar.ParseDays(dk.Value)
			if err != nil {
				d.errorAt(dk, "", "%v", err)
				ok = false
				continue
			}
			spec, good := d.str(dv, "hours", "")
			if !good {
				ok = false
				continue
			}
			ws, err := calendar.ParseHours(spec)
			if err != nil {
				d.errorAt(dv, "", "%v", err)
				ok = false
				continue
			}
			for _, day := range days {
				if setAt[day] != 0 {
					d.errorAt(dk, "", "%s has hours twice (first at line %d)", day, setAt[day])
					ok = false
					continue
				}
				setAt[day] = dk.Line
				week[day] = ws
			}
		}
	}
	var holidays []calendar.Holiday
	if v, found := f["holidays"]; found {
		if v.val.Kind != yaml.SequenceNode {
			d.errorAt(v.val, "", "holidays must be a list of dates like [2026-12-25, 12-26], not %s", describe(v.val))
			ok = false
		} else {
			for _, h := range v.val.Content {
				h = d.resolve(h)
				s, good := d.str(h, "holiday", "")
				if !good {
					ok = false
					continue
				}
				hd, err := calendar.ParseHoliday(s)
				if err != nil {
					d.errorAt(h, "", "%v", err)
					ok = false
					continue
				}
				holidays = append(holidays, hd)
			}
		}
	}
	if !ok {
		return nil
	}
	c, err := calendar.New(loc, week, holidays)
	if err != nil {
		d.errorAt(n, "", "%s: %v", what, err)
		return nil
	}
	return c
}

// resolveCalendar returns the calendar a reference names; nil reports an
// unknown name.
func (p *Pack) resolveCalendar(r *CalendarRef) *calendar.Calendar {
	if r.Name == Always24x7 {
		return calendar.Always()
	}
	for _, c := range p.Calendars {
		if c.Name == r.Name {
			return c.Cal
		}
	}
	return nil
}

func (p *Pack) calendarNames() []string {
	names := []string{Always24x7}
	for key := range p.names {
		if name, ok := strings.CutPrefix(key, "calendar "); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// RefName is the calendar a reference names, "" for none.
func RefName(ref *CalendarRef) string {
	if ref == nil {
		return ""
	}
	return ref.Name
}

// LevelCalendarName is the calendar of level l: its own, else the pack's,
// else plain time.
func (p *Pack) LevelCalendarName(l *LevelDef) string {
	return cmp.Or(RefName(l.Calendar), RefName(p.Settings.Calendar), Always24x7)
}
