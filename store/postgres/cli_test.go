package postgres

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// buildCLI builds the urgency command and this module's store driver into
// one directory, where urgency finds the driver.
func buildCLI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, b := range [][]string{
		{"-C", "../..", "-o", filepath.Join(dir, "urgency"), "./cmd/urgency"},
		{"-o", filepath.Join(dir, "urgency-store-postgres"), "./cmd/urgency-store-postgres"},
	} {
		out, err := exec.Command("go", append([]string{"build"}, b...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	return dir
}

// TestCommandLineTwoProcesses: two "urgency queue add" processes on the
// two halves of a ticket file at once, then "urgency queue rank" prints
// what "urgency rank" prints for the whole file.
func TestCommandLineTwoProcesses(t *testing.T) {
	dsn, _ := testDSN(t)
	bin := buildCLI(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(key, []byte("a key of thirty-two bytes or more\n"), 0o600))
	whole, err := os.ReadFile("../../testdata/tickets.jsonl")
	require.NoError(t, err)
	lines := strings.SplitAfter(strings.TrimSpace(string(whole)), "\n")
	halves := []string{strings.Join(lines[:len(lines)/2], ""), strings.Join(lines[len(lines)/2:], "")}
	urgency := filepath.Join(bin, "urgency")
	run := func(stdin string, args ...string) string {
		cmd := exec.Command(urgency, args...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(os.Environ(), "URGENCY_STORE_KEY_FILE="+key)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		require.NoError(t, cmd.Run(), "urgency %v: %s", args, errOut.String())
		return out.String()
	}
	var wg sync.WaitGroup
	for _, half := range halves {
		wg.Go(func() { run(half, "queue", "add", "-store", dsn, "-") })
	}
	wg.Wait()
	const now = "2026-11-22T10:00:00Z"
	want := run(string(whole), "rank", "-now", now, "-format", "json")
	require.Equal(t, want, run("", "queue", "rank", "-store", dsn, "-now", now, "-format", "json"))
	require.Equal(t, run(string(whole), "rank", "-now", now), run("", "queue", "rank", "-store", dsn, "-now", now))

	run("", "queue", "remove", "-store", dsn, "T-1001", "T-1002")
	rest := strings.Join(lines[2:], "")
	require.Equal(t, run(rest, "rank", "-now", now, "-format", "json"),
		run("", "queue", "rank", "-store", dsn, "-now", now, "-format", "json"))
	require.NotEmpty(t, run("", "queue", "clusters", "-store", dsn, "-format", "json"))
}
