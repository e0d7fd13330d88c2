package urgency

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// exprGen writes an expression of the rule language from fuzz bytes:
// loops over text and lists nested in each other, text built and
// replaced, custom fields of unknown type. Every byte chooses one
// production, so the fuzzer explores combinations rather than spellings.
type exprGen struct {
	data  []byte
	depth int
}

func (g *exprGen) pick(n int) int {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return int(b) % n
}

func (g *exprGen) nest(f func() string) string {
	if g.depth > 6 {
		return ""
	}
	g.depth++
	defer func() { g.depth-- }()
	return f()
}

func (g *exprGen) text() string {
	leaf := []string{"body", "subject", "text", "fields.s", `"a"`, `"Q"`, "#"}
	s := g.nest(func() string {
		switch g.pick(12) {
		case 0:
			return "upper(" + g.text() + ")"
		case 1:
			return "lower(" + g.text() + ")"
		case 2:
			return "replace(" + g.text() + `, "a", ` + g.text() + ")"
		case 3:
			return "(" + g.text() + " + " + g.text() + ")"
		case 4:
			return "join(" + g.list() + ", " + g.text() + ")"
		case 5:
			return "string(" + g.list() + ")"
		case 6:
			return "trim(" + g.text() + ")"
		case 7:
			return "string(" + g.number() + ")"
		case 8:
			return "(" + g.text() + ")[0:" + g.number() + "]"
		}
		return ""
	})
	if s == "" {
		return leaf[g.pick(len(leaf))]
	}
	return s
}

func (g *exprGen) list() string {
	leaf := []string{`split(body, "")`, `split(body, " ")`, "fields.list", "values(fields)", `["a", "b"]`}
	s := g.nest(func() string {
		switch g.pick(8) {
		case 0:
			return "split(" + g.text() + `, "")`
		case 1:
			return "map(" + g.list() + ", {" + g.text() + "})"
		case 2:
			return "filter(" + g.list() + ", {" + g.cond() + "})"
		case 3:
			return "map(1.." + g.number() + `, {"x"})`
		case 4:
			return "keys(fields)"
		}
		return ""
	})
	if s == "" {
		return leaf[g.pick(len(leaf))]
	}
	return s
}

func (g *exprGen) number() string {
	leaf := []string{"1", "3", "1000000", "fields.n", "len(body)"}
	s := g.nest(func() string {
		switch g.pick(7) {
		case 0:
			return "len(" + g.text() + ")"
		case 1:
			return "len(" + g.list() + ")"
		case 2:
			return "count(" + g.list() + ", {" + g.cond() + "})"
		case 3:
			return "sum(map(" + g.list() + ", {len(#)}))"
		case 4:
			return "indexOf(" + g.text() + ", " + g.text() + ")"
		}
		return ""
	})
	if s == "" {
		return leaf[g.pick(len(leaf))]
	}
	return s
}

func (g *exprGen) cond() string {
	s := g.nest(func() string {
		switch g.pick(10) {
		case 0:
			return "any(" + g.list() + ", {" + g.cond() + "})"
		case 1:
			return "all(" + g.list() + ", {" + g.cond() + "})"
		case 2:
			return g.text() + " contains " + g.text()
		case 3:
			return g.text() + " == " + g.text()
		case 4:
			return g.text() + " in " + g.list()
		case 5:
			return g.number() + " > " + g.number()
		case 6:
			return g.text() + ` matches "a+b"`
		case 7:
			return "none(" + g.list() + ", {" + g.cond() + "})"
		}
		return ""
	})
	if s == "" {
		return `# == "Q"`
	}
	return s
}

// FuzzRuleBudget drives rule expressions against long tickets: whatever a
// rule computes, Assess returns, the other rules still match, and no rule
// runs far past what its budget allows.
func FuzzRuleBudget(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0}, uint8(10))
	f.Add([]byte{0, 0, 9, 2, 1, 0, 1}, uint8(10))            // nested any over split text
	f.Add([]byte{2, 2, 2, 2, 2, 2}, uint8(64))               // replace inside replace
	f.Add([]byte{3, 3, 3, 3, 3, 3, 3, 3}, uint8(64))         // text doubled
	f.Add([]byte{5, 1, 1, 1, 1, 0}, uint8(32))               // string of nested maps
	f.Add([]byte{4, 1, 0, 1, 3, 2}, uint8(16))               // text in a list
	f.Add([]byte{1, 1, 4, 1, 3, 7, 0, 2, 0, 0, 3}, uint8(8)) // range of a million
	f.Fuzz(func(t *testing.T, data []byte, kib uint8) {
		g := &exprGen{data: data}
		when := g.cond()
		body := strings.Repeat("a Qb ", int(kib%33)*1024/5)
		pack := testPack(fmt.Sprintf("\n  - {name: gen, when: %q}\n  - {name: ok, when: 'subject == \"hello\"', score: 7}", when))
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(pack)}})
		if err != nil {
			return // refused at load: a type error or a refused built-in
		}
		tk := Ticket{ID: "x", Subject: "hello", Body: body, CreatedAt: fuzzNow, Fields: map[string]any{
			"s": body, "n": 1 << 20, "list": manyIDs(2000),
		}}
		start := time.Now()
		a := e.Assess(tk, fuzzNow)
		if d := time.Since(start); d > 10*time.Second {
			// The budget bounds a rule to tens of milliseconds; ten
			// seconds, even under the race detector, is no bound at all.
			t.Fatalf("%s ran %v", when, d)
		}
		if !slices.Contains(a.Rules(), "ok") {
			t.Fatalf("%s: the other rule did not run: %v", when, a.Errors)
		}
		for _, err := range a.Errors {
			if strings.Contains(err.Error(), "a Qb a Qb") {
				t.Fatalf("%s: the error quotes the ticket: %v", when, err)
			}
		}
	})
}
