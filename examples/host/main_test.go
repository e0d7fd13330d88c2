package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

// ranked returns the ticket IDs of the ranked list in run's output, in
// order, and the level printed for each.
func ranked(t *testing.T, out string) (ids, levels []string) {
	t.Helper()
	row := regexp.MustCompile(`^(\d+)\. (\S+) (\S+) +due `)
	for _, line := range strings.Split(out, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		require.Equal(t, strconv.Itoa(len(ids)+1), m[1], "rank of %s", m[2])
		ids = append(ids, m[2])
		levels = append(levels, m[3])
	}
	return ids, levels
}

func TestRunDefaultPack(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(&buf))
	out := buf.String()

	assert.True(t, strings.HasPrefix(out, "policy default@"), out)
	ids, levels := ranked(t, out)
	require.Len(t, ids, len(openTickets()))
	assert.Equal(t, "H-3", ids[0], "the payment failure comes first")
	assert.Equal(t, "critical", levels[0])
	assert.Equal(t, "H-1", ids[len(ids)-1], "the thank-you note comes last")
	assert.Equal(t, "low", levels[len(levels)-1])
	assert.Less(t, slices.Index(ids, "H-4"), slices.Index(ids, "H-2"), "a Cyrillic login failure goes before a new customer's question")

	assert.Contains(t, out, "     +60 payment-failure\n")
	assert.Contains(t, out, `incoming H-7 "Site en panne": critical, queue technical`)
	assert.NotContains(t, out, "rule failed")

	// The rejected reload shows both mistakes, each with its caret.
	assert.Contains(t, out, `support.yaml:10:26: rule "payment-problem": unknown list "paymnt"`)
	assert.Contains(t, out, `support.yaml:12:12: rule "payment-problem": unknown level "critcal"`)
	assert.Contains(t, out, "\n                         ^\n")
}

func TestRunCustomPack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "welcome.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`version: 1
name: welcome
levels:
  - {name: first, min_score: 10, respond_within: 30m}
  - {name: later, respond_within: 48h}
lists:
  thanks: [danke, thanks, hvala]
rules:
  - name: thanks-first
    when: mentions(text, "thanks")
    score: 10
    queue: happiness
`), 0o644))

	var buf bytes.Buffer
	require.NoError(t, run(&buf, path))
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "policy welcome@"), out)
	ids, levels := ranked(t, out)
	require.NotEmpty(t, ids)
	assert.Equal(t, "H-1", ids[0], "this pack answers thanks first")
	assert.Equal(t, "first", levels[0])
	assert.Contains(t, out, "queue happiness")
}

func TestRunBadPack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("version: 1\nname: bad\nlevels:\n  - {name: low, respond_within: 1h}\nrules:\n  - name: x\n    when: flaged\n"), 0o644))

	var buf bytes.Buffer
	err := run(&buf, path)
	require.Error(t, err)
	assert.Empty(t, buf.String(), "nothing is ranked with a broken pack")

	var list urgency.ErrorList
	require.True(t, errors.As(err, &list), "%T", err)
	require.Len(t, list, 1)

	var msg bytes.Buffer
	printLoadError(&msg, err)
	assert.Equal(t, path+":7:11: rule \"x\": unknown name flaged (did you mean \"flagged\"?)\n"+
		"    when: flaged\n"+
		"          ^\n", msg.String())
}
