package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	ticketsFile = "../../testdata/tickets.jsonl"
	fixedNow    = "2026-11-22T10:00:00Z"
	darkPack    = "testdata/packs/dark_mode.yaml"
	acmePack    = "testdata/packs/extends_default.yaml"
	warnPack    = "testdata/packs/warnings.yaml"
	badRules    = "testdata/badrules"

	servicePack     = "testdata/packs/service.yaml"
	serviceContract = "testdata/packs/service_contract.yaml"
	serviceTickets  = "testdata/service_tickets.jsonl"
)

// result is what one run of the command left behind.
type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// requireOK fails the test unless the run succeeded without a word on
// stderr.
func requireOK(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	require.Empty(t, r.stderr)
	require.NotEmpty(t, r.stdout)
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got, "output differs from %s; run go test -update if the change is intended", path)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// inputIDs returns the ticket IDs of a JSON Lines file, in file order.
func inputIDs(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	s := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		if strings.TrimSpace(s.Text()) == "" {
			continue
		}
		var v struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(s.Bytes(), &v))
		ids = append(ids, v.ID)
	}
	require.NoError(t, s.Err())
	return ids
}

// jsonLine is one line of rank -format json.
type jsonLine struct {
	Rank     int       `json:"rank"`
	ID       string    `json:"id"`
	Level    string    `json:"level"`
	Score    float64   `json:"score"`
	Due      time.Time `json:"due"`
	DueIn    string    `json:"due_in"`
	Calendar string    `json:"calendar"`
	Queue    string    `json:"queue"`
	Tags     []string  `json:"tags"`
	Rules    []string  `json:"rules"`
	Cluster  struct {
		ID        string `json:"id"`
		Size      int    `json:"size"`
		Customers int    `json:"customers"`
	} `json:"cluster"`
	Duplicate bool `json:"duplicate"`
	Hits      []struct {
		Rule   string  `json:"rule"`
		Points float64 `json:"points"`
	} `json:"hits"`
	Why    []string `json:"why"`
	Errors []string `json:"errors"`
}

// parseJSON decodes every line of rank -format json, checking that each
// has all the fields the design promises.
func parseJSON(t *testing.T, out string) []jsonLine {
	t.Helper()
	var lines []jsonLine
	for i, text := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var keys map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(text), &keys), "line %d", i+1)
		for _, k := range []string{"rank", "id", "level", "score", "due", "queue", "tags", "rules", "cluster", "duplicate"} {
			require.Contains(t, keys, k, "line %d", i+1)
		}
		var cluster map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(keys["cluster"], &cluster), "line %d", i+1)
		for _, k := range []string{"id", "size", "customers"} {
			require.Contains(t, cluster, k, "line %d: cluster", i+1)
		}
		for _, k := range []string{"tags", "rules"} {
			require.NotEqual(t, "null", string(keys[k]), "line %d: %s must be a list", i+1, k)
		}

		d := json.NewDecoder(strings.NewReader(text))
		d.DisallowUnknownFields()
		var l jsonLine
		require.NoError(t, d.Decode(&l), "line %d", i+1)
		lines = append(lines, l)
	}
	return lines
}

func TestRankGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		args   []string
	}{
		{"rank.golden", []string{"rank", "-now", fixedNow, ticketsFile}},
		{"rank.json.golden", []string{"rank", "-now", fixedNow, "-format", "json", ticketsFile}},
		{"rank_explain.golden", []string{"rank", "-now", fixedNow, "-explain", ticketsFile}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			requireOK(t, r)
			golden(t, tt.golden, r.stdout)
		})
	}
}

