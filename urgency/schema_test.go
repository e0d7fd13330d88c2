package urgency

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
	"gopkg.in/yaml.v3"
)

// The JSON Schemas in schema/ give editors completion, hover help and
// validation for rule files and test files. These tests keep
// rules.schema.json in step with the loader: the same order keys, and the
// same verdict on good and bad packs. Package packfile keeps the keys of
// every mapping in step with the decoder.

const schemaDir = "../schema"

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

func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join(schemaDir, name))
	require.NoError(t, err)
	sch, err := jsonschema.NewCompiler().Compile(abs)
	require.NoError(t, err, "the schema must be valid draft-07")
	return sch
}

// TestSchemaOrderKeys checks that the engine knows every order key the
// rule file may list, as the schema offers them.
func TestSchemaOrderKeys(t *testing.T) {
	items := schemaAt(t, readSchema(t, "rules.schema.json"), "/properties/order/items")
	var enum []string
	for _, v := range items["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	assert.ElementsMatch(t, packfile.OrderKeys, enum)
	assert.ElementsMatch(t, slices.Collect(maps.Keys(orderKeys)), enum)
}

// yamlValue turns a YAML document into the values encoding/json would
// give for the same data, which is what a schema validates. Scalars keep
// their text unless YAML reads them as null, a boolean or a number, as
// editors do: a date like 2026-12-24 stays the text the loader reads, not
// a time.
func yamlValue(t *testing.T, data []byte) any {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.Equal(t, yaml.DocumentNode, doc.Kind)
	var conv func(n *yaml.Node) any
	conv = func(n *yaml.Node) any {
		switch n.Kind {
		case yaml.AliasNode:
			return conv(n.Alias)
		case yaml.MappingNode:
			m := make(map[string]any, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				m[n.Content[i].Value] = conv(n.Content[i+1])
			}
			return m
		case yaml.SequenceNode:
			s := make([]any, 0, len(n.Content))
			for _, c := range n.Content {
				s = append(s, conv(c))
			}
			return s
		}
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool", "!!int", "!!float":
			var v any
			require.NoError(t, n.Decode(&v))
			return v
		}
		return n.Value
	}
	return conv(doc.Content[0])
}

func globAll(t *testing.T, patterns ...string) []string {
	t.Helper()
	var out []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		require.NoError(t, err)
		out = append(out, m...)
	}
	return out
}

func TestSchemaAcceptsRepoFiles(t *testing.T) {
	rulesSchema := compileSchema(t, "rules.schema.json")
	testsSchema := compileSchema(t, "tests.schema.json")
	var packs, tests []string
	for _, f := range globAll(t, "../rules/default/*.yaml", "testdata/*.yaml", "../cmd/urgency/testdata/packs/*.yaml") {
		switch {
		case strings.HasSuffix(f, "_test.yaml"):
			tests = append(tests, f)
		case !strings.Contains(filepath.Base(f), ".bad."):
			packs = append(packs, f)
		}
	}
	tests = append(tests, globAll(t, "../schema/testdata/*_test.yaml", "urgencytest/testdata/pass_test.yaml", "urgencytest/testdata/fail_test.yaml", "urgencytest/testdata/service_test.yaml")...)
	require.GreaterOrEqual(t, len(packs), 5, "rule packs found: %v", packs)
	require.NotEmpty(t, tests)
	for _, f := range packs {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			assert.NoError(t, rulesSchema.Validate(yamlValue(t, data)))
		})
	}
	for _, f := range tests {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			assert.NoError(t, testsSchema.Validate(yamlValue(t, data)))
		})
	}
}

