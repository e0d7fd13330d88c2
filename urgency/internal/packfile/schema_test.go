package packfile

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rules.schema.json gives editors completion, hover help and validation
// for rule files. These tests keep it in step with the decoder: the same
// keys in every mapping and the same order keys. Package urgency checks
// that the schema and the loader agree on good and bad packs.

const schemaDir = "../../../schema"

// schemaObjects are the mappings whose keys the loader checks, by the
// package variable that lists the keys, with the place in
// rules.schema.json that describes the same mapping.
var schemaObjects = []struct {
	keysVar string
	keys    []string
	pointer string
}{
	{"fileKeys", fileKeys, ""},
	{"settingsKeys", settingsKeys, "/properties/settings"},
	{"calendarKeys", calendarKeys, "/definitions/calendar"},
	{"levelKeys", levelKeys, "/definitions/level"},
	{"ruleKeys", ruleKeys, "/definitions/rule"},
	{"clusterKeys", clusterKeys, "/properties/clusters"},
	{"overrideKeys", overrideKeys, "/properties/overrides"},
	{"levelOverrideKeys", levelOverrideKeys, "/definitions/levelOverride"},
	{"listOverrideKeys", listOverrideKeys, "/definitions/listOverride"},
	{"ruleOverrideKeys", ruleOverrideKeys, "/definitions/ruleOverride"},
}

func readSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(schemaDir, name))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	return doc
}

// schemaAt follows a JSON pointer made of plain names.
func schemaAt(t *testing.T, doc map[string]any, pointer string) map[string]any {
	t.Helper()
	node := doc
	for part := range strings.SplitSeq(strings.TrimPrefix(pointer, "/"), "/") {
		if part == "" {
			continue
		}
		next, ok := node[part].(map[string]any)
		require.True(t, ok, "rules.schema.json has no object at %s", pointer)
		node = next
	}
	return node
}

func TestSchemaKeysMatchLoader(t *testing.T) {
	doc := readSchema(t, "rules.schema.json")
	for _, o := range schemaObjects {
		t.Run(o.keysVar, func(t *testing.T) {
			node := schemaAt(t, doc, o.pointer)
			props, _ := node["properties"].(map[string]any)
			assert.ElementsMatch(t, o.keys, slices.Collect(maps.Keys(props)),
				"the keys the loader accepts (%s) and those rules.schema.json describes at %q differ: give every key a described property in the schema", o.keysVar, o.pointer)
			assert.Equal(t, false, node["additionalProperties"], "%q must set additionalProperties: false so that editors flag typos", o.pointer)
		})
	}
	t.Run("OrderKeys", func(t *testing.T) {
		items := schemaAt(t, doc, "/properties/order/items")
		var enum []string
		for _, v := range items["enum"].([]any) {
			enum = append(enum, v.(string))
		}
		assert.ElementsMatch(t, OrderKeys, enum)
	})
	t.Run("no other objects", func(t *testing.T) {
		// An object with properties the loader does not check by one of
		// the key lists above would be a part of the schema nothing keeps
		// in step.
		var known []string
		for _, o := range schemaObjects {
			known = append(known, o.pointer)
		}
		var found []string
		var walk func(pointer string, v any)
		walk = func(pointer string, v any) {
			switch v := v.(type) {
			case map[string]any:
				if _, ok := v["properties"].(map[string]any); ok {
					found = append(found, pointer)
				}
				for k, child := range v {
					if k == "defaultSnippets" || k == "examples" || k == "default" {
						continue
					}
					walk(pointer+"/"+k, child)
				}
			case []any:
				for i, child := range v {
					walk(pointer+"/"+strconv.Itoa(i), child)
				}
			}
		}
		walk("", doc)
		assert.ElementsMatch(t, known, found)
	})
}

// TestSchemaCoversEveryKeyList makes a mapping the loader learns to read
// fail here until the schema describes it: every call of decoder.fields
// must take its keys from one of the variables in schemaObjects.
func TestSchemaCoversEveryKeyList(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	used := make(map[string]bool)
	calls := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "fields" {
				return true
			}
			calls++
			last, ok := call.Args[len(call.Args)-1].(*ast.Ident)
			if !ok || !call.Ellipsis.IsValid() {
				t.Errorf("%s: decoder.fields with keys written in place: list them in a package variable, describe them in schema/rules.schema.json and add both to schemaObjects", fset.Position(call.Pos()))
				return true
			}
			used[last.Name] = true
			return true
		})
	}
	require.NotZero(t, calls, "found no calls of decoder.fields: this test no longer sees how the loader checks keys")
	var listed []string
	for _, o := range schemaObjects {
		listed = append(listed, o.keysVar)
	}
	assert.ElementsMatch(t, listed, slices.Collect(maps.Keys(used)),
		"every key list the loader uses must be in schemaObjects, with its place in schema/rules.schema.json")
}
