package urgency

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hist builds a status history from "2026-11-23 09:00 pending" entries,
// in Europe/Zagreb.
func hist(t *testing.T, entries ...string) []StatusChange {
	t.Helper()
	var out []StatusChange
	for _, e := range entries {
		i := strings.LastIndexByte(e, ' ')
		out = append(out, StatusChange{At: zagreb(t, e[:i]), Status: e[i+1:]})
	}
	return out
}

// TestServiceLevels checks deadlines worked out by hand on the office
// calendar of testdata/sla.yaml (Zagreb, Monday to Friday 09:00-17:00,
// Christmas off; 2026-11-23 is a Monday).
func TestServiceLevels(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	tests := []struct {
		name    string
		ticket  Ticket
		now     string
		level   string
		due     string // "" for none
		dueIn   time.Duration
		target  string
		paused  bool
		breach  string
		pausedT time.Duration // working time the pauses took off
		used    float64
		rule    string
		tags    []string
	}{
		{
			name: "a pause inside a working window moves the deadline by its length",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				History: hist(t, "2026-11-23 09:00 open", "2026-11-23 09:30 pending", "2026-11-23 10:10 open")},
			now: "2026-11-23 10:30", level: "high", due: "2026-11-23 11:40", dueIn: 70 * time.Minute,
			target: TargetFirstReply, pausedT: 40 * time.Minute, used: 50.0 / 120,
		},
		{
			name: "a pause across the night removes only its office hours",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 16:00"), Status: "open",
				History: hist(t, "2026-11-23 16:30 pending", "2026-11-24 10:00 open")},
			// 30m worked on Monday; 16:30-17:00 and 09:00-10:00 paused.
			now: "2026-11-24 10:00", level: "high", due: "2026-11-24 11:30", dueIn: 90 * time.Minute,
			target: TargetFirstReply, pausedT: 90 * time.Minute, used: 0.25,
		},
		{
			name: "a pause over Christmas and a weekend removes its office hours once",
			ticket: Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-12-24 13:00"),
				History: hist(t, "2026-12-24 15:00 pending", "2026-12-28 11:00 open")},
			// Thursday 13-15 worked, 15-17 paused, Friday a holiday,
			// Monday 09-11 paused, 6h left from 11:00.
			now: "2026-12-28 12:00", level: "low", due: "2026-12-28 17:00", dueIn: 5 * time.Hour,
			target: TargetFirstReply, pausedT: 4 * time.Hour, used: 3.0 / 8,
		},
		{
			name: "a pause still open at now freezes the time left",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), Status: "pending",
				History: hist(t, "2026-11-23 09:45 pending")},
			// 1h15m left when the pause began; counted again from now.
			now: "2026-11-23 14:00", level: "high", due: "2026-11-23 15:15", dueIn: 75 * time.Minute,
			target: TargetFirstReply, paused: true, pausedT: 4*time.Hour + 15*time.Minute, used: 45.0 / 120,
			tags: []string{"facts"},
		},
		{
			name: "a ticket paused after its due time is not overdue while paused",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				History: hist(t, "2026-11-23 11:30 on-hold")},
			now: "2026-11-23 14:00", level: "high", due: "2026-11-23 11:00", dueIn: -30 * time.Minute,
			target: TargetFirstReply, paused: true, used: 150.0 / 120,
		},
		{
			name: "a change of level keeps the pauses: critical counts 1h round the clock",
			ticket: Ticket{Subject: "fire in the server room", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				History: hist(t, "2026-11-23 09:20 pending", "2026-11-23 09:50 open")},
			now: "2026-11-23 10:00", level: "critical", due: "2026-11-23 10:30", dueIn: 30 * time.Minute,
			target: TargetFirstReply, pausedT: 30 * time.Minute, used: 0.5,
		},
		{
			name: "the same history at level high",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				History: hist(t, "2026-11-23 09:20 pending", "2026-11-23 09:50 open")},
			now: "2026-11-23 10:00", level: "high", due: "2026-11-23 11:30", dueIn: 90 * time.Minute,
			target: TargetFirstReply, pausedT: 30 * time.Minute, used: 0.25,
		},
		{
			name: "a first reply after its due time is a breach; the ticket is due for resolution",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 11:30")},
			now: "2026-11-23 12:00", level: "high", due: "2026-11-24 17:00", dueIn: 13 * time.Hour,
			target: TargetResolution, breach: TargetFirstReply, used: 3.0 / 16,
		},
		{
			name: "resolution on the office calendar, with a pause overnight",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 10:00"),
				History:      hist(t, "2026-11-23 09:00 open", "2026-11-23 15:00 pending", "2026-11-24 11:00 open")},
			// Monday 09-15 worked, 15-17 and Tuesday 09-11 paused, 10h
			// left from Tuesday 11:00: 6h on Tuesday, 4h on Wednesday.
			now: "2026-11-24 12:00", level: "high", due: "2026-11-25 13:00", dueIn: 9 * time.Hour,
			target: TargetResolution, pausedT: 4 * time.Hour, used: 7.0 / 16,
		},
		{
			name: "solved is not a pause status: a re-opened ticket's time ran on",
			ticket: Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				History: hist(t, "2026-11-23 10:00 solved", "2026-11-24 09:00 open")},
			now: "2026-11-24 10:00", level: "low", due: "2026-11-23 17:00", dueIn: -time.Hour,
			target: TargetFirstReply, used: 9.0 / 8, tags: []string{"overdue"},
		},
		{
			name: "an answered ticket of a level without resolve_within has no due time",
			ticket: Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 10:00")},
			now: "2026-11-23 12:00", level: "low", target: TargetResolution,
		},
		{
			name: "a gold contract resolves within 4 office hours",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 09:20"), Customer: Customer{Tier: "gold"}},
			now: "2026-11-23 10:00", level: "high", due: "2026-11-23 13:00", dueIn: 3 * time.Hour,
			target: TargetResolution, used: 0.25, rule: "gold",
		},
		{
			name: "a gold contract gives a low ticket a resolution time",
			ticket: Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-23 16:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 16:10"), Customer: Customer{Tier: "gold"}},
			now: "2026-11-23 16:30", level: "low", due: "2026-11-24 12:00", dueIn: 3*time.Hour + 30*time.Minute,
			target: TargetResolution, used: 0.125, rule: "gold",
		},
		{
			name: "a silver contract's 12h round the clock beat the level's 16 office hours",
			ticket: Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
				FirstReplyAt: zagreb(t, "2026-11-23 09:30"), Customer: Customer{Tier: "silver"}},
			now: "2026-11-23 10:00", level: "high", due: "2026-11-23 21:00", dueIn: 11 * time.Hour,
			target: TargetResolution, used: 1.0 / 12, rule: "silver",
		},
		{
			name: "a gold contract answers within 30 minutes, counted outside pauses",
			ticket: Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-23 09:00"), Customer: Customer{Tier: "gold"},
				History: hist(t, "2026-11-23 09:10 pending", "2026-11-23 09:40 open")},
			now: "2026-11-23 09:45", level: "low", due: "2026-11-23 10:00", dueIn: 15 * time.Minute,
			target: TargetFirstReply, pausedT: 30 * time.Minute, used: 0.5, rule: "gold",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.Assess(tt.ticket, zagreb(t, tt.now))
			assert.Empty(t, a.Errors)
			assert.Empty(t, a.Notes)
			assert.Equal(t, tt.level, a.Level)
			if tt.due == "" {
				assert.True(t, a.Due.IsZero(), "due %s", a.Due)
			} else {
				assert.Equal(t, zagreb(t, tt.due).UTC(), a.Due.UTC())
			}
			assert.Equal(t, tt.dueIn, a.DueIn, "due in")
			assert.Equal(t, tt.target, a.Target)
			assert.Equal(t, tt.paused, a.Paused, "paused")
			assert.Equal(t, tt.breach, a.Breached, "breached")
			assert.Equal(t, tt.pausedT, a.PausedTime, "paused time")
			assert.InDelta(t, tt.used, a.SLAUsed, 1e-9, "sla used")
			assert.Equal(t, tt.rule, a.DueRule)
			assert.Equal(t, tt.tags, a.Tags)
		})
	}
}

