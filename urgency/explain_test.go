package urgency

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

const explainPack = `version: 1
name: explain
levels:
  - {name: critical, min_score: 80, respond_within: 1h}
  - {name: normal, min_score: 0, respond_within: 24h}
  - {name: low, respond_within: 72h}
lists:
  payment: [payment, invoice]
  failure: ["fail*", declined]
  thanks: [thanks]
  refund: [refund]
macros:
  payment_problem: mentions(text, "payment") && (mentions(text, "failure") || words(text) > 100)
  polite: mentions(text, "thanks")
rules:
  - name: payment-failure
    when: payment_problem
    score: 60
    queue: billing
  - name: vip
    when: customer.tier == "premium" || exclamations(text) >= 3
    score: 10
    queue: vip
  - name: rude
    when: not polite && !(channel == "chat" || channel == "phone")
    score: 1
  - name: nested
    when: >-
      (mentions(text, "payment") || mentions(text, "refund"))
      && (words(text) > 3 && (customer.age > duration("720h") || language == "de"))
    score: 2
  - name: product
    when: lower(fields.product) == "shop"
    score: 1
  - name: off
    when: "true"
    score: 1000
    enabled: false
  - name: scored
    when: words(text) >= 1
    score: words(text) * 2
  - name: late
    when: sla_used >= 0.5
    score: 5
  - name: trend
    when: cluster.customers >= 2
    score: 20
`

func loadExplainPack(t testing.TB) *Engine {
	t.Helper()
	e, err := LoadFS(fstest.MapFS{"explain.yaml": {Data: []byte(explainPack)}})
	require.NoError(t, err)
	return e
}

// traceOf returns the trace of the named rule.
func traceOf(t *testing.T, x Explanation, rule string) RuleTrace {
	t.Helper()
	for _, r := range x.Rules {
		if r.Rule == rule {
			return r
		}
	}
	t.Fatalf("no trace for rule %s", rule)
	return RuleTrace{}
}

// values lists the text and value of each of t's parts.
func values(t *Term) []string {
	var out []string
	for _, k := range t.Terms {
		out = append(out, fmt.Sprintf("%s = %v", k.Text, k.Value))
	}
	return out
}

func TestExplainAndThroughMacro(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "payment question", Body: "where is my invoice", CreatedAt: now}, now)
	tr := traceOf(t, x, "payment-failure")
	assert.Equal(t, RuleNotMatched, tr.Status)
	require.NotNil(t, tr.When)
	assert.Equal(t, "payment_problem", tr.When.Text)
	assert.Equal(t, "macro", tr.When.Op)
	assert.Equal(t, false, tr.When.Value)
	require.Len(t, tr.When.Terms, 1)
	body := tr.When.Terms[0]
	assert.Equal(t, "and", body.Op)
	assert.Equal(t, []string{`mentions(text, "payment") = true`, `(mentions(text, "failure") || words(text) > 100) = false`}, values(&body))
	assert.Equal(t, []string{`mentions(text, "failure") = false`, `words(text) > 100 = false`}, values(&body.Terms[1]))
	assert.Contains(t, strings.Join(x.Lines(), "\n"), `
      payment_problem is false
        mentions(text, "payment") is true
        (mentions(text, "failure") || words(text) > 100) is false
          mentions(text, "failure") is false
          words(text) > 100 is false (words(text) is 6)
`)

	x = e.Explain(Ticket{ID: "B", Subject: "payment declined", CreatedAt: now}, now)
	tr = traceOf(t, x, "payment-failure")
	assert.Equal(t, RuleMatched, tr.Status)
	assert.Equal(t, 60.0, tr.Points)
	assert.Equal(t, true, tr.When.Value)
	assert.Equal(t, "payment-failure", x.QueueRule)
}

func TestExplainOrWithComparisonDetail(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "hello", CreatedAt: now, Customer: Customer{Tier: "standard"}}, now)
	tr := traceOf(t, x, "vip")
	assert.Equal(t, RuleNotMatched, tr.Status)
	assert.Equal(t, "or", tr.When.Op)
	assert.Equal(t, []string{`customer.tier == "premium" = false`, `exclamations(text) >= 3 = false`}, values(tr.When))
	assert.Equal(t, `customer.tier is "standard"`, tr.When.Terms[0].Detail)
	assert.Contains(t, x.Lines(), `      customer.tier == "premium" is false (customer.tier is "standard")`)

	x = e.Explain(Ticket{ID: "A", Subject: "hello!!!", CreatedAt: now}, now)
	tr = traceOf(t, x, "vip")
	assert.Equal(t, RuleMatched, tr.Status)
	assert.Equal(t, []string{`customer.tier == "premium" = false`, `exclamations(text) >= 3 = true`}, values(tr.When))
	assert.Equal(t, `customer.tier is empty`, tr.When.Terms[0].Detail)
}

