package urgency

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

var extNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func ruleByName(t *testing.T, e *Engine, name string) Rule {
	t.Helper()
	for _, r := range e.Rules() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %q", name)
	return Rule{}
}

func levelByName(t *testing.T, e *Engine, name string) Level {
	t.Helper()
	for _, l := range e.Levels() {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no level %q", name)
	return Level{}
}

func hitNames(a Assessment) []string {
	var out []string
	for _, h := range a.Hits {
		out = append(out, h.Rule)
	}
	return out
}

func loadErrors(t *testing.T, err error) []string {
	t.Helper()
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list), "want an ErrorList, got %T", err)
	var out []string
	for _, e := range list {
		out = append(out, e.Error())
	}
	return out
}

// TestExtendsEveryOverride loads testdata/extends.yaml, which changes its
// base (testdata/base/) with one override of every kind, and checks each
// change against the base loaded alone.
func TestExtendsEveryOverride(t *testing.T) {
	base, err := Load("testdata/base/")
	require.NoError(t, err)
	ext, err := Load("testdata/extends.yaml")
	require.NoError(t, err)

	assert.Equal(t, "extended", ext.Name())
	assert.True(t, strings.HasPrefix(ext.Version(), "extended@"), ext.Version())

	t.Run("rules keep the base's order, new ones come after", func(t *testing.T) {
		var names []string
		for _, r := range ext.Rules() {
			names = append(names, r.Name)
		}
		assert.Equal(t, []string{"payment-failure", "premium-customer", "thanks", "new-customer", "refund"}, names)
	})
	t.Run("settings", func(t *testing.T) {
		// 300h: a new customer for the base (720h), not for the extension (240h).
		tk := Ticket{Subject: "hello", CreatedAt: extNow, Customer: Customer{Since: extNow.Add(-300 * time.Hour)}}
		assert.Equal(t, []string{"new-customer"}, hitNames(base.Assess(tk, extNow)))
		assert.Empty(t, hitNames(ext.Assess(tk, extNow)))
		assert.Equal(t, 0.5, base.ClusterSettings().Similarity)
		assert.Equal(t, 0.7, ext.ClusterSettings().Similarity)
		assert.Equal(t, 2*time.Hour, ext.ClusterSettings().Window, "fields not overridden keep the base's value")
	})
	t.Run("levels", func(t *testing.T) {
		assert.Equal(t, 80.0, levelByName(t, base, "critical").MinScore)
		assert.Equal(t, 70.0, levelByName(t, ext, "critical").MinScore)
		assert.Equal(t, 30*time.Minute, levelByName(t, ext, "critical").RespondWithin)
		assert.Equal(t, 4*time.Hour, levelByName(t, ext, "high").RespondWithin)
		assert.Equal(t, "24/7", levelByName(t, base, "normal").Calendar)
		assert.Equal(t, "office", levelByName(t, ext, "normal").Calendar)
		// 24h on the overriding office calendar (Mon-Sat 07:00-19:00) from
		// Saturday 11:00 in Zagreb: 8h on Saturday, 12h on Monday, 4h on
		// Tuesday. The base's calendar (Mon-Fri 08:00-16:00) would give
		// Wednesday 16:00.
		a := ext.Assess(Ticket{Subject: "hello", CreatedAt: zagreb(t, "2026-11-21 11:00")}, extNow)
		assert.Equal(t, "normal", a.Level)
		assert.True(t, zagreb(t, "2026-11-24 11:00").Equal(a.Due), "due %v", a.Due)
	})
	t.Run("rules", func(t *testing.T) {
		assert.True(t, ruleByName(t, base, "thanks").Enabled)
		assert.False(t, ruleByName(t, ext, "thanks").Enabled)
		assert.Equal(t, []string{"premium"}, ruleByName(t, ext, "premium-customer").Tags)
		pf := ruleByName(t, ext, "payment-failure")
		assert.Equal(t, "payments", pf.Queue)
		assert.Empty(t, pf.Level, "replace drops the fields the override does not give")
		assert.Empty(t, pf.Tags)
		assert.Equal(t, ruleByName(t, base, "payment-failure").Pos, pf.Pos, "the rule is still named where the base names it")
	})

	tests := []struct {
		name     string
		ticket   Ticket
		baseHits []string
		extHits  []string
		extLevel string
	}{
		{
			name:     "an added term",
			ticket:   Ticket{Subject: "Paiement refusé, zorblax failed"},
			baseHits: nil,
			extHits:  []string{"payment-failure"},
			extLevel: "high",
		},
		{
			name:     "a removed term",
			ticket:   Ticket{Subject: "Charge failed"},
			baseHits: []string{"payment-failure"},
			extHits:  nil,
			extLevel: "normal",
		},
		{
			name:     "a replaced macro",
			ticket:   Ticket{Subject: "Invoice question", Flagged: true},
			baseHits: nil,
			extHits:  []string{"payment-failure"},
			extLevel: "high",
		},
		{
			name:     "a changed score and a lowered threshold",
			ticket:   Ticket{Subject: "invoice failed", Customer: Customer{Tier: "premium"}},
			baseHits: []string{"payment-failure", "premium-customer"},
			extHits:  []string{"payment-failure", "premium-customer"},
			extLevel: "critical", // 50 + 25 reaches the new 70
		},
		{
			name:     "a disabled rule and a replaced list",
			ticket:   Ticket{Subject: "thanks, merci"},
			baseHits: []string{"thanks"},
			extHits:  nil,
			extLevel: "normal",
		},
		{
			name:     "a new rule",
			ticket:   Ticket{Subject: "povrat novca"},
			baseHits: nil,
			extHits:  []string{"refund"},
			extLevel: "normal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ticket.CreatedAt = extNow
			b := base.Assess(tt.ticket, extNow)
			e := ext.Assess(tt.ticket, extNow)
			assert.Empty(t, b.Errors)
			assert.Empty(t, e.Errors)
			assert.Equal(t, tt.baseHits, hitNames(b), "base")
			assert.Equal(t, tt.extHits, hitNames(e), "extension")
			assert.Equal(t, tt.extLevel, e.Level)
		})
	}
}

