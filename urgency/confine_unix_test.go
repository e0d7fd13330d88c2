//go:build unix

package urgency

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExtendsRefusesAFIFO: a base that is a FIFO is refused before it is
// opened (opening one waits for a writer, and reading it may never end).
func TestExtendsRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644))
	writeFiles(t, dir, map[string]string{"pack.yaml": "version: 1\nextends: fifo.yaml\n"})
	_, err := Load(filepath.Join(dir, "pack.yaml"))
	lines, all := errorsAndCarets(t, err)
	require.Len(t, lines, 1, all)
	want := filepath.ToSlash(filepath.Join(dir, "pack.yaml")) + `:2:10: extends "fifo.yaml": ` + filepath.ToSlash(filepath.Join(dir, "fifo.yaml")) + ": not a regular file: a base is made of rule files"
	assert.Equal(t, want, lines[0])
	assert.True(t, strings.HasSuffix(all, "extends: fifo.yaml\n         ^\n"), all)
}