func TestServiceLevelsExplainTheDeadline(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	a := e.Assess(Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
		History: hist(t, "2026-11-23 09:30 pending", "2026-11-23 10:10 open")}, zagreb(t, "2026-11-23 10:30"))
	assert.Contains(t, a.Why(), "first reply due 2026-11-23T11:40:00+01:00: high responds within 2h of office time, 40m paused")

	a = e.Assess(Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), Status: "pending",
		History: hist(t, "2026-11-23 09:45 pending")}, zagreb(t, "2026-11-23 14:00"))
	assert.Contains(t, a.Why(), "clock stopped: status \"pending\" is a pause status; 1h15m left, due time counted from now")

	a = e.Assess(Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"),
		FirstReplyAt: zagreb(t, "2026-11-23 11:30")}, zagreb(t, "2026-11-23 12:00"))
	assert.Equal(t, []string{
		"+60 outage",
		"score 60 reaches high",
		"first reply breached: answered 2026-11-23T11:30:00+01:00, due 2026-11-23T11:00:00+01:00",
		"resolution due 2026-11-24T17:00:00+01:00: high resolves within 16h of office time",
	}, a.Why())

	a = e.Assess(Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-23 09:00"),
		FirstReplyAt: zagreb(t, "2026-11-23 10:00")}, zagreb(t, "2026-11-23 12:00"))
	assert.Contains(t, a.Why(), "no due time: answered, and neither level low nor a matching rule promises a resolution time")

	// A ticket without the service fields is explained as before.
	a = e.Assess(Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00")}, zagreb(t, "2026-11-23 10:00"))
	assert.Contains(t, a.Why(), "due 2026-11-23T11:00:00+01:00: high responds within 2h of office time")
}