func TestExplainNot(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "thanks", Channel: "email", CreatedAt: now}, now)
	tr := traceOf(t, x, "rude")
	assert.Equal(t, RuleNotMatched, tr.Status)
	require.Equal(t, "and", tr.When.Op)
	require.Len(t, tr.When.Terms, 2)
	polite, channel := tr.When.Terms[0], tr.When.Terms[1]
	assert.Equal(t, "not polite", polite.Text)
	assert.Equal(t, "not", polite.Op)
	assert.Equal(t, false, polite.Value)
	require.Len(t, polite.Terms, 1)
	assert.Equal(t, "macro", polite.Terms[0].Op)
	assert.Equal(t, true, polite.Terms[0].Value)
	assert.Equal(t, `!(channel == "chat" || channel == "phone")`, channel.Text)
	assert.Equal(t, "not", channel.Op)
	assert.Equal(t, true, channel.Value)
	require.Len(t, channel.Terms, 1)
	assert.Equal(t, "or", channel.Terms[0].Op)
	assert.Equal(t, []string{`channel == "chat" = false`, `channel == "phone" = false`}, values(&channel.Terms[0]))
}

func TestExplainNestedParentheses(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "refund please", Body: "for the last order", Language: "fr", CreatedAt: now}, now)
	tr := traceOf(t, x, "nested")
	assert.Equal(t, RuleNotMatched, tr.Status)
	require.Equal(t, "and", tr.When.Op)
	assert.Equal(t, []string{
		`(mentions(text, "payment") || mentions(text, "refund")) = true`,
		`(words(text) > 3 && (customer.age > duration("720h") || language == "de")) = false`,
	}, values(tr.When))
	inner := tr.When.Terms[1]
	assert.Equal(t, []string{`words(text) > 3 = true`, `(customer.age > duration("720h") || language == "de") = false`}, values(&inner))
	assert.Equal(t, "words(text) is 6", inner.Terms[0].Detail)
	assert.Equal(t, []string{`customer.age > duration("720h") = false`, `language == "de" = false`}, values(&inner.Terms[1]))
	// Only the part that made && false is opened.
	lines := strings.Join(x.Lines(), "\n")
	assert.Contains(t, lines, `
  not matched  nested
      (mentions(text, "payment") || mentions(text, "refund")) is true
      (words(text) > 3 && (customer.age > duration("720h") || language == "de")) is false
        words(text) > 3 is true (words(text) is 6)
        (customer.age > duration("720h") || language == "de") is false
          customer.age > duration("720h") is false (customer.age is 0)
          language == "de" is false (language is "fr")
  failed`)
}

func TestExplainSkippedDisabledFailed(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "hi", CreatedAt: now}, now)

	tr := traceOf(t, x, "payment-failure")
	assert.Equal(t, RuleSkipped, tr.Status)
	assert.Equal(t, []string{`needs "payment": not mentioned`}, tr.Missing)
	assert.Nil(t, tr.When, "the engine did not run it")

	tr = traceOf(t, x, "off")
	assert.Equal(t, RuleDisabled, tr.Status)
	assert.Nil(t, tr.When)

	tr = traceOf(t, x, "product")
	assert.Equal(t, RuleFailed, tr.Status)
	require.NotNil(t, tr.Err)
	assert.Equal(t, x.Assessment.Errors, []*Error{tr.Err}, "the error the assessment reports")
	assert.Contains(t, tr.Err.Error(), "expected text, got nothing")
	require.NotNil(t, tr.When)
	assert.Contains(t, tr.When.Err, "expected text, got nothing")
	assert.Nil(t, tr.When.Value)

	lines := x.Lines()
	assert.Contains(t, lines, `  skipped      payment-failure  needs "payment": not mentioned`)
	assert.Contains(t, lines, `  disabled     off`)
	assert.Contains(t, lines, `  failed       product          error: explain.yaml:33:11: rule "product": expected text, got nothing (is a custom field missing?)`)
}

