package urgencytest

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

// TestSchemaKeysMatchRunner keeps schema/tests.schema.json in step with
// the keys the test-file reader accepts, both ways, and its ticket keys
// with the JSON fields of a ticket.
func TestSchemaKeysMatchRunner(t *testing.T) {
	data, err := os.ReadFile("../../schema/tests.schema.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	props := func(obj any) []string {
		m, ok := obj.(map[string]any)
		require.True(t, ok)
		p, ok := m["properties"].(map[string]any)
		require.True(t, ok, "no properties in %v", m)
		assert.Equal(t, false, m["additionalProperties"], "unknown keys must be flagged")
		var out []string
		for k := range p {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	defs := doc["definitions"].(map[string]any)
	caseProps := defs["case"].(map[string]any)["properties"].(map[string]any)
	assert.Equal(t, sorted(fileKeys), props(doc), "test file keys")
	assert.Equal(t, sorted(caseKeys), props(defs["case"]), "case keys")
	assert.Equal(t, sorted(scoreKeys), props(caseProps["score"]), "score range keys")
	assert.Equal(t, sorted(clusterKeys), props(caseProps["cluster"]), "cluster keys")
	assert.Equal(t, jsonFields(reflect.TypeFor[urgency.Ticket]()), props(defs["ticket"]), "ticket keys")
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
