package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

// ticketFile writes a tickets file that goes away when the tests end.
func ticketFile(name string, lines ...string) (string, error) {
	dir, err := os.MkdirTemp("", "urgency-"+name)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".jsonl")
	return path, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// overLong is a line longer than urgency.MaxLineSize: issue 11's defect 3,
// where every command looped for ever on such a line.
var overLong = `{"id":"OVER","created_at":"2026-11-22T08:40:00Z","body":"` + strings.Repeat("y", urgency.MaxLineSize) + `"}`

// longLineFile has the over-long line on line 2, and no line ending at
// its end.
var longLineFile = sync.OnceValues(func() (string, error) {
	return ticketFile("long", goodA, overLong, goodB)
})

// bigTicketFile has a 10 MB e-mail (a pasted log) on line 2, with CRLF,
// and the over-long line on line 3.
var bigTicketFile = sync.OnceValues(func() (string, error) {
	log := strings.Repeat("2026-11-22 08:59:59 ERROR payment gateway timeout after 30s, retrying\n", 10_000_000/71)
	big, err := json.Marshal(map[string]any{
		"id": "BIG", "subject": "Payment failed, log attached", "created_at": "2026-11-22T08:30:00Z",
		"body": "Our card payment failed again, here is the log:\n" + log, "customer": map[string]any{"id": "C-9"},
	})
	if err != nil {
		return "", err
	}
	if len(big) < 10_000_000 {
		return "", fmt.Errorf("the big ticket has only %d bytes", len(big))
	}
	return ticketFile("big", goodA, string(big)+"\r", overLong, goodB)
})

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range []func() (string, error){longLineFile, bigTicketFile} {
		if path, err := f(); err == nil {
			os.RemoveAll(filepath.Dir(path))
		}
	}
	os.Exit(code)
}

// TestLongLineEveryCommand: every command that reads tickets reports the
// over-long line once, by its number, and goes on with the good tickets
// (with -skip-bad; without, it stops with the count of bad lines).
func TestLongLineEveryCommand(t *testing.T) {
	t.Parallel()
	path, err := longLineFile()
	require.NoError(t, err)
	skipped := path + ":2: the line is longer than 32 MiB, the most a ticket line may hold\n"

	commands := []struct {
		name string
		args []string
		ids  []string // that the output must name
	}{
		{"rank", []string{"rank", "-rules", darkPack, "-now", fixedNow, "-format", "json"}, []string{`"id":"A"`, `"id":"B"`}},
		{"explain", []string{"explain", "-rules", darkPack, "-now", fixedNow, "-id", "B"}, []string{"ticket B", "rank 2 of 2"}},
		{"similar", []string{"similar", "-rules", darkPack, "-format", "json"}, []string{`"id":"A"`, `"id":"B"`}},
		{"diff", []string{"diff", "-new", darkPack, "-old", darkPack, "-now", fixedNow}, []string{"2 tickets ranked"}},
	}
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", append(c.args, "-skip-bad", path)...)
			require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
			assert.Equal(t, skipped, r.stderr, "the long line is reported once, by its number")
			for _, id := range c.ids {
				assert.Contains(t, r.stdout, id)
			}
			assert.NotContains(t, r.stdout, "OVER")

			r = runCmd(t, "", append(c.args, path)...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, skipped+"urgency "+c.name+": 1 bad line in "+path+" (use -skip-bad to go on without them)\n", r.stderr)
		})
	}

	t.Run("test", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		file := filepath.Join(dir, "long_test.yaml")
		src := fmt.Sprintf("now: %s\ntickets_from: [%q]\nexpect: [{id: A, level: high}]\n", fixedNow, path)
		require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
		r := runCmd(t, "", "test", file)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stdout, path+":2: the line is longer than 32 MiB")
		assert.Equal(t, 1, strings.Count(r.stdout, "longer than 32 MiB"))
		assert.Contains(t, r.stdout, "FAIL  "+file+": does not load")
	})
}