// TestExtendsDefault builds on the embedded default pack: one added term
// changes what the pack decides for a ticket, and the default pack itself
// is unchanged.
func TestExtendsDefault(t *testing.T) {
	before, err := LoadFS(rules.Default())
	require.NoError(t, err)
	fsys := fstest.MapFS{"mine.yaml": {Data: []byte(`version: 1
name: mine
extends: default
overrides:
  lists:
    payment: {add: [zorblax]}
  rules:
    premium-customer: {enabled: false}
`)}}
	mine, err := LoadFS(fsys)
	require.NoError(t, err)
	after, err := LoadFS(rules.Default())
	require.NoError(t, err)

	assert.Equal(t, before.Version(), after.Version(), "loading an extension leaves the default pack as it was")
	assert.NotEqual(t, before.Version(), mine.Version())
	assert.True(t, strings.HasPrefix(mine.Version(), "mine@"), mine.Version())
	assert.Len(t, mine.Rules(), len(before.Rules()))

	tk := Ticket{ID: "T-1", Subject: "Zorblax declined", Body: "My zorblax was declined twice today.", CreatedAt: extNow.Add(-time.Hour), Customer: Customer{Tier: "premium"}}
	d := before.Assess(tk, extNow)
	m := mine.Assess(tk, extNow)
	require.Empty(t, m.Errors)
	assert.NotContains(t, hitNames(d), "payment-failure")
	assert.Contains(t, hitNames(m), "payment-failure")
	assert.Equal(t, "critical", m.Level)
	assert.NotEqual(t, d.Level, m.Level)
	assert.Contains(t, hitNames(d), "premium-customer")
	assert.NotContains(t, hitNames(m), "premium-customer")
	assert.Equal(t, d, after.Assess(tk, extNow), "the default pack decides as before")
}

