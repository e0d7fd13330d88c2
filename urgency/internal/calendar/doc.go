// Package calendar counts business time: the working hours of an office
// calendar in one time zone, with weekly hours and holidays, so that "respond
// within 4h" means four working hours.
//
// # Working time
//
// A [Calendar] gives each day of the week a list of [Window] values, working
// periods in local wall clock time measured from local midnight. A window
// belongs to the day it starts on and may run past midnight into the next
// day ("22:00-06:00" is From 22h, To 30h). A [Holiday] removes the windows
// that start on it; it is either one date or, with Year 0, the same month
// and day every year (a yearly February 29 counts in leap years only).
//
// Windows are half open: a window from 08:00 to 16:00 works at 08:00 and no
// longer at 16:00. Their real length is the real time elapsed between the
// instants their local start and end stand for, so on the nights clocks
// change a 22:00-06:00 window lasts 7h (clocks go forward) or 9h (clocks go
// back). Local readings map to instants by one rule, the first instant at
// which the clock reads that time or later:
//
//   - a reading the clock shows twice (the hour repeated when clocks go back)
//     is its first occurrence;
//   - a reading the clock skips (the hour lost when clocks go forward) is the
//     first instant after the gap, the instant of the change, so 02:30 on a
//     night Zagreb jumps from 02:00 to 03:00 is 03:00.
//
// This is not what [time.Date] does: for a skipped reading it returns a time
// shifted by the size of the gap, forward in Europe/Zagreb (03:30) but
// backward in America/New_York (01:30), and for a repeated reading the first
// occurrence in New York but the second in Zagreb. The rule here treats all
// zones alike and keeps windows in order: an instant never lies in two
// windows, and a window can shrink to nothing inside a gap but never turn
// around.
//
// # Counting
//
// [Calendar.Add] moves forward by working time and [Calendar.Working]
// measures the working time between two instants. They step window by
// window and skip whole runs of ordinary weeks arithmetically, so their cost
// depends on the number of holidays and clock changes crossed, not on the
// length of the span. Instants are computed to the nanosecond between the
// years 1680 and 2260 UTC: instants outside count as those limits, and an
// Add that would end after 2260 returns 2260-01-01 UTC.
//
// A calendar is built once by [New] (or [Always] for plain time) and is then
// immutable and safe for concurrent use.
package calendar