// TestRankTable checks the table's shape: every column of every row starts
// where its heading does (counted in characters, the subjects are in many
// scripts), ranks run 1..N and every ticket appears once.
func TestRankTable(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "rank", "-now", fixedNow, ticketsFile)
	requireOK(t, r)

	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	summary := regexp.MustCompile(`^ranked 2026-11-22 10:00 UTC with default@[0-9a-f]{12}: 87 tickets \((\d+) critical, (\d+) high, (\d+) normal, (\d+) low\), \d+ overdue, 2 clusters$`).FindStringSubmatch(lines[0])
	require.NotNil(t, summary, "the summary line: %q", lines[0])
	lines = lines[1:]
	header := lines[0]
	headings := strings.Fields(header)
	require.Equal(t, []string{"RANK", "LEVEL", "SCORE", "LEFT", "DUE(UTC)", "QUEUE", "ID", "CUSTOMER", "CLUSTER", "DUP", "SUBJECT", "TAGS"}, headings)
	starts := make([]int, len(headings))
	for i, h := range headings {
		starts[i] = strings.Index(header, h) // the header is ASCII: bytes are characters
	}

	want := inputIDs(t, ticketsFile)
	require.Len(t, lines, len(want)+1)
	var ids []string
	clusters, dups := make(map[string]string), make(map[string]string)
	levels := make(map[string]int)
	for n, line := range lines[1:] {
		row := []rune(line)
		var cells []string
		for i, start := range starts {
			require.Greater(t, len(row), start, "row %d is too short: %q", n+1, line)
			assert.NotEqual(t, ' ', row[start], "row %d: column %s does not start under its heading: %q", n+1, headings[i], line)
			if i > 0 {
				assert.Equal(t, ' ', row[start-1], "row %d: column %s is not aligned: %q", n+1, headings[i], line)
			}
			end := len(row)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			cells = append(cells, strings.TrimSpace(string(row[start:end])))
		}
		assert.Equal(t, strconv.Itoa(n+1), cells[0], "rank of row %d", n+1)
		assert.LessOrEqual(t, utf8.RuneCountInString(cells[10]), 60, "row %d: subject not clipped", n+1)
		ids = append(ids, cells[6])
		levels[cells[1]]++
		clusters[cells[6]] = cells[8]
		dups[cells[6]] = cells[9]
	}
	assert.ElementsMatch(t, want, ids)
	// The summary counts the levels of the rows.
	for i, level := range []string{"critical", "high", "normal", "low"} {
		assert.Equal(t, summary[i+1], strconv.Itoa(levels[level]), "%s tickets in the summary", level)
	}
	// The burst of 502 reports, in six languages, is one cluster of seven
	// tickets from six customers; the customer who wrote twice is marked.
	for _, id := range []string{"T-1032", "T-1033", "T-1034", "T-1035", "T-1036", "T-1037", "T-1038"} {
		assert.Equal(t, "T-1032×7/6", clusters[id], "cluster of %s", id)
	}
	assert.Equal(t, "dup", dups["T-1038"])
	assert.Equal(t, "-", dups["T-1032"])
	assert.Equal(t, "-", clusters["T-1001"])
}

// TestRankJSON checks the JSON lines against the order the design
// promises: level (highest first), then due (earliest first).
func TestRankJSON(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, r)
	lines := parseJSON(t, r.stdout)

	levels := []string{"critical", "high", "normal", "low"} // the default pack's, highest first
	want := inputIDs(t, ticketsFile)
	require.Len(t, lines, len(want))
	var ids []string
	for i, l := range lines {
		assert.Equal(t, i+1, l.Rank)
		assert.Contains(t, levels, l.Level, "rank %d", l.Rank)
		assert.True(t, slices.IsSorted(l.Tags), "rank %d: tags %v not sorted", l.Rank, l.Tags)
		assert.NotEmpty(t, l.Cluster.ID, "rank %d", l.Rank)
		assert.GreaterOrEqual(t, l.Cluster.Size, 1, "rank %d", l.Rank)
		assert.Nil(t, l.Why, "rank %d: why without -explain", l.Rank)
		if i > 0 {
			prev := lines[i-1]
			pl, cl := slices.Index(levels, prev.Level), slices.Index(levels, l.Level)
			assert.LessOrEqual(t, pl, cl, "rank %d (%s) above rank %d (%s)", prev.Rank, prev.Level, l.Rank, l.Level)
			if pl == cl {
				assert.False(t, l.Due.Before(prev.Due), "rank %d is due before rank %d in the same level", l.Rank, prev.Rank)
			}
		}
		ids = append(ids, l.ID)
	}
	assert.ElementsMatch(t, want, ids)
	assert.Equal(t, "T-1001", lines[0].ID, "the oldest failed payment comes first")
	assert.Equal(t, []string{"payment-failure", "premium-customer", "route-billing", "desk-en", "overdue"}, lines[0].Rules,
		"due 07:03, ranked at 10:00: overdue")
	assert.Equal(t, "-2h56m48s", lines[0].DueIn)
	assert.Equal(t, "24/7", lines[0].Calendar)
}

