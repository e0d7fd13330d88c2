package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

var commands = []string{"check", "rank", "diff", "explain", "similar", "test", "gen", "version"}

// TestHelpGolden holds each command's help: on standard output, with a
// description, the arguments and examples, the same for "help CMD",
// "CMD -h" and "CMD --help".
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "help")
	requireOK(t, r)
	golden(t, "help/urgency.golden", r.stdout)
	for _, name := range commands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", "help", name)
			requireOK(t, r)
			assert.Contains(t, r.stdout, "Usage:\n  urgency "+name)
			assert.Contains(t, r.stdout, "Examples:\n  urgency "+name)
			golden(t, "help/"+name+".golden", r.stdout)
			for _, h := range []string{"-h", "--help", "-help"} {
				assert.Equal(t, r, runCmd(t, "", name, h), name+" "+h)
			}
		})
	}
}

// TestUsageErrorsGolden holds the usage errors: each one line on stderr,
// prefixed with the command, exit 2, nothing on stdout.
func TestUsageErrorsGolden(t *testing.T) {
	t.Parallel()
	cases := [][]string{
		{"rnak"},
		{"rank", "--frob"},
		{"rank", "-verbose"},
		{"rank", "-format", "xml"},
		{"rank", "-now", "tomorrow"},
		{"rank", "-now"},
		{"rank", "a.jsonl", "b.jsonl"},
		{"explain", ticketsFile},
		{"similar", "-k", "0"},
		{"similar", "-k", "many"},
		{"diff", ticketsFile},
		{"diff", "-old", "default", "-old", "x.yaml"},
		{"check", "-format", "xml"},
		{"test"},
		{"gen", "extra"},
		{"gen", "-n", "-1"},
		{"version", "extra"},
		{"help", "nothing"},
		{"rank", darkPack},
		{"rank", "testdata/packs"},
		{"explain", "-id", "T-1", "-rules", darkPack, darkPack},
	}
	var b strings.Builder
	for _, args := range cases {
		r := runCmd(t, "", args...)
		assert.Equal(t, exitUsage, r.code, "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "%v: one line: %q", args, r.stderr)
		fmt.Fprintf(&b, "$ urgency %s\n%s", strings.Join(args, " "), r.stderr)
	}
	golden(t, "usage_errors.golden", b.String())
}

// TestFlagsAnywhere checks that flags after the tickets file, with one
// dash or two, mean what they mean before it.
func TestFlagsAnywhere(t *testing.T) {
	t.Parallel()
	want := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, want)
	for _, args := range [][]string{
		{"rank", ticketsFile, "-now", fixedNow, "-format", "json"},
		{"rank", ticketsFile, "--now", fixedNow, "--format=json"},
		{"rank", "--now=" + fixedNow, ticketsFile, "-format=json"},
	} {
		assert.Equal(t, want, runCmd(t, "", args...), "%v", args)
	}

	r := runCmd(t, "", "test", "../../rules/default/", "-v")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stdout, "ok ", "-v after the files lists passing checks")
	r = runCmd(t, "", "similar", ticketsFile, "-k", "1", "-format", "json")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
}

// TestVersion checks that version names the default pack's version.
func TestVersion(t *testing.T) {
	t.Parallel()
	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	r := runCmd(t, "", "version")
	requireOK(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0], "urgency "), lines[0])
	assert.Equal(t, "pack "+eng.Version(), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "go go1."), lines[2])
}

// TestCompletion checks that completion scripts are written and that
// --format completes to its values.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := runCmd(t, "", "completion", shell)
		requireOK(t, r)
		assert.Contains(t, r.stdout, "urgency")
	}
	r := runCmd(t, "", "__complete", "rank", "--format", "")
	require.Equal(t, 0, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "table\njson\n"), r.stdout)
	r = runCmd(t, "", "__complete", "ra")
	assert.True(t, strings.HasPrefix(r.stdout, "rank\t"), r.stdout)
}

// TestRuleFileGivenToTest checks that a rule file given to test is named
// as one in a line, not reported key by key.
func TestRuleFileGivenToTest(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "test", darkPack)
	assert.Equal(t, exitFindings, r.code)
	assert.Equal(t, "FAIL  "+darkPack+": a rule file, not a test file: check it with \"urgency check --rules "+darkPack+"\"; a test file names its pack with rules: and gives tickets: and expect:\n", r.stdout)
}

// TestTerminalStdin checks that rank, reading a terminal, says that it
// waits for tickets; reading a pipe, it says nothing.
func TestTerminalStdin(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		var out, errOut strings.Builder
		code := command([]string{"rank", "-now", fixedNow}, &streams{in: strings.NewReader(""), out: &out, errOut: &errOut, inTerminal: tty})
		assert.Equal(t, exitOK, code)
		if tty {
			assert.Equal(t, "urgency rank: reading tickets from the terminal, one JSON object per line; end with Ctrl-D, or give a tickets file\n", errOut.String())
		} else {
			assert.Empty(t, errOut.String())
		}
	}
}
