package packfile

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestShapeQuietOnGoodYAML holds shapeError to files YAML reads: on every
// YAML file of the repository that parses, it must find nothing, or it
// would one day blame a good line for another line's mistake.
func TestShapeQuietOnGoodYAML(t *testing.T) {
	t.Parallel()
	checked := 0
	err := filepath.WalkDir("../../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "fuzz") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var n yaml.Node
		if yaml.NewDecoder(bytes.NewReader(data)).Decode(&n) != nil {
			return nil
		}
		checked++
		assert.Nil(t, shapeError(NewSource(path, data)), "%s parses, and yet", path)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 40)
}

// TestShapeGood checks valid forms the scanner must follow: block
// scalars, multi-line quotes and flows, compact sequences, comments.
func TestShapeGood(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"compact sequence": "rules:\n- name: a\n  when: x\n- name: b\n",
		"literal block":    "rules:\n  - name: a\n    when: |\n      x &&\n\n      y\n    score: 1\n",
		"folded at key":    "a: >-\n  text\n  more\nb: 1\n",
		"multi-line quote": "a: \"one\n  two\"\nb: 1\n",
		"multi-line flow":  "lists:\n  x: [a, b,\n     c]\n  y: {a: 1,\n      b: 2}\n",
		"plain continued":  "rules:\n  - name: a\n    when: x &&\n      y\n    score: 1\n",
		"value below key":  "a:\n  text\nb: 1\n",
		"comments":         "# top\na: 1 # here\n  # odd comment\nb: \"#\" # x\n",
		"nested":           "a:\n  b:\n    - c: 1\n      d:\n        - 2\n  e: 3\n",
		"quoted keys":      "\"a b\": 1\n'c': 2\n",
	} {
		var n yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte(text), &n), name)
		assert.Nil(t, shapeError(NewSource("x.yaml", []byte(text))), name)
	}
}