// TestSchemaAgreesWithLoader loads small packs with the loader and checks
// them against the schema: both must accept the good ones and reject the
// bad ones.
func TestSchemaAgreesWithLoader(t *testing.T) {
	sch := compileSchema(t, "rules.schema.json")
	const base = `version: 1
name: t
levels:
  - {name: high, min_score: 50, respond_within: 4h}
  - {name: low, respond_within: 3d}
`
	withRule := func(rule string) string { return base + "rules:\n  - " + rule + "\n" }
	calendar := func(body string) string {
		return base + "calendars:\n  office: " + body + "\nsettings: {calendar: office}\n"
	}
	tests := []struct {
		name string
		pack string
		ok   bool
		// mention is a part of the schema's message for a bad pack.
		mention string
	}{
		{name: "rule with every key", ok: true, pack: withRule(`{name: vip, description: Premium customers., when: 'customer.tier == "premium"', score: 10, level: high, queue: billing, tags: [premium, lang:de], respond_within: 1h30m, calendar: 24/7, enabled: false}`)},
		{name: "score expression and true", ok: true, pack: withRule(`{name: aging, when: true, score: 'round(10 * sla_used)'}`)},
		{name: "every section", ok: true, pack: base + `settings: {new_customer: 2w, timezone: Europe/Zagreb}
lists: {payment: [payment, "plać*", 502]}
macros: {pay: 'mentions(text, "payment")', limit: 40}
rules: [{name: pay, when: pay, score: 60}]
clusters: {window: 90m, similarity: 1, horizon: 0}
order: [due, level, id]
`},
		{name: "calendar forms", ok: true, pack: calendar(`{timezone: UTC, hours: {Mon-Tue: "08:00-12:00, 13:00-16:00", wed: "22:00-06:00", thursday-FRI: "08:00-16:00", saturday: "09:00-12:00", SUN: "10:00-24:00"}, holidays: ["2026-12-24", 12-25, "01-01"]}`)},
		{name: "calendar 24/7", ok: true, pack: calendar(`24/7`)},
		{name: "service levels", ok: true, pack: strings.Replace(base, "respond_within: 4h}", "respond_within: 4h, resolve_within: 2d}", 1) +
			"settings: {pause: [pending, on-hold]}\nrules:\n  - {name: gold, when: 'customer.tier == \"gold\"', resolve_within: 4h}\n"},
		{name: "pause is not a list", pack: base + "settings: {pause: pending}\n", mention: "pause"},
		{name: "repeated pause status", pack: base + "settings: {pause: [pending, pending]}\n", mention: "pause"},

		{name: "unknown top-level key", pack: base + "rule:\n  - {name: x, when: flagged}\n", mention: "rule"},
		{name: "misspelt rule key", pack: withRule("{name: x, when: flagged, scroe: 10}"), mention: "scroe"},
		{name: "misspelt level key", pack: strings.Replace(base, "respond_within: 3d", "respond_in: 3d", 1), mention: "respond_in"},
		{name: "misspelt settings key", pack: base + "settings: {timezon: UTC}\n", mention: "timezon"},
		{name: "misspelt clusters key", pack: base + "clusters: {windows: 2h}\n", mention: "windows"},
		{name: "misspelt calendar key", pack: calendar(`{timezone: UTC, hours: {mon: "08:00-16:00"}, holiday: [12-25]}`), mention: "holiday"},
		{name: "duration in words", pack: strings.Replace(base, "4h", "4 hours", 1), mention: "respond_within"},
		{name: "duration without unit", pack: strings.Replace(base, "4h", "4", 1), mention: "respond_within"},
		{name: "negative duration", pack: withRule("{name: x, when: flagged, respond_within: -1h}"), mention: "respond_within"},
		{name: "unknown order key", pack: base + "order: [level, priority]\n", mention: "order"},
		{name: "repeated order key", pack: base + "order: [level, level]\n", mention: "order"},
		{name: "no version", pack: strings.Replace(base, "version: 1\n", "", 1), mention: "version"},
		{name: "version 2", pack: strings.Replace(base, "version: 1", "version: 2", 1), mention: "version"},
		{name: "rule without when", pack: withRule("{name: x, score: 10}"), mention: "when"},
		{name: "rule name with capitals", pack: withRule("{name: Payment_Failure, when: flagged}"), mention: "name"},
		{name: "enabled as text", pack: withRule(`{name: x, when: flagged, enabled: "no"}`), mention: "enabled"},
		{name: "level without respond_within", pack: strings.Replace(base, ", respond_within: 3d", "", 1), mention: "respond_within"},
		{name: "similarity above 1", pack: base + "clusters: {similarity: 1.5}\n", mention: "similarity"},
		{name: "list without terms", pack: base + "lists: {payment: []}\n", mention: "payment"},
		{name: "list name with a dash", pack: base + "lists: {pay-ment: [payment]}\n", mention: "pay-ment"},
		{name: "hours without minutes", pack: calendar(`{timezone: UTC, hours: {mon-fri: "8-16"}}`), mention: "mon-fri"},
		{name: "unknown day", pack: calendar(`{timezone: UTC, hours: {weekdays: "08:00-16:00"}}`), mention: "weekdays"},
		{name: "holiday in another form", pack: calendar(`{timezone: UTC, hours: {mon: "08:00-16:00"}, holidays: [25.12.]}`), mention: "holidays"},
		{name: "calendar without hours", pack: calendar(`{timezone: UTC}`), mention: "hours"},
		{name: "local time zone", pack: base + "settings: {timezone: Local}\n", mention: "timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, loadErr := LoadFS(fstest.MapFS{"pack.yaml": {Data: []byte(tt.pack)}})
			schemaErr := sch.Validate(yamlValue(t, []byte(tt.pack)))
			if tt.ok {
				assert.NoError(t, loadErr, "loader")
				assert.NoError(t, schemaErr, "schema")
				return
			}
			assert.Error(t, loadErr, "loader")
			if assert.Error(t, schemaErr, "schema") {
				assert.Contains(t, schemaErr.Error(), tt.mention)
			}
		})
	}
}

func TestTestsSchemaRejects(t *testing.T) {
	sch := compileSchema(t, "tests.schema.json")
	const base = `now: 2026-11-22T10:00:00Z
tickets:
  - {id: A, subject: Payment failed, created_at: 2026-11-22T09:00:00Z, customer: {id: C-1}}
expect:
  - {id: A, level: critical, score: {min: 40}, cluster: {size: 1}}
`
	require.NoError(t, sch.Validate(yamlValue(t, []byte(base))), "the base file must be good")
	tests := []struct {
		name, file, mention string
	}{
		{"unknown top-level key", base + "expected: []\n", "expected"},
		{"misspelt expectation key", strings.Replace(base, "level:", "levle:", 1), "levle"},
		{"misspelt ticket key", strings.Replace(base, "subject:", "title:", 1), "title"},
		{"misspelt customer key", strings.Replace(base, "{id: C-1}", "{id: C-1, teir: premium}", 1), "teir"},
		{"misspelt score range", strings.Replace(base, "{min: 40}", "{minimum: 40}", 1), "minimum"},
		{"misspelt cluster key", strings.Replace(base, "{size: 1}", "{members: 1}", 1), "members"},
		{"no now", strings.Replace(base, "now: 2026-11-22T10:00:00Z\n", "", 1), "now"},
		{"now in words", strings.Replace(base, "now: 2026-11-22T10:00:00Z", "now: yesterday", 1), "now"},
		{"no tickets", base[:strings.Index(base, "tickets:")] + base[strings.Index(base, "expect:"):], "tickets"},
		{"no expectations", base[:strings.Index(base, "expect:")] + "expect: []\n", "expect"},
		{"ticket without created_at", strings.Replace(base, ", created_at: 2026-11-22T09:00:00Z", "", 1), "created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(yamlValue(t, []byte(tt.file)))
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.mention)
			}
		})
	}
}