// TestServiceOrder: paused tickets come after the running ones of their
// level, and tickets without a due time after those with one.
func TestServiceOrder(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	at := func(s string) time.Time { return zagreb(t, s) }
	tickets := []Ticket{
		{ID: "paused-early", Subject: "site down", CreatedAt: at("2026-11-23 09:00"), History: hist(t, "2026-11-23 09:05 pending")},
		{ID: "running-late", Subject: "site down", CreatedAt: at("2026-11-23 10:00")},
		{ID: "no-due", Subject: "question", CreatedAt: at("2026-11-23 08:00"), FirstReplyAt: at("2026-11-23 09:00")},
		{ID: "low", Subject: "question", CreatedAt: at("2026-11-23 11:00")},
		{ID: "critical-paused", Subject: "fire", CreatedAt: at("2026-11-23 11:00"), Status: "on-hold"},
	}
	got := e.Rank(tickets, at("2026-11-23 11:30"))
	assert.Equal(t, []string{"critical-paused", "running-late", "paused-early", "low", "no-due"}, ids(got))
}

// TestServiceFieldsMalformed: what cannot be right is a line error when a
// ticket is read; what depends on the moment or the pack is a note.
func TestServiceFieldsMalformed(t *testing.T) {
	long := strings.Repeat("x", MaxStatusBytes+1)
	many := strings.Repeat(`{"at":"2026-11-23T09:00:00Z","status":"open"},`, MaxHistory)
	for _, tt := range []struct{ line, err string }{
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"at":"2026-11-23T10:00:00Z","status":"pending"},{"at":"2026-11-23T09:30:00Z","status":"open"}]}`,
			"line 1: history entry 2 at 2026-11-23T09:30:00Z is before entry 1 at 2026-11-23T10:00:00Z: give the changes in time order"},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"at":"2026-11-23T08:00:00Z","status":"open"}]}`,
			"line 1: history entry 1 at 2026-11-23T08:00:00Z is before created_at 2026-11-23T09:00:00Z"},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"status":"open"}]}`, `line 1: history entry 1: missing "at"`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"at":"2026-11-23T09:00:00Z"}]}`, `line 1: history entry 1: missing "status"`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"at":"2026-11-23T09:00:00Z","status":"open","by":"x"}]}`, `line 1: unknown field "by"`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","status":"open","history":[{"at":"2026-11-23T09:10:00Z","status":"pending"}]}`,
			`line 1: status "open" differs from "pending", the last entry of the history`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","status":"` + long + `"}`, `line 1: "status" is longer than 64 bytes`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[{"at":"2026-11-23T09:00:00Z","status":"` + long + `"}]}`,
			"line 1: history entry 1: status is longer than 64 bytes"},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","history":[` + many + `{"at":"2026-11-23T09:00:00Z","status":"open"}]}`,
			`line 1: "history" has 1001 entries, more than 1000`},
		{`{"id":"A","created_at":"2026-11-23T09:00:00Z","first_reply_at":"2026-11-23T08:00:00Z"}`,
			"line 1: first_reply_at 2026-11-23T08:00:00Z is before created_at 2026-11-23T09:00:00Z"},
	} {
		_, err := NewTicketReader(strings.NewReader(tt.line)).Next()
		var le *LineError
		require.True(t, errors.As(err, &le), "%.80s", tt.line)
		assert.Equal(t, tt.err, err.Error())
	}

	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	now := zagreb(t, "2026-11-23 12:00")
	for _, tt := range []struct {
		name   string
		ticket Ticket
		note   string
		due    string
		paused bool
	}{
		{"a status change after now is not counted",
			Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), History: hist(t, "2026-11-23 09:30 pending", "2026-11-23 13:00 open")},
			"history entry 2 at 2026-11-23T13:00:00+01:00 is after now: it and later entries are not counted", "2026-11-23 13:30", true},
		{"a first reply after now is not counted",
			Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), FirstReplyAt: zagreb(t, "2026-11-23 13:00")},
			"first_reply_at 2026-11-23T13:00:00+01:00 is after now: the ticket is not yet answered", "2026-11-23 11:00", false},
		{"a status spelt like a pause status is counted, and said so",
			Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), Status: "Pending", History: hist(t, "2026-11-23 09:30 Pending")},
			`status "Pending" is not a pause status of the pack (did you mean "pending"?): its time is counted`, "2026-11-23 11:00", false},
		{"a history out of order, built in Go, is not counted",
			Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), History: hist(t, "2026-11-23 10:00 pending", "2026-11-23 09:30 open")},
			"history entry 2 at 2026-11-23T09:30:00+01:00 is before entry 1 at 2026-11-23T10:00:00+01:00: give the changes in time order: the status history is not counted", "2026-11-23 11:00", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.Assess(tt.ticket, now)
			assert.Equal(t, []string{tt.note}, a.Notes)
			assert.Contains(t, a.Why(), "note: "+tt.note)
			assert.Equal(t, zagreb(t, tt.due).UTC(), a.Due.UTC())
			assert.Equal(t, tt.paused, a.Paused)
		})
	}
}

