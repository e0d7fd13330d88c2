package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
)

// output is a buffer that run writes while the test reads it.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

var servingLine = regexp.MustCompile(`(?m)^serving (\S+)$`)

func TestRunReloads(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, rules.Default()))
	pack := filepath.Join(dir, "pack.yaml")
	original, err := os.ReadFile(pack)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := new(output)
	reload := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, dir, reload) }()
	// waitFor waits until the output says what want matches, and returns
	// the output.
	waitFor := func(want *regexp.Regexp) string {
		t.Helper()
		require.Eventually(t, func() bool { return want.MatchString(out.String()) }, 10*time.Second, 5*time.Millisecond,
			"output lacks %s:\n%s", want, out)
		return out.String()
	}

	first := servingLine.FindStringSubmatch(waitFor(servingLine))[1]
	assert.True(t, strings.HasPrefix(first, "default@"), first)
	waitFor(regexp.MustCompile(`(?m)^  1\. R-\d `)) // the tickets are ranked after the version is named

	// A support lead saves a mistake: the reload is rejected with the
	// place of the mistake, and the version serving keeps serving.
	broken := strings.Replace(string(original), "min_score: 80", "min_score: eighty", 1)
	require.NotEqual(t, string(original), broken, "the default pack sets min_score: 80")
	require.NoError(t, os.WriteFile(pack, []byte(broken), 0o644))
	reload <- struct{}{}
	line, col := positionOf(broken, "eighty")
	got := waitFor(regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf(`pack.yaml:%d:%d: min_score must be a number, not the text "eighty"`, line, col))))
	assert.Contains(t, got, "reload rejected, "+first+" keeps serving:\n  "+filepath.ToSlash(dir))

	// Looking again at the same mistake does not print it again.
	reload <- struct{}{}
	reload <- struct{}{} // received once the one before was handled
	assert.Equal(t, 1, strings.Count(out.String(), "reload rejected"))

	// Fixed (and edited), the pack loads as a new version.
	require.NoError(t, os.WriteFile(pack, append(original, "\n# reviewed\n"...), 0o644))
	reload <- struct{}{}
	waitFor(regexp.MustCompile(`(?ms)^serving .*^serving \S+\n  1\. .*\n  4\. `))
	versions := servingLine.FindAllStringSubmatch(out.String(), -1)
	require.Len(t, versions, 2)
	assert.NotEqual(t, first, versions[1][1])
	assert.Equal(t, 2, strings.Count(out.String(), "\n  1. "), "the tickets are ranked again")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was done")
	}
}

// positionOf returns the line and column (in characters) where s first
// occurs in text.
func positionOf(text, s string) (line, col int) {
	i := strings.Index(text, s)
	before := text[:i]
	start := strings.LastIndexByte(before, '\n') + 1
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(before[start:]) + 1
}

func TestRunWithoutRules(t *testing.T) {
	out := new(output)
	err := run(context.Background(), out, t.TempDir(), nil)
	require.Error(t, err)
	assert.Contains(t, out.String(), "no rule files (*.yaml) in directory")
}
