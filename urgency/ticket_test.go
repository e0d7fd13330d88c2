package urgency

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ticketLine is a ticket line of exactly size bytes, its body padding it.
func ticketLine(tb testing.TB, id string, size int) string {
	tb.Helper()
	head := fmt.Sprintf(`{"id":%q,"created_at":"2026-11-22T09:00:00Z","body":"`, id)
	const tail = `"}`
	require.GreaterOrEqual(tb, size, len(head)+len(tail))
	return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
}

// endless is a line of n bytes of x and then rest, produced as it is read:
// a line longer than any buffer, without the test holding it.
type endless struct {
	n    int
	rest *strings.Reader
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return e.rest.Read(p)
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	e.n -= k
	return k, nil
}

type step struct {
	id   string // the ticket Next returns, "" for an error
	line int    // Line() after it, or the LineError's line
	err  string // part of the LineError's message
}

func readAll(t *testing.T, r *TicketReader) []step {
	t.Helper()
	var out []step
	for range 100 {
		tk, err := r.Next()
		if err == io.EOF {
			_, again := r.Next()
			require.Equal(t, io.EOF, again, "io.EOF again after the end")
			return out
		}
		if err != nil {
			var le *LineError
			require.True(t, errors.As(err, &le), "want a *LineError, got %T: %v", err, err)
			out = append(out, step{line: le.Line, err: le.Err.Error()})
			continue
		}
		out = append(out, step{id: tk.ID, line: r.Line()})
	}
	t.Fatal("Next does not reach the end of the input")
	return nil
}

func checkSteps(t *testing.T, want, got []step) {
	t.Helper()
	require.Len(t, got, len(want), "%+v", got)
	for i, w := range want {
		g := got[i]
		assert.Equal(t, w.id, g.id, "step %d", i)
		assert.Equal(t, w.line, g.line, "step %d (%s)", i, w.id)
		if w.err != "" {
			assert.Contains(t, g.err, w.err, "step %d", i)
		} else {
			assert.Empty(t, g.err, "step %d", i)
		}
	}
}

// TestTicketReaderSkipsALongLine is issue 11's defect 3: a line over
// MaxLineSize gave the same error for ever. It must be reported once, by
// its line number, and the lines after it read.
func TestTicketReaderSkipsALongLine(t *testing.T) {
	good := func(id string) string { return ticketLine(t, id, 80) }
	input := io.MultiReader(
		strings.NewReader(good("A")+"\n"),
		&endless{n: 2*MaxLineSize + 12345, rest: strings.NewReader("\n")},
		strings.NewReader(good("B")+"\n\n"+good("C")+"\r\n"),
		&endless{n: MaxLineSize + 1, rest: strings.NewReader("\r\n")},
		strings.NewReader(good("D")),
	)
	got := readAll(t, NewTicketReader(input))
	checkSteps(t, []step{
		{id: "A", line: 1},
		{line: 2, err: "the line is longer than 32 MiB"},
		{id: "B", line: 3},
		{id: "C", line: 5},
		{line: 6, err: "the line is longer than 32 MiB"},
		{id: "D", line: 7},
	}, got)
}

// TestTicketReaderLongLineAtTheEnd: an over-long last line without a line
// ending is reported too, and then the input ends.
func TestTicketReaderLongLineAtTheEnd(t *testing.T) {
	input := io.MultiReader(strings.NewReader(ticketLine(t, "A", 100)+"\n"),
		&endless{n: MaxLineSize + 10, rest: strings.NewReader("")})
	checkSteps(t, []step{{id: "A", line: 1}, {line: 2, err: "longer than 32 MiB"}}, readAll(t, NewTicketReader(input)))
}

// TestTicketReaderLineAtTheLimit: a line of exactly MaxLineSize bytes is
// read, whatever its line ending; one byte more is not.
func TestTicketReaderLineAtTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 96 MiB of ticket lines")
	}
	input := ticketLine(t, "AT", MaxLineSize) + "\r\n" + ticketLine(t, "AT2", MaxLineSize) + "\n" +
		ticketLine(t, "OVER", MaxLineSize+1) + "\n" + ticketLine(t, "E", 90)
	checkSteps(t, []step{
		{id: "AT", line: 1},
		{id: "AT2", line: 2},
		{line: 3, err: "longer than 32 MiB"},
		{id: "E", line: 4},
	}, readAll(t, NewTicketReader(strings.NewReader(input))))
}

