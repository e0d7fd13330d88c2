package urgency

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func zagreb(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Zagreb")
	require.NoError(t, err)
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	require.NoError(t, err)
	return v
}

// TestDueTimesInBusinessTime checks deadlines on the calendars of
// testdata/calendars.yaml (the form of the design issue) across a
// weekend, holidays, midnight, a daylight-saving change and calendars
// chosen by level and by rule.
func TestDueTimesInBusinessTime(t *testing.T) {
	e, err := Load("testdata/calendars.yaml")
	require.NoError(t, err)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	tests := []struct {
		name     string
		ticket   Ticket
		now      time.Time
		due      time.Time
		calendar string
		rule     string
	}{
		{
			name:     "normal: eight office hours from Friday afternoon end on Monday noon",
			ticket:   Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-11-20 15:00")},
			now:      zagreb(t, "2026-11-20 15:30"),
			due:      zagreb(t, "2026-11-23 12:00"), // Fri 1h, Sat 3h, Mon 4h
			calendar: "office",
		},
		{
			name:     "high: Christmas holidays and a Sunday are skipped",
			ticket:   Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-12-24 14:00")},
			now:      zagreb(t, "2026-12-24 14:00"),
			due:      zagreb(t, "2026-12-28 10:00"), // Thu 2h, Mon 2h
			calendar: "office",
		},
		{
			name:     "a rule's 24/7 calendar beats the level's office hours",
			ticket:   Ticket{Subject: "site down", CreatedAt: zagreb(t, "2026-12-24 14:00"), Customer: Customer{Tier: "premium"}},
			now:      zagreb(t, "2026-12-24 14:00"),
			due:      zagreb(t, "2026-12-24 18:00"),
			calendar: "always", rule: "premium",
		},
		{
			name:     "a night shift crossing midnight in another zone",
			ticket:   Ticket{Subject: "question", Channel: "phone", CreatedAt: time.Date(2026, 11, 20, 21, 0, 0, 0, helsinki)},
			now:      time.Date(2026, 11, 20, 21, 0, 0, 0, helsinki),
			due:      time.Date(2026, 11, 21, 0, 0, 0, 0, helsinki), // 22:00-00:00
			calendar: "night", rule: "night-shift",
		},
		{
			name:     "across the end of daylight-saving time",
			ticket:   Ticket{Subject: "question", CreatedAt: zagreb(t, "2026-10-23 15:00")},
			now:      zagreb(t, "2026-10-23 15:00"),
			due:      time.Date(2026, 10, 26, 11, 0, 0, 0, time.UTC), // Mon 12:00 CET
			calendar: "office",
		},
		{
			name:     "low counts on plain time",
			ticket:   Ticket{Subject: "thanks", CreatedAt: zagreb(t, "2026-11-20 15:00")},
			now:      zagreb(t, "2026-11-20 15:00"),
			due:      zagreb(t, "2026-11-22 15:00"),
			calendar: "always",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ticket.ID = "x"
			a := e.Assess(tt.ticket, tt.now)
			assert.True(t, tt.due.Equal(a.Due), "due %v, want %v; why %v", a.Due, tt.due, a.Why())
			assert.Equal(t, tt.calendar, a.Calendar)
			assert.Equal(t, tt.rule, a.DueRule)
		})
	}
}

// TestAgingFacts: due_in, overdue and sla_used follow working time, and a
// rule can raise a ticket continuously as its deadline nears.
func TestAgingFacts(t *testing.T) {
	e, err := Load("testdata/calendars.yaml")
	require.NoError(t, err)
	created := zagreb(t, "2026-11-23 08:00") // Monday, normal: 8 office hours, due 16:00
	tk := Ticket{ID: "x", Subject: "question", CreatedAt: created}

	a := e.Assess(tk, zagreb(t, "2026-11-23 10:00"))
	assert.Equal(t, 6*time.Hour, a.DueIn)
	assert.InDelta(t, 0.25, a.SLAUsed, 1e-9)
	assert.NotContains(t, a.Rules(), "aging")

	// At 14:00 three quarters of the normal level's 8 hours are used: the
	// aging rule scores 75, which raises the ticket to high (4 hours, due
	// 12:00). The rules saw the first deadline; the assessment reports the
	// final one.
	a = e.Assess(tk, zagreb(t, "2026-11-23 14:00"))
	require.Contains(t, a.Rules(), "aging")
	assert.Equal(t, 75.0, a.Score, "points grow with the share used")
	assert.Equal(t, "high", a.Level, "the aging rule raises the level...")
	assert.True(t, zagreb(t, "2026-11-23 12:00").Equal(a.Due), "...and the deadline follows the new level: %v", a.Due)
	assert.Equal(t, -2*time.Hour, a.DueIn)
	assert.InDelta(t, 1.5, a.SLAUsed, 1e-9)
	assert.NotContains(t, a.Tags, "overdue", "late saw the first deadline, not yet passed")

	// Tuesday 09:00: the first deadline (Monday 16:00) has passed by one
	// working hour, the night does not count; the final one (high, Monday
	// 12:00) by five.
	a = e.Assess(tk, zagreb(t, "2026-11-24 09:00"))
	assert.Contains(t, a.Tags, "overdue")
	assert.Equal(t, []string{"aging", "late"}, a.Rules(), "hits stay in file order")
	assert.Equal(t, -5*time.Hour, a.DueIn)
}