// TestServiceHostileTickets: extreme times and the largest history cost
// little and give sane facts.
func TestServiceHostileTickets(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h := make([]StatusChange, MaxHistory)
	for i := range h {
		st := "pending"
		if i%2 == 1 {
			st = "open"
		}
		h[i] = StatusChange{At: now.Add(-time.Duration(MaxHistory-i) * time.Minute), Status: st}
	}
	for _, tk := range []Ticket{
		{CreatedAt: now.Add(-time.Duration(MaxHistory+1) * time.Minute), History: h},
		{CreatedAt: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), History: []StatusChange{{At: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Status: "pending"}, {At: now, Status: "open"}}},
		{CreatedAt: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), Status: "pending", FirstReplyAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
		{CreatedAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Status: "pending", History: []StatusChange{{At: time.Date(9999, 12, 31, 1, 0, 0, 0, time.UTC), Status: "pending"}}},
		{CreatedAt: now, History: []StatusChange{{At: now, Status: "pending"}, {At: now, Status: "open"}, {At: now, Status: "on-hold"}}},
	} {
		for _, at := range []time.Time{now, time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			a := e.Assess(tk, at)
			assert.GreaterOrEqual(t, a.PausedTime, time.Duration(0))
			_ = a.Why()
		}
	}
}

// TestTicketWithoutServiceFieldsIsUnchanged: the new fields default to
// what a ticket meant before them.
func TestTicketWithoutServiceFieldsIsUnchanged(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	tk := Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00")}
	a := e.Assess(tk, zagreb(t, "2026-11-23 10:00"))
	assert.Equal(t, TargetFirstReply, a.Target)
	assert.False(t, a.Paused)
	assert.Empty(t, a.Breached)
	assert.Equal(t, zagreb(t, "2026-11-23 11:00").UTC(), a.Due.UTC())
	assert.Equal(t, time.Hour, a.DueIn)
}

