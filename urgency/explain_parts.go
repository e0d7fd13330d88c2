package urgency

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr/ast"
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

// split takes an expression apart at &&, ||, not and parentheses, as the
// parser read it at load; a term that names a macro is taken apart in
// turn. The parts keep their text as written: expr's tokens of the source
// give where each part of the tree begins and ends.
func (x *explainer) split(src exprSource, depth int) *termNode {
	runes := []rune(src.Text)
	pe := x.compile.parse(src.Text)
	toks, err := lexer.Lex(file.NewSource(src.Text))
	if pe.err != nil || err != nil {
		return x.leaf(src, runes, nil, depth)
	}
	toks = slices.DeleteFunc(toks, func(t lexer.Token) bool { return t.Kind == lexer.EOF })
	if len(toks) == 0 {
		return x.leaf(src, runes, nil, depth)
	}
	w := &treeWalk{x: x, src: src, runes: runes, toks: toks, depth: depth, at: make(map[int]int, len(toks)), spans: make(map[ast.Node][2]int)}
	for i, t := range toks {
		w.at[t.From] = i
	}
	return w.part(pe.tree.Node)
}

// treeWalk takes the parsed tree of one expression apart.
type treeWalk struct {
	x     *explainer
	src   exprSource
	runes []rune
	toks  []lexer.Token
	at    map[int]int // the token starting at each offset
	spans map[ast.Node][2]int
	depth int // of macros
}

// joiner names the parts an operator joins: "and", "or" or "".
func joiner(op string) string {
	switch op {
	case "&&", "and":
		return "and"
	case "||", "or":
		return "or"
	}
	return ""
}

// part is n taken apart: an && or || chain, a not, or a simple term.
func (w *treeWalk) part(n ast.Node) *termNode {
	switch n := n.(type) {
	case *ast.BinaryNode:
		if op := joiner(n.Operator); op != "" {
			var kids []*termNode
			w.operands(n, op, &kids)
			return &termNode{op: op, text: w.text(w.wrap(w.span(n))), kids: kids}
		}
	case *ast.UnaryNode:
		if n.Operator == "not" || n.Operator == "!" {
			k := w.part(n.Node)
			if k.op == "" && k.compound() {
				// not (a == b) is one simple term.
				return w.simple(n)
			}
			return &termNode{op: "not", text: w.text(w.wrap(w.span(n))), kids: []*termNode{k}}
		}
	}
	return w.simple(n)
}

// operands gathers the parts of a chain of op: a || b || c has three, and
// (a || b) || c two.
func (w *treeWalk) operands(n *ast.BinaryNode, op string, kids *[]*termNode) {
	for _, side := range []ast.Node{n.Left, n.Right} {
		if b, ok := side.(*ast.BinaryNode); ok && joiner(b.Operator) == op && !w.wrapped(w.span(b)) {
			w.operands(b, op, kids)
			continue
		}
		*kids = append(*kids, w.part(side))
	}
}

// simple is the simple term n: its tokens up to the &&, ||, not or
// parenthesis around it (which takes in the words of let and if).
func (w *treeWalk) simple(n ast.Node) *termNode {
	lo, hi := w.span(n)
	for lo > 0 && !w.toks[lo-1].Is(lexer.Bracket, "(") && !w.toks[lo-1].Is(lexer.Operator, "&&", "and", "||", "or", "not", "!") {
		lo--
	}
	for hi+1 < len(w.toks) && !w.toks[hi+1].Is(lexer.Bracket, ")") && !w.toks[hi+1].Is(lexer.Operator, "&&", "and", "||", "or") {
		hi++
	}
	return w.x.leaf(w.src, w.runes, w.toks[lo:hi+1], w.depth)
}

// span returns the first and last tokens of n: its own, its operands'
// with their parentheses, and the brackets that close what they open.
func (w *treeWalk) span(n ast.Node) (lo, hi int) {
	if s, ok := w.spans[n]; ok {
		return s[0], s[1]
	}
	defer func() { w.spans[n] = [2]int{lo, hi} }()
	lo, hi = len(w.toks), -1
	switch n.(type) {
	case *ast.ConditionalNode, *ast.VariableDeclaratorNode:
		// Placed after the expression, or at its variable: their words
		// (let, if, ?) lie between their operands.
	default:
		if i, ok := w.at[n.Location().From]; ok {
			lo, hi = i, i
			switch n.(type) {
			case *ast.CallNode, *ast.BuiltinNode:
				if i+1 < len(w.toks) && w.toks[i+1].Is(lexer.Bracket, "(") {
					hi = i + 1 // the arguments' parentheses, closed below
				}
			}
		}
	}
	for _, k := range children(n) {
		if k == nil {
			continue
		}
		klo, khi := w.wrap(w.span(k))
		lo, hi = min(lo, klo), max(hi, khi)
	}
	if hi < lo {
		return 0, len(w.toks) - 1
	}
	open := 0
	for _, t := range w.toks[lo : hi+1] {
		switch {
		case t.Is(lexer.Bracket, "(", "[", "{"):
			open++
		case t.Is(lexer.Bracket, ")", "]", "}"):
			open--
		}
	}
	for ; open > 0 && hi+1 < len(w.toks) && w.toks[hi+1].Is(lexer.Bracket, ")", "]", "}"); open-- {
		hi++
	}
	return lo, hi
}

// wrapped tells whether parentheses enclose tokens lo to hi.
func (w *treeWalk) wrapped(lo, hi int) bool {
	return lo > 0 && hi+1 < len(w.toks) && w.toks[lo-1].Is(lexer.Bracket, "(") && w.toks[hi+1].Is(lexer.Bracket, ")")
}

// wrap widens tokens lo to hi to the parentheses around them.
func (w *treeWalk) wrap(lo, hi int) (int, int) {
	for w.wrapped(lo, hi) {
		lo, hi = lo-1, hi+1
	}
	return lo, hi
}

func (w *treeWalk) text(lo, hi int) string {
	return string(w.runes[w.toks[lo].From:w.toks[hi].To])
}

// children returns the nodes directly below n.
func children(n ast.Node) []ast.Node {
	switch n := n.(type) {
	case *ast.UnaryNode:
		return []ast.Node{n.Node}
	case *ast.BinaryNode:
		return []ast.Node{n.Left, n.Right}
	case *ast.ChainNode:
		return []ast.Node{n.Node}
	case *ast.MemberNode:
		return []ast.Node{n.Node, n.Property}
	case *ast.SliceNode:
		return []ast.Node{n.Node, n.From, n.To}
	case *ast.CallNode:
		return append([]ast.Node{n.Callee}, n.Arguments...)
	case *ast.BuiltinNode:
		return append(slices.Clone(n.Arguments), n.Map)
	case *ast.PredicateNode:
		return []ast.Node{n.Node}
	case *ast.VariableDeclaratorNode:
		return []ast.Node{n.Value, n.Expr}
	case *ast.SequenceNode:
		return n.Nodes
	case *ast.ConditionalNode:
		return []ast.Node{n.Cond, n.Exp1, n.Exp2}
	case *ast.ArrayNode:
		return n.Nodes
	case *ast.MapNode:
		return n.Pairs
	case *ast.PairNode:
		return []ast.Node{n.Key, n.Value}
	}
	return nil
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