// TestExtendsBaseFilesUnchanged checks that loading an extension writes
// nothing to its base's files and that the base loads as before.
func TestExtendsBaseFilesUnchanged(t *testing.T) {
	files, err := filepath.Glob("testdata/base/*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	read := func() map[string]string {
		out := make(map[string]string)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			out[f] = string(b)
		}
		return out
	}
	was := read()
	base, err := Load("testdata/base/")
	require.NoError(t, err)
	_, err = Load("testdata/extends.yaml")
	require.NoError(t, err)
	again, err := Load("testdata/base/")
	require.NoError(t, err)
	assert.Equal(t, was, read())
	assert.Equal(t, base.Version(), again.Version())
	assert.Equal(t, base.Rules(), again.Rules())
	assert.Equal(t, base.Levels(), again.Levels())
}

// TestExtendsVersion checks that the version covers the base's files: a
// change in the base changes the extension's version.
func TestExtendsVersion(t *testing.T) {
	ext := []byte("version: 1\nname: ext\nextends: base/\n")
	base := func(score string) []byte {
		return []byte("version: 1\nname: base\nlevels: [{name: all, respond_within: 1h}]\nrules:\n  - {name: r, when: flagged, score: " + score + "}\n")
	}
	load := func(score string) *Engine {
		e, err := LoadFS(fstest.MapFS{"ext.yaml": {Data: ext}, "base/pack.yaml": {Data: base(score)}}, "ext.yaml")
		require.NoError(t, err)
		return e
	}
	alone, err := LoadFS(fstest.MapFS{"pack.yaml": {Data: base("1")}})
	require.NoError(t, err)
	assert.Equal(t, load("1").Version(), load("1").Version())
	assert.NotEqual(t, load("1").Version(), load("2").Version())
	assert.NotEqual(t, strings.TrimPrefix(alone.Version(), "base@"), strings.TrimPrefix(load("1").Version(), "ext@"))
	assert.Equal(t, "base", mustLoadFS(t, fstest.MapFS{"ext.yaml": {Data: []byte("version: 1\nextends: base/\n")}, "base/pack.yaml": {Data: base("1")}}, "ext.yaml").Name(),
		"an extension without a name keeps its base's")
}

func mustLoadFS(t *testing.T, fsys fstest.MapFS, paths ...string) *Engine {
	t.Helper()
	e, err := LoadFS(fsys, paths...)
	require.NoError(t, err)
	return e
}

