package urgency

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// explainer compiles the parts of conditions on demand, the first time a
// rule is explained: loading and assessing never pay for it.
type explainer struct {
	// mu serializes compiling: the compilations share the pack's
	// compile options.
	mu      sync.Mutex
	macros  map[string]*packfile.MacroDef
	compile *compiler // the pack's lists, macros and options; its errors are dropped
}

func newExplainer(c *compiler) *explainer {
	return &explainer{
		macros: c.macros,
		compile: &compiler{
			srcs: c.srcs, matcher: c.matcher, macros: c.macros,
			broken: c.broken, opts: c.opts, parsed: c.parsed, parseConf: c.parseConf,
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
	runes := []rune(src.Text)
	whole := func() *termNode { return x.leaf(src, runes, nil, depth) }
	toks, err := lexer.Lex(file.NewSource(src.Text))
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
	text := src.Text
	if toks != nil {
		text = string(runes[toks[0].From:toks[len(toks)-1].To])
	}
	if len(toks) == 1 && toks[0].Kind == lexer.Identifier && depth < maxMacroDepth {
		if m, ok := x.macros[toks[0].Value]; ok {
			return &termNode{op: "macro", text: m.Name, kids: []*termNode{x.split(m.Expr, depth+1)}}
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
	src.Text = text
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
