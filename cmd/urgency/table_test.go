package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runView runs a command as on a terminal of the given width, with or
// without colour, and with stderr a terminal.
func runView(t *testing.T, width int, color bool, args ...string) (stdout, rawErr string, code int) {
	t.Helper()
	var out, errOut, raw strings.Builder
	s := &streams{in: strings.NewReader(""), out: &out, errOut: &errOut, rawOut: &out, rawErr: &raw,
		width: width, color: color, errTerminal: true}
	code = command(args, s)
	require.Empty(t, errOut.String())
	return out.String(), raw.String(), code
}

// TestRankFitsTheTerminal checks that on a terminal the table fits its
// width: the subject is cut and columns the queue can do without go, the
// ID never, and -explain reasons stay within the width.
func TestRankFitsTheTerminal(t *testing.T) {
	t.Parallel()
	for _, width := range []int{100, 140} {
		out, _, code := runView(t, width, false, "rank", "-now", fixedNow, "-explain", ticketsFile)
		require.Equal(t, 0, code)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, l := range lines {
			assert.LessOrEqual(t, utf8.RuneCountInString(l), width, "%q", l)
		}
		for _, id := range inputIDs(t, ticketsFile) {
			assert.Regexp(t, `(?m)^\d+ .* `+id+` `, out, "the ID %s is whole", id)
		}
		assert.Contains(t, out, "\n    +60 payment-failure\n", "reasons indented by four")
	}
	out, _, _ := runView(t, 100, false, "rank", "-now", fixedNow, ticketsFile)
	assert.True(t, strings.HasPrefix(strings.Split(out, "\n")[2], "RANK  LEVEL     SCORE  LEFT      QUEUE      ID      SUBJECT"), out[:300])
	out, _, _ = runView(t, 200, false, "rank", "-now", fixedNow, ticketsFile)
	assert.Contains(t, strings.Split(out, "\n")[1], "CUSTOMER  CLUSTER     DUP  SUBJECT", "a wide terminal shows every column")
}

// TestRankColour checks that levels are coloured only when asked, and
// that NO_COLOR and TERM=dumb turn colour off.
func TestRankColour(t *testing.T) {
	t.Parallel()
	out, _, _ := runView(t, 200, true, "rank", "-now", fixedNow, ticketsFile)
	assert.Contains(t, out, "\x1b[1;31mcritical\x1b[0m")
	assert.Contains(t, out, "\x1b[2mlow\x1b[0m")
	assert.Equal(t, strings.Count(out, "\n")-2, strings.Count(out, "\x1b[0m"), "one coloured level per row, nothing else")
	plain, _, _ := runView(t, 200, false, "rank", "-now", fixedNow, ticketsFile)
	assert.NotContains(t, plain, "\x1b")
	r := runCmd(t, "", "rank", "-now", fixedNow, ticketsFile)
	assert.NotContains(t, r.stdout, "\x1b", "never in a pipe")

	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	assert.True(t, colorWanted(env(map[string]string{"TERM": "xterm-256color"})))
	assert.False(t, colorWanted(env(map[string]string{"TERM": "xterm", "NO_COLOR": ""})))
	assert.False(t, colorWanted(env(map[string]string{"TERM": "dumb"})))
}

// TestRankScores checks that scores are integers unless a rule of the
// pack gives fractional points.
func TestRankScores(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "rank", "-now", fixedNow, ticketsFile)
	requireOK(t, r)
	for _, l := range strings.Split(r.stdout, "\n")[2:] {
		if f := strings.Fields(l); len(f) > 2 {
			assert.NotContains(t, f[2], ".", "score of %q", l)
		}
	}
	pack := filepath.Join(t.TempDir(), "half.yaml")
	require.NoError(t, os.WriteFile(pack, []byte("version: 1\nname: half\nlevels:\n  - {name: high, min_score: 1, respond_within: 1h}\n  - {name: low, respond_within: 4h}\nrules:\n  - name: half\n    when: \"true\"\n    score: 2.5\n"), 0o644))
	r = runCmd(t, "", "rank", "-rules", pack, "-now", fixedNow, ticketsFile)
	requireOK(t, r)
	assert.Regexp(t, `(?m)^1 +high +2\.5 `, r.stdout)
}

// TestRankCSV checks -format csv: a header and a row per ticket that a
// CSV reader reads back, and no cell a spreadsheet would run as a formula.
func TestRankCSV(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.jsonl")
	data, err := os.ReadFile(ticketsFile)
	require.NoError(t, err)
	evil := `{"id":"=cmd|'/c calc'!A1","subject":"=HYPERLINK(\"http://example.com\",\"pay\") payment failed","created_at":"2026-11-22T09:00:00Z","customer":{"id":"@C","tier":"premium"}}`
	require.NoError(t, os.WriteFile(path, append(data, []byte(evil+"\n")...), 0o644))
	r := runCmd(t, "", "rank", "-now", fixedNow, "-format", "csv", path)
	requireOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(inputIDs(t, ticketsFile))+2)
	assert.Equal(t, []string{"rank", "level", "score", "due", "left_minutes", "target", "paused", "queue", "id", "customer", "cluster", "cluster_size", "cluster_customers", "duplicate", "subject", "tags", "rules"}, rows[0])
	assert.Equal(t, []string{"1", "critical", "100", "2026-11-22T07:03:12Z", "-176", "first_reply", "false", "billing", "T-1001", "C-201", "", "1", "1", "false", "Payment failed - card declined", "billing,desk-en,overdue,payments,premium", "payment-failure,premium-customer,route-billing,desk-en,overdue"}, rows[1])
	for _, row := range rows[1:] {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+@", rune(c[0])) {
				t.Errorf("a formula in a cell: %q", c)
			}
		}
	}
	assert.Contains(t, r.stdout, `'=cmd|'/c calc'!A1`)
}

// TestRankProgress checks the progress line on a terminal's stderr: shown
// while many tickets are read and ranked, cleared at the end.
func TestRankProgress(t *testing.T) {
	t.Parallel()
	gen := runCmd(t, "", "gen", "-n", "10000")
	requireOK(t, gen)
	path := filepath.Join(t.TempDir(), "load.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(gen.stdout), 0o644))
	_, raw, code := runView(t, 120, false, "rank", "-format", "json", path)
	require.Equal(t, 0, code)
	assert.Contains(t, raw, "\r\x1b[Kurgency rank: 10000 tickets read from "+path)
	assert.Contains(t, raw, "\r\x1b[Kurgency rank: ranking 10000 tickets")
	assert.True(t, strings.HasSuffix(raw, "\r\x1b[K"), "the line is cleared: %q", raw)

	_, raw, _ = runView(t, 120, false, "rank", "-now", fixedNow, ticketsFile)
	assert.Empty(t, raw, "no progress for a short input")
}