// TestExtendsPaths covers what extends may name: a file, a directory, a
// glob, a chain of bases, and the mistakes around them.
func TestExtendsPaths(t *testing.T) {
	base := []byte("version: 1\nname: base\nlevels: [{name: all, respond_within: 1h}]\nlists: {l: [a]}\nrules:\n  - {name: r, when: 'mentions(text, \"l\")', score: 1}\n")
	tests := []struct {
		name  string
		fsys  fstest.MapFS
		paths []string
		rules []string
		errs  []string
	}{
		{
			name: "a file",
			fsys: fstest.MapFS{
				"team/pack.yaml": {Data: []byte("version: 1\nextends: ../base.yaml\nrules: [{name: s, when: flagged}]\n")},
				"base.yaml":      {Data: base},
			},
			paths: []string{"team/pack.yaml"},
			rules: []string{"r", "s"},
		},
		{
			name: "a directory, without its test files",
			fsys: fstest.MapFS{
				"pack.yaml":         {Data: []byte("version: 1\nextends: base\n")},
				"base/a.yaml":       {Data: base},
				"base/a_test.yaml":  {Data: []byte("not: a rule file\n")},
				"base/notes.txt":    {Data: []byte("ignored\n")},
				"base/more/b.yaml":  {Data: []byte("broken: [\n")},
				"base/b_test.yml":   {Data: []byte("tickets: []\n")},
				"other/x_test.yaml": {Data: []byte("x: 1\n")},
			},
			paths: []string{"pack.yaml"},
			rules: []string{"r"},
		},
		{
			name: "a glob",
			fsys: fstest.MapFS{
				"pack.yaml":        {Data: []byte("version: 1\nextends: 'base/*.yaml'\n")},
				"base/a.yaml":      {Data: base},
				"base/a_test.yaml": {Data: []byte("not: a rule file\n")},
			},
			paths: []string{"pack.yaml"},
			rules: []string{"r"},
		},
		{
			name: "a chain",
			fsys: fstest.MapFS{
				"top.yaml":    {Data: []byte("version: 1\nname: top\nextends: mid.yaml\noverrides: {rules: {s: {score: 7}}}\n")},
				"mid.yaml":    {Data: []byte("version: 1\nname: mid\nextends: base/\nrules: [{name: s, when: flagged}]\noverrides: {rules: {r: {enabled: false}}}\n")},
				"base/a.yaml": {Data: base},
			},
			paths: []string{"top.yaml"},
			rules: []string{"r", "s"},
		},
		{
			name: "a missing base",
			fsys: fstest.MapFS{
				"pack.yaml": {Data: []byte("version: 1\nextends: nowhere/\n")},
			},
			errs: []string{`pack.yaml:2:10: extends "nowhere/": nowhere: file does not exist`},
		},
		{
			name: "a base outside the file system",
			fsys: fstest.MapFS{
				"pack.yaml": {Data: []byte("version: 1\nextends: ../base/\n")},
			},
			errs: []string{`pack.yaml:2:10: extends "../base/": the base would be outside the file system the pack is loaded from, and a base must be inside it`},
		},
		{
			name: "not text",
			fsys: fstest.MapFS{
				"pack.yaml": {Data: []byte("version: 1\nextends: [default]\n")},
			},
			errs: []string{`pack.yaml:2:10: extends must be text, not a list`},
		},
		{
			name: "itself",
			fsys: fstest.MapFS{
				"pack.yaml": {Data: []byte("version: 1\nextends: pack.yaml\n")},
			},
			errs: []string{`pack.yaml:2:10: extends "pack.yaml" loads pack.yaml, a file of this pack: a pack cannot extend itself`},
		},
		{
			name: "its own directory",
			fsys: fstest.MapFS{
				"p/a.yaml": {Data: []byte("version: 1\nextends: .\n")},
				"p/b.yaml": {Data: base},
			},
			paths: []string{"p"},
			errs:  []string{`p/a.yaml:2:10: extends "." loads p/a.yaml, a file of this pack: a pack cannot extend itself`},
		},
		{
			name: "a cycle of three",
			fsys: fstest.MapFS{
				"a.yaml": {Data: []byte("version: 1\nextends: b.yaml\n")},
				"b.yaml": {Data: []byte("version: 1\nextends: c.yaml\n")},
				"c.yaml": {Data: []byte("version: 1\nextends: ./a.yaml\n")},
			},
			paths: []string{"a.yaml"},
			errs:  []string{`c.yaml:2:10: extends "./a.yaml" makes a cycle: a.yaml:2:10 extends b.yaml, b.yaml:2:10 extends c.yaml, c.yaml:2:10 extends ./a.yaml, which loads a.yaml again`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := LoadFS(tt.fsys, tt.paths...)
			if tt.errs != nil {
				assert.Equal(t, tt.errs, loadErrors(t, err))
				return
			}
			require.NoError(t, err)
			var names []string
			for _, r := range e.Rules() {
				names = append(names, r.Name)
			}
			assert.Equal(t, tt.rules, names)
		})
	}
}

