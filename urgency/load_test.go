package urgency

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
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

// FuzzLoad checks that loading never panics and that every error points
// into the file.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
	}
	// Files built to hurt the loader: macros that double at each step,
	// many terms without an alias and a billion laughs with them, an
	// anchor containing itself, a syntax error far into a long
	// expression, and bases outside the pack.
	f.Add([]byte(macroChainPack(12, false, "  - {name: r, when: m12 && flagged, score: 1}\n")))
	f.Add([]byte(macroChainPack(12, true, "  - {name: r, when: m6 || m5, score: 1}\n")))
	var terms strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&terms, "w%d, ", i)
	}
	f.Add([]byte("version: 1\nname: t\nlevels: [{name: low, respond_within: 1h}]\nlists:\n  l: &l [" + terms.String() + "w]\n  m: *l\n  n: *l\n"))
	laughs := "version: 1\nname: lol\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 6; i++ {
		name := fmt.Sprintf("l%d", i)
		laughs += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	f.Add([]byte(laughs + "lists: {x: *l5}\n"))
	f.Add([]byte("version: 1\nname: loop\nrules: &r [*r]\n"))
	f.Add([]byte(testPack("\n  - {name: big, when: 'subject == \"" + strings.Repeat("a", 20_000) + "\" )'}")))
	for _, ref := range []string{"/etc/passwd", "/proc/self/environ", "/dev/zero", "../p.yaml", "x/../../p.yaml", "'../*.yaml'"} {
		f.Add([]byte("version: 1\nname: ext\nextends: " + ref + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(data)()
		_, err := LoadFS(fstest.MapFS{"p.yaml": {Data: data}})
		if err == nil {
			return
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("want an ErrorList, got %T: %v", err, err)
		}
		lines := len(packfile.NewSource("p.yaml", data).Lines)
		for _, e := range list {
			if strings.HasPrefix(e.Pos.File, packfile.DefaultDir+"/") {
				// extends: default, with overrides that break what the
				// default pack's own rules say.
				continue
			}
			if e.Pos.File != "p.yaml" && e.Pos.File != "" {
				t.Fatalf("error names file %q: %v", e.Pos.File, e)
			}
			if e.Pos.Line < 0 || e.Pos.Line > lines || e.Pos.Line > 0 && e.Pos.Column < 1 {
				t.Fatalf("position %v outside the file (%d lines): %v", e.Pos, lines, e)
			}
			for _, l := range strings.Split(e.Caret(), "\n") {
				if utf8.RuneCountInString(l) > packfile.CaretWidth+2 {
					t.Fatalf("caret line of %d characters: %v", utf8.RuneCountInString(l), e)
				}
			}
		}
	})
}

// TestTicketFieldNumbersCompare checks that numbers in a ticket line's
// custom fields reach rules as numbers they can compare.
func TestTicketFieldNumbersCompare(t *testing.T) {
	line := `{"id":"A","created_at":"2026-11-22T09:00:00Z","fields":{"seats":250,"ratio":0.5,"nested":{"n":[1,2.5]},"huge":123456789012345678901234}}`
	tk, err := NewTicketReader(strings.NewReader(line)).Next()
	require.NoError(t, err)
	assert.Equal(t, 250, tk.Fields["seats"])
	assert.Equal(t, 0.5, tk.Fields["ratio"])
	assert.Equal(t, map[string]any{"n": []any{1, 2.5}}, tk.Fields["nested"])
	assert.InDelta(t, 1.2345678901234568e23, tk.Fields["huge"], 1e9)

	src := "version: 1\nname: t\nlevels: [{name: normal, respond_within: 1h}]\nrules:\n  - {name: big, when: fields.seats > 100 && fields.ratio < 1, score: 10}\n"
	eng, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(src)}}, "p.yaml")
	require.NoError(t, err)
	a := eng.Assess(tk, tk.CreatedAt)
	assert.Empty(t, a.Errors)
	assert.Equal(t, []string{"big"}, a.Rules())
}
