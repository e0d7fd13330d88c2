package urgency

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// allCodes are the codes lint gives at load (untested-rule needs tests).
var allCodes = []string{
	WarnUnusedList, WarnUnusedMacro, WarnNeverMatches, WarnContradictory, WarnNoEffect,
	WarnLowestFloor, WarnMatchesEverything, WarnDuplicateTerm, WarnSameAfterFolding,
	WarnCoveredTerm, WarnShortWildcard,
}

// TestLintGolden loads testdata/X.warn.yaml, a pack that loads but has
// every kind of warning, and compares its warnings, each with its caret
// view, to testdata/X.warn.golden.
func TestLintGolden(t *testing.T) {
	e, err := Load("testdata/lint.warn.yaml")
	require.NoError(t, err)
	var b strings.Builder
	codes := map[string]bool{}
	for _, w := range e.Warnings() {
		b.WriteString(w.String())
		b.WriteByte('\n')
		if c := w.Caret(); c != "" {
			b.WriteString(c)
			b.WriteByte('\n')
		}
		codes[w.Code] = true
		assert.NotContains(t, w.Msg, "urgency.", "Go type names leak")
	}
	got := b.String()
	golden := filepath.Join("testdata", "lint.warn.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got)
	for _, c := range allCodes {
		assert.True(t, codes[c], "no %s warning in lint.warn.yaml", c)
	}
}

// TestLintClean checks the things lint must not warn about: used lists
// and macros (through macros, mentionCount or disabled rules), disabled
// rules, satisfiable conditions, rules whose only effect is a queue, tags
// or a response time, distinct terms.
func TestLintClean(t *testing.T) {
	e, err := Load("testdata/lint.clean.yaml")
	require.NoError(t, err)
	assert.Empty(t, e.Warnings())
}

// TestLintDefaultPack keeps the embedded default pack free of warnings.
func TestLintDefaultPack(t *testing.T) {
	e, err := LoadFS(os.DirFS("../rules/default"))
	require.NoError(t, err)
	for _, w := range e.Warnings() {
		t.Error(w)
	}
}

// lintOne loads a pack of one rule with the given when and the given
// lists, and returns the codes of its warnings about the rule.
func lintOne(t *testing.T, when string) []string {
	t.Helper()
	pack := "version: 1\nname: t\nlevels:\n  - {name: high, min_score: 10, respond_within: 1h}\n  - {name: low, respond_within: 2h}\n" +
		"lists:\n  payment: [payment]\nrules:\n  - name: r\n    score: 1\n    when: '" + strings.ReplaceAll(when, "'", "''") + "'\n" +
		"  - name: uses-list\n    when: mentions(text, \"payment\")\n    score: 1\n"
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(pack)}})
	require.NoError(t, err, when)
	var codes []string
	for _, w := range e.Warnings() {
		if w.Rule == "r" {
			codes = append(codes, w.Code)
		}
	}
	return codes
}

func TestLintConditions(t *testing.T) {
	tests := []struct {
		when string
		want string // the code, "" for none
	}{
		{"false", WarnNeverMatches},
		{"1 > 2", WarnNeverMatches},
		{"flagged && false", WarnNeverMatches},
		{"false and mentions(text, \"payment\")", WarnNeverMatches},
		{"!true", WarnNeverMatches},
		{"(false || false) && flagged", WarnNeverMatches},
		{"flagged || false", ""},
		{"false || true", ""},
		{"cluster.size > 5 && cluster.size < 3", WarnContradictory},
		{"cluster.size > 2 && cluster.size < 3", WarnContradictory}, // whole numbers
		{"shouting(text) > 0.2 && cluster.size >= 3 && cluster.size < 3", WarnContradictory},
		{"cluster.size == 3 && cluster.size != 3", WarnContradictory},
		{"cluster.size in [1, 2] && cluster.size > 2", WarnContradictory},
		{"cluster.size in [1, 2] && cluster.size >= 2", ""},
		{"3 < cluster.size && cluster.size < 4", WarnContradictory},
		{"3 < cluster.size && cluster.size <= 4", ""},
		{"language == \"de\" && language == \"fr\"", WarnContradictory},
		{"language in [\"de\", \"fr\"] && language not in [\"de\", \"fr\"]", WarnContradictory},
		{"language in [\"de\", \"fr\"] && language != \"de\"", ""},
		{"language in [\"de\", \"fr\"] && language in [\"hr\", \"bs\"]", WarnContradictory},
		{"not (language == \"de\") && language == \"de\"", WarnContradictory},
		{"flagged && !flagged", WarnContradictory},
		{"flagged and not flagged", WarnContradictory},
		{"customer.new && customer.new == false", WarnContradictory},
		{"age > duration(\"2h\") && age < duration(\"1h\")", WarnContradictory},
		{"age > duration(\"1h\") && age < duration(\"2h\")", ""},
		{"fields.plan == \"pro\" && fields.plan == \"free\"", WarnContradictory},
		{"fields.plan == \"pro\" && fields.seats == \"free\"", ""},
		{"language == \"de\" || language == \"fr\"", ""},
		{"language > \"de\" && language < \"ab\"", ""}, // text order is not judged
		{"(language == \"de\" && language == \"fr\") || flagged", WarnContradictory},
		{"language == \"de\" && (language == \"fr\" || flagged)", ""},
		{"words(text) > 5 && words(text) < 3", WarnContradictory}, // text statistics compile to fields
		{"words(text) > 5 && words(subject) < 3", ""},
		{"let n = cluster.size; n > 1", ""},
		{"text matches \"a?\"", WarnMatchesEverything},
		{"text matches \"^$\"", WarnMatchesEverything},
		{"text matches \"a+\"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			got := lintOne(t, tt.when)
			if tt.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Equal(t, []string{tt.want}, got)
			}
		})
	}
}