// TestRankExplain checks that the explained table gives, under each
// ticket, the same lines as the why of -format json -explain.
func TestRankExplain(t *testing.T) {
	t.Parallel()
	table := runCmd(t, "", "rank", "-now", fixedNow, "-explain", ticketsFile)
	requireOK(t, table)
	js := runCmd(t, "", "rank", "-now", fixedNow, "-explain", "-format", "json", ticketsFile)
	requireOK(t, js)

	var got [][]string
	for _, line := range strings.Split(strings.TrimSuffix(table.stdout, "\n"), "\n")[2:] {
		if strings.HasPrefix(line, " ") {
			require.NotEmpty(t, got, "explanation before the first ticket")
			got[len(got)-1] = append(got[len(got)-1], strings.TrimSpace(line))
			continue
		}
		require.Equal(t, strconv.Itoa(len(got)+1), strings.Fields(line)[0])
		got = append(got, []string{})
	}
	lines := parseJSON(t, js.stdout)
	require.Len(t, got, len(lines))
	for i, l := range lines {
		require.NotEmpty(t, l.Why, "rank %d", l.Rank)
		assert.Equal(t, l.Why, got[i], "rank %d (%s)", l.Rank, l.ID)
		assert.True(t, strings.HasPrefix(l.Why[len(l.Why)-1], "due "), "rank %d: last line %q", l.Rank, l.Why[len(l.Why)-1])
	}
}

func TestRankStdin(t *testing.T) {
	t.Parallel()
	input := readFile(t, ticketsFile)
	for _, format := range []string{"table", "json"} {
		want := runCmd(t, "", "rank", "-now", fixedNow, "-format", format, ticketsFile)
		requireOK(t, want)
		for _, name := range []string{"dash", "no file"} {
			t.Run(format+"/"+name, func(t *testing.T) {
				t.Parallel()
				args := []string{"rank", "-now", fixedNow, "-format", format}
				if name == "dash" {
					args = append(args, "-")
				}
				got := runCmd(t, input, args...)
				requireOK(t, got)
				assert.Equal(t, want.stdout, got.stdout)
			})
		}
	}
}

// TestRankShuffled: the order tickets arrive in never shows in the output.
func TestRankShuffled(t *testing.T) {
	t.Parallel()
	lines := strings.Split(strings.TrimSuffix(readFile(t, ticketsFile), "\n"), "\n")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"table", []string{"rank", "-now", fixedNow}},
		{"json explain", []string{"rank", "-now", fixedNow, "-format", "json", "-explain"}},
	} {
		want := runCmd(t, strings.Join(lines, "\n")+"\n", tc.args...)
		requireOK(t, want)
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				t.Parallel()
				shuffled := slices.Clone(lines)
				rand.New(rand.NewPCG(seed, 42)).Shuffle(len(shuffled), func(i, j int) {
					shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
				})
				require.NotEqual(t, lines, shuffled)
				got := runCmd(t, strings.Join(shuffled, "\n")+"\n", tc.args...)
				requireOK(t, got)
				assert.Equal(t, want.stdout, got.stdout)
			})
		}
	}
}

