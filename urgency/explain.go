package urgency

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm"
)

// Explanation tells why a ticket is where it is: the engine's assessment
// and what every rule of the pack, in pack order, made of the ticket.
type Explanation struct {
	Assessment Assessment
	// Rules has one trace per rule of the pack, in pack order, whether it
	// matched or not.
	Rules []RuleTrace
	// QueueRule is the matching rule whose queue the ticket takes: the
	// highest-scoring one that has a queue, the first in pack order on
	// ties; "" when no matching rule has a queue.
	QueueRule string
}

// RuleStatus is what a rule made of one ticket.
type RuleStatus string

// The statuses of a rule in an [Explanation].
const (
	// RuleMatched: the rule's when was true; its points count.
	RuleMatched RuleStatus = "matched"
	// RuleNotMatched: the rule's when was false.
	RuleNotMatched RuleStatus = "not matched"
	// RuleSkipped: something the rule needs (a list mentioned, a flag, a
	// language...) is absent, so the engine did not run it; see
	// [RuleTrace.Missing].
	RuleSkipped RuleStatus = "skipped"
	// RuleDisabled: the rule has enabled: false.
	RuleDisabled RuleStatus = "disabled"
	// RuleFailed: the rule failed on this ticket at run time and was left
	// out; see [RuleTrace.Err].
	RuleFailed RuleStatus = "failed"
)

// RuleTrace is what one rule made of one ticket.
type RuleTrace struct {
	Rule   string     `json:"rule"`
	Status RuleStatus `json:"status"`
	// Points are the points the rule gave; 0 unless it matched.
	Points float64 `json:"points"`
	// Score is the rule's score expression as written, "" for constant
	// points.
	Score string `json:"score,omitempty"`
	// Missing says, for a skipped rule, what it needs that the ticket
	// lacks, e.g. `needs "payment": not mentioned`.
	Missing []string `json:"missing,omitempty"`
	// Err is the run-time error of a failed rule.
	Err *Error `json:"-"`
	// When is the rule's condition taken apart, each part with its value
	// for this ticket; nil for disabled and skipped rules.
	When *Term `json:"when,omitempty"`
}

// Term is a part of a rule's condition with its value for one ticket.
// Conditions are taken apart at &&, ||, not and parentheses, and at the
// names of macros; the rest (a comparison, a call of mentions...) is a
// simple term.
type Term struct {
	// Text is the part as written in the rule file, or the macro's name.
	Text string `json:"text"`
	// Op is "and", "or" or "not" for a part made of Terms, "macro" when
	// Text names a macro (Terms then holds the macro's condition), and ""
	// for a simple term.
	Op string `json:"op,omitempty"`
	// Value is the part's value for the ticket, usually true or false; nil
	// when it could not be told.
	Value any `json:"value"`
	// Detail shows, for a simple comparison, the value of its left side,
	// e.g. `customer.tier is "standard"`.
	Detail string `json:"detail,omitempty"`
	// Err tells why the part could not be evaluated.
	Err   string `json:"error,omitempty"`
	Terms []Term `json:"terms,omitempty"`
}

// Matched tells whether the rule matched.
func (r RuleTrace) Matched() bool { return r.Status == RuleMatched }

// Explain assesses t at time now, like [Engine.Assess], and traces every
// rule of the pack for it: matched or not, with the parts of its
// condition and their values. The assessment is the one Assess gives.
// Explain is slower than Assess (it runs every part of every condition,
// and compiles a rule's parts the first time it explains the rule) and is
// meant for people asking about one ticket; like Assess, it is safe for
// concurrent use.
func (e *Engine) Explain(t Ticket, now time.Time) Explanation {
	return e.explain(&t, now, aloneFacts(&t, now), false, nil)
}

// Explain is [Engine.Explain] for the ticket of the queue with ID id, with
// the facts of its cluster, as [Queue.Ranked] assesses it. It reports
// false when no such ticket is in the queue.
func (q *Queue) Explain(id string, now time.Time) (Explanation, bool) {
	q.mu.Lock()
	q.sync()
	x, ok := q.byID[id]
	if !ok {
		q.mu.Unlock()
		return Explanation{}, false
	}
	// The same facts as Ranked gives.
	byLeader, _ := q.clusters(false)
	facts := byLeader[x.doc.Leader()].facts(now)
	t, dup, eng, pre := x.t, x.doc.Duplicate(), q.eng, x.scanned
	q.mu.Unlock()
	return eng.explain(&t, now, facts, dup, &pre), true
}

