package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

var commands = []string{"check", "rank", "diff", "explain", "similar", "test", "gen", "show", "report", "version"}

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

// TestDefaultPackREADME keeps rules/default/README.md in step with the
// pack: it is what show -format markdown prints of it.
func TestDefaultPackREADME(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "show", "-format", "markdown")
	requireOK(t, r)
	path := "../../rules/default/README.md"
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), r.stdout, "%s is out of step with the pack: run go test ./cmd/urgency -run TestDefaultPackREADME -update", path)
}

// TestShow checks show of a small pack: every level, list, macro and rule
// with what it does, the terms with -v, and the same in JSON.
func TestShow(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "show", "-rules", darkPack, "-v")
	requireOK(t, r)
	golden(t, "show.golden", r.stdout)

	eng, err := urgency.Load(acmePack)
	require.NoError(t, err)
	r = runCmd(t, "", "show", "-rules", acmePack, "-format", "json")
	requireOK(t, r)
	var got showJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, eng.Version(), got.Pack)
	require.Len(t, got.Rules, len(eng.Rules()))
	require.Len(t, got.Lists, len(eng.Lists()))
	for i, rule := range eng.Rules() {
		assert.Equal(t, rule.Name, got.Rules[i].Name)
	}
	payment := got.Lists[slices.IndexFunc(got.Lists, func(l listJSON) bool { return l.Name == "payment" })]
	assert.Contains(t, payment.Languages, "German", "a list of the base, with its languages")
	dark := got.Lists[slices.IndexFunc(got.Lists, func(l listJSON) bool { return l.Name == "dark_mode" })]
	assert.Equal(t, []string{"dark mode", "tamni način", "dunkelmodus"}, dark.Terms, "a list of the extending pack")
	darkRule := got.Rules[slices.IndexFunc(got.Rules, func(r ruleJSON) bool { return r.Name == "dark-mode" })]
	assert.Equal(t, ruleJSON{Name: "dark-mode", Description: "The product team answers dark mode requests first.",
		When: `mentions(text, "dark_mode")`, Points: ptr(50.0), Level: "high", Queue: "product", Tags: []string{"dark-mode"},
		Enabled: true, Position: "testdata/packs/extends_default.yaml:9:11"}, darkRule)
}

// TestShowEmbedded checks that the files errors name default:/pack.yaml
// are printed by show, byte for byte.
func TestShowEmbedded(t *testing.T) {
	t.Parallel()
	want, err := fs.ReadFile(rules.Default(), "pack.yaml")
	require.NoError(t, err)
	for _, name := range []string{"default:/pack.yaml", "default:pack.yaml"} {
		r := runCmd(t, "", "show", name)
		requireOK(t, r)
		assert.Equal(t, string(want), r.stdout)
	}
	r := runCmd(t, "", "show", "default:/nope.yaml")
	assert.Equal(t, exitFindings, r.code)
	assert.Contains(t, r.stderr, "default:/pack.yaml")

	// And errors about the base name the file that way.
	r = runCmd(t, "", "check", "-rules", "testdata/packs/redefines_default.yaml")
	assert.Equal(t, exitFindings, r.code)
	assert.Contains(t, r.stderr, "already defined by the base at default:/pack.yaml:")
}

func ptr[T any](v T) *T { return &v }
