//go:build unix

package urgency

import (
	"os"
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

// TestPackDirectoryStaysInside: a pack's directory, which may come from a
// shared repository, cannot hand the loader a file outside it through a
// symbolic link, nor a pipe; a link inside it is read, and a file named
// by the host itself is read wherever it is.
func TestPackDirectoryStaysInside(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.yaml")
	writeFiles(t, filepath.Dir(secret), map[string]string{"secret.yaml": "version: 1\nname: PASSWORD=hunter2\n"})
	good := "version: 1\nname: good\nlevels:\n  - {name: normal, respond_within: 8h}\n"

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": good})
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "b.yaml")))
	for _, p := range []string{dir, filepath.Join(dir, "*.yaml")} {
		_, err := Load(p)
		require.Error(t, err, p)
		assert.Contains(t, err.Error(), "b.yaml: a symbolic link out of the pack's directory is not read")
		assert.NotContains(t, err.Error(), "hunter2")
	}

	inside := t.TempDir()
	writeFiles(t, inside, map[string]string{"real.yaml.txt": good})
	require.NoError(t, os.Symlink("real.yaml.txt", filepath.Join(inside, "pack.yaml")))
	e, err := Load(inside)
	require.NoError(t, err, "a link to a file of the same directory is read")
	assert.Equal(t, "good", e.Name())

	pipes := t.TempDir()
	writeFiles(t, pipes, map[string]string{"a.yaml": good})
	require.NoError(t, syscall.Mkfifo(filepath.Join(pipes, "p.yaml"), 0o644))
	_, err = Load(pipes)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml: not a regular file")

	_, err = Load(secret)
	require.Error(t, err, "named by the host, the file is read (and fails on its own content)")
	assert.NotContains(t, err.Error(), "a symbolic link")
}