func (e *Engine) explain(t *Ticket, now time.Time, c ClusterFacts, dup bool, pre *scanned) Explanation {
	x := Explanation{Assessment: e.assess(t, now, c, dup, pre), Rules: make([]RuleTrace, len(e.rules))}

	// The Env is set up by the code assess uses, on an evaluator of its
	// own.
	ev := new(evaluator)
	created, _ := e.prepare(ev, t, now, c, dup, pre)
	env := &ev.env
	// Every statistic up front: the parts of a condition may read any.
	env.fillStats(^statSet(0))
	ev.filled, ev.boxed = ^statSet(0), nil
	if e.aging {
		// The rules that read the deadline see the deadline of the first
		// pass, as in assess; the others do not read these facts.
		var first Assessment
		o := outcome{floor: len(e.levels) - 1, queuePoints: math.Inf(-1), clock: &ev.clock}
		e.runRules(ev, &first, &o, false)
		e.settle(&first, &o, created, now)
		env.setDeadline(&first)
		ev.boxed = nil // the copy rules read fields from has the old facts
	}
	queuePoints := math.Inf(-1)
	for i, r := range e.rules {
		x.Rules[i] = e.trace(ev, r)
		if tr := &x.Rules[i]; tr.Matched() && r.Queue != "" && tr.Points > queuePoints {
			x.QueueRule, queuePoints = r.Name, tr.Points
		}
	}
	return x
}

// trace runs one rule as runRules does, recording why it did or did not
// match.
func (e *Engine) trace(ev *evaluator, r *rule) RuleTrace {
	tr := RuleTrace{Rule: r.Name}
	if r.score != nil {
		tr.Score = r.scoreSrc.text
	}
	switch {
	case !r.Enabled || r.when == nil:
		tr.Status = RuleDisabled
		return tr
	case r.need != nil && !r.need.holds(&ev.env):
		tr.Status = RuleSkipped
		tr.Missing = r.need.missing(&ev.env, e.matcher.Lists())
		return tr
	}
	ok, err := e.runWhen(ev, r)
	when := e.terms(r).eval(ev)
	if err == nil && when.Value != ok {
		// The parts do not add up to what the engine found (a form the
		// splitter misread): show the condition whole rather than wrong.
		when = Term{Text: r.whenSrc.text, Value: ok}
	}
	tr.When = &when
	switch {
	case err != nil:
		tr.Status, tr.Err = RuleFailed, err
	case !ok:
		tr.Status = RuleNotMatched
	case r.score != nil:
		tr.Points, err = e.runScore(ev, r)
		if err != nil {
			tr.Status, tr.Err, tr.Points = RuleFailed, err, 0
			break
		}
		tr.Status = RuleMatched
	default:
		tr.Status, tr.Points = RuleMatched, r.points
	}
	return tr
}

// explainer compiles the parts of conditions on demand, the first time a
// rule is explained: loading and assessing never pay for it.
type explainer struct {
	// mu serializes compiling: the compilations share the pack's
	// compile options.
	mu      sync.Mutex
	macros  map[string]*macroDef
	compile *compiler // the pack's lists, macros and options; its errors are dropped
}

func newExplainer(c *compiler) *explainer {
	return &explainer{
		macros: c.macros,
		compile: &compiler{
			srcs: c.srcs, matcher: c.matcher, macros: c.macros,
			broken: c.broken, opts: c.opts,
		},
	}
}

// lazyTerms is a rule's condition taken apart, built on first use.
type lazyTerms struct {
	once sync.Once
	root *termNode
}

func (e *Engine) terms(r *rule) *termNode {
	r.parts.once.Do(func() {
		x := e.explainer
		x.mu.Lock()
		defer x.mu.Unlock()
		r.parts.root = x.split(r.whenSrc, 0)
	})
	return r.parts.root
}

// termNode is a part of a condition, compiled.
type termNode struct {
	text  string
	op    string
	kids  []*termNode
	prog  *vm.Program // simple terms
	err   string      // why prog is nil
	hasOp bool        // a simple term with an operator at its depth: a == b
	// left is the left side of a simple comparison, shown beside it.
	left     *vm.Program
	leftText string
}

