package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHours(t *testing.T) {
	h := func(from, to time.Duration) Window { return Window{from, to} }
	tests := []struct {
		spec string
		want []Window
	}{
		{"08:00-16:00", []Window{h(8*time.Hour, 16*time.Hour)}},
		{"08:00-12:00, 13:00-17:00", []Window{h(8*time.Hour, 12*time.Hour), h(13*time.Hour, 17*time.Hour)}},
		{"13:00-17:00,08:00-12:00", []Window{h(8*time.Hour, 12*time.Hour), h(13*time.Hour, 17*time.Hour)}},
		{" 08:00 - 12:00 ,12:00-16:00 ", []Window{h(8*time.Hour, 12*time.Hour), h(12*time.Hour, 16*time.Hour)}},
		{"22:00-06:00", []Window{h(22*time.Hour, 30*time.Hour)}},
		{"00:00-24:00", []Window{h(0, 24*time.Hour)}},
		{"22:00-24:00", []Window{h(22*time.Hour, 24*time.Hour)}},
		{"22:00-00:00", []Window{h(22*time.Hour, 24*time.Hour)}},
		{"10:00-09:59", []Window{h(10*time.Hour, 33*time.Hour+59*time.Minute)}},
		{"06:00-14:00, 22:00-06:00", []Window{h(6*time.Hour, 14*time.Hour), h(22*time.Hour, 30*time.Hour)}},
		{"09:30-11:45", []Window{h(9*time.Hour+30*time.Minute, 11*time.Hour+45*time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseHours(tt.spec)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", `invalid hours "": use HH:MM-HH:MM like 08:00-16:00`},
		{"8-16", `invalid hours "8-16": use HH:MM-HH:MM like 08:00-16:00`},
		{"8:00-16:00", `invalid hours "8:00-16:00": use HH:MM-HH:MM like 08:00-16:00`},
		{"08:00", `invalid hours "08:00": use HH:MM-HH:MM like 08:00-16:00`},
		{"08:00-16:00-18:00", `invalid hours "08:00-16:00-18:00": use HH:MM-HH:MM like 08:00-16:00`},
		{"08.00-16.00", `invalid hours "08.00-16.00": use HH:MM-HH:MM like 08:00-16:00`},
		{"08:00-12:00,", `invalid hours "": use HH:MM-HH:MM like 08:00-16:00`},
		{"08:00-12:00; 13:00-17:00", `invalid hours "08:00-12:00; 13:00-17:00": use HH:MM-HH:MM like 08:00-16:00`},
		{"25:00-26:00", `invalid time "25:00" in hours "25:00-26:00": hours run from 00 to 24 and minutes from 00 to 59`},
		{"08:60-16:00", `invalid time "08:60" in hours "08:60-16:00": hours run from 00 to 24 and minutes from 00 to 59`},
		{"22:00-24:30", `invalid time "24:30" in hours "22:00-24:30": the day ends at 24:00`},
		{"24:00-02:00", `invalid hours "24:00-02:00": a range cannot start at 24:00, start it at 00:00`},
		{"08:00-08:00", `empty hours "08:00-08:00": the end must differ from the start`},
		{"08:00-12:00, 11:00-13:00", `hours "08:00-12:00" and "11:00-13:00" overlap`},
		{"08:00-12:00, 08:00-12:00", `hours "08:00-12:00" and "08:00-12:00" overlap`},
		{"22:00-06:00, 05:00-07:00", `hours "22:00-06:00" and "05:00-07:00" overlap`},
		{"00:00-24:00, 10:00-11:00", `hours "00:00-24:00" and "10:00-11:00" overlap`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseHours(tt.spec)
			assert.Nil(t, got)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		spec string
		want []time.Weekday
	}{
		{"mon", []time.Weekday{time.Monday}},
		{"SAT", []time.Weekday{time.Saturday}},
		{"sun", []time.Weekday{time.Sunday}},
		{"Monday", []time.Weekday{time.Monday}},
		{"mon-fri", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
		{"monday-Wednesday", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday}},
		{"fri-mon", []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday}},
		{"sat-sun", []time.Weekday{time.Saturday, time.Sunday}},
		{"mon-sun", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}},
		{"sun-sat", []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}},
		{"mon-wed, fri", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Friday}},
		{" tue - thu ", []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseDays(tt.spec)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDaysErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", `invalid days "": use a day like mon or a range like mon-fri`},
		{"mon-", `invalid days "mon-": use a day like mon or a range like mon-fri`},
		{"-fri", `invalid days "-fri": use a day like mon or a range like mon-fri`},
		{"mon,", `invalid days "": use a day like mon or a range like mon-fri`},
		{"tues", `unknown day "tues": use mon, tue, wed, thu, fri, sat or sun, or the full name`},
		{"mon-fr", `unknown day "fr" in "mon-fr": use mon, tue, wed, thu, fri, sat or sun, or the full name`},
		{"weekdays", `unknown day "weekdays": use mon, tue, wed, thu, fri, sat or sun, or the full name`},
		{"mon-tue-wed", `invalid days "mon-tue-wed": use a day like mon or a range like mon-fri`},
		{"mon-mon", `invalid days "mon-mon": a range needs two different days, like mon-fri`},
		{"mon-fri, wed", `invalid days "mon-fri, wed": wednesday is listed twice`},
		{"sat, sat", `invalid days "sat, sat": saturday is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseDays(tt.spec)
			assert.Nil(t, got)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestParseHoliday(t *testing.T) {
	tests := []struct {
		s    string
		want Holiday
	}{
		{"2026-12-25", Holiday{2026, time.December, 25}},
		{"12-25", Holiday{0, time.December, 25}},
		{"02-29", Holiday{0, time.February, 29}},
		{"2028-02-29", Holiday{2028, time.February, 29}},
		{"2000-02-29", Holiday{2000, time.February, 29}},
		{" 01-01 ", Holiday{0, time.January, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			got, err := ParseHoliday(tt.s)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			ok, err := ParseHoliday(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, ok, "String reads back")
		})
	}
}

func TestParseHolidayErrors(t *testing.T) {
	tests := []struct{ s, want string }{
		{"", `invalid holiday "": use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year`},
		{"25.12.", `invalid holiday "25.12.": use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year`},
		{"2026-1-5", `invalid holiday "2026-1-5": use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year`},
		{"26-12-25", `invalid holiday "26-12-25": use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year`},
		{"2026/12/25", `invalid holiday "2026/12/25": use YYYY-MM-DD like 2026-12-25, or MM-DD like 12-25 for every year`},
		{"2026-02-29", `invalid holiday "2026-02-29": February 2026 has 28 days`},
		{"1900-02-29", `invalid holiday "1900-02-29": February 1900 has 28 days`},
		{"2026-02-30", `invalid holiday "2026-02-30": February 2026 has 28 days`},
		{"2026-04-31", `invalid holiday "2026-04-31": April 2026 has 30 days`},
		{"2026-13-01", `invalid holiday "2026-13-01": there is no month 13`},
		{"00-10", `invalid holiday "00-10": there is no month 0`},
		{"02-30", `invalid holiday "02-30": February has at most 29 days`},
		{"12-00", `invalid holiday "12-00": there is no day 0`},
		{"12-32", `invalid holiday "12-32": December has at most 31 days`},
		{"0000-01-01", `invalid holiday "0000-01-01": years run from 0001 to 9999`},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			got, err := ParseHoliday(tt.s)
			assert.Zero(t, got)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestWindowString(t *testing.T) {
	tests := []struct {
		w    Window
		want string
	}{
		{Window{8 * time.Hour, 16 * time.Hour}, "08:00-16:00"},
		{Window{22 * time.Hour, 30 * time.Hour}, "22:00-06:00"},
		{Window{0, 24 * time.Hour}, "00:00-24:00"},
		{Window{8*time.Hour + 30*time.Second, 9 * time.Hour}, "08:00:30-09:00"},
		{Window{time.Millisecond, time.Hour}, "1ms-01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.w.String())
		})
	}
	for _, spec := range []string{"08:00-16:00", "22:00-06:00", "00:00-24:00", "10:00-09:59"} {
		ws, err := ParseHours(spec)
		require.NoError(t, err)
		assert.Equal(t, spec, ws[0].String(), "reads back")
	}
}