// Good ticket lines around the bad ones.
const (
	goodA = `{"id":"A","subject":"Payment failed","body":"card declined","created_at":"2026-11-22T09:00:00Z","customer":{"id":"C-1"}}`
	goodB = `{"id":"B","subject":"Thanks","body":"Thanks, it works now.","created_at":"2026-11-22T09:10:00Z","customer":{"id":"C-2"}}`
)

func TestRankBadLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want string // part of the message
	}{
		{"bad json", `{"id":"X","subject":"cut off",`, ""},
		{"not an object", `["X"]`, ""},
		{"missing id", `{"subject":"who am I","created_at":"2026-11-22T09:05:00Z"}`, `"id"`},
		{"empty id", `{"id":"","created_at":"2026-11-22T09:05:00Z"}`, `"id"`},
		{"missing created_at", `{"id":"X","subject":"when?"}`, `"created_at"`},
		{"bad time", `{"id":"X","created_at":"22.11.2026 09:05"}`, "RFC 3339"},
		{"bad customer since", `{"id":"X","created_at":"2026-11-22T09:05:00Z","customer":{"since":"yesterday"}}`, "RFC 3339"},
		{"unknown field", `{"id":"X","created_at":"2026-11-22T09:05:00Z","priority":"high"}`, `"priority"`},
		{"wrong type", `{"id":"X","created_at":"2026-11-22T09:05:00Z","flagged":"yes"}`, `"flagged"`},
		{"two objects", `{"id":"X","created_at":"2026-11-22T09:05:00Z"} {"id":"Y"}`, ""},
		{"duplicate id", `{"id":"A","subject":"again","created_at":"2026-11-22T09:05:00Z"}`, `"A" already used on line 1`},
		{"year 9999", `{"id":"X","created_at":"9999-12-31T20:00:00Z"}`, `field "created_at": 9999-12-31T20:00:00Z is outside the years 1900 to 2199`},
		{"offset 24h", `{"id":"X","created_at":"2026-11-22T09:05:00+24:00"}`, `field "created_at": the UTC offset`},
		{"customer since 1850", `{"id":"X","created_at":"2026-11-22T09:05:00Z","customer":{"since":"1850-01-01T00:00:00Z"}}`, `field "customer.since"`},
		{"longer than MaxLineSize", `{"id":"X","body":"` + strings.Repeat("x", urgency.MaxLineSize) + `"}`, "the line is longer than 32 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "tickets.jsonl")
			require.NoError(t, os.WriteFile(path, []byte(goodA+"\n"+tt.line+"\n\n"+goodB+"\n"), 0o644))
			prefix := path + ":2: "

			// Reading tickets does not depend on the pack; the small one loads faster.
			r := runCmd(t, "", "rank", "-rules", darkPack, "-now", fixedNow, "-format", "json", path)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			errLines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			require.Len(t, errLines, 2, "stderr:\n%s", r.stderr)
			assert.True(t, strings.HasPrefix(errLines[0], prefix), "got %q, want prefix %q", errLines[0], prefix)
			assert.Contains(t, errLines[0], tt.want)
			assert.Equal(t, "urgency rank: 1 bad line in "+path+" (use -skip-bad to go on without them)", errLines[1])

			r = runCmd(t, "", "rank", "-rules", darkPack, "-now", fixedNow, "-format", "json", "-skip-bad", path)
			require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
			assert.Equal(t, errLines[0]+"\n", r.stderr)
			var ids []string
			for _, l := range parseJSON(t, r.stdout) {
				ids = append(ids, l.ID)
			}
			assert.Equal(t, []string{"A", "B"}, ids)
		})
	}
}

