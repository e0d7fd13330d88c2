package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTutorial runs docs/tutorial.md as a lead would: every file block
// (```yaml file=NAME) is written to a fresh directory, and every command
// of a console block ("$ urgency ...") is run there; its output must be
// the lines under it. A line "..." in the expected output stands for any
// number of lines; pack hashes (name@3f2a9c0d11e4) are not compared, and
// a command ending in "# exit N" must exit with N (0 otherwise). With
// -update, the output of every command whose output no longer matches is
// written into the tutorial in full.
func TestTutorial(t *testing.T) {
	doc, err := filepath.Abs("../../docs/tutorial.md")
	require.NoError(t, err)
	text, err := os.ReadFile(doc)
	require.NoError(t, err)
	lines := strings.Split(string(text), "\n")
	steps := parseTutorial(t, doc)
	require.NotEmpty(t, steps)
	t.Chdir(t.TempDir())
	commands := 0
	// replace holds, from the last step up, the expected output to put in
	// place of lines [from, to) of the tutorial.
	type replacement struct {
		from, to int
		lines    []string
	}
	var replace []replacement
	for _, st := range steps {
		if st.file != "" {
			require.NoError(t, os.MkdirAll(filepath.Dir(st.file), 0o755))
			require.NoError(t, os.WriteFile(st.file, []byte(st.body), 0o644), "tutorial line %d", st.line)
			continue
		}
		commands++
		args := strings.Fields(st.command)
		require.Equal(t, "urgency", args[0], "tutorial line %d: commands start with urgency", st.line)
		var stdin string
		if st.stdin != "" {
			b, err := os.ReadFile(st.stdin)
			require.NoError(t, err)
			stdin = string(b)
		}
		r := runCmd(t, stdin, args[1:]...)
		assert.Equal(t, st.exit, r.code, "tutorial line %d: %s\n%s%s", st.line, st.command, r.stdout, r.stderr)
		got := r.stdout + r.stderr
		if matchOutput(st.want, got) {
			continue
		}
		if *update {
			out := strings.Split(strings.TrimRight(got, "\n"), "\n")
			replace = append(replace, replacement{st.line, st.line + len(st.want), out})
			continue
		}
		assert.Fail(t, "the tutorial's output differs", "tutorial line %d: %s\nwant:\n%s\ngot:\n%s", st.line, st.command, strings.Join(st.want, "\n"), got)
	}
	assert.GreaterOrEqual(t, commands, 5, "the tutorial runs its commands")
	if *update && len(replace) > 0 {
		for i := len(replace) - 1; i >= 0; i-- {
			r := replace[i]
			lines = append(lines[:r.from], append(r.lines, lines[r.to:]...)...)
		}
		require.NoError(t, os.WriteFile(doc, []byte(strings.Join(lines, "\n")), 0o644))
	}
}

type tutorialStep struct {
	line    int
	file    string // a file block: its path and content
	body    string
	command string // a command: its words, expected output and exit code
	stdin   string
	want    []string
	exit    int
}

var (
	fileFence    = regexp.MustCompile("^```[a-z]+ file=(\\S+)$")
	exitNote     = regexp.MustCompile(`\s+#\s*exit (\d+)$`)
	tutorialHash = regexp.MustCompile(`@[0-9a-f]{12}\b`)
)

func parseTutorial(t *testing.T, path string) []tutorialStep {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var steps []tutorialStep
	var cur *tutorialStep
	inFile, inConsole := false, false
	var body strings.Builder
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		switch {
		case inFile && line == "```":
			cur.body = body.String()
			steps = append(steps, *cur)
			inFile, cur = false, nil
		case inFile:
			body.WriteString(line + "\n")
		case inConsole && line == "```":
			if cur != nil {
				steps = append(steps, *cur)
			}
			inConsole, cur = false, nil
		case inConsole && strings.HasPrefix(line, "$ "):
			if cur != nil {
				steps = append(steps, *cur)
			}
			cmd := strings.TrimPrefix(line, "$ ")
			cur = &tutorialStep{line: n}
			if m := exitNote.FindStringSubmatch(cmd); m != nil {
				cur.exit, _ = strconv.Atoi(m[1])
				cmd = cmd[:len(cmd)-len(m[0])]
			}
			if i := strings.Index(cmd, " < "); i >= 0 {
				cur.stdin = strings.TrimSpace(cmd[i+3:])
				cmd = cmd[:i]
			}
			cur.command = cmd
		case inConsole:
			require.NotNil(t, cur, "%s:%d: output before any command", path, n)
			cur.want = append(cur.want, line)
		case line == "```console":
			inConsole = true
		default:
			if m := fileFence.FindStringSubmatch(line); m != nil {
				inFile = true
				cur = &tutorialStep{line: n, file: m[1]}
				body.Reset()
			}
		}
	}
	require.NoError(t, s.Err())
	require.False(t, inFile || inConsole, "%s: a block is not closed", path)
	return steps
}

// matchOutput compares output lines with the expected ones, where "..."
// matches any number of lines and pack hashes are ignored.
func matchOutput(want []string, got string) bool {
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	if got == "" {
		lines = nil
	}
	norm := func(s string) string { return strings.TrimRight(tutorialHash.ReplaceAllString(s, "@"), " ") }
	var match func(w, g []string) bool
	match = func(w, g []string) bool {
		if len(w) == 0 {
			return len(g) == 0
		}
		if strings.TrimSpace(w[0]) == "..." {
			for i := 0; i <= len(g); i++ {
				if match(w[1:], g[i:]) {
					return true
				}
			}
			return false
		}
		return len(g) > 0 && norm(w[0]) == norm(g[0]) && match(w[1:], g[1:])
	}
	return match(want, lines)
}