// TestExtendsDepth checks that a chain of bases is bounded, as symbolic
// links can make an endless one of distinct paths.
func TestExtendsDepth(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range packfile.MaxExtends + 2 {
		fsys[fmt.Sprintf("p%d.yaml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("version: 1\nextends: p%d.yaml\n", i+1))}
	}
	_, err := LoadFS(fsys, "p0.yaml")
	assert.Equal(t, []string{fmt.Sprintf("p%d.yaml:2:10: extends \"p%d.yaml\": more than %d packs extend each other", packfile.MaxExtends, packfile.MaxExtends+1, packfile.MaxExtends)}, loadErrors(t, err))
}

// TestExtendsChainOverrides checks that each layer's overrides apply on
// top of the layers below it.
func TestExtendsChainOverrides(t *testing.T) {
	fsys := fstest.MapFS{
		"top.yaml": {Data: []byte("version: 1\nname: top\nextends: mid.yaml\noverrides: {rules: {r: {score: 7}}, lists: {l: {remove: [b]}}}\n")},
		"mid.yaml": {Data: []byte("version: 1\nname: mid\nextends: base.yaml\noverrides: {rules: {r: {score: 5, queue: q}}, lists: {l: {add: [b, c]}}}\n")},
		"base.yaml": {Data: []byte("version: 1\nname: base\nlevels: [{name: all, respond_within: 1h}]\nlists: {l: [a]}\n" +
			"rules:\n  - {name: r, when: 'mentions(text, \"l\")', score: 1}\n")},
	}
	e := mustLoadFS(t, fsys, "top.yaml")
	for _, tt := range []struct {
		text  string
		score float64
	}{{"a", 7}, {"b", 0}, {"c", 7}} {
		a := e.Assess(Ticket{Subject: tt.text, CreatedAt: extNow}, extNow)
		assert.Equal(t, tt.score, a.Score, tt.text)
		if tt.score > 0 {
			assert.Equal(t, "q", a.Queue, "what the middle layer set and the top left alone stays")
		}
	}
}

// TestExtendsOrder checks that overrides.order replaces the base's order.
func TestExtendsOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"base.yaml": {Data: []byte("version: 1\nlevels: [{name: all, respond_within: 1h}]\norder: [created, id]\n" +
			"rules: [{name: r, when: flagged, score: 5}]\n")},
		"ext.yaml": {Data: []byte("version: 1\nextends: base.yaml\noverrides: {order: [score, id]}\n")},
	}
	tickets := []Ticket{
		{ID: "old", CreatedAt: extNow.Add(-2 * time.Hour)},
		{ID: "flagged", CreatedAt: extNow.Add(-time.Hour), Flagged: true},
	}
	ids := func(as []Assessment) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Ticket.ID)
		}
		return out
	}
	assert.Equal(t, []string{"old", "flagged"}, ids(mustLoadFS(t, fsys, "base.yaml").Rank(tickets, extNow)))
	assert.Equal(t, []string{"flagged", "old"}, ids(mustLoadFS(t, fsys, "ext.yaml").Rank(tickets, extNow)))
}

// TestExtendsErrorPositions checks that errors in the expressions of an
// override point into the extending file, while the base's own
// expressions keep theirs.
func TestExtendsErrorPositions(t *testing.T) {
	fsys := fstest.MapFS{
		"base/pack.yaml": {Data: []byte("version: 1\nlevels: [{name: all, respond_within: 1h}]\nlists: {l: [a]}\n" +
			"macros:\n  m: mentions(text, \"l\")\nrules:\n  - {name: r, when: m, score: 1}\n  - {name: s, when: m}\n")},
		"ext.yaml": {Data: []byte(`version: 1
extends: base/
overrides:
  macros:
    m: mentions(text, "nope")
  rules:
    r:
      score: |
        words(text) *
          "x"
    s: {when: 'flagged && customer.teir == "a"'}
`)},
	}
	_, err := LoadFS(fsys, "ext.yaml")
	var list ErrorList
	require.True(t, errors.As(err, &list), "want an ErrorList, got %v", err)
	var got []string
	for _, e := range list {
		got = append(got, e.Error()+"\n"+e.Caret())
	}
	assert.Equal(t, []string{
		"ext.yaml:5:23: unknown list \"nope\"\n    m: mentions(text, \"nope\")\n                      ^",
		"ext.yaml:9:21: rule \"r\": invalid operation: * (mismatched types int and string)\n        words(text) *\n                    ^",
		"ext.yaml:11:36: rule \"s\": customer has no field teir (did you mean \"tier\"?)\n    s: {when: 'flagged && customer.teir == \"a\"'}\n                                   ^",
	}, got)
}