// TestRankBadLines reads a file with several bad lines among good ones:
// each is reported by its line number, in file order.
func TestRankBadLines(t *testing.T) {
	t.Parallel()
	const name = "testdata/bad_tickets.jsonl"
	badLines := []int{3, 4, 6, 8, 9}

	for _, stdin := range []bool{false, true} {
		t.Run(fmt.Sprintf("stdin=%t", stdin), func(t *testing.T) {
			t.Parallel()
			shown, input, file := name, "", []string{name}
			if stdin {
				shown, input, file = "stdin", readFile(t, name), nil
			}
			args := func(extra ...string) []string {
				a := append([]string{"rank", "-now", fixedNow, "-format", "json"}, extra...)
				return append(a, file...)
			}

			r := runCmd(t, input, args()...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			errLines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			require.Len(t, errLines, len(badLines)+1, "stderr:\n%s", r.stderr)
			for i, n := range badLines {
				p := fmt.Sprintf("%s:%d: ", shown, n)
				assert.True(t, strings.HasPrefix(errLines[i], p), "got %q, want prefix %q", errLines[i], p)
			}
			assert.Equal(t, "urgency rank: 5 bad lines in "+shown+" (use -skip-bad to go on without them)", errLines[len(errLines)-1])

			r = runCmd(t, input, args("-skip-bad")...)
			require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
			assert.Equal(t, strings.Join(errLines[:len(badLines)], "\n")+"\n", r.stderr)
			var ids []string
			for _, l := range parseJSON(t, r.stdout) {
				ids = append(ids, l.ID)
			}
			assert.Equal(t, []string{"G-1", "G-3", "G-2", "G-4"}, ids)
		})
	}
}

// usageCase is a command line refused before it runs: its exit code,
// and a part of what it writes on stderr (nothing on stdout).
type usageCase struct {
	name string
	args []string
	code int
	want string
}

func runUsageCases(t *testing.T, tests []usageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			assert.Equal(t, tt.code, r.code, "stderr:\n%s", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []usageCase{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"rnak"}, 2, `unknown command "rnak"`},
		{"format xml", []string{"rank", "-format", "xml", ticketsFile}, 2, "-format must be table, json or csv"},
		{"bad now", []string{"rank", "-now", "tomorrow", ticketsFile}, 2, "-now"},
		{"now without time", []string{"rank", "-now", "2026-11-22", ticketsFile}, 2, "RFC 3339"},
		{"two files", []string{"rank", "-now", fixedNow, ticketsFile, ticketsFile}, 2, "one tickets file"},
		{"unknown flag", []string{"rank", "-verbose", ticketsFile}, 2, "-verbose"},
		{"check unknown flag", []string{"check", "-verbose"}, 2, "-verbose"},
		{"check format xml", []string{"check", "-format", "xml"}, 2, "-format must be text or json"},
		{"missing tickets file", []string{"rank", "-now", fixedNow, "testdata/no_such.jsonl"}, 1, "no_such.jsonl"},
		{"missing rules file", []string{"check", "-rules", "testdata/no_such.yaml"}, 1, "testdata/no_such.yaml"},
	}
	runUsageCases(t, tests)

	t.Run("help", func(t *testing.T) {
		t.Parallel()
		r := runCmd(t, "", "help")
		assert.Equal(t, 0, r.code)
		assert.Empty(t, r.stderr)
		assert.Contains(t, r.stdout, "Usage:")
	})
}