func TestExplainPrefilterFacts(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - name: desk
    when: language in ["hr", "sr"] && mentions(subject, "payment")
  - name: either
    when: (mentions(text, "payment") || flagged) && channel == "chat"`))}})
	require.NoError(t, err)
	x := e.Explain(Ticket{ID: "A", Subject: "hello", Language: "de", Channel: "email", CreatedAt: now}, now)
	assert.Equal(t, []string{`needs language one of "hr", "sr": it is "de"`, `needs "payment" in subject: not mentioned`}, traceOf(t, x, "desk").Missing)
	assert.Equal(t, []string{`needs one of "payment", flagged: none holds`, `needs channel "chat": it is "email"`}, traceOf(t, x, "either").Missing)
}

func TestExplainScoreExpression(t *testing.T) {
	e := loadExplainPack(t)
	x := e.Explain(Ticket{ID: "A", Subject: "one two three", CreatedAt: now}, now)
	tr := traceOf(t, x, "scored")
	assert.Equal(t, RuleMatched, tr.Status)
	assert.Equal(t, 6.0, tr.Points)
	assert.Equal(t, "words(text) * 2", tr.Score)
	assert.Contains(t, x.Lines(), `  matched      scored           +6 (score: words(text) * 2)`)
}

func TestExplainAgingRule(t *testing.T) {
	e := loadExplainPack(t)
	created := now.Add(-18 * time.Hour) // 18h of the normal level's 24h
	x := e.Explain(Ticket{ID: "A", Subject: "hi", CreatedAt: created}, now)
	tr := traceOf(t, x, "late")
	assert.Equal(t, RuleMatched, tr.Status)
	assert.Equal(t, "sla_used is 0.75", tr.When.Detail)
	assert.Contains(t, x.Assessment.Rules(), "late")

	x = e.Explain(Ticket{ID: "A", Subject: "hi", CreatedAt: now.Add(-time.Hour)}, now)
	tr = traceOf(t, x, "late")
	assert.Equal(t, RuleNotMatched, tr.Status)
	assert.Equal(t, "sla_used is 0.042", tr.When.Detail)
}

// TestExplainRunsEachRuleOnce: Explain traces the run of the rules that
// its assessment made and evaluates only the parts of the conditions
// beside it. The rules of this pack fit the ticket's budget once, not
// twice: running every condition again beside its parts went over the
// budget and traced the last rules as failed, which the assessment
// matched.
func TestExplainRunsEachRuleOnce(t *testing.T) {
	const n = 15 // about 500,000 units a rule on this body, of MaxTicketCost
	var rules strings.Builder
	for i := range n {
		fmt.Fprintf(&rules, "\n  - {name: r%d, when: 'not any(split(body, \"\"), {# == \"Q\"})'}", i)
	}
	e := loadRules(t, rules.String())
	tk := Ticket{ID: "x", Subject: "hello", Body: strings.Repeat("ab", 60<<10), CreatedAt: now}
	x := e.Explain(tk, now)
	require.Empty(t, x.Assessment.Errors, "the rules fit the ticket's budget once")
	require.Len(t, x.Assessment.Hits, n)
	for _, tr := range x.Rules {
		assert.Equal(t, RuleMatched, tr.Status, tr.Rule)
		assert.Nil(t, tr.Err, tr.Rule)
		require.NotNil(t, tr.When, tr.Rule)
		assert.Equal(t, "not", tr.When.Op, "%s: the parts are shown", tr.Rule)
		assert.Equal(t, true, tr.When.Value, tr.Rule)
		require.Len(t, tr.When.Terms, 1, tr.Rule)
		assert.Empty(t, tr.When.Terms[0].Err, "%s: the parts have a budget of their own", tr.Rule)
	}
}

func TestQueueExplainUsesClusterFacts(t *testing.T) {
	e := loadExplainPack(t)
	q := mustQueue(NewQueue(e))
	q.Add(
		Ticket{ID: "A", Subject: "invoice export crashes with error E1234", CreatedAt: now.Add(-10 * time.Minute), Customer: Customer{ID: "C1"}},
		Ticket{ID: "B", Subject: "invoice export crashes with error E1234", CreatedAt: now.Add(-5 * time.Minute), Customer: Customer{ID: "C2"}},
	)
	x, ok := q.Explain("B", now)
	require.True(t, ok)
	assert.Equal(t, 2, x.Assessment.Cluster.Size)
	tr := traceOf(t, x, "trend")
	assert.Equal(t, RuleMatched, tr.Status)
	assert.Equal(t, "cluster.customers is 2", tr.When.Detail)
	assert.Contains(t, x.Lines(), "cluster A: 2 tickets from 2 customers")

	alone := e.Explain(Ticket{ID: "B", Subject: "invoice export crashes with error E1234", CreatedAt: now.Add(-5 * time.Minute)}, now)
	assert.Equal(t, RuleNotMatched, traceOf(t, alone, "trend").Status)

	_, ok = q.Explain("nope", now)
	assert.False(t, ok)
}

// shape writes a condition's parts compactly: and(a, or(b, c)).
func shape(n *termNode) string {
	if n.op == "" {
		return n.text
	}
	var kids []string
	for _, k := range n.kids {
		kids = append(kids, shape(k))
	}
	return n.op + "(" + strings.Join(kids, ", ") + ")"
}

func TestExplainSplitsOnlyWhatItCanReadRight(t *testing.T) {
	e := loadExplainPack(t)
	tests := []struct{ expr, want string }{
		{`flagged and not duplicate or customer.new`, `or(and(flagged, not(duplicate)), customer.new)`},
		{`flagged && (duplicate || customer.new) && words(text) > 2`, `and(flagged, or(duplicate, customer.new), words(text) > 2)`},
		{`((flagged))`, `flagged`},
		{`payment_problem || polite`, `or(macro(and(mentions(text, "payment"), or(mentions(text, "failure"), words(text) > 100))), macro(mentions(text, "thanks")))`},
		// Forms where && and || are not the outermost operators stay whole.
		{`flagged ? duplicate : customer.new && true`, `flagged ? duplicate : customer.new && true`},
		{`not flagged == duplicate && true`, `and(not flagged == duplicate, true)`},
		{`(flagged || duplicate) == customer.new`, `(flagged || duplicate) == customer.new`},
		{`let n = words(text); n > 2 && flagged`, `let n = words(text); n > 2 && flagged`},
		{`all(["a"], {# == "a" && flagged}) || duplicate`, `or(all(["a"], {# == "a" && flagged}), duplicate)`},
		{`language not in ["de"] && !flagged`, `and(language not in ["de"], not(flagged))`},
		// Parentheses the parser keeps apart stay apart; the texts are the
		// source's, with the brackets of calls and the words of let and if.
		{`(flagged || duplicate) || customer.new`, `or(or(flagged, duplicate), customer.new)`},
		{`flagged || (duplicate || customer.new)`, `or(flagged, or(duplicate, customer.new))`},
		{`!(flagged || duplicate) && (not flagged)`, `and(not(or(flagged, duplicate)), not(flagged))`},
		{`(subject | upper()) == "A" || (body | lower() | len()) > 2`, `or((subject | upper()) == "A", (body | lower() | len()) > 2)`},
		{`flagged && (if duplicate { true } else { false })`, `and(flagged, if duplicate { true } else { false })`},
		{`flagged && (let n = words(text); n > 2)`, `and(flagged, let n = words(text); n > 2)`},
		{`flagged && (duplicate ? customer.new : true)`, `and(flagged, duplicate ? customer.new : true)`},
		{`not (flagged || duplicate ? true : false)`, `not (flagged || duplicate ? true : false)`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			src := exprSource{Text: tt.expr, Src: packfile.NewSource("x.yaml", nil)}
			n := e.explainer.split(src, 0)
			assert.Equal(t, tt.want, shape(n))
		})
	}
}

