package urgency

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLoadErrorsGolden loads each testdata/X.bad.yaml (with any
// X.bad.*.yaml beside it) and compares every error, one per line with its
// caret view, to testdata/X.bad.golden.
func TestLoadErrorsGolden(t *testing.T) {
	bad, err := filepath.Glob("testdata/*.bad.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, bad)
	for _, path := range bad {
		name := strings.TrimSuffix(filepath.Base(path), ".bad.yaml")
		t.Run(name, func(t *testing.T) {
			more, err := filepath.Glob(filepath.Join("testdata", name+".bad.*.yaml"))
			require.NoError(t, err)
			_, err = Load(append([]string{path}, more...)...)
			require.Error(t, err)
			var list ErrorList
			require.True(t, errors.As(err, &list), "want an ErrorList, got %T", err)
			var b strings.Builder
			for _, e := range list {
				b.WriteString(e.Error())
				b.WriteByte('\n')
				if c := e.Caret(); c != "" {
					b.WriteString(c)
					b.WriteByte('\n')
				}
			}
			got := b.String()
			golden := filepath.Join("testdata", name+".bad.golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), got)
			for _, e := range list {
				assert.NotContains(t, e.Error(), "urgency.", "Go type names leak")
				assert.NotContains(t, e.Error(), "interface {}", "Go type names leak")
				assert.NotContains(t, e.Error(), "time.Duration", "Go type names leak")
			}
		})
	}
}