// TestRankBigTicket: a 10 MB e-mail is ranked, its text clipped for the
// rules and the clip said; the over-long line after it is skipped.
func TestRankBigTicket(t *testing.T) {
	t.Parallel()
	path, err := bigTicketFile()
	require.NoError(t, err)
	r := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", "-explain", "-skip-bad", path)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Equal(t, path+":3: the line is longer than 32 MiB, the most a ticket line may hold\n", r.stderr)
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var line struct {
			ID    string   `json:"id"`
			Rules []string `json:"rules"`
			Why   []string `json:"why"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &line))
		ids = append(ids, line.ID)
		if line.ID == "BIG" {
			assert.Contains(t, line.Rules, "payment-failure", "the start of the text is read")
			assert.Contains(t, line.Why, "text beyond 256 KiB of the subject or body was not read")
		}
	}
	assert.ElementsMatch(t, []string{"A", "BIG", "B"}, ids)
}

// TestRankFarFuture is issue 11's defect 8: a ticket created in year 9999
// stopped rank -format json halfway (its due time, in year 10000, does not
// encode). It is a bad line now, named; the others are all written.
func TestRankFarFuture(t *testing.T) {
	t.Parallel()
	far := `{"id":"FAR","subject":"from the future","created_at":"9999-12-31T20:00:00Z"}`
	input := goodA + "\n" + far + "\n" + goodB + "\n"
	r := runCmd(t, input, "rank", "-now", fixedNow, "-format", "json")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout, "nothing is written before every line is read")
	assert.Contains(t, r.stderr, `stdin:2: field "created_at": 9999-12-31T20:00:00Z is outside the years 1900 to 2199`)

	r = runCmd(t, input, "rank", "-now", fixedNow, "-format", "json", "-skip-bad")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	var ids []string
	for _, l := range parseJSON(t, r.stdout) {
		ids = append(ids, l.ID)
	}
	assert.ElementsMatch(t, []string{"A", "B"}, ids)

	// Nor can -now give a time that does not encode.
	for _, cmd := range [][]string{{"rank", "-rules", darkPack}, {"explain", "-rules", darkPack, "-id", "A"}, {"diff", "-new", darkPack, "-old", darkPack}} {
		for _, now := range []string{"9999-12-31T23:00:00Z", "2200-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "2026-11-22T10:00:00+24:00"} {
			r := runCmd(t, goodA+"\n", append(cmd, "-now", now, "-format", "json")...)
			assert.Equal(t, 2, r.code, "%s -now %s", cmd[0], now)
			assert.Contains(t, r.stderr, "urgency "+cmd[0]+": -now "+now)
			assert.Empty(t, r.stdout)
		}
	}
	r = runCmd(t, goodA+"\n", "diff", "-new", darkPack, "-old", darkPack, "-now", "2199-12-31T23:59:59+23:59", "-format", "json")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stdout, `"now": "2199-12-31T23:59:59+23:59"`)
}

// TestRankScoreOverflow: points that each are finite can add up to more
// than a float64 holds; the score saturates and the JSON is written.
func TestRankScoreOverflow(t *testing.T) {
	t.Parallel()
	pack := filepath.Join(t.TempDir(), "huge.yaml")
	require.NoError(t, os.WriteFile(pack, []byte(`version: 1
name: huge
levels: [{name: high, min_score: 100, respond_within: 1h}, {name: normal, respond_within: 8h}]
rules:
  - {name: a, when: 'subject contains "Payment"', score: 1e308}
  - {name: b, when: 'subject contains "Payment"', score: 1e308}
  - {name: c, when: 'subject contains "Thanks"', score: -1e308}
  - {name: d, when: 'subject contains "Thanks"', score: -1e308}
`), 0o644))
	r := runCmd(t, goodA+"\n"+goodB+"\n", "rank", "-rules", pack, "-now", fixedNow, "-format", "json", "-explain")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	lines := parseJSON(t, r.stdout)
	require.Len(t, lines, 2)
	assert.Equal(t, "A", lines[0].ID)
	assert.Equal(t, math.MaxFloat64, lines[0].Score)
	assert.Equal(t, -math.MaxFloat64, lines[1].Score)
}

// TestJSONLinesGoOn: should a line not encode after all, it is left out
// and named, and the lines after it are still written.
func TestJSONLinesGoOn(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ranked := []urgency.Assessment{
		{Ticket: urgency.Ticket{ID: "A"}, Level: "high", Due: at},
		{Ticket: urgency.Ticket{ID: "LATE"}, Level: "high", Due: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Ticket: urgency.Ticket{ID: "NAN"}, Level: "high", Due: at, Score: math.NaN()},
		{Ticket: urgency.Ticket{ID: "B"}, Level: "high", Due: at},
	}
	var out strings.Builder
	err := writeJSON(&out, ranked, time.UTC, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `ticket "LATE" is left out of the output: json: error calling MarshalJSON for type time.Time`)
	assert.Contains(t, err.Error(), `ticket "NAN" is left out of the output: json: unsupported value: NaN`)
	var ids []string
	for _, l := range parseJSON(t, out.String()) {
		ids = append(ids, l.ID)
	}
	assert.Equal(t, []string{"A", "B"}, ids)
}

// TestJSONLinesInOrderAcrossChunks: lines encoded on several goroutines
// come out in order, as one encoder writes them, and a value that does
// not encode in a later chunk is still left out and named; a failing
// writer's error is returned.
func TestJSONLinesInOrderAcrossChunks(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	n := 3*linesChunk + 7
	ranked := make([]urgency.Assessment, n)
	for i := range ranked {
		ranked[i] = urgency.Assessment{Ticket: urgency.Ticket{ID: fmt.Sprintf("T%05d", i)}, Level: "high", Due: at, Score: float64(i)}
	}
	ranked[2*linesChunk+3].Score = math.NaN()
	var want strings.Builder
	lines := newJSONLines(&want)
	for i := range ranked {
		a := &ranked[i]
		require.NoError(t, lines.write(a.Ticket.ID, jsonAssessment{
			Rank: i + 1, ID: a.Ticket.ID, Level: a.Level, Score: a.Score, Due: a.Due, DueIn: dueIn(a),
			Tags: []string{}, Rules: []string{}, service: serviceOf(a),
		}))
	}
	var got strings.Builder
	err := writeJSON(&got, ranked, time.UTC, false)
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf(`ticket "T%05d" is left out of the output: json: unsupported value: NaN`, 2*linesChunk+3), err.Error())
	assert.Equal(t, want.String(), got.String())
	assert.Len(t, parseJSON(t, got.String()), n-1)

	err = writeJSON(failingWriter{}, ranked, time.UTC, false)
	assert.EqualError(t, err, "disk full")
}

// TestJSONLinesStopOnAWriteError: once a write fails, the lines still to
// come are not encoded, and the error is returned.
func TestJSONLinesStopOnAWriteError(t *testing.T) {
	t.Parallel()
	n := 200 * linesChunk
	var encoded atomic.Int64
	err := writeLinesParallel(failingWriter{}, n, func(i int) (string, any) {
		encoded.Add(1)
		return "T", i
	})
	assert.EqualError(t, err, "disk full")
	assert.Less(t, encoded.Load(), int64(n/10), "lines encoded after the write failed")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestBOM: a UTF-8 byte order mark at the start of the input (Windows
// tools write one) rejected the first ticket.
func TestBOM(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "\uFEFF"+goodA+"\r\n"+goodB+"\r\n", "rank", "-now", fixedNow, "-format", "json")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Len(t, parseJSON(t, r.stdout), 2)
}

// hostile is a ticket whose every text a ticket controls tries to act on
// the terminal: it recolours, sets the window title, clears the screen
// with a one-character CSI, reverses the line and breaks it.
var hostile = map[string]any{
	"id":         "E-1\x1b]0;owned\x07\u202e",
	"subject":    "\x1b[31mPayment failed\u009b2J\rfake line\nmore",
	"body":       "card declined \x1b[5m",
	"channel":    "email\x1b[8m",
	"language":   "de",
	"created_at": "2026-11-22T09:00:00Z",
	"customer":   map[string]any{"id": "C\x1b[1A\u2066-1", "tier": "premium\u009b"},
}

// rawControls returns the characters in s that would act on a terminal,
// tab and newline aside.
func rawControls(s string) []string {
	var found []string
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			found = append(found, fmt.Sprintf("%U", r))
		}
	}
	return found
}

// TestTerminalEscapes is issue 11's defect 8: escape sequences in a
// ticket's ID and subject reached the terminal raw in table output. No
// format of any command lets them through; the JSON still holds the text
// as it was.
func TestTerminalEscapes(t *testing.T) {
	t.Parallel()
	line, err := json.Marshal(hostile)
	require.NoError(t, err)
	input := string(line) + "\n" + goodA + "\n" + goodB + "\n"
	id := hostile["id"].(string)
	// In a table cell of 24 characters, the escapes take room.
	const cellID = `E-1\u001b]0;owned\u0007…`

	dir := t.TempDir()
	testFile := filepath.Join(dir, "hostile_test.yaml")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.jsonl"), []byte(input), 0o644))
	require.NoError(t, os.WriteFile(testFile, []byte(fmt.Sprintf(
		"now: %s\ntickets_from: [t.jsonl]\nexpect: [{id: %q, level: low, name: hostile}]\norder: [%q, A, B]\n", fixedNow, id, id)), 0o644))

	runs := []struct {
		name  string
		stdin string
		args  []string
		want  []string // escaped text the output shows
	}{
		{"rank table", input, []string{"rank", "-now", fixedNow}, []string{`E-1\u001b]0;owned\u0007\u202e  C`, `\u001b[31mPayment failed\u009b2J fake line more`, `C\u001b[1A\u2066-1`}},
		{"rank explain", input, []string{"rank", "-now", fixedNow, "-explain"}, []string{`E-1\u001b]0;owned`}},
		{"explain", input, []string{"explain", "-now", fixedNow, "-id", id}, []string{`ticket E-1\u001b]0;owned\u0007\u202e "\x1b[31mPayment failed\u009b2J fake line more"`}},
		{"explain json", input, []string{"explain", "-now", fixedNow, "-id", id, "-format", "json"}, []string{`"id":"E-1\u001b]0;owned\u0007\u202e"`}},
		// The score follows the default pack's vocabulary; the escapes are the point.
		{"similar", input, []string{"similar"}, []string{cellID + "  A (0.", cellID + " (0."}},
		{"similar json", input, []string{"similar", "-format", "json"}, []string{`E-1\u001b]0;owned\u0007\u202e`}},
		{"rank json", input, []string{"rank", "-now", fixedNow, "-format", "json"}, []string{`"id":"E-1\u001b]0;owned\u0007\u202e"`}},
		{"diff", input, []string{"diff", "-new", darkPack, "-now", fixedNow, "-moves", "1"}, []string{cellID, `\u001b[31mPayment failed\u009b2J fake l…`}},
		{"diff json", input, []string{"diff", "-new", darkPack, "-now", fixedNow, "-moves", "1", "-format", "json"}, []string{`"id": "E-1\u001b]0;owned\u0007\u202e"`}},
		{"duplicate id", string(line) + "\n" + string(line) + "\n", []string{"rank", "-now", fixedNow, "-skip-bad"}, []string{`stdin:2: ticket id "E-1\x1b]0;owned\a\u202e" already used on line 1`}},
		{"test", "", []string{"test", testFile}, []string{`ticket E-1\u001b]0;owned\u0007\u202e (rank`, `expected [E-1\u001b]0;owned\u0007\u202e, A, B]`}},
	}
	for _, tt := range runs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, tt.stdin, tt.args...)
			require.NotEqual(t, 2, r.code, "stderr:\n%s", r.stderr)
			assert.True(t, utf8.ValidString(r.stdout) && utf8.ValidString(r.stderr))
			assert.Empty(t, rawControls(r.stdout), "stdout:\n%s", r.stdout)
			assert.Empty(t, rawControls(r.stderr), "stderr:\n%s", r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout+r.stderr, w)
			}
		})
	}

	// The JSON, escaped or not, still reads back as the ticket's text.
	r := runCmd(t, input, "explain", "-now", fixedNow, "-id", id, "-format", "json")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	var back struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &back))
	assert.Equal(t, id, back.ID)
}

// TestLinesNamedPastTheReadAhead: the tickets are read ahead of the
// ranking, while the pack loads; a bad line and an ID used again far past
// what is read ahead are still named by their own line numbers.
func TestLinesNamedPastTheReadAhead(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	n := aheadTickets + 900
	for i := 1; i <= n; i++ {
		switch i {
		case aheadTickets + 500:
			in.WriteString("{not json\n")
		case aheadTickets + 800:
			in.WriteString(`{"id":"T7","created_at":"2026-11-22T09:00:00Z"}` + "\n")
		default:
			fmt.Fprintf(&in, `{"id":"T%d","created_at":"2026-11-22T09:00:00Z"}`+"\n", i)
		}
	}
	r := runCmd(t, in.String(), "rank", "-now", fixedNow, "-format", "json", "-skip-bad")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, fmt.Sprintf("stdin:%d: ", aheadTickets+500))
	assert.Contains(t, r.stderr, fmt.Sprintf(`stdin:%d: ticket id "T7" already used on line 7`, aheadTickets+800))
	assert.Len(t, parseJSON(t, r.stdout), n-2)
}
