package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckWarnings checks a pack that loads with warnings: each warning
// with its position and caret, then the summary; exit 0, or 1 with
// -strict.
func TestCheckWarnings(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "check", "-rules", warnPack)
	assert.Equal(t, 0, r.code, "warnings alone do not fail the check")
	assert.Empty(t, r.stderr)
	golden(t, "check_warnings.golden", r.stdout)

	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Equal(t, 1, len(lines)%3, "want 3 lines per warning and a summary:\n%s", r.stdout)
	n := len(lines) / 3
	assert.Regexp(t, fmt.Sprintf(`^ok: warnings@[0-9a-f]{12}: 4 rules, 3 lists, 2 levels, %d warnings$`, n), lines[len(lines)-1])
	for i := 0; i < n; i++ {
		assert.Regexp(t, `^testdata/packs/warnings\.yaml:\d+:\d+: warning: (rule|list|macro) "[^"]+": .+ \[[a-z-]+\]$`, lines[3*i])
	}
	for _, code := range []string{"never-matches", "contradictory", "same-after-folding", "covered-term", "short-wildcard", "unused-list"} {
		assert.Contains(t, r.stdout, "["+code+"]")
	}
	assert.NotContains(t, r.stdout, `"parked"`, "a disabled rule is not linted")

	t.Run("strict", func(t *testing.T) {
		t.Parallel()
		s := runCmd(t, "", "check", "-strict", "-rules", warnPack)
		assert.Equal(t, 1, s.code)
		assert.Empty(t, s.stderr)
		want := strings.Replace(r.stdout, "\nok: ", "\nfailed (-strict): ", 1)
		assert.Equal(t, want, s.stdout)
	})
	t.Run("strict clean", func(t *testing.T) {
		t.Parallel()
		s := runCmd(t, "", "check", "-strict", "-rules", darkPack)
		requireOK(t, s)
		assert.True(t, strings.HasPrefix(s.stdout, "ok: dark-mode@"), s.stdout)
	})
}

// checkOutput is what check -format json prints.
type checkOutput struct {
	OK       bool      `json:"ok"`
	Pack     string    `json:"pack"`
	Rules    int       `json:"rules"`
	Lists    int       `json:"lists"`
	Levels   int       `json:"levels"`
	Errors   []problem `json:"errors"`
	Warnings []problem `json:"warnings"`
}

type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Code    string `json:"code"`
	Rule    string `json:"rule"`
	List    string `json:"list"`
	Macro   string `json:"macro"`
	Message string `json:"message"`
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	decode := func(t *testing.T, out string) checkOutput {
		t.Helper()
		var c checkOutput
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&c), out)
		assert.False(t, dec.More(), "one object")
		return c
	}
	t.Run("warnings", func(t *testing.T) {
		t.Parallel()
		r := runCmd(t, "", "check", "-format", "json", "-rules", warnPack)
		assert.Equal(t, 0, r.code)
		assert.Empty(t, r.stderr)
		golden(t, "check_warnings.json.golden", r.stdout)
		c := decode(t, r.stdout)
		assert.True(t, c.OK)
		assert.Empty(t, c.Errors)
		assert.Equal(t, []int{4, 3, 2}, []int{c.Rules, c.Lists, c.Levels})
		text := runCmd(t, "", "check", "-rules", warnPack)
		require.Len(t, c.Warnings, strings.Count(text.stdout, ": warning: "), "the same warnings as the text")
		for _, w := range c.Warnings {
			assert.Equal(t, warnPack, w.File)
			assert.Positive(t, w.Line)
			assert.Positive(t, w.Column)
			assert.NotEmpty(t, w.Code)
			assert.Contains(t, text.stdout, w.Message)
		}
	})
	t.Run("strict", func(t *testing.T) {
		t.Parallel()
		r := runCmd(t, "", "check", "-format", "json", "-strict", "-rules", warnPack)
		assert.Equal(t, 1, r.code)
		assert.False(t, decode(t, r.stdout).OK)
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		r := runCmd(t, "", "check", "-format", "json", "-rules", badRules)
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stderr)
		c := decode(t, r.stdout)
		assert.False(t, c.OK)
		assert.Empty(t, c.Pack)
		require.Len(t, c.Errors, 7, "as many as check prints")
		assert.Equal(t, problem{File: "testdata/badrules/unknown_list.yaml", Line: 10, Column: 26, Rule: "payment-typo",
			Message: `unknown list "paymnt" (did you mean "payment"?)`}, c.Errors[4])
	})
}

func TestCheckTests(t *testing.T) {
	t.Parallel()
	// The default pack's own tests exercise every rule.
	r := runCmd(t, "", "check", "-strict", "-tests", "../../rules/default")
	assert.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.NotContains(t, r.stdout, "untested-rule")

	// The language tests alone leave rules untested: warnings, exit 1
	// only with -strict.
	r = runCmd(t, "", "check", "-tests", "../../rules/default/languages_test.yaml")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^pack.yaml:\d+:\d+: warning: rule "duplicate": no test case makes this rule match`, r.stdout)
	assert.NotContains(t, r.stdout, `rule "payment-failure": no test case`)
	r = runCmd(t, "", "check", "-strict", "-tests", "../../rules/default/languages_test.yaml")
	assert.Equal(t, 1, r.code)

	// Tests of another pack say nothing about this one.
	r = runCmd(t, "", "check", "-rules", darkPack, "-tests", "../../rules/default/languages_test.yaml")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not counted")
	assert.Contains(t, r.stderr, "no test file tests dark-mode@")

	// A broken test file is an error.
	r = runCmd(t, "", "check", "-tests", "../../urgency/urgencytest/testdata/bad_test.yaml")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `unknown key "colour"`)
}
