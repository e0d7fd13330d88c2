package urgency

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// secret is what a file outside the pack holds; no error may show it.
const secret = "TOKEN=hunter2-do-not-print"

var confinedBase = []byte("version: 1\nname: base\nlevels: [{name: all, respond_within: 1h}]\nrules:\n  - {name: r, when: flagged, score: 1}\n")

// writeFiles writes files (name -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
}

// errorsAndCarets returns every error of a failed load with its caret
// view, as urgency check prints them.
func errorsAndCarets(t *testing.T, err error) (lines []string, all string) {
	t.Helper()
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list), "want an ErrorList, got %T: %v", err, err)
	var b strings.Builder
	for _, e := range list {
		lines = append(lines, e.Error())
		b.WriteString(e.Error() + "\n" + e.Caret() + "\n")
	}
	return lines, b.String()
}

// TestExtendsStaysInsideThePack: a base of Load is inside the directory of
// the extending file, symbolic links included, and is a regular file; the
// error is at the extends value, says why, and shows nothing of the file
// it refused.
func TestExtendsStaysInsideThePack(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.yaml": secret + "\n", "dir/pack.yaml": secret + "\n"})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"up.yaml": secret + "\n", "team/base/pack.yaml": string(confinedBase)})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "team", "link.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "dir"), filepath.Join(dir, "team", "linkdir")))
	require.NoError(t, os.Symlink("../up.yaml", filepath.Join(dir, "team", "uplink.yaml")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "team", "base", "d.yaml"), 0o755))
	writeFiles(t, dir, map[string]string{"team/big.yaml": "# " + strings.Repeat("x", MaxFileSize) + "\n"})
	// Stat says nothing is wrong with a device file: its size is 0.
	zero := "/dev/zero"
	if _, err := os.Stat(zero); err == nil {
		require.NoError(t, os.Symlink(zero, filepath.Join(dir, "team", "zero.yaml")))
	}

	tests := []struct{ ref, want string }{
		{"/etc/passwd", `extends "/etc/passwd": a base is named by a path relative to this file, inside the directory of this file, ` + filepath.ToSlash(filepath.Join(dir, "team")) + `, not by an absolute path`},
		{"/proc/self/environ", "not by an absolute path"},
		{filepath.Join(outside, "secret.yaml"), "not by an absolute path"},
		{"/dev/zero", "not by an absolute path"},
		{"../up.yaml", `extends "../up.yaml": the base would be outside the directory of this file`},
		{"base/../../up.yaml", "the base would be outside the directory of this file"},
		{"../*.yaml", "the base would be outside the directory of this file"},
		{"link.yaml", `extends "link.yaml": ` + filepath.ToSlash(filepath.Join(dir, "team", "link.yaml")) + `: a symbolic link leads outside the directory of this file`},
		{"linkdir/", "a symbolic link leads outside the directory of this file"},
		{"uplink.yaml", "a symbolic link leads outside the directory of this file"},
		{"zero.yaml", "a symbolic link leads outside the directory of this file"},
		{"'base/*.yaml'", `base/d.yaml: not a regular file: a base is made of rule files`},
		{"big.yaml", fmt.Sprintf("big.yaml: file is larger than %d bytes", MaxFileSize)},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if strings.Contains(tt.ref, "zero") {
				if _, err := os.Lstat(filepath.Join(dir, "team", "zero.yaml")); err != nil {
					t.Skip("no /dev/zero")
				}
			}
			pack := filepath.Join(dir, "team", "pack.yaml")
			writeFiles(t, dir, map[string]string{"team/pack.yaml": "version: 1\nextends: " + tt.ref + "\n"})
			start := time.Now()
			_, err := Load(pack)
			lines, all := errorsAndCarets(t, err)
			require.Len(t, lines, 1, all)
			assert.True(t, strings.HasPrefix(lines[0], filepath.ToSlash(pack)+":2:10: "), "at the extends value: %s", lines[0])
			assert.Contains(t, lines[0], tt.want)
			assert.NotContains(t, all, "hunter2")
			assert.NotContains(t, all, "root:")
			t.Logf("%s in %v", lines[0], time.Since(start))
		})
	}
}

// TestExtendsInsideThePackStillWorks: relative bases inside the pack's
// directory load, through directories, globs, symbolic links that stay
// inside, and a chain whose later base goes up to the first directory.
func TestExtendsInsideThePackStillWorks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"common.yaml":   string(confinedBase),
		"mid/pack.yaml": "version: 1\nname: mid\nextends: ../common.yaml\nrules: [{name: m, when: flagged}]\n",
		"pack.yaml":     "version: 1\nname: top\nextends: ./mid/\nrules: [{name: s, when: flagged}]\n",
	})
	e, err := Load(filepath.Join(dir, "pack.yaml"))
	require.NoError(t, err)
	var names []string
	for _, r := range e.Rules() {
		names = append(names, r.Name)
		if r.Name == "r" {
			assert.Equal(t, filepath.ToSlash(filepath.Join(dir, "common.yaml")), r.Pos.File, "a base is named as loaded")
		}
	}
	assert.Equal(t, []string{"r", "m", "s"}, names)

	require.NoError(t, os.Symlink("common.yaml", filepath.Join(dir, "alias.yaml")))
	writeFiles(t, dir, map[string]string{"other.yaml": "version: 1\nname: other\nextends: alias.yaml\n"})
	_, err = Load(filepath.Join(dir, "other.yaml"))
	require.NoError(t, err, "a symbolic link inside the directory is followed")

	// Relative to the working directory, as urgency check -rules names them.
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(dir)
	_, err = Load("pack.yaml")
	require.NoError(t, err)
	t.Chdir(wd)
}

