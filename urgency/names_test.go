package urgency

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