func (n *termNode) eval(ev *evaluator) Term {
	t := Term{Text: n.text, Op: n.op}
	switch n.op {
	case "":
		if n.prog == nil {
			t.Err = n.err
			return t
		}
		ev.st.meter.startRule()
		out, err := ev.vm.Run(n.prog, &ev.env)
		if err != nil {
			t.Err = runError(err)
			return t
		}
		t.Value = out
		if n.left != nil {
			ev.st.meter.startRule()
			if v, err := ev.vm.Run(n.left, &ev.env); err == nil {
				t.Detail = n.leftText + " is " + showValue(v)
			}
		}
		return t
	}
	t.Terms = make([]Term, len(n.kids))
	for i, k := range n.kids {
		t.Terms[i] = k.eval(ev)
	}
	switch n.op {
	case "macro":
		t.Value = t.Terms[0].Value
	case "not":
		if b, ok := t.Terms[0].Value.(bool); ok {
			t.Value = !b
		}
	case "and", "or":
		// What && and || give, whichever parts could not be told: one
		// false part makes && false, one true part makes || true.
		decisive := n.op == "or"
		known := true
		for _, k := range t.Terms {
			b, ok := k.Value.(bool)
			if ok && b == decisive {
				t.Value = decisive
				return t
			}
			known = known && ok
		}
		if known {
			t.Value = !decisive
		}
	}
	return t
}

func runError(err error) string {
	if fe, ok := err.(*file.Error); ok {
		return redact(cleanMessage(fe.Message))
	}
	return redact(cleanMessage(err.Error()))
}

// showValue writes a value the way rules write it.
func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case string:
		if v == "" {
			return "empty"
		}
		return fmt.Sprintf("%q", v)
	case time.Duration:
		return FormatDuration(v.Round(time.Second))
	case time.Time:
		return v.Format(time.RFC3339)
	case float64:
		return fmt.Sprintf("%g", math.Round(v*1000)/1000)
	}
	return fmt.Sprint(v)
}

// maxMacroDepth bounds how deep the parts of macros inside macros are
// shown; deeper ones are simple terms.
const maxMacroDepth = 4

// split takes an expression apart at &&, ||, not and parentheses; a term
// that names a macro is taken apart in turn.
func (x *explainer) split(src exprSource, depth int) *termNode {
	runes := []rune(src.text)
	whole := func() *termNode { return x.leaf(src, runes, nil, depth) }
	toks, err := lexer.Lex(file.NewSource(src.text))
	if err != nil || len(toks) == 0 {
		return whole()
	}
	s := &splitter{x: x, src: src, runes: runes, toks: toks, depth: depth}
	n := s.or()
	if n == nil || s.peek().Kind != lexer.EOF {
		return whole()
	}
	return n
}

type splitter struct {
	x     *explainer
	src   exprSource
	runes []rune
	toks  []lexer.Token
	i     int
	depth int // of macros
}

func (s *splitter) peek() lexer.Token {
	if s.i < len(s.toks) {
		return s.toks[s.i]
	}
	return lexer.Token{Kind: lexer.EOF}
}

func isAndToken(t lexer.Token) bool { return t.Is(lexer.Operator, "&&", "and") }
func isOrToken(t lexer.Token) bool  { return t.Is(lexer.Operator, "||", "or") }

// boundary tells whether t ends a simple term at depth 0.
func boundary(t lexer.Token) bool {
	return t.Kind == lexer.EOF || isAndToken(t) || isOrToken(t) || t.Is(lexer.Bracket, ")", "]", "}")
}

// lowerThanAnd are the operators that bind less tightly than && and ||:
// a group holding one of them at its own depth is not taken apart.
func lowerThanAnd(t lexer.Token) bool {
	return t.Is(lexer.Operator, "?", ":", ";", "|", "let", "if", "else")
}

// opaque tells whether the group starting at the current token, up to its
// closing bracket, holds an operator weaker than && at its own depth.
func (s *splitter) opaque() bool {
	depth := 0
	for _, t := range s.toks[s.i:] {
		switch {
		case t.Is(lexer.Bracket, "(", "[", "{"):
			depth++
		case t.Is(lexer.Bracket, ")", "]", "}"):
			if depth == 0 {
				return false
			}
			depth--
		case depth == 0 && lowerThanAnd(t):
			return true
		}
	}
	return false
}

