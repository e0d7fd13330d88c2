package urgencytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

// TestReadmeExamples runs the README's test file against the README's
// rule file, as a lead who copies both would: what the README shows must
// pass.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	dir := t.TempDir()
	for heading, name := range map[string]string{"## Rule files": "support.yaml", "## Testing a pack": "billing_test.yaml"} {
		text := yamlBlockAfter(t, string(readme), heading)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	s, err := Load(filepath.Join(dir, "billing_test.yaml"))
	require.NoError(t, err)
	r := s.Run()
	var report strings.Builder
	r.Report(&report)
	require.Zero(t, r.Failed(), report.String())
}

// yamlBlockAfter returns the first ```yaml block after the heading.
func yamlBlockAfter(t *testing.T, text, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, "\n"+heading+"\n")
	require.True(t, ok, "no heading %q", heading)
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	require.True(t, ok, "no yaml block after %q", heading)
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	return block
}

// TestReadmeExtendsExample: the README's pack that extends the default
// pack loads and lint has nothing to say about it, as check -strict,
// which the README recommends for CI, requires.
func TestReadmeExtendsExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "acme.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yamlBlockAfter(t, string(readme), "## Extending a pack")), 0o644))
	e, err := urgency.Load(path)
	require.NoError(t, err)
	require.Empty(t, e.Warnings())
}

// TestNowHeldToTicketYears: a test file's now is held to the years a
// ticket line may hold, as urgency rank's -now is.
func TestNowHeldToTicketYears(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "far_test.yaml")
	require.NoError(t, os.WriteFile(path, []byte("now: 9999-11-22T10:00:00Z\ntickets:\n  - {id: A, created_at: 2026-11-22T09:00:00Z}\nexpect:\n  - {id: A, level: normal}\n"), 0o644))
	_, err := Load(path)
	require.Error(t, err)
	require.Contains(t, err.Error(), "far_test.yaml:1:6: now 9999-11-22T10:00:00Z is outside the years 1900 to 2199")
}