// TestSimilar checks urgency similar: one JSON line per ticket in input
// order, at most k tickets each, best first, never a later ticket, and the
// 502 reports finding each other across languages.
func TestSimilar(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "similar", "-k", "3", "-format", "json", ticketsFile)
	requireOK(t, r)
	golden(t, "similar.json.golden", r.stdout)

	created := make(map[string]time.Time)
	f, err := os.Open(ticketsFile)
	require.NoError(t, err)
	defer f.Close()
	tr := urgency.NewTicketReader(f)
	for {
		tk, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		created[tk.ID] = tk.CreatedAt
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var got struct {
			ID      string `json:"id"`
			Similar []struct {
				ID    string  `json:"id"`
				Score float64 `json:"score"`
			} `json:"similar"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &got))
		require.NotNil(t, got.Similar, "similar is a list, never null")
		assert.LessOrEqual(t, len(got.Similar), 3)
		for i, m := range got.Similar {
			assert.NotEqual(t, got.ID, m.ID)
			assert.False(t, created[m.ID].After(created[got.ID]), "%s lists the later ticket %s", got.ID, m.ID)
			assert.True(t, m.Score > 0 && m.Score <= 1, "score %v", m.Score)
			if i > 0 {
				assert.LessOrEqual(t, m.Score, got.Similar[i-1].Score, "best first")
			}
		}
		if got.ID == "T-1036" {
			require.NotEmpty(t, got.Similar)
			assert.Contains(t, []string{"T-1032", "T-1033", "T-1034", "T-1035"}, got.Similar[0].ID)
		}
		ids = append(ids, got.ID)
	}
	assert.Equal(t, inputIDs(t, ticketsFile), ids, "input order")

	table := runCmd(t, "", "similar", ticketsFile)
	requireOK(t, table)
	assert.True(t, strings.HasPrefix(table.stdout, "ID "), "a table with a heading")

	for _, args := range [][]string{{"similar", "-k", "0", ticketsFile}, {"similar", "-format", "xml", ticketsFile}, {"similar", ticketsFile, ticketsFile}} {
		assert.Equal(t, 2, runCmd(t, "", args...).code, "%v", args)
	}
}

func TestTestCommand(t *testing.T) {
	t.Parallel()
	const dir = "../../urgency/urgencytest/testdata/"
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"default pack's own tests", []string{"test", "../../rules/default"}, 0,
			[]string{"ok    ../../rules/default/samples_test.yaml: 87 of 87 checks passed", "\nok: 5 files, 0 of "}},
		{"verbose", []string{"test", "-v", dir + "pass_test.yaml"}, 0,
			[]string{"ok    " + dir + "pass_test.yaml:15:5: A premium payment failure with many seats", "6 of 6 checks passed"}},
		{"failing", []string{"test", dir + "pass_test.yaml", dir + "fail_test.yaml"}, 1,
			[]string{"FAIL  " + dir + "fail_test.yaml:11:5: A a lead thinks premium alone is critical", "  level: expected high, got critical", "    +25 premium", "FAIL: 2 files, 4 of 11 checks failed"}},
		{"broken test file", []string{"test", dir + "bad_test.yaml"}, 1,
			[]string{dir + "bad_test.yaml:20:1: unknown key \"colour\"", "18 problems", "FAIL  " + dir + "bad_test.yaml: does not load"}},
		{"no test files", []string{"test", dir + "none*_test.yaml"}, 1, nil},
		{"no arguments", []string{"test"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

// TestRankServiceLevels ranks tickets with status histories and first
// replies: the table gains a TARGET column, JSON lines carry target,
// paused and breached, explanations say why each deadline is what it is.
func TestRankServiceLevels(t *testing.T) {
	t.Parallel()
	const now = "2026-11-23T11:00:00Z"
	tests := []struct {
		golden string
		args   []string
	}{
		{"service.golden", []string{"rank", "-rules", servicePack, "-now", now, serviceTickets}},
		{"service.json.golden", []string{"rank", "-rules", servicePack, "-now", now, "-format", "json", serviceTickets}},
		{"service_explain.golden", []string{"explain", "-rules", servicePack, "-now", now, "-id", "S-1", "-id", "S-2", "-id", "S-3", serviceTickets}},
		{"service_diff.golden", []string{"diff", "-now", now, "-old", servicePack, "-new", servicePack, "-new", serviceContract, serviceTickets}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			requireOK(t, r)
			golden(t, tt.golden, packHash.ReplaceAllString(r.stdout, "@HASH"))
		})
	}
}