func (s *splitter) or() *termNode  { return s.chain("or", isOrToken, s.and) }
func (s *splitter) and() *termNode { return s.chain("and", isAndToken, s.unary) }

// chain reads operands joined by one operator into one node: a || b || c
// has three parts.
func (s *splitter) chain(op string, is func(lexer.Token) bool, next func() *termNode) *termNode {
	if op == "or" && s.opaque() {
		return s.simple(s.i)
	}
	start := s.i
	first := next()
	if first == nil || !is(s.peek()) {
		return first
	}
	kids := []*termNode{first}
	for is(s.peek()) {
		s.i++
		k := next()
		if k == nil {
			return nil
		}
		kids = append(kids, k)
	}
	return &termNode{op: op, text: s.text(start, s.i), kids: kids}
}

func (s *splitter) unary() *termNode {
	start := s.i
	t := s.peek()
	switch {
	case t.Is(lexer.Operator, "not", "!"):
		s.i++
		k := s.unary()
		if k == nil {
			return nil
		}
		if k.op == "" && k.compound() {
			// not a == b is (not a) == b: one simple term.
			return s.simple(start)
		}
		return &termNode{op: "not", text: s.text(start, s.i), kids: []*termNode{k}}
	case t.Is(lexer.Bracket, "("):
		s.i++
		k := s.or()
		if k == nil || !s.peek().Is(lexer.Bracket, ")") {
			return s.simple(start)
		}
		s.i++
		if !boundary(s.peek()) {
			// (a || b) == c: the group is part of a bigger term.
			return s.simple(start)
		}
		if k.op == "" {
			return k // (a) is a
		}
		k.text = s.text(start, s.i)
		return k
	}
	return s.simple(start)
}

// simple reads a simple term from token start up to the next && or || at
// its depth.
func (s *splitter) simple(start int) *termNode {
	s.i = start
	depth := 0
	for {
		t := s.peek()
		if depth == 0 && boundary(t) {
			break
		}
		switch {
		case t.Kind == lexer.EOF:
			return nil
		case t.Is(lexer.Bracket, "(", "[", "{"):
			depth++
		case t.Is(lexer.Bracket, ")", "]", "}"):
			depth--
		}
		s.i++
	}
	if s.i == start {
		return nil
	}
	toks := s.toks[start:s.i]
	return s.x.leaf(s.src, s.runes, toks, s.depth)
}

// text returns the source of tokens [from, to).
func (s *splitter) text(from, to int) string {
	return string(s.runes[s.toks[from].From:s.toks[to-1].To])
}

// compound tells whether a simple term has an operator at its own depth
// (a == b), as opposed to a name, a call or a literal.
func (n *termNode) compound() bool { return n.leftText != "" || n.hasOp }

// leaf compiles a simple term, or takes a macro's condition apart. toks
// nil means the whole source.
func (x *explainer) leaf(src exprSource, runes []rune, toks []lexer.Token, depth int) *termNode {
	text := src.text
	if toks != nil {
		text = string(runes[toks[0].From:toks[len(toks)-1].To])
	}
	if len(toks) == 1 && toks[0].Kind == lexer.Identifier && depth < maxMacroDepth {
		if m, ok := x.macros[toks[0].Value]; ok {
			return &termNode{op: "macro", text: m.name, kids: []*termNode{x.split(m.expr, depth+1)}}
		}
	}
	n := &termNode{text: text}
	n.prog, n.err = x.compileTerm(src, text)
	if toks != nil {
		n.hasOp = hasOperator(toks)
		x.comparison(n, src, runes, toks)
	}
	return n
}

func (x *explainer) compileTerm(src exprSource, text string) (*vm.Program, string) {
	src.text = text
	errs := ErrorList{}
	c := *x.compile
	c.errs = &errs
	if p := c.compileExpr(src, "", wantValue); p != nil {
		return p, ""
	}
	if len(errs) > 0 {
		return nil, errs[0].Err.Error()
	}
	return nil, "this part cannot be evaluated alone"
}

// comparedSides are the comparisons whose left side is shown.
var comparedSides = []string{"==", "!=", "<", ">", "<=", ">=", "in"}

