package urgency

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// loadText loads one rule file and returns the error list (nil when it
// loads).
func loadText(t *testing.T, text string) ErrorList {
	t.Helper()
	_, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(text)}})
	if err == nil {
		return nil
	}
	var list ErrorList
	require.True(t, errors.As(err, &list), "want an ErrorList, got %T: %v", err, err)
	return list
}

// TestHostileRuleFiles: rule files built to hurt the loader fail with a
// clear error, quickly, and never panic.
func TestHostileRuleFiles(t *testing.T) {
	laughs := "version: 1\nname: lol\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := range 9 {
		name := fmt.Sprintf("l%d", i)
		laughs += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	laughs += "lists: {x: *" + prev + "}\nrules: [*" + prev + "]\n"
	var manyRules, bigExpr strings.Builder
	manyRules.WriteString(testPack(""))
	for i := range MaxRules + 1 {
		fmt.Fprintf(&manyRules, "  - {name: r%d, when: flagged}\n", i)
	}
	bigExpr.WriteString("flagged")
	for range MaxExprNodes {
		bigExpr.WriteString(" && flagged")
	}
	tests := []struct {
		name, text, want string
	}{
		// What the aliases expand to is counted before the file is
		// decoded, without expanding them: the file fails at once.
		{"billion laughs", laughs, fmt.Sprintf("the file expands to more than %d values through YAML aliases", packfile.MaxAliasNodes)},
		{"anchor containing itself", "version: 1\nname: loop\nrules: &r [*r]\n", "through YAML aliases"},
		{"deep nesting", "version: 1\nname: deep\nrules: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n", ""},
		{"huge number", testPack("\n  - {name: big, when: flagged, score: 1e400}"), "the number 1e400 is too large"},
		{"infinite min_score", "version: 1\nname: inf\nlevels:\n  - {name: a, min_score: .inf, respond_within: 1h}\n  - {name: b, respond_within: 1h}\n", "min_score must be a finite number, not .inf"},
		{"invalid UTF-8", "version: 1\nname: \xff\xfe\n", "invalid YAML"},
		{"NUL byte", "version: 1\nname: a\x00b\n", "invalid YAML"},
		{"too many rules", manyRules.String(), fmt.Sprintf("more than %d rules", MaxRules)},
		{"expression too large", testPack("\n  - {name: big, when: '" + bigExpr.String() + "'}"), fmt.Sprintf("the expression is larger than %d nodes", MaxExprNodes)},
		{"pattern built per ticket", testPack("\n  - {name: re, when: 'subject matches channel'}"), "matches needs its pattern written in quotes"},
		{"bad pattern", testPack("\n  - {name: re, when: 'subject matches \"([a-z\"'}"), "missing closing ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			list := loadText(t, tt.text)
			require.NotEmpty(t, list, "the file must not load")
			if tt.want != "" {
				assert.Contains(t, list.Error()+fmt.Sprint([]*Error(list)), tt.want)
			}
			for _, e := range list {
				assert.Equal(t, "p.yaml", e.Pos.File)
				assert.Positive(t, e.Pos.Line, "every error has a line: %v", e)
			}
			t.Logf("%s: %v in %v", tt.name, list[0], time.Since(start))
		})
	}
}