// officeMinute reports whether the minute from t is office time on the
// calendar of testdata/sla.yaml, read off the clock: the slow reference.
func officeMinute(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	if l.Weekday() == time.Saturday || l.Weekday() == time.Sunday || l.Month() == time.December && l.Day() == 25 {
		return false
	}
	return l.Hour() >= 9 && l.Hour() < 17
}

// reference works a deadline out minute by minute: the clock runs in
// office minutes outside pause statuses, up to now, and from now on as if
// the ticket were no longer paused.
func reference(tk Ticket, now time.Time, within time.Duration, loc *time.Location) (due time.Time, dueIn time.Duration, paused bool) {
	statusAt := func(m time.Time) string {
		s := "open"
		for _, h := range tk.History {
			if h.At.After(m) || h.At.After(now) {
				break
			}
			s = h.Status
		}
		return s
	}
	pausing := func(s string) bool { return s == "pending" || s == "on-hold" }
	used := time.Duration(0)
	usedNow := time.Duration(-1)
	for m := tk.CreatedAt; ; m = m.Add(time.Minute) {
		if !m.Before(now) && usedNow < 0 {
			usedNow = used
		}
		if due.IsZero() && used >= within {
			due = m
		}
		if !due.IsZero() && usedNow >= 0 {
			break
		}
		stopped := pausing(statusAt(m))
		if !m.Before(now) {
			stopped = false
		}
		if officeMinute(m, loc) && !stopped {
			used += time.Minute
		}
	}
	return due, within - usedNow, pausing(statusAt(now))
}

const refRespond, refResolve = 3 * time.Hour, 13*time.Hour + 17*time.Minute

// refEngine is a pack of one level on the reference's office calendar.
func refEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(fmt.Sprintf(`version: 1
name: ref
settings: {calendar: office, pause: [pending, on-hold]}
calendars:
  office: {timezone: Europe/Zagreb, hours: {mon-fri: "09:00-17:00"}, holidays: ["2026-12-25"]}
levels:
  - {name: only, respond_within: %s, resolve_within: %s}
rules:
  - {name: any, when: 'true'}
`, FormatDuration(refRespond), FormatDuration(refResolve)))}})
	require.NoError(t, err)
	return e
}

// checkReference compares the assessment of tk at now with the
// minute-by-minute reference.
func checkReference(t testing.TB, e *Engine, tk Ticket, now time.Time) {
	t.Helper()
	loc := e.Levels()[0].cal.Location()
	a := e.Assess(tk, now)
	within := refRespond
	replied := !tk.FirstReplyAt.IsZero() && !tk.FirstReplyAt.After(now)
	if replied {
		within = refResolve
	}
	due, dueIn, paused := reference(tk, now, within, loc)
	msg := fmt.Sprintf("created %s now %s history %v reply %s", tk.CreatedAt, now, tk.History, tk.FirstReplyAt)
	require.Equal(t, due.UTC(), a.Due.UTC(), msg)
	require.Equal(t, dueIn, a.DueIn, msg)
	require.Equal(t, paused, a.Paused, msg)
	breach := ""
	if replied {
		if replyDue, _, _ := reference(tk, now, refRespond, loc); tk.FirstReplyAt.After(replyDue) {
			breach = TargetFirstReply
		}
	}
	require.Equal(t, breach, a.Breached, msg)
}