// TestTicketReaderMemory: skipping a line of 256 MiB allocates about one
// line's worth of buffer, not the line; after a long ticket the reader
// does not keep its buffer.
func TestTicketReaderMemory(t *testing.T) {
	input := io.MultiReader(&endless{n: 8 * MaxLineSize, rest: strings.NewReader("\n")},
		strings.NewReader(ticketLine(t, "A", 100)+"\n"))
	r := NewTicketReader(input)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := r.Next()
	runtime.ReadMemStats(&after)
	require.ErrorContains(t, err, "line 1: the line is longer than 32 MiB")
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(3*MaxLineSize), "skipping a line of %d MiB allocated %d MiB", 8*MaxLineSize>>20, allocated>>20)
	assert.Nil(t, r.buf, "the long line's buffer is dropped")
	tk, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, "A", tk.ID)
	assert.LessOrEqual(t, cap(r.buf), keepLineBuffer)

	// A 10 MB ticket is read whole; its buffer is not kept after it.
	big := ticketLine(t, "BIG", 10_000_000)
	r = NewTicketReader(strings.NewReader(big + "\n" + ticketLine(t, "B", 100) + "\n"))
	tk, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, "BIG", tk.ID)
	assert.Len(t, tk.Body, 10_000_000-len(`{"id":"BIG","created_at":"2026-11-22T09:00:00Z","body":""}`))
	assert.Nil(t, r.buf, "no 10 MB buffer kept")
	tk, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, "B", tk.ID)
}

// TestTicketReaderLineEndings: CRLF, a last line without a line ending,
// blank lines, and a byte order mark at the start of the input or of a
// line (files joined with cat).
func TestTicketReaderLineEndings(t *testing.T) {
	line := func(id string) string { return ticketLine(t, id, 90) }
	const bom = "\uFEFF"
	tests := []struct {
		name  string
		input string
		want  []step
	}{
		{"bom", bom + line("A") + "\n" + line("B") + "\n", []step{{id: "A", line: 1}, {id: "B", line: 2}}},
		{"bom crlf", bom + line("A") + "\r\n" + line("B") + "\r\n", []step{{id: "A", line: 1}, {id: "B", line: 2}}},
		{"bom then blank", bom + "\n" + line("A"), []step{{id: "A", line: 2}}},
		{"bom alone", bom, nil},
		{"files joined", line("A") + "\n" + bom + line("B") + "\n", []step{{id: "A", line: 1}, {id: "B", line: 2}}},
		{"no last line ending", line("A") + "\n" + line("B"), []step{{id: "A", line: 1}, {id: "B", line: 2}}},
		{"crlf and blanks", "\r\n" + line("A") + "\r\n\r\n  \t\r\n" + line("B") + "\r\n", []step{{id: "A", line: 2}, {id: "B", line: 5}}},
		{"bad line between", line("A") + "\n{\n" + line("B"), []step{{id: "A", line: 1}, {line: 2, err: "invalid JSON"}, {id: "B", line: 3}}},
		{"bom twice", bom + bom + line("A"), []step{{line: 1, err: "invalid JSON"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSteps(t, tt.want, readAll(t, NewTicketReader(strings.NewReader(tt.input))))
			// The same, read a byte at a time.
			checkSteps(t, tt.want, readAll(t, NewTicketReader(iotest.OneByteReader(strings.NewReader(tt.input)))))
		})
	}
}

// TestTicketReaderReadError: an error reading the input ends it, for
// good: Next returns it again and does not read a cut line as a ticket.
func TestTicketReaderReadError(t *testing.T) {
	broken := errors.New("disk on fire")
	input := io.MultiReader(strings.NewReader(ticketLine(t, "A", 90)+"\n"+ticketLine(t, "B", 90)), iotest.ErrReader(broken))
	r := NewTicketReader(input)
	tk, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, "A", tk.ID)
	for range 3 {
		_, err = r.Next()
		assert.Equal(t, broken, err)
	}
}