// TestErrorInALongExpression: the position of an error far into a long
// expression is found in one pass over it (it took seconds per error when
// each character was looked up from the start of its line).
func TestErrorInALongExpression(t *testing.T) {
	long := strings.Repeat("a", 200_000)
	for _, tt := range []struct{ name, when, want string }{
		{"single-quoted", `'subject == "` + long + `" )'`, `p.yaml:10:200026: rule "big": unexpected ")"`},
		{"double-quoted", `"subject == \"` + long + `\" )"`, `p.yaml:10:200028: rule "big": unexpected ")"`},
		{"plain", `subject == '` + long + `' )`, `p.yaml:10:200025: rule "big": unexpected ")"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list := loadText(t, testPack("\n  - name: big\n    when: "+tt.when))
			require.Len(t, list, 1)
			assert.Equal(t, tt.want, list[0].Error())
		})
	}
}

// macroChainPack defines m0 and, for 1 <= i <= n, mi: (mi-1 || mi-1),
// whose expansion doubles at each step, in the given order of
// definition, and the rules.
func macroChainPack(n int, reverse bool, rules string) string {
	defs := []string{`  m0: subject == "x"`}
	for i := 1; i <= n; i++ {
		defs = append(defs, fmt.Sprintf("  m%d: (m%d || m%d)", i, i-1, i-1))
	}
	if reverse {
		slices.Reverse(defs)
	}
	return "version: 1\nname: m\nlevels: [{name: low, respond_within: 1h}]\nmacros:\n" + strings.Join(defs, "\n") + "\nrules:\n" + rules
}

// TestMacrosCannotExpandExponentially: a macro's size is counted with
// the macros it uses expanded, without expanding them, and the node limit
// holds after expansion; the load fails at once, naming the macros.
func TestMacrosCannotExpandExponentially(t *testing.T) {
	const want = `the expression is larger than 5000 nodes (macros included): macro "m10" expands to 4095 nodes and is used 2 times (m10 -> m9 -> m8 -> m7 -> … -> m2 -> m1 -> m0); split it into rules or macros`
	list := loadText(t, macroChainPack(30, false, "  - {name: r, when: m30 && flagged, score: 1}\n"))
	require.Len(t, list, 1, "m11 is reported; what uses it is broken with it")
	assert.Equal(t, "p.yaml:16:16: "+want, list[0].Error())

	list = loadText(t, macroChainPack(30, true, "  - {name: r, when: m30 && flagged, score: 1}\n"))
	require.NotEmpty(t, list)
	assert.Contains(t, list.Error(), "the expression is larger than 5000 nodes (macros included)")

	// A rule over the limit only through its macros.
	list = loadText(t, macroChainPack(10, false, "  - {name: r, when: m10 && m10, score: 1}\n"))
	require.Len(t, list, 1)
	assert.Equal(t, `p.yaml:17:28: rule "r": `+want, list[0].Error())
	assert.Equal(t, "  - {name: r, when: m10 && m10, score: 1}\n                           ^", list[0].Caret())

	// Within the limit, the expansion runs as written, and explains.
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(macroChainPack(10, true, "  - {name: r, when: m9 && not m8, score: 1}\n  - {name: s, when: m10, score: 2}\n"))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{ID: "x", Subject: "x", CreatedAt: now}, now)
	assert.Equal(t, []string{"s"}, a.Rules())
	x := e.Explain(Ticket{ID: "x", Subject: "x", CreatedAt: now}, now)
	assert.NotEmpty(t, x.Lines())
}

// BenchmarkManyErrorsInALongExpression places 1,000 errors in an
// expression of a megabyte (24 s when each was walked from the start).
func BenchmarkManyErrorsInALongExpression(b *testing.B) {
	expr := `subject == "` + strings.Repeat("a", 1_000_000) + `"` + strings.Repeat(` && subject matches channel`, 1000)
	data := []byte(testPack("\n  - {name: big, when: '" + expr + "'}"))
	for b.Loop() {
		_, err := LoadFS(fstest.MapFS{"p.yaml": {Data: data}})
		require.Len(b, err.(ErrorList), 1000)
	}
}

// TestAliasBudgetCountsOnlyAliases: values written out cost nothing
// against the alias budget, however many; values reached through aliases
// count each time.
func TestAliasBudgetCountsOnlyAliases(t *testing.T) {
	var terms strings.Builder
	for i := range 120_000 {
		fmt.Fprintf(&terms, "    - w%d\n", i)
	}
	// The second file, broken, stops the load once the first is decoded.
	_, err := LoadFS(fstest.MapFS{
		"p.yaml": {Data: []byte("version: 1\nname: big\nlevels: [{name: low, respond_within: 1h}]\nlists:\n  big:\n" + terms.String())},
		"q.yaml": {Data: []byte("version: 1\nrules: [\n")},
	})
	assert.Equal(t, []string{"q.yaml:2:8: the list opened here with [ is never closed: end it with ]"}, loadErrors(t, err),
		"120,000 terms without an alias decode")

	// One list of 1,000 terms, reused 200 times through an alias: 200,000
	// values visited.
	var b strings.Builder
	b.WriteString("version: 1\nname: reuse\nlevels: [{name: low, respond_within: 1h}]\nlists:\n  l0: &terms [")
	for i := range 1000 {
		fmt.Fprintf(&b, "w%d, ", i)
	}
	b.WriteString("w]\n")
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&b, "  l%d: *terms\n", i)
	}
	list := loadText(t, b.String())
	require.NotEmpty(t, list)
	assert.Equal(t, fmt.Sprintf("p.yaml:105:9: the file expands to more than %d values through YAML aliases", packfile.MaxAliasNodes), list[0].Error(),
		"the alias that passes the budget is named")

	// Anchors used as YAML means them stay well within it.
	assert.Empty(t, loadText(t, `version: 1
name: anchors
levels: [{name: low, respond_within: 1h}]
lists: {pay: &pay [payment, invoice], pay2: *pay}
rules:
  - {name: a, when: &when 'flagged && mentions(text, "pay")', score: 1, tags: &tags [x, y]}
  - {name: b, when: *when, score: 2, tags: *tags}
`))
}

// TestHostileTickets: any text is assessed, and text beyond MaxTextBytes
// is not read but reported.
func TestHostileTickets(t *testing.T) {
	e := loadDefaultPack(t)
	huge := strings.Repeat("Molim pomoć, sve radi normalno. ", (10<<20)/32) + "payment failed, card declined"
	tests := []struct {
		name      string
		ticket    Ticket
		truncated bool
	}{
		{"10 MB body", Ticket{Subject: "hello", Body: huge}, true},
		{"invalid UTF-8", Ticket{Subject: "pla\xffćanje \xc3 ne radi", Body: "\xed\xa0\x80 kartica odbijena"}, false},
		{"NUL bytes", Ticket{Subject: "payment\x00failed", Body: "\x00\x00\x00"}, false},
		{"right-to-left marks", Ticket{Subject: "\u202epayment failed\u202c", Body: "\u200f\u200e card declined \u2067x\u2069"}, false},
		{"empty", Ticket{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ticket.ID, tt.ticket.CreatedAt = "x", now
			a := e.Assess(tt.ticket, now)
			assert.Empty(t, a.Errors)
			assert.Equal(t, tt.truncated, a.Truncated)
			assert.NotEmpty(t, a.Level)
			q := mustQueue(NewQueue(e))
			q.Add(tt.ticket)
			assert.Len(t, q.Ranked(now), 1)
		})
	}
	a := e.Assess(Ticket{ID: "x", CreatedAt: now, Body: huge}, now)
	assert.NotContains(t, a.Rules(), "payment-failure", "the words past the limit are not read")
	assert.Contains(t, strings.Join(a.Why(), "\n"), "was not read")
}

// TestRuntimeOverflowIsAnError: a score that overflows is an error for
// that rule and ticket, not a poisoned total.
func TestRuntimeOverflowIsAnError(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: inf, when: "true", score: "1e308 * 10"}
  - {name: ok, when: "true", score: 5}`))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{ID: "x", CreatedAt: now}, now)
	require.Len(t, a.Errors, 1)
	assert.Contains(t, a.Errors[0].Error(), "not a finite number")
	assert.Equal(t, 5.0, a.Score)
}

// TestExpressionsCannotBuildHugeText: a chain of lets doubling a string
// fails for that rule at run time, quickly, instead of building gigabytes.
func TestExpressionsCannotBuildHugeText(t *testing.T) {
	var b strings.Builder
	b.WriteString(`let l0 = "xxxxxxxxxx"; `)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "let l%d = %s; ", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("l%d + ", i-1), 10), " + "))
	}
	b.WriteString("len(l9) > 0")
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack("\n  - name: bomb\n    when: '" + b.String() + "'\n  - {name: ok, when: 'subject + \" \" + body == \"a b\"', score: 1}"))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{ID: "x", Subject: "a", Body: "b", CreatedAt: now}, now)
	require.Len(t, a.Errors, 1)
	assert.Contains(t, a.Errors[0].Error(), "text joined with + would be longer than")
	assert.Equal(t, []string{"ok"}, a.Rules(), "ordinary joining still works")
}
