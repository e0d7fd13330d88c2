package urgency

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency/internal/match"
)

// TestLanguageNamesFollowEnv: every fact of Env is a name a macro cannot
// take and a suggestion for a misspelt one, and every function of the
// rule language compiles.
func TestLanguageNamesFollowEnv(t *testing.T) {
	for _, name := range []string{"subject", "customer", "cluster", "due_in", "status", "paused_for", "mentions", "words"} {
		assert.Contains(t, envNames, name)
		assert.True(t, reserved[name], name)
	}
	for _, name := range envNames {
		list := loadText(t, fmt.Sprintf("version: 1\nname: n\nlevels:\n  - {name: normal, respond_within: 8h}\nmacros:\n  %s: flagged\n", name))
		require.NotEmpty(t, list, "a macro named %s must be refused", name)
		assert.Contains(t, list.Error(), "is already a name of the rule language")
	}
	assert.Equal(t, []string{"id", "tier", "age", "new"}, memberNames["customer"])
	assert.Equal(t, []string{"id", "size", "customers", "age", "span"}, memberNames["cluster"])
	for _, fn := range ruleFunctions {
		assert.NotContains(t, exprNames(reflect.TypeFor[Env]()), fn, "a function is not a field")
	}
	list := loadText(t, testPack("\n  - {name: r, when: 'pausd_for > duration(\"1h\")'}"))
	require.NotEmpty(t, list)
	assert.Contains(t, list.Error(), `did you mean "paused_for"?`)
}

// TestRulesSeeEveryNameOfEnv: every name of Env reaches the rules, those
// of the unexported embedded ruleHooks and textStats included, which the
// patcher calls in place of mentions, mentionCount, words, shouting and
// exclamations: each rule below reads one and must match without error.
func TestRulesSeeEveryNameOfEnv(t *testing.T) {
	tk := Ticket{ID: "T1", Subject: "PAYMENT failed!!", Body: "plaćanje ne radi! Payment help",
		Channel: "email", Customer: Customer{ID: "c", Tier: "gold"}, Fields: map[string]any{"product": "x"},
		CreatedAt: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	text := tk.Subject + "\n" + tk.Body
	want := map[string]string{} // rule name → when
	for _, name := range exprNames(reflect.TypeFor[Env]()) {
		switch name {
		case "customer", "cluster":
			for _, m := range memberNames[name] {
				want[name+"-"+m] = fmt.Sprintf("%s.%s == %s.%s", name, m, name, m)
			}
		case "fields":
			want[name] = `fields.product == "x"`
		default:
			want[strings.ReplaceAll(name, "_", "-")] = fmt.Sprintf("%s == %s", name, name)
		}
	}
	stats := map[string]func(string) string{
		"words":        func(s string) string { return fmt.Sprint(match.Words(s)) },
		"shouting":     func(s string) string { return fmt.Sprint(match.Shouting(s)) },
		"exclamations": func(s string) string { return fmt.Sprint(match.Exclamations(s)) },
	}
	texts := map[string]string{"subject": tk.Subject, "body": tk.Body, "text": text}
	hooks := map[string]string{
		fnMentionsField: `mentions(body, "payment")`,
		fnCountField:    `mentionCount(text, "payment") == 2`,
		fnCountString:   `mentionCount(lower(subject), "payment") == 1`,
	}
	hidden := 0
	for _, typ := range []reflect.Type{reflect.TypeFor[textStats](), reflect.TypeFor[ruleHooks]()} {
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("expr")
			fn, arg, ok := strings.Cut(tag, "·")
			require.True(t, ok, tag)
			name := "hidden-" + strings.NewReplacer("·", "-", "_", "-").Replace(strings.ToLower(tag))
			if when, ok := hooks[tag]; ok {
				want[name] = when
			} else {
				require.Contains(t, stats, fn, "a statistic without a test: %s", tag)
				want[name] = fmt.Sprintf("%s(%s) == %s", fn, arg, stats[fn](texts[arg]))
			}
			hidden++
		}
	}
	require.Equal(t, len(hooks)+numStatFns*numFields, hidden, "every hook and statistic is read by a rule")
	var rules strings.Builder
	for _, name := range slices.Sorted(maps.Keys(want)) {
		fmt.Fprintf(&rules, "\n  - {name: %s, when: '%s', score: 1}", name, want[name])
	}
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(rules.String()))}})
	require.NoError(t, err)
	a := e.Assess(tk, tk.CreatedAt.Add(time.Hour))
	require.Empty(t, a.Errors)
	assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), a.Rules())
}