// TestExtendsRedefinition checks that a layer may not define again what
// its base defines, and that the error names both places.
func TestExtendsRedefinition(t *testing.T) {
	base := "version: 1\nlevels: [{name: all, respond_within: 1h}]\nlists: {l: [a]}\nmacros: {m: flagged}\ncalendars: {c: 24/7}\nrules: [{name: r, when: m}]\norder: [score, id]\n"
	tests := []struct {
		ext  string
		want string
	}{
		{"lists: {l: [b]}", `ext.yaml:3:9: list "l" is already defined by the base at base.yaml:3:9; to change it use overrides.lists`},
		{"macros: {m: flagged}", `ext.yaml:3:10: macro "m" is already defined by the base at base.yaml:4:10; to change it use overrides.macros`},
		{"calendars: {c: 24/7}", `ext.yaml:3:13: calendar "c" is already defined by the base at base.yaml:5:13; to change it use overrides.calendars`},
		{"rules: [{name: r, when: flagged}]", `ext.yaml:3:16: rule "r" is already defined by the base at base.yaml:6:16; to change it use overrides.rules`},
		{"order: [id]", `ext.yaml:3:1: order is already defined by the base at base.yaml:7:1; to change it use overrides.order`},
		{"levels: [{name: x, respond_within: 1h}]", `ext.yaml:3:1: levels is already defined by the base at base.yaml:2:1; to change it use overrides.levels`},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			_, err := LoadFS(fstest.MapFS{
				"base.yaml": {Data: []byte(base)},
				"ext.yaml":  {Data: []byte("version: 1\nextends: base.yaml\n" + tt.ext + "\n")},
			}, "ext.yaml")
			assert.Equal(t, []string{tt.want}, loadErrors(t, err))
		})
	}
}

// TestExtendsOverrideErrors covers overrides that cannot apply.
func TestExtendsOverrideErrors(t *testing.T) {
	base := "version: 1\nlevels: [{name: high, min_score: 10, respond_within: 1h}, {name: mid, min_score: 5, respond_within: 4h}, {name: low, respond_within: 1d}]\n" +
		"lists: {l: [alpha, \"beta*\"]}\nrules: [{name: r, when: 'mentions(text, \"l\")', score: 2}]\n"
	tests := []struct {
		overrides string
		want      []string
	}{
		{"{lists: {l: {remove: [alpha, \"beta*\"]}}}", []string{`ext.yaml:3:21: list "l" would have no terms left: disable the rules that mention it instead`}},
		{"{lists: {l: {remove: [Alpha, beta]}}}", []string{`ext.yaml:3:41: list "l" has no term "beta" to remove (did you mean "beta*"?); the list is defined at base.yaml:3:9`}},
		{"{lists: {l: [gamma]}}", []string{`ext.yaml:3:24: list override must be a mapping of keys to values, not a list`}},
		{"{lists: {l: {append: [gamma]}}}", []string{`ext.yaml:3:25: unknown list override key "append"`}},
		{"{levels: {low: {min_score: 0}}}", []string{`ext.yaml:3:39: level "low" is the last level, the catch-all for every lower score: remove its min_score`}},
		{"{levels: {high: {min_score: 5}}}", []string{`ext.yaml:3:40: level "high": min_score 5 must be above 5 of level "mid" below it`}},
		{"{levels: {mid: {min_score: 10}}}", []string{`ext.yaml:3:39: level "mid": min_score 10 must be below 10 of level "high" above it`}},
		{"{levels: {high: {respond_within: soon}}}", []string{`ext.yaml:3:45: respond_within: invalid duration "soon": use forms like 30m, 4h, 1h30m or 2d`}},
		{"{rules: {r: {name: s}}}", []string{`ext.yaml:3:25: rule "r": unknown rule override key "name"`}},
		{"{rules: {r: {replace: yes please}}}", []string{`ext.yaml:3:34: rule "r": replace must be true or false, not the text "yes please"`}},
		{"{rules: {r: {level: top}}}", []string{`ext.yaml:3:32: rule "r": unknown level "top" (the levels are high, mid, low)`}},
		{"{rules: [r]}", []string{`ext.yaml:3:20: overrides.rules must map rule names to their changes, not a list`}},
		{"{rule: {r: {score: 1}}}", []string{`ext.yaml:3:13: unknown overrides key "rule" (did you mean "rules"?)`}},
		{"{macros: {m: flagged}}", []string{`ext.yaml:3:22: no macro "m" to override: the base "base.yaml" (extends at ext.yaml:2:10) has none`}},
		{"{calendars: {office: 24/7}}", []string{`ext.yaml:3:25: no calendar "office" to override: the base "base.yaml" (extends at ext.yaml:2:10) has none`}},
	}
	for _, tt := range tests {
		t.Run(tt.overrides, func(t *testing.T) {
			_, err := LoadFS(fstest.MapFS{
				"base.yaml": {Data: []byte(base)},
				"ext.yaml":  {Data: []byte("version: 1\nextends: base.yaml\noverrides: " + tt.overrides + "\n")},
			}, "ext.yaml")
			assert.Equal(t, tt.want, loadErrors(t, err))
		})
	}
}