// comparison finds the left side of a simple comparison, a op b, and
// compiles it to show its value beside the term. The text fields
// themselves are not shown: they may be long.
func (x *explainer) comparison(n *termNode, src exprSource, runes []rune, toks []lexer.Token) {
	depth, at := 0, -1
	for i, t := range toks {
		switch {
		case t.Is(lexer.Bracket, "(", "[", "{"):
			depth++
		case t.Is(lexer.Bracket, ")", "]", "}"):
			depth--
		case depth == 0 && t.Kind == lexer.Operator && t.Value != "." && t.Value != "?.":
			if at >= 0 || !slices.Contains(comparedSides, t.Value) || i == 0 {
				return // not one plain comparison
			}
			at = i
		}
	}
	if at < 0 {
		return
	}
	left := toks[:at]
	if len(left) == 1 && (left[0].Kind != lexer.Identifier || left[0].Value == "subject" || left[0].Value == "body" || left[0].Value == "text") {
		return
	}
	text := string(runes[left[0].From:left[len(left)-1].To])
	if p, _ := x.compileTerm(src, text); p != nil {
		n.left, n.leftText = p, text
	}
}

func hasOperator(toks []lexer.Token) bool {
	depth := 0
	for i, t := range toks {
		switch {
		case t.Is(lexer.Bracket, "(", "[", "{"):
			depth++
		case t.Is(lexer.Bracket, ")", "]", "}"):
			depth--
		case depth == 0 && i > 0 && t.Kind == lexer.Operator && t.Value != "." && t.Value != "?.":
			return true
		}
	}
	return false
}

// missing says what of a rule's need the ticket lacks, one line per part.
func (n *need) missing(e *Env, lists []string) []string {
	switch n.op {
	case '&':
		var out []string
		for _, k := range n.kids {
			if !k.holds(e) {
				out = append(out, k.missing(e, lists)...)
			}
		}
		return out
	case '|':
		var parts []string
		mentions := true
		for _, k := range n.alternatives() {
			parts = append(parts, k.describe(lists))
			mentions = mentions && k.op == 'l'
		}
		if mentions {
			return []string{"needs one of " + strings.Join(parts, ", ") + ": none mentioned"}
		}
		return []string{"needs one of " + strings.Join(parts, ", ") + ": none holds"}
	case 'l':
		return []string{"needs " + n.describe(lists) + ": not mentioned"}
	case 'b':
		return []string{"needs " + n.describe(lists) + ": it is false"}
	}
	return []string{"needs " + n.describe(lists) + ": it is " + showValue(e.stringFact(n.fact))}
}

