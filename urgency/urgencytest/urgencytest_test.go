package urgencytest_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
	"github.com/triagekit/triage/urgency/urgencytest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestPassingSuite(t *testing.T) {
	s, err := urgencytest.Load("testdata/pass_test.yaml")
	require.NoError(t, err)
	assert.Equal(t, "billing desk, every kind of check", s.Name)
	assert.Len(t, s.Tickets, 5)
	require.Len(t, s.Cases, 5)
	a := s.Cases[0]
	assert.Equal(t, "A premium payment failure with many seats", a.Title())
	assert.Equal(t, urgency.Position{File: "testdata/pass_test.yaml", Line: 15, Column: 5}, a.Pos)
	assert.Equal(t, 4, *a.Size)
	assert.False(t, *a.Duplicate)
	assert.Equal(t, &urgencytest.OrderCheck{Pos: urgency.Position{File: "testdata/pass_test.yaml", Line: 30, Column: 8}, IDs: []string{"A", "E", "B", "C", "D"}}, s.Order)

	res := s.Run()
	var out bytes.Buffer
	res.ReportAll(&out)
	assert.Zero(t, res.Failed(), out.String())
	assert.Len(t, res.Cases, 6, "five cases and the order")
	assert.Equal(t, map[string]int{"payment-failure": 4, "premium": 2, "plan-seats": 1, "trend": 4, "duplicate": 1, "thanks-only": 1}, res.Exercised)
	golden(t, "pass.golden", out.String())
}

// TestFailingSuite checks that every kind of expectation fails when it
// does not hold, and that the report shows the ticket, what was expected,
// what came out and the hits behind it.
func TestFailingSuite(t *testing.T) {
	s, err := urgencytest.Load("testdata/fail_test.yaml")
	require.NoError(t, err)
	res := s.Run()
	var out bytes.Buffer
	res.Report(&out)
	require.Len(t, res.Cases, 5, "three cases, the order, and a rule failing at run time")
	assert.Len(t, res.Cases[0].Problems, 9, "every expectation of case A is wrong")
	assert.Len(t, res.Cases[1].Problems, 2)
	assert.True(t, res.Cases[2].Passed())
	assert.False(t, res.Cases[3].Passed(), "order")
	assert.Contains(t, res.Cases[4].Problems[0], `rule "plan-seats" failed at run time on ticket B`)
	assert.Equal(t, 4, res.Failed())
	golden(t, "fail.golden", out.String())
}

func TestBadFilesListEveryProblem(t *testing.T) {
	for _, name := range []string{"bad", "empty", "badpack"} {
		t.Run(name, func(t *testing.T) {
			_, err := urgencytest.Load("testdata/" + name + "_test.yaml")
			var list urgency.ErrorList
			require.True(t, errors.As(err, &list), "%v", err)
			var b strings.Builder
			for _, e := range list {
				assert.NotZero(t, e.Pos.File, "%v", e)
				b.WriteString(e.Error() + "\n")
			}
			golden(t, name+".golden", b.String())
		})
	}
}

// TestNothingToTestIsAnError: a file that loads no rules, gives no
// tickets or expects nothing cannot pass.
func TestNothingToTestIsAnError(t *testing.T) {
	dir := t.TempDir()
	ticket := "tickets:\n  - {id: A, subject: hi, created_at: 2026-11-22T09:00:00Z}\n"
	tests := map[string]string{
		"empty file":        "",
		"only a comment":    "# nothing\n",
		"no now":            ticket + "expect: [{id: A, level: low}]\n",
		"no tickets":        "now: 2026-11-22T10:00:00Z\nexpect: [{id: A, level: low}]\n",
		"empty tickets":     "now: 2026-11-22T10:00:00Z\ntickets: []\nexpect: [{id: A, level: low}]\n",
		"no expect":         "now: 2026-11-22T10:00:00Z\n" + ticket,
		"empty expect":      "now: 2026-11-22T10:00:00Z\n" + ticket + "expect: []\n",
		"no rules":          "rules: []\nnow: 2026-11-22T10:00:00Z\n" + ticket + "expect: [{id: A, level: low}]\n",
		"missing pack":      "rules: [nowhere.yaml]\nnow: 2026-11-22T10:00:00Z\n" + ticket + "expect: [{id: A, level: low}]\n",
		"empty ticket file": "now: 2026-11-22T10:00:00Z\ntickets_from: [empty.jsonl]\nexpect: [{id: A, level: low}]\n",
		"not a mapping":     "- a\n- b\n",
		"broken yaml":       "now: [\n",
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.jsonl"), nil, 0o644))
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+"_test.yaml")
			require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
			s, err := urgencytest.Load(path)
			require.Error(t, err)
			assert.Nil(t, s)
			var list urgency.ErrorList
			require.True(t, errors.As(err, &list))
			for _, e := range list {
				assert.NotEmpty(t, e.Pos.File, "%v", e)
			}
		})
	}
}