// TestLoadSkipsTestFiles checks that directories and globs leave out the
// rule-pack test files (*_test.yaml, *_test.yml) beside the rules, while
// a test file named on its own is read (and here fails as a rule file).
func TestLoadSkipsTestFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"pack/rules.yaml":      {Data: []byte("version: 1\nname: p\nlevels: [{name: all, respond_within: 1h}]\n")},
		"pack/rules_test.yaml": {Data: []byte("tickets: []\n")},
		"pack/more_test.yml":   {Data: []byte("tickets: []\n")},
	}
	for _, p := range []string{"pack", "pack/*.yaml", "pack/*"} {
		e, err := LoadFS(fsys, p)
		require.NoError(t, err, p)
		assert.Equal(t, "p", e.Name())
	}
	_, err := LoadFS(fsys, "pack/rules_test.yaml")
	assert.Contains(t, strings.Join(loadErrors(t, err), "\n"), `unknown top-level key "tickets"`)
	_, err = LoadFS(fsys, "pack/*_test.yaml")
	assert.Equal(t, []string{"pack/*_test.yaml: no rule files match pack/*_test.yaml"}, loadErrors(t, err))

	// The directory of base/ holds pack_test.yaml, which is no rule file.
	e, err := Load("testdata/base")
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(e.Rules(), func(r Rule) bool { return r.Name == "thanks" }))
}

// TestExtendsRemoveByKey checks that remove finds a base term by the key
// the matcher gives it, however it is spelt: "nie-działa*" is the term
// "nie działa*".
func TestExtendsRemoveByKey(t *testing.T) {
	fsys := fstest.MapFS{
		"ext.yaml": {Data: []byte("version: 1\nname: ext\nextends: base.yaml\noverrides: {lists: {l: {remove: [\"nie-działa*\", PLACANJE]}}}\n")},
		"base.yaml": {Data: []byte("version: 1\nname: base\nlevels: [{name: all, respond_within: 1h}]\nlists: {l: [\"nie działa*\", plaćanje, down]}\n" +
			"rules:\n  - {name: r, when: 'mentions(text, \"l\")', score: 1}\n")},
	}
	e := mustLoadFS(t, fsys, "ext.yaml")
	assert.Equal(t, []string{"down"}, e.matcher.Terms(0))
	for _, text := range []string{"Nie działają płatności", "plaćanje", "server down"} {
		a := e.Assess(Ticket{Subject: text, CreatedAt: extNow}, extNow)
		assert.Equal(t, text == "server down", a.Score > 0, text)
	}
}