// TestExplainAgreesWithAssess holds Explain to the engine: for every
// sample ticket, alone and in a queue, the rules it says matched are the
// hits of the assessment with the same points, the failed ones its
// errors, and the parts of each condition add up to what the engine found.
func TestExplainAgreesWithAssess(t *testing.T) {
	tickets := readSampleTickets(t)
	for _, load := range []func() (*Engine, error){
		func() (*Engine, error) { return LoadFS(os.DirFS("../rules/default")) },
		func() (*Engine, error) { return Load("testdata/basic.yaml") },
	} {
		e, err := load()
		require.NoError(t, err)
		check := func(x Explanation, a Assessment) {
			t.Helper()
			require.Len(t, x.Rules, len(e.rules))
			var hits []Hit
			var failed []string
			for i, tr := range x.Rules {
				require.Equal(t, e.rules[i].Name, tr.Rule, "pack order")
				switch tr.Status {
				case RuleMatched:
					hits = append(hits, Hit{Rule: tr.Rule, Points: tr.Points})
				case RuleFailed:
					failed = append(failed, tr.Rule)
				}
				if tr.Status == RuleMatched || tr.Status == RuleNotMatched {
					require.NotNil(t, tr.When)
					require.Equal(t, tr.Status == RuleMatched, tr.When.Value, "ticket %s rule %s", a.Ticket.ID, tr.Rule)
					// Not the whole condition put in place of parts that
					// did not add up.
					if e.terms(e.rules[i]).op != "" {
						require.NotEmpty(t, tr.When.Op, "ticket %s rule %s", a.Ticket.ID, tr.Rule)
					}
				}
			}
			require.Equal(t, a.Hits, hits, "ticket %s", a.Ticket.ID)
			var errRules []string
			for _, err := range a.Errors {
				errRules = append(errRules, err.Rule)
			}
			require.Equal(t, errRules, failed, "ticket %s", a.Ticket.ID)
			require.Equal(t, a, x.Assessment)
			if x.QueueRule != "" {
				require.Equal(t, a.Queue, e.rules[e.ruleIndex[x.QueueRule]].Queue)
			} else {
				require.Empty(t, a.Queue)
			}
		}
		for _, tk := range tickets {
			check(e.Explain(tk, now), e.Assess(tk, now))
		}
		q := mustQueue(NewQueue(e))
		q.Add(tickets...)
		ranked := q.Ranked(now)
		require.True(t, slices.ContainsFunc(ranked, func(a Assessment) bool { return a.Cluster.Size > 1 }), "the samples have clusters")
		for _, a := range ranked {
			x, ok := q.Explain(a.Ticket.ID, now)
			require.True(t, ok)
			check(x, a)
		}
	}
}