var refStatuses = []string{"open", "pending", "on-hold", "solved"}

// refBase is a Friday a week before Christmas, in Zagreb.
func refBase(t testing.TB) time.Time {
	loc, err := time.LoadLocation("Europe/Zagreb")
	require.NoError(t, err)
	return time.Date(2026, 12, 18, 0, 0, 0, 0, loc)
}

// TestServiceLevelsAgainstReference compares deadlines, time left and
// breaches on random histories with the minute-by-minute reference.
func TestServiceLevelsAgainstReference(t *testing.T) {
	e := refEngine(t)
	rng := rand.New(rand.NewPCG(14, 2026))
	base := refBase(t)
	minute := func(max int) time.Duration { return time.Duration(rng.IntN(max)) * time.Minute }
	for i := range 300 {
		tk := Ticket{ID: fmt.Sprint(i), CreatedAt: base.Add(minute(9 * 24 * 60))}
		at := tk.CreatedAt
		for range rng.IntN(7) {
			at = at.Add(minute(30 * 60))
			tk.History = append(tk.History, StatusChange{At: at, Status: refStatuses[rng.IntN(len(refStatuses))]})
		}
		now := tk.CreatedAt.Add(minute(6 * 24 * 60))
		if rng.IntN(2) == 0 {
			tk.FirstReplyAt = tk.CreatedAt.Add(minute(2 * 24 * 60))
		}
		checkReference(t, e, tk, now)
	}
}

// FuzzServiceLevels compares the engine with the reference on histories
// the fuzzer picks: history holds (gap in ten minutes, status) pairs.
func FuzzServiceLevels(f *testing.F) {
	f.Add(uint16(600), []byte{3, 1, 4, 0}, uint16(300), uint16(0))
	f.Add(uint16(7000), []byte{0, 1, 200, 2, 0, 0, 90, 3}, uint16(4000), uint16(50))
	f.Add(uint16(0), []byte{}, uint16(0), uint16(1))
	f.Fuzz(func(t *testing.T, created uint16, history []byte, now, reply uint16) {
		e := refEngine(t)
		tk := Ticket{ID: "F", CreatedAt: refBase(t).Add(time.Duration(created%(14*24*60)) * time.Minute)}
		at := tk.CreatedAt
		for i := 0; i+1 < len(history) && i < 16; i += 2 {
			at = at.Add(time.Duration(history[i]) * 10 * time.Minute)
			tk.History = append(tk.History, StatusChange{At: at, Status: refStatuses[int(history[i+1])%len(refStatuses)]})
		}
		if reply > 0 {
			tk.FirstReplyAt = tk.CreatedAt.Add(time.Duration(reply%(3*24*60)) * time.Minute)
		}
		checkReference(t, e, tk, tk.CreatedAt.Add(time.Duration(now%(6*24*60))*time.Minute))
	})
}

func TestServiceFactsRoundTripJSON(t *testing.T) {
	line := `{"id":"T-7","created_at":"2026-11-22T09:00:00Z","status":"pending","history":[{"at":"2026-11-22T09:00:00Z","status":"open"},{"at":"2026-11-22T09:40:00Z","status":"pending"}],"first_reply_at":"2026-11-22T09:30:00Z"}`
	tk, err := NewTicketReader(bytes.NewReader([]byte(line))).Next()
	require.NoError(t, err)
	assert.Equal(t, "pending", tk.Status)
	assert.Len(t, tk.History, 2)
	assert.True(t, slices.ContainsFunc(tk.History, func(h StatusChange) bool { return h.Status == "pending" }))
	assert.Equal(t, time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC), tk.FirstReplyAt.UTC())
}