// TestTicketTimes is issue 11's defect 8: a ticket of year 9999 was read,
// and its deadline, in year 10000, stopped rank -format json. Times
// outside MinYear to MaxYear, and UTC offsets RFC 3339 cannot write, are
// line errors naming the field; times within them write back.
func TestTicketTimes(t *testing.T) {
	tests := []struct {
		created, since string
		err            string
	}{
		{"2026-11-22T09:00:00Z", "", ""},
		{"1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z", ""},
		{"2199-12-31T23:59:59Z", "2199-12-31T23:59:59Z", ""},
		{"2199-12-31T23:59:59-23:59", "", `field "created_at": 2199-12-31T23:59:59-23:59 is outside the years 1900 to 2199`},
		{"1900-01-01T00:00:00+00:01", "", `field "created_at": 1900-01-01T00:00:00+00:01 is outside the years 1900 to 2199`},
		{"9999-12-31T20:00:00Z", "", `field "created_at": 9999-12-31T20:00:00Z is outside the years 1900 to 2199`},
		{"0000-01-01T00:00:00Z", "", `field "created_at": 0000-01-01T00:00:00Z is outside the years 1900 to 2199`},
		{"2026-11-22T09:00:00Z", "1850-01-01T00:00:00Z", `field "customer.since": 1850-01-01T00:00:00Z is outside the years 1900 to 2199`},
		{"2026-11-22T09:00:00+24:00", "", `field "created_at": the UTC offset of 2026-11-22T09:00:00+24:00 is not within -23:59 to +23:59`},
		{"2026-11-22T09:00:00Z", "2026-11-01T00:00:00-24:00", `field "customer.since": the UTC offset`},
		{"2026-11-22T09:00:00+23:59", "2026-11-01T00:00:00-23:59", ""},
	}
	for _, tt := range tests {
		t.Run(tt.created+" "+tt.since, func(t *testing.T) {
			line := fmt.Sprintf(`{"id":"A","created_at":%q}`, tt.created)
			if tt.since != "" {
				line = fmt.Sprintf(`{"id":"A","created_at":%q,"customer":{"since":%q}}`, tt.created, tt.since)
			}
			tk, err := NewTicketReader(strings.NewReader(line)).Next()
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "line 1: "+tt.err)
				return
			}
			require.NoError(t, err)
			_, err = json.Marshal(tk)
			assert.NoError(t, err, "a ticket read writes back")
		})
	}
}

// TestInvalidTimeIsQuoted: the value of an invalid time is quoted in the
// message, so that what a ticket holds is shown, not obeyed.
func TestInvalidTimeIsQuoted(t *testing.T) {
	_, err := NewTicketReader(strings.NewReader("{\"id\":\"A\",\"created_at\":\"\u009b2J\u202e\"}")).Next()
	require.Error(t, err)
	assert.Equal(t, `line 1: invalid time "\u009b2J\u202e": use RFC 3339, e.g. 2026-11-22T09:30:00Z`, err.Error())
}