// endlessFS is a file system whose one file says it is a small regular
// file and never ends.
type endlessFS struct{}

func (endlessFS) Open(name string) (fs.File, error) {
	if name != "zero.yaml" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return endlessFile{}, nil
}

type endlessFile struct{}

func (endlessFile) Stat() (fs.FileInfo, error) { return endlessInfo{}, nil }
func (endlessFile) Close() error               { return nil }
func (endlessFile) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	return len(p), nil
}

type endlessInfo struct{}

func (endlessInfo) Name() string       { return "zero.yaml" }
func (endlessInfo) Size() int64        { return 10 }
func (endlessInfo) Mode() fs.FileMode  { return 0o644 }
func (endlessInfo) ModTime() time.Time { return time.Time{} }
func (endlessInfo) IsDir() bool        { return false }
func (endlessInfo) Sys() any           { return nil }

// TestExtendsInAFileSystem: with LoadFS the base is inside the fs.FS, by
// fs.ValidPath; it must be a regular file, and it is read only up to the
// file-size limit whatever Stat says.
func TestExtendsInAFileSystem(t *testing.T) {
	fsys := fstest.MapFS{
		"team/abs.yaml":      {Data: []byte("version: 1\nextends: /base.yaml\n")},
		"team/up.yaml":       {Data: []byte("version: 1\nextends: ../../base.yaml\n")},
		"team/dev.yaml":      {Data: []byte("version: 1\nextends: dev/zero.yaml\n")},
		"team/ok.yaml":       {Data: []byte("version: 1\nextends: ../base.yaml\n")},
		"team/dev/zero.yaml": {Mode: fs.ModeDevice | fs.ModeCharDevice},
		"base.yaml":          {Data: confinedBase},
	}
	for name, want := range map[string]string{
		"team/abs.yaml": `team/abs.yaml:2:10: extends "/base.yaml": a base is named by a path relative to this file, inside the file system the pack is loaded from, not by an absolute path`,
		"team/up.yaml":  `team/up.yaml:2:10: extends "../../base.yaml": the base would be outside the file system the pack is loaded from, and a base must be inside it`,
		"team/dev.yaml": `team/dev.yaml:2:10: extends "dev/zero.yaml": team/dev/zero.yaml: not a regular file: a base is made of rule files`,
	} {
		_, err := LoadFS(fsys, name)
		assert.Equal(t, []string{want}, loadErrors(t, err))
	}
	_, err := LoadFS(fsys, "team/ok.yaml")
	require.NoError(t, err, "a base up the tree, inside the file system")

	// Stat says ten bytes; the file never ends.
	_, err = LoadFS(endlessFS{}, "zero.yaml")
	assert.Equal(t, []string{fmt.Sprintf("zero.yaml: file is larger than %d bytes", MaxFileSize)}, loadErrors(t, err))
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err = Load("/dev/zero")
		assert.Equal(t, []string{fmt.Sprintf("/dev/zero: file is larger than %d bytes", MaxFileSize)}, loadErrors(t, err))
	}
}

var _ io.Reader = endlessFile{}

// TestErrorsQuoteExcerpts: a load error quotes a short excerpt of a value,
// and its caret line a short excerpt of the line around the column, even
// for a value or a line of megabytes.
func TestErrorsQuoteExcerpts(t *testing.T) {
	huge := strings.Repeat("x", 4_000_000) // a line of almost MaxFileSize
	long := strings.Repeat("x", 100_000)
	terms := strings.Repeat("wwwwwwwwwwwwwwwwwwww, ", 5_000)
	head := "version: 1\nname: n\nlevels: [{name: low, respond_within: 1h}]\n"
	tests := []struct {
		name, text string
		at         string // the error's position
		under      string // what the caret points at
	}{
		{"a time zone", head + "settings: {timezone: \"" + huge + "\"}\n", "p.yaml:4:22", `"`},
		{"a term deep in a line", head + "lists: {l: [" + terms + "[x]]}\n", "p.yaml:4:110013", "["},
		{"an unknown key", head + "rules:\n  - name: r\n    when: flagged\n    ? " + long + "\n    : 1\n", "p.yaml:7:7", "x"},
		{"an unknown list", head + "rules: [{name: r, when: 'mentions(text, \"" + long + "\")'}]\n", "p.yaml:4:41", `"`},
		{"a long rule name", head + "rules: [{name: " + strings.Repeat("a", 100_000) + "}]\n", "p.yaml:4:9", "{"},
		{"a macro using itself", head + "macros:\n  ? " + strings.Repeat("m", 100_000) + "\n  : " + strings.Repeat("m", 100_000) + "\n", "p.yaml:6:5", "m"},
		{"an unknown name", head + "rules: [{name: r, when: 'flagged && " + long + "'}]\n", "p.yaml:4:37", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.LessOrEqual(t, len(tt.text), MaxFileSize)
			list := loadText(t, tt.text)
			require.NotEmpty(t, list)
			e := list[0]
			assert.True(t, strings.HasPrefix(e.Error(), tt.at+": "), e.Error()[:min(len(e.Error()), 200)])
			assert.Less(t, len(e.Error()), 400, "the message quotes an excerpt")
			caret := e.Caret()
			lines := strings.Split(caret, "\n")
			require.Len(t, lines, 2)
			assert.LessOrEqual(t, utf8.RuneCountInString(lines[0]), packfile.CaretWidth+2, "the caret line is an excerpt")
			col := utf8.RuneCountInString(lines[1]) - 1
			assert.Equal(t, tt.under, string([]rune(lines[0])[col]), "the caret points at the column:\n%s", caret)
			t.Log(e.Error(), "\n", caret)
		})
	}
}