// TestExplainConcurrentUse explains from several goroutines at once on a
// fresh engine, so that the parts of conditions are compiled while others
// read them (run with -race).
func TestExplainConcurrentUse(t *testing.T) {
	e, err := LoadFS(os.DirFS("../rules/default"))
	require.NoError(t, err)
	tickets := readSampleTickets(t)[:20]
	want := make([]string, len(tickets))
	for i, tk := range tickets {
		want[i] = fmt.Sprint(e.Assess(tk, now).Rules())
	}
	var wg sync.WaitGroup
	got := make([][]string, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tk := range tickets {
				var matched []string
				for _, r := range e.Explain(tk, now).Rules {
					if r.Matched() {
						matched = append(matched, r.Rule)
					}
				}
				got[g] = append(got[g], fmt.Sprint(matched))
			}
		}()
	}
	wg.Wait()
	for _, g := range got {
		assert.Equal(t, want, g)
	}
}

// BenchmarkExplain measures explaining one sample ticket with the default
// pack once every rule's parts are compiled, the same with a body of about
// 16 KiB, and the first explanation of a freshly loaded pack, which
// compiles them.
func BenchmarkExplain(b *testing.B) {
	tk := readSampleTickets(b)[0]
	b.Run("warm", func(b *testing.B) {
		e, err := LoadFS(os.DirFS("../rules/default"))
		require.NoError(b, err)
		for _, r := range e.rules {
			e.terms(r)
		}
		b.ReportAllocs()
		for b.Loop() {
			e.Explain(tk, now)
		}
	})
	b.Run("long", func(b *testing.B) {
		// A long body, where the text's scan and statistics weigh.
		e, err := LoadFS(os.DirFS("../rules/default"))
		require.NoError(b, err)
		for _, r := range e.rules {
			e.terms(r)
		}
		long := tk
		long.Body = strings.Repeat(tk.Body+"\n", (16<<10)/(len(tk.Body)+1)+1)
		b.ReportAllocs()
		for b.Loop() {
			e.Explain(long, now)
		}
	})
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			e, err := LoadFS(os.DirFS("../rules/default"))
			require.NoError(b, err)
			b.StartTimer()
			e.Explain(tk, now)
		}
	})
}