func TestTicketsFromFile(t *testing.T) {
	dir := t.TempDir()
	lines := `{"id":"A","subject":"Payment failed","body":"card declined","created_at":"2026-11-22T09:00:00Z"}
not json
{"id":"A","subject":"again","created_at":"2026-11-22T09:05:00Z"}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.jsonl"), []byte(lines), 0o644))
	src := "now: 2026-11-22T10:00:00Z\ntickets_from: [t.jsonl]\nexpect: [{id: A, level: critical}]\n"
	path := filepath.Join(dir, "x_test.yaml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	_, err := urgencytest.Load(path)
	require.Error(t, err)
	msg := err.(urgency.ErrorList)
	require.Len(t, msg, 2)
	assert.Equal(t, urgency.Position{File: filepath.Join(dir, "t.jsonl"), Line: 2}, msg[0].Pos, "the bad line")
	assert.Equal(t, urgency.Position{File: filepath.Join(dir, "t.jsonl"), Line: 3}, msg[1].Pos, "the repeated id")
	assert.Contains(t, msg[1].Error(), `ticket "A" is given twice`)
}

// TestTicketsFromLongLine is issue 11's defect 3: a line over
// urgency.MaxLineSize in a tickets_from file looped for ever, adding an
// error each time round. It is one error, on its line; the other lines
// are read, a 10 MB ticket among them.
func TestTicketsFromLongLine(t *testing.T) {
	dir := t.TempDir()
	big := `{"id":"BIG","subject":"log attached","body":"` + strings.Repeat("log line ", 10_000_000/9) + `","created_at":"2026-11-22T09:00:00Z"}`
	over := `{"id":"OVER","body":"` + strings.Repeat("y", urgency.MaxLineSize) + `","created_at":"2026-11-22T09:00:00Z"}`
	lines := "\uFEFF" + `{"id":"A","subject":"Payment failed","created_at":"2026-11-22T09:00:00Z"}` + "\r\n" +
		over + "\n" + big + "\n" + `{"id":"B","subject":"again","created_at":"2026-11-22T09:05:00Z"}`
	tickets := filepath.Join(dir, "t.jsonl")
	require.NoError(t, os.WriteFile(tickets, []byte(lines), 0o644))
	path := filepath.Join(dir, "x_test.yaml")
	src := "now: 2026-11-22T10:00:00Z\ntickets_from: [t.jsonl]\nexpect: [{id: A, level: critical}, {id: BIG, level: low}, {id: B, level: low}]\n"
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	_, err := urgencytest.Load(path)
	require.Error(t, err)
	list := err.(urgency.ErrorList)
	require.Len(t, list, 1, "%v", err)
	assert.Equal(t, urgency.Position{File: tickets, Line: 2}, list[0].Pos)
	assert.Contains(t, list[0].Error(), "the line is longer than 32 MiB")

	// Without the long line, the suite loads: every other ticket was read.
	require.NoError(t, os.WriteFile(tickets, []byte(strings.Replace(lines, over+"\n", "", 1)), 0o644))
	s, err := urgencytest.Load(path)
	require.NoError(t, err)
	require.Len(t, s.Tickets, 3)
	assert.Equal(t, "BIG", s.Tickets[1].ID)
}

func TestFiles(t *testing.T) {
	files, err := urgencytest.Files("testdata")
	require.NoError(t, err)
	assert.Contains(t, files, filepath.Join("testdata", "pass_test.yaml"))
	assert.NotContains(t, files, filepath.Join("testdata", "pack.yaml"), "a directory gives its *_test.yaml files")
	files, err = urgencytest.Files("testdata/pass_test.yaml", "testdata/pa*_test.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"testdata/pass_test.yaml"}, files, "no file twice")
	_, err = urgencytest.Files("testdata/none*_test.yaml")
	assert.ErrorContains(t, err, "no test files match")
	_, err = urgencytest.Files("testdata/missing_test.yaml")
	assert.Error(t, err)
	_, err = urgencytest.Files()
	assert.Error(t, err)
}

func TestRunPasses(t *testing.T) {
	results := urgencytest.Run(t, "testdata/pass_test.yaml")
	require.Len(t, results, 1)
	assert.Zero(t, results[0].Failed())
}

// TestRunFailsTheGoTest runs a failing file through Run in a child test
// process: the go test must fail and name the failed case.
func TestRunFailsTheGoTest(t *testing.T) {
	if os.Getenv("URGENCYTEST_CHILD") != "" {
		urgencytest.Run(t, os.Getenv("URGENCYTEST_CHILD"))
		return
	}
	for file, want := range map[string]string{
		"testdata/fail_test.yaml":    "level: expected high, got critical",
		"testdata/bad_test.yaml":     `unknown key "colour" in test file`,
		"testdata/nothing_test.yaml": "no such file or directory",
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestRunFailsTheGoTest$", "-test.v")
		cmd.Env = append(os.Environ(), "URGENCYTEST_CHILD="+file)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%s must fail the test:\n%s", file, out)
		assert.Contains(t, string(out), want, file)
		assert.Contains(t, string(out), "--- FAIL", file)
	}
}

func TestServiceExpectations(t *testing.T) {
	s, err := urgencytest.Load("testdata/service_test.yaml")
	require.NoError(t, err)
	res := s.Run()
	var out bytes.Buffer
	res.Report(&out)
	assert.Zero(t, res.Failed(), out.String())

	s, err = urgencytest.Load("testdata/servicefail_test.yaml")
	require.NoError(t, err)
	res = s.Run()
	require.Equal(t, 2, res.Failed(), "the waiting case and the order")
	assert.Equal(t, []string{
		"target: expected resolution, got first_reply",
		"paused: expected false, got true",
		"breached: expected first_reply, got none",
	}, res.Cases[0].Problems)
	order := strings.Join(res.Cases[3].Problems, "\n")
	assert.Contains(t, order, "waiting: level high, due 2026-11-23T14:15:00Z (paused), score 60")
}

// TestTestFileSuggestsLikeRuleFiles: a misspelt key in a test file gets
// the "did you mean" a rule file gets for the same slip ("scroe" is one
// swap from "score") and the source line with a caret under the key; so
// does a YAML mistake.
func TestTestFileSuggestsLikeRuleFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "typo_test.yaml")
	data := "now: 2026-11-22T10:00:00Z\n" +
		"tickets:\n  - {id: A, subject: hi, created_at: 2026-11-22T09:00:00Z}\n" +
		"expect:\n  - {id: A, scroe: {min: 1}}\n"
	require.NoError(t, os.WriteFile(file, []byte(data), 0o644))
	_, err := urgencytest.Load(file)
	var list urgency.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	require.Len(t, list, 1)
	assert.Equal(t, 5, list[0].Pos.Line)
	assert.Contains(t, list[0].Error(), `unknown key "scroe" in case (did you mean "score"?)`)
	assert.Equal(t, "  - {id: A, scroe: {min: 1}}\n            ^", list[0].Caret())

	_, ruleErr := urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte("version: 1\nname: t\nlevels: [{name: low, respond_within: 1h}]\n" +
		"rules:\n  - {name: r, when: 'true', scroe: 1}\n")}})
	require.Error(t, ruleErr)
	assert.Contains(t, ruleErr.Error(), `(did you mean "score"?)`, "the rule file's suggestion for the same slip")

	require.NoError(t, os.WriteFile(file, []byte("now: 2026-11-22T10:00:00Z\nexpect:\n\t- {id: A}\n"), 0o644))
	_, err = urgencytest.Load(file)
	require.True(t, errors.As(err, &list), "%v", err)
	assert.Equal(t, file+":3:1: tab character in indentation: YAML indents with spaces", list[0].Error())
	assert.Equal(t, "\t- {id: A}\n^", list[0].Caret())
}

// TestTestFileAliasesBounded: a test file's YAML aliases are bounded as a
// rule file's are, before any of it is decoded.
func TestTestFileAliasesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("now: 2026-11-22T10:00:00Z\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 9; i++ {
		p := fmt.Sprintf("*x%d", i-1)
		fmt.Fprintf(&b, "x%d: &x%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(p+", ", 10), ", "))
	}
	b.WriteString("tickets:\n  - {id: A, subject: hi, created_at: 2026-11-22T09:00:00Z, fields: {f: *x8}}\nexpect: [{id: A, level: low}]\n")
	file := filepath.Join(t.TempDir(), "laughs_test.yaml")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o644))
	_, err := urgencytest.Load(file)
	var list urgency.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	require.Len(t, list, 1)
	assert.Contains(t, list[0].Error(), "the file expands to more than 100000 values through YAML aliases")
	assert.NotEmpty(t, list[0].Caret())
}

// TestTestFileSizeBounded: a test file is read as a rule file is, at most
// urgency.MaxFileSize bytes.
func TestTestFileSizeBounded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big_test.yaml")
	data := "now: 2026-11-22T10:00:00Z\n# " + strings.Repeat("x", urgency.MaxFileSize) + "\n"
	require.NoError(t, os.WriteFile(file, []byte(data), 0o644))
	_, err := urgencytest.Load(file)
	var list urgency.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	assert.Equal(t, fmt.Sprintf("%s: file is larger than %d bytes", file, urgency.MaxFileSize), list.Error())
}
