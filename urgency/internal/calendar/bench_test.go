package calendar

import (
	"testing"
	"time"
)

func BenchmarkAdd(b *testing.B) {
	office := build(b, "Europe/Zagreb", map[string]string{"mon-fri": "08:00-16:00"},
		"01-01", "01-06", "04-06", "05-01", "05-30", "06-22", "06-25", "08-05", "08-15", "11-01", "11-18", "12-25", "12-26")
	var holidays []string
	for d := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		holidays = append(holidays, d.Format(time.DateOnly))
	}
	winter := build(b, "Europe/Zagreb", map[string]string{"mon-fri": "08:00-16:00"}, holidays...)
	zg := office.Location()
	tests := []struct {
		name  string
		c     *Calendar
		start time.Time
		d     time.Duration
	}{
		{"office-4h", office, time.Date(2026, 3, 2, 10, 0, 0, 0, zg), 4 * time.Hour},
		{"office-across-holidays", winter, time.Date(2026, 12, 23, 10, 0, 0, 0, zg), 40 * time.Hour},
		{"office-1year", office, time.Date(2026, 3, 2, 10, 0, 0, 0, zg), 2000 * time.Hour},
		{"24x7", Always(), time.Date(2026, 3, 2, 10, 0, 0, 0, zg), 4 * time.Hour},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tt.c.Add(tt.start, tt.d)
			}
		})
	}
}

func BenchmarkWorking(b *testing.B) {
	office := build(b, "Europe/Zagreb", map[string]string{"mon-fri": "08:00-16:00"}, "01-01", "04-06", "05-01", "12-25", "12-26")
	zg := office.Location()
	tests := []struct {
		name string
		a, z time.Time
	}{
		// Across the spring clock change.
		{"office-1month", time.Date(2026, 3, 16, 10, 0, 0, 0, zg), time.Date(2026, 4, 16, 10, 0, 0, 0, zg)},
		{"office-1year", time.Date(2026, 3, 2, 10, 0, 0, 0, zg), time.Date(2027, 3, 2, 10, 0, 0, 0, zg)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				office.Working(tt.a, tt.z)
			}
		})
	}
}