func TestLintTerms(t *testing.T) {
	tests := []struct {
		terms string
		want  []string
	}{
		{`[payment, payment]`, []string{WarnDuplicateTerm}},
		{`[Plaćanje, placanje]`, []string{WarnSameAfterFolding}},
		{`[плаћање, placanje]`, []string{WarnSameAfterFolding}},
		{`["pay*", "PAY*"]`, []string{WarnSameAfterFolding}},
		{`["nie działa*", "nie-działa*"]`, []string{WarnSameAfterFolding}},
		{`["pay*", payment]`, []string{WarnCoveredTerm}},
		{`[payment, "pay*"]`, []string{WarnCoveredTerm}},
		{`["pay*", "payment*"]`, []string{WarnCoveredTerm}},
		{`["payment*", pay]`, nil},
		{`["pay", "pay*"]`, []string{WarnCoveredTerm}},
		{`["nie dział*", "nie działa"]`, []string{WarnCoveredTerm}},
		{`["ne radi", "više ne radi"]`, []string{WarnCoveredTerm}},
		{`["ne radi", "radi"]`, []string{WarnCoveredTerm}},
		{`["ne radi", "ne radim"]`, nil},
		{`["ab*"]`, []string{WarnShortWildcard}},
		{`["ž*"]`, []string{WarnShortWildcard}},
		{`["abc*"]`, nil},
		{`["ne r*"]`, nil},
		{`["ß*"]`, []string{WarnShortWildcard}}, // folds to "ss"
		{`["straß*"]`, nil},
		{`["*ung"]`, []string{WarnShortWildcard}},
		{`["*ent*"]`, []string{WarnShortWildcard}},
		{`["*fall*"]`, nil},
		{`["*katko"]`, nil},
		{`["kein *ab*"]`, nil},
		{`["*Ausfall*", "*ausfall*"]`, []string{WarnSameAfterFolding}},
		{`["*ausfall", "ausfall"]`, []string{WarnCoveredTerm}},
		{`["*ausfall*", serverausfall]`, []string{WarnCoveredTerm}},
		{`["*ausfall*", "ausfallzeit*"]`, []string{WarnCoveredTerm}},
		{`["*ausfall*", "*ausfall"]`, []string{WarnCoveredTerm}},
		{`["*ausfall", "ausfall*"]`, nil},
		{`["*ausfall", "ausfallzeit"]`, nil},
		{`["ausfall*", "*ausfall"]`, nil},
		{`["*ausfall*", "totaler *ausfall"]`, []string{WarnCoveredTerm}},
		{`["*ausfall* seit", "serverausfall"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.terms, func(t *testing.T) {
			pack := "version: 1\nname: t\nlevels:\n  - {name: low, respond_within: 2h}\nlists:\n  l: " + tt.terms +
				"\nrules:\n  - {name: r, when: 'mentions(text, \"l\")', score: 1}\n"
			e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(pack)}})
			require.NoError(t, err)
			var got []string
			for _, w := range e.Warnings() {
				got = append(got, w.Code)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestLintTermsAgreeWithMatcher checks that lint calls two terms one
// (listed twice, or the same after folding) exactly when the matcher keeps
// one of them.
func TestLintTermsAgreeWithMatcher(t *testing.T) {
	pairs := [][2]string{
		{"nie działa*", "nie-działa*"},
		{"nie działa*", "Nie_Działa*"},
		{"nie działa*", "nie dział*"},
		{"payment", "payment"},
		{"plaćanje", "ПЛАЋАЊЕ"},
		{"*Ausfall*", "*ausfall*"},
		{"*ausfall", "ausfall*"},
		{"e-mail", "e mail"},
		{"e-mail", "email"},
	}
	for _, p := range pairs {
		pack := fmt.Sprintf("version: 1\nname: t\nlevels:\n  - {name: low, respond_within: 2h}\nlists:\n  l: [%q, %q]\n"+
			"rules:\n  - {name: r, when: 'mentions(text, \"l\")', score: 1}\n", p[0], p[1])
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(pack)}})
		require.NoError(t, err)
		one := false
		for _, w := range e.Warnings() {
			one = one || w.Code == WarnDuplicateTerm || w.Code == WarnSameAfterFolding
		}
		assert.Equal(t, len(e.matcher.Terms(0)) == 1, one, "%q, %q", p[0], p[1])
	}
}

func TestUntestedRules(t *testing.T) {
	e, err := Load("testdata/lint.clean.yaml")
	require.NoError(t, err)
	var enabled []string
	for _, r := range e.Rules() {
		if r.Enabled {
			enabled = append(enabled, r.Name)
		}
	}
	assert.Empty(t, e.UntestedRules(enabled))

	ws := e.UntestedRules([]string{"payment-failure", "angry", "no-such-rule"})
	var names []string
	for _, w := range ws {
		assert.Equal(t, WarnUntestedRule, w.Code)
		names = append(names, w.Rule)
	}
	want := slices.DeleteFunc(enabled, func(n string) bool { return n == "payment-failure" || n == "angry" })
	assert.Equal(t, want, names, "every enabled rule not exercised, in file order; never the disabled one")
	require.NotEmpty(t, ws)
	assert.Equal(t, "testdata/lint.clean.yaml:31:11: warning: rule \"account\": no test case makes this rule match; add a ticket that should match it to a test file [untested-rule]", ws[0].String())
	assert.Equal(t, "  - name: account\n          ^", ws[0].Caret())
}

// TestLintLargePack: lint stays linear on packs at the limits, such as a
// list of many phrases with the same first word and a long chain of
// comparisons of one field.
func TestLintLargePack(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: big\nlevels:\n  - {name: low, respond_within: 2h}\nlists:\n  big:\n")
	for i := range 90000 {
		fmt.Fprintf(&b, "    - \"ne t%d\"\n", i)
	}
	b.WriteString("    - \"ne t7\"\nrules:\n  - name: r\n    score: 1\n    when: mentions(text, \"big\")")
	for i := range 600 {
		fmt.Fprintf(&b, " && cluster.size != %d", i)
	}
	b.WriteString(" && cluster.size == 7\n")
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(b.String())}})
	require.NoError(t, err)
	ws := e.Warnings()
	require.Len(t, ws, 2)
	assert.Equal(t, WarnDuplicateTerm, ws[0].Code)
	assert.Equal(t, WarnContradictory, ws[1].Code)
	assert.Equal(t, `cluster.size == 7 contradicts cluster.size != 0 && cluster.size != 1 && cluster.size != 2 && ... in the same condition, so the rule never matches`, ws[1].Msg)
}

// FuzzLint checks that lint never panics on a pack that loads and that
// every warning points into the file with a known code.
func FuzzLint(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	codes := append(slices.Clone(allCodes), WarnUntestedRule)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: data}})
		if err != nil {
			return
		}
		lines := len(packfile.NewSource("p.yaml", data).Lines)
		for _, w := range append(e.Warnings(), e.UntestedRules(nil)...) {
			lines := lines
			if name, ok := strings.CutPrefix(w.Pos.File, packfile.DefaultDir+"/"); ok {
				// A pack extending the default pack: the warning is about a
				// rule of the base, in its file.
				base, err := fs.ReadFile(rules.Default(), name)
				if err != nil {
					t.Fatalf("warning in a file the default pack does not have: %v", w)
				}
				lines = len(packfile.NewSource(w.Pos.File, base).Lines)
			} else if w.Pos.File != "p.yaml" {
				t.Fatalf("warning outside the pack: %v", w)
			}
			if w.Pos.Line < 1 || w.Pos.Line > lines || w.Pos.Column < 1 {
				t.Fatalf("position %v outside the file (%d lines): %v", w.Pos, lines, w)
			}
			if !slices.Contains(codes, w.Code) {
				t.Fatalf("unknown code: %v", w)
			}
		}
	})
}

// TestUntestedRulesLeavesTheBase checks that a pack extending another is
// told only about its own rules and those it overrides.
func TestUntestedRulesLeavesTheBase(t *testing.T) {
	src := `version: 1
name: acme
extends: default
rules:
  - {name: widget-broken, when: 'mentions(text, "outage")', score: 10}
overrides:
  rules:
    premium-customer: {score: 20}
`
	e, err := LoadFS(fstest.MapFS{"acme.yaml": {Data: []byte(src)}}, "acme.yaml")
	require.NoError(t, err)
	var names []string
	for _, w := range e.UntestedRules(nil) {
		names = append(names, w.Rule)
	}
	assert.ElementsMatch(t, []string{"widget-broken", "premium-customer"}, names)
	assert.Empty(t, e.UntestedRules([]string{"widget-broken", "premium-customer"}))
}
