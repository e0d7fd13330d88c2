package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		prefix string
	}{
		{"default pack", []string{"check"}, "ok: default@"},
		{"custom pack", []string{"check", "-rules", darkPack}, "ok: dark-mode@"},
		{"pack as argument", []string{"check", darkPack}, "ok: dark-mode@"},
		{"pack extending the default", []string{"check", "-rules", acmePack}, "ok: acme@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			requireOK(t, r)
			assert.True(t, strings.HasPrefix(r.stdout, tt.prefix), "stdout: %q", r.stdout)
			assert.Equal(t, 1, strings.Count(r.stdout, "\n"))
		})
	}
}

var positionLine = regexp.MustCompile(`^(testdata/badrules/[a-z_]+\.yaml):(\d+):(\d+): \S`)

// TestCheckBad checks every problem of a bad pack: one file:line:col line,
// then the source line and a caret under the column, then the count.
func TestCheckBad(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", "check", "-rules", badRules)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	golden(t, "check_bad.golden", r.stderr)

	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	require.Equal(t, 1, len(lines)%3, "want 3 lines per problem and a count:\n%s", r.stderr)
	n := len(lines) / 3
	assert.Equal(t, fmt.Sprintf("%d problems", n), lines[len(lines)-1])
	files := map[string]bool{}
	for i := 0; i < n; i++ {
		pos, source, caret := lines[3*i], lines[3*i+1], lines[3*i+2]
		m := positionLine.FindStringSubmatch(pos)
		require.NotNil(t, m, "not file:line:col: message: %q", pos)
		files[m[1]] = true
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])

		src := strings.Split(readFile(t, m[1]), "\n")
		require.LessOrEqual(t, line, len(src), pos)
		assert.Equal(t, "    "+src[line-1], source, "%s: source line", pos)
		assert.Equal(t, strings.Repeat(" ", 4+col-1)+"^", caret, "%s: caret", pos)
	}
	assert.Len(t, files, 3, "every bad file is reported")
	for _, msg := range []string{
		`unknown list "paymnt"`,
		`unexpected "&&"`,
		`unknown level "urgnet"`,
		`unknown rule key "points"`,
		`rule "premium" is defined twice`,
	} {
		assert.Contains(t, r.stderr, msg)
	}

	t.Run("rank", func(t *testing.T) {
		t.Parallel()
		rr := runCmd(t, "", "rank", "-rules", badRules, "-now", fixedNow, ticketsFile)
		assert.Equal(t, 1, rr.code)
		assert.Empty(t, rr.stdout)
		assert.Equal(t, r.stderr, rr.stderr, "rank reports a bad pack as check does")
	})
}

// TestRankCustomPack ranks with a pack that only cares about dark mode
// requests: the two of them (English and Bosnian) come first, the rest
// are low, oldest first.
func TestRankCustomPack(t *testing.T) {
	t.Parallel()
	def := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, def)
	r := runCmd(t, "", "rank", "-rules", darkPack, "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, r)

	lines := parseJSON(t, r.stdout)
	require.Len(t, lines, len(inputIDs(t, ticketsFile)))
	for i, l := range lines {
		if i < 2 {
			assert.Equal(t, "urgent", l.Level, l.ID)
			assert.Equal(t, "product", l.Queue, l.ID)
			assert.Equal(t, []string{"dark-mode"}, l.Rules, l.ID)
			continue
		}
		assert.Equal(t, "low", l.Level, l.ID)
		assert.Empty(t, l.Rules, l.ID)
		assert.True(t, lines[i-1].Level == "urgent" || !l.Due.Before(lines[i-1].Due), "rank %d: first come, first served", l.Rank)
	}
	assert.Equal(t, "T-1072", lines[0].ID)
	assert.Equal(t, "T-1076", lines[1].ID)

	defLines := parseJSON(t, def.stdout)
	i := slices.IndexFunc(defLines, func(l jsonLine) bool { return l.ID == "T-1072" })
	assert.Greater(t, i, 50, "the default pack puts a feature wish near the end")
	assert.NotEqual(t, def.stdout, r.stdout)
}

// TestRankExtendedPack ranks with the default pack extended by a dark mode
// rule and with its feature-request rule disabled: the two dark mode
// requests rise to high, and every other ticket is decided as the default
// pack decides it.
func TestRankExtendedPack(t *testing.T) {
	t.Parallel()
	def := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, def)
	r := runCmd(t, "", "rank", "-rules", acmePack, "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, r)

	byID := func(lines []jsonLine) map[string]jsonLine {
		out := make(map[string]jsonLine)
		for _, l := range lines {
			l.Rank = 0
			out[l.ID] = l
		}
		return out
	}
	want, got := byID(parseJSON(t, def.stdout)), byID(parseJSON(t, r.stdout))
	require.Len(t, got, len(want))
	for _, id := range []string{"T-1072", "T-1076"} {
		assert.Contains(t, want[id].Rules, "feature-request", id)
		assert.Equal(t, "high", got[id].Level, id)
		assert.Equal(t, "product", got[id].Queue, id)
		assert.Contains(t, got[id].Rules, "dark-mode", id)
		assert.NotContains(t, got[id].Rules, "feature-request", id)
	}
	changed := 0
	for id, w := range want {
		if slices.Contains(w.Rules, "feature-request") || slices.Contains(got[id].Rules, "dark-mode") {
			changed++
			continue
		}
		assert.Equal(t, w, got[id], id)
	}
	assert.Less(t, changed, len(want)/4, "the extension changes only the tickets it is about")
}