// TestDeadlinesStayWritable: whatever ticket a host assesses, not only
// those the reader accepts, its deadline is a time RFC 3339 can write in
// the pack's zone, on a 24/7 calendar as on office hours, and its score a
// number JSON can write.
func TestDeadlinesStayWritable(t *testing.T) {
	src := `version: 1
name: t
settings: {timezone: Pacific/Kiritimati}
calendars:
  office: {timezone: America/Adak, hours: {mon-fri: "09:00-17:00"}}
levels:
  - {name: high, min_score: 10, respond_within: 100000h}
  - {name: normal, respond_within: 2562047h, calendar: office}
rules:
  - {name: huge, when: "subject == 'huge'", score: 1e308}
  - {name: huger, when: "subject == 'huge'", score: 1e308}
  - {name: office, when: "subject == 'office'", respond_within: 2562047h, calendar: office}
`
	eng, err := LoadFS(fstestFS("p.yaml", src), "p.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, created := range []time.Time{
		time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(2199, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		now,
	} {
		for _, subject := range []string{"huge", "office", "plain"} {
			a := eng.Assess(Ticket{ID: "A", Subject: subject, CreatedAt: created}, now)
			_, err := json.Marshal(struct {
				Due   time.Time
				Score float64
			}{a.Due, a.Score})
			assert.NoError(t, err, "created %v, %s: due %v, score %g", created, subject, a.Due, a.Score)
		}
	}
	a := eng.Assess(Ticket{ID: "A", Subject: "huge", CreatedAt: now}, now)
	assert.Equal(t, math.MaxFloat64, a.Score, "the sum of points saturates")
	assert.Equal(t, "high", a.Level)
}

func fstestFS(name, src string) fstest.MapFS { return fstest.MapFS{name: {Data: []byte(src)}} }

// TestTicketLineErrors: the messages of decoding in place, which
// json.Decoder gave before (it copied every line into a buffer of its
// own): what a line holds is quoted briefly, and the same line always
// gives the same message.
func TestTicketLineErrors(t *testing.T) {
	const ok = `"id":"A","created_at":"2026-11-22T09:00:00Z"`
	long := strings.Repeat("k", 200)
	for line, want := range map[string]string{
		`{` + ok + `,"priority":"high"}`:                             `unknown field "priority"`,
		`{` + ok + `,"b":1,"a":2,"c":3}`:                             `unknown field "a" (and 2 more)`,
		`{` + ok + `,"customer":{"id":"C","colour":"red"}}`:          `unknown field "colour"`,
		`{` + ok + `,"` + long + `":1}`:                              `unknown field "` + long[:60] + `"…`,
		`{"ID":"A","Created_At":"2026-11-22T09:00:00Z"}`:             "",
		`{` + ok + `,"CUSTOMER":{"Tier":"premium"}}`:                 "",
		`{` + ok + `,"fields":"x"}`:                                  `field "fields": expected an object, got string`,
		`{` + ok + `,"fields":null}`:                                 "",
		`{` + ok + `,"flagged":"yes"}`:                               `field "flagged": expected true or false, got string`,
		`{` + ok + `,"customer":{"since":5}}`:                        "invalid time: not a string; use RFC 3339, e.g. 2026-11-22T09:30:00Z",
		`{` + ok + `} {"id":"B"}`:                                    "more than one JSON value on the line",
		`{` + ok + `}}`:                                              "more than one JSON value on the line",
		`{"id":1} {}`:                                                `field "id": expected a string, got number`,
		`{` + ok + `,"subject":"cut`:                                 "invalid JSON: the line ends too early",
		`tru`:                                                        "invalid JSON: the line ends too early",
		`{` + ok + `,"subject":x}`:                                   "invalid JSON at byte 57: invalid character 'x' looking for beginning of value",
		`{"id":"A","created_at":"` + strings.Repeat("9", 100) + `"}`: `invalid time "` + strings.Repeat("9", 60) + `"…: use RFC 3339, e.g. 2026-11-22T09:30:00Z`,
		`["A"]`: "a ticket must be a JSON object, not array",
	} {
		tk, err := NewTicketReader(strings.NewReader(line)).Next()
		if want == "" {
			assert.NoError(t, err, line)
			assert.Equal(t, "A", tk.ID)
			continue
		}
		if assert.Error(t, err, line) {
			assert.Equal(t, "line 1: "+want, err.Error(), line)
		}
	}
	tk, err := NewTicketReader(strings.NewReader(`{` + ok + `,"fields":{"seats":250,"n":[1,2.5],"big":1e400}}`)).Next()
	require.Error(t, err)
	assert.Equal(t, `line 1: field "big": the number 1e400 is too large`, err.Error())
	tk, err = NewTicketReader(strings.NewReader(`{` + ok + `,"fields":{"seats":250,"n":[1,2.5]},"customer":{"ID":"C-1"}}`)).Next()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"seats": 250, "n": []any{1, 2.5}}, tk.Fields)
	assert.Equal(t, "C-1", tk.Customer.ID)
}

// TestTicketIDsAreBounded: an ID or customer ID longer than MaxIDBytes
// makes its line bad, naming the field, and reading goes on; one at the
// limit is read whole.
func TestTicketIDsAreBounded(t *testing.T) {
	long := strings.Repeat("x", MaxIDBytes+1)
	atLimit := strings.Repeat("y", MaxIDBytes)
	in := fmt.Sprintf(`{"id":%q,"created_at":"2026-11-22T09:00:00Z"}
{"id":"B","created_at":"2026-11-22T09:00:00Z","customer":{"id":%q}}
{"id":%q,"created_at":"2026-11-22T09:00:00Z","customer":{"id":%q}}
`, long, long, atLimit, atLimit)
	r := NewTicketReader(strings.NewReader(in))
	_, err := r.Next()
	assert.EqualError(t, err, fmt.Sprintf(`line 1: "id" is longer than %d bytes`, MaxIDBytes))
	_, err = r.Next()
	assert.EqualError(t, err, fmt.Sprintf(`line 2: "customer.id" is longer than %d bytes`, MaxIDBytes))
	tk, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, atLimit, tk.ID)
	assert.Equal(t, atLimit, tk.Customer.ID)
}