// describe writes what a need asks for, the way rules say it.
func (n *need) describe(lists []string) string {
	switch n.op {
	case 'l':
		s := fmt.Sprintf("%q", lists[n.list])
		if n.field != fieldText {
			s += " in " + fieldNames[n.field]
		}
		return s
	case 'b':
		return factNames[n.fact]
	case 's':
		vals := make([]string, 0, len(n.values))
		for v := range n.values {
			vals = append(vals, fmt.Sprintf("%q", v))
		}
		slices.Sort(vals)
		if len(vals) == 1 {
			return factNames[n.fact] + " " + vals[0]
		}
		return factNames[n.fact] + " one of " + strings.Join(vals, ", ")
	}
	sep, kids := " and ", n.kids
	if n.op == '|' {
		sep, kids = " or ", n.alternatives()
	}
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = k.describe(lists)
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// alternatives returns the kids of a '|' need with nested '|' flattened:
// a || (b || c) needs one of a, b and c.
func (n *need) alternatives() []*need {
	var out []*need
	for _, k := range n.kids {
		if k.op == '|' {
			out = append(out, k.alternatives()...)
		} else {
			out = append(out, k)
		}
	}
	return out
}

var factNames = map[fact]string{
	factFlagged: "flagged", factDuplicate: "duplicate", factCustomerNew: "customer.new",
	factChannel: "channel", factLanguage: "language", factTier: "customer.tier", factCustomerID: "customer.id",
	factPaused: "paused", factReplied: "replied", factStatus: "status", factTarget: "target",
}

// String returns the explanation as text, see [Explanation.Lines].
func (x Explanation) String() string { return strings.Join(x.Lines(), "\n") + "\n" }

// Lines explains the ticket for people: its verdict and how the level,
// due time and queue were reached, then every rule in pack order, with the
// parts of its condition that decided it:
//
//	matched      payment-failure  +60
//	    payment_problem is true
//	      mentions(text, "payment") is true
//	      ...
//	not matched  vip
//	    customer.tier == "premium" is false (customer.tier is "standard")
//	skipped      double-charge: needs "double_charge": not mentioned
func (x Explanation) Lines() []string {
	a := &x.Assessment
	out := []string{fmt.Sprintf("ticket %s %q: %s, score %g, queue %s", a.Ticket.ID, shorten(a.Ticket.Subject, 60), a.Level, round2(a.Score), dashed(a.Queue))}
	// Why starts with the hits, one line each ("no rule matched" for
	// none), and ends with the errors: the rules below show both.
	why := a.Why()
	skip := max(len(a.Hits), 1)
	out = append(out, why[skip:len(why)-len(a.Errors)]...)
	if x.QueueRule != "" {
		out = append(out, fmt.Sprintf("queue %s: from %s, the highest-scoring matching rule with a queue", a.Queue, x.QueueRule))
	}
	if len(a.Tags) > 0 {
		out = append(out, "tags: "+strings.Join(a.Tags, ", "))
	}
	if c := a.Cluster; c.Size > 1 {
		out = append(out, fmt.Sprintf("cluster %s: %d tickets from %d %s", c.ID, c.Size, c.Customers, pluralWord(c.Customers, "customer", "customers")))
	}
	if a.Duplicate {
		out = append(out, "duplicate: an earlier ticket of the same customer is in the same cluster")
	}
	out = append(out, "rules, in pack order:")
	width := 0
	for _, r := range x.Rules {
		width = max(width, utf8.RuneCountInString(r.Rule))
	}
	for _, r := range x.Rules {
		head := fmt.Sprintf("  %-11s  %-*s", r.Status, width, r.Rule)
		switch r.Status {
		case RuleMatched:
			head += fmt.Sprintf("  %+g", round2(r.Points))
			if r.Score != "" {
				head += " (score: " + shorten(r.Score, 100) + ")"
			}
		case RuleSkipped:
			head += "  " + strings.Join(r.Missing, "; ")
		case RuleFailed:
			head += "  error: " + r.Err.Error()
		}
		out = append(out, strings.TrimRight(head, " "))
		switch {
		case r.When == nil:
		case r.When.Op == "and" || r.When.Op == "or":
			// The status says what the whole gave: its parts say why.
			out = r.When.parts(out, "      ")
		default:
			out = r.When.lines(out, "      ")
		}
	}
	return out
}

// lines appends t and the parts of it that decided its value.
func (t *Term) lines(out []string, indent string) []string {
	return t.parts(append(out, indent+t.line()), indent+"  ")
}

// parts appends the parts of t, opening those that decided its value.
func (t *Term) parts(out []string, indent string) []string {
	kids := t.Terms
	switch {
	case t.Op == "macro" && (kids[0].Op == "and" || kids[0].Op == "or"):
		// The macro's own parts, without its whole text again.
		return kids[0].parts(out, indent)
	case t.Op == "not" && kids[0].Op == "":
		return out // not x: x needs no line of its own
	case t.Op != "and" && t.Op != "or":
		for i := range kids {
			out = kids[i].lines(out, indent)
		}
		return out
	}
	// The parts that decided the value are opened; the others are
	// listed, except the false ones beside a true part of a long ||,
	// which say nothing about the ticket.
	decisive := t.Op == "or"
	quiet := 0
	if t.Value == true && t.Op == "or" {
		for i := range kids {
			if kids[i].Value == false {
				quiet++
			}
		}
		if quiet <= maxQuietParts {
			quiet = 0
		}
	}
	for i := range kids {
		k := &kids[i]
		b, ok := k.Value.(bool)
		switch {
		case t.Value != decisive || !ok || b == decisive:
			out = k.lines(out, indent)
		case quiet == 0:
			out = append(out, indent+k.line())
		}
	}
	if quiet > 0 {
		out = append(out, fmt.Sprintf("%s(%d other parts are false)", indent, quiet))
	}
	return out
}

// maxQuietParts is how many false parts of a true || are listed.
const maxQuietParts = 3

// line is one part with its value: `customer.new is false`.
func (t *Term) line() string {
	s := shorten(t.Text, 100)
	if t.Err != "" {
		return s + " could not be told: " + t.Err
	}
	if t.Value == nil {
		return s + " could not be told"
	}
	s += " is " + showValue(t.Value)
	if t.Detail != "" {
		s += " (" + t.Detail + ")"
	}
	return s
}

// shorten puts text on one line of at most n characters.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