// TestServiceHugeStatus: a ticket built in Go with a status far over the
// limit is noted, not compared letter by letter with the pause statuses.
func TestServiceHugeStatus(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	now := zagreb(t, "2026-11-23 12:00")
	tk := Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-11-23 09:00"), Status: strings.Repeat("pendin", 1<<17)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := e.Assess(tk, now)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated by one assessment")
	assert.Equal(t, []string{`"status" is longer than 64 bytes: the status history is not counted`}, a.Notes)
	assert.False(t, a.Paused)
	assert.Equal(t, "open", a.status)
}

// TestResolveWithinIsAnEffect: a rule whose only effect is a resolution
// time is not reported as doing nothing.
func TestResolveWithinIsAnEffect(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: contract, when: 'customer.tier == "gold"', resolve_within: 4h}`))}})
	require.NoError(t, err)
	for _, w := range e.Warnings() {
		assert.NotEqual(t, WarnNoEffect, w.Code, "%v", w)
	}
}

// TestServiceQueueLikeFresh: a queue whose tickets changed status, were
// answered or closed ranks as a fresh queue given the open tickets.
func TestServiceQueueLikeFresh(t *testing.T) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(t, err)
	at := func(s string) time.Time { return zagreb(t, s) }
	waiting := Ticket{ID: "A", Subject: "site down", CreatedAt: at("2026-11-23 09:00"), Status: "pending", History: hist(t, "2026-11-23 09:30 pending")}
	back := waiting
	back.Status, back.History = "open", hist(t, "2026-11-23 09:30 pending", "2026-11-23 10:30 open")
	answered := Ticket{ID: "B", Subject: "site down", CreatedAt: at("2026-11-23 09:10"), FirstReplyAt: at("2026-11-23 09:50")}
	plain := Ticket{ID: "C", Subject: "question", CreatedAt: at("2026-11-23 08:00")}
	closed := Ticket{ID: "D", Subject: "site down", CreatedAt: at("2026-11-23 08:00"), Status: "on-hold"}

	q := mustQueue(NewQueue(e))
	q.Add(waiting, plain, closed)
	now := at("2026-11-23 11:00")
	_ = q.Ranked(now)
	q.Add(back, answered) // A came back from the customer; B arrived answered
	q.Remove("D")
	got := q.Ranked(now)

	fresh := mustQueue(NewQueue(e))
	fresh.Add(answered, plain, back)
	want := fresh.Ranked(now)
	require.Equal(t, want, got)
	assert.Equal(t, []string{"A", "B", "C"}, ids(got))
	assert.False(t, got[0].Paused)
	assert.Equal(t, at("2026-11-23 12:00").UTC(), got[0].Due.UTC(), "A: 2h of office time and an hour paused")
	x, ok := q.Explain("A", now)
	require.True(t, ok)
	assert.Equal(t, got[0].Due, x.Assessment.Due)
}

// BenchmarkAssessService measures the service clock on an office
// calendar: a ticket without history, and histories of alternating
// pauses up to the limit.
func BenchmarkAssessService(b *testing.B) {
	e, err := Load("testdata/sla.yaml")
	require.NoError(b, err)
	loc := e.Location()
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
	now := created.Add(30 * 24 * time.Hour)
	for _, n := range []int{0, 10, MaxHistory} {
		tk := Ticket{ID: "B", Subject: "site down", CreatedAt: created, FirstReplyAt: created.Add(time.Hour)}
		for i := range n {
			st := "pending"
			if i%2 == 1 {
				st = "open"
			}
			tk.History = append(tk.History, StatusChange{At: created.Add(time.Duration(i) * 37 * time.Minute), Status: st})
		}
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Assess(tk, now)
			}
		})
	}
}
