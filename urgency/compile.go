package urgency

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/triagekit/triage/urgency/internal/match"
)

// compiler turns a decoded pack into an Engine, reporting every problem.
type compiler struct {
	p       *pack
	errs    *ErrorList
	srcs    map[string]*source
	matcher *match.Matcher
	macros  map[string]*macroDef
	broken  map[string]bool // macros that failed to compile
	opts    []expr.Option

	// set by the patcher while compiling one expression
	usesText bool
	self     string // the macro being compiled, if any

	stats statSet // statistics read as Env fields by the rule being compiled
}

func compile(p *pack, errs *ErrorList, srcs map[string]*source) *Engine {
	c := &compiler{p: p, errs: errs, srcs: srcs, macros: make(map[string]*macroDef), broken: make(map[string]bool)}
	c.buildMatcher()
	for _, m := range p.macros {
		c.macros[m.name] = m
	}
	c.opts = []expr.Option{
		expr.Env(Env{}),
		expr.DisableBuiltin("now"),
		expr.MaxNodes(MaxExprNodes),
		expr.Function("mentions", mentionsUnpatched, new(func(string, string) bool)),
		expr.Function("mentionCount", mentionsUnpatched, new(func(string, string) int)),
		expr.Function("words", wordsFunc, new(func(string) int)),
		expr.Function("shouting", shoutingFunc, new(func(string) float64)),
		expr.Function("exclamations", exclamationsFunc, new(func(string) int)),
	}
	c.opts = append(c.opts, meterOptions(p.settings.loc)...)
	for _, m := range p.macros {
		c.compileMacro(m)
	}
	e := &Engine{
		name:     p.name,
		settings: p.settings,
		matcher:  c.matcher,
		clusters: p.clusters,
		order:    p.order,
	}
	levelIndex := make(map[string]int)
	for i, l := range p.levels {
		levelIndex[l.name] = i
		lv := Level{Name: l.name, MinScore: l.minScore, RespondWithin: l.within, ResolveWithin: l.resolve, cal: l.cal, Calendar: p.levelCalendarName(l)}
		if i == len(p.levels)-1 {
			lv.MinScore = catchAll
		}
		e.levels = append(e.levels, lv)
	}
	for _, rd := range p.dupRules {
		if rd.when.text != "" { // a missing when is reported already
			c.compileExpr(rd.when, rd.name, wantBool)
		}
		if rd.score.text != "" {
			c.compileExpr(rd.score, rd.name, wantNumber)
		}
	}
	for _, rd := range p.rules {
		r := &rule{
			Rule: Rule{
				Name: rd.name, Description: rd.description, Pos: rd.pos,
				Level: rd.level, Queue: rd.queue, Tags: rd.tags,
				RespondWithin: rd.within, ResolveWithin: rd.resolve, Enabled: rd.enabled, Calendar: refName(rd.calendar),
			},
			floor:   -1,
			cal:     rd.cal,
			calName: refName(rd.calendar),
			points:  rd.points,
			whenSrc: rd.when, scoreSrc: rd.score,
			inherited: rd.layer < p.layer,
		}
		if s := c.srcs[rd.pos.File]; s != nil {
			r.line = s.line(rd.pos.Line)
		}
		if rd.levelNode != nil {
			r.levelPos = rd.levelSrc.pos(rd.levelNode.Line, rd.levelNode.Column)
		}
		if i, ok := levelIndex[rd.level]; ok && rd.level != "" {
			r.floor = i
		}
		c.stats = 0
		if rd.when.text != "" {
			r.when = c.compileExpr(rd.when, rd.name, wantBool)
			if r.when != nil {
				r.need = needOf(r.when.Node())
				r.aging = readsAging(r.when)
			}
		}
		if rd.score.text != "" {
			r.score = c.compileExpr(rd.score, rd.name, wantNumber)
			r.aging = r.aging || r.score != nil && readsAging(r.score)
		}
		r.stats = c.stats
		r.fields = r.when != nil && readsFields(r.when) || r.score != nil && readsFields(r.score)
		e.rules = append(e.rules, r)
	}
	e.usesText = c.usesText
	e.explainer = newExplainer(c)
	e.docs = newPackDocs(p)
	e.init()
	return e
}

func (c *compiler) errorAt(pos Position, rule string, err error) {
	line := ""
	if s := c.srcs[pos.File]; s != nil {
		line = s.line(pos.Line)
	}
	*c.errs = append(*c.errs, &Error{Pos: pos, Rule: rule, Err: err, line: line})
}

func (c *compiler) buildMatcher() {
	var b match.Builder
	for _, l := range c.p.lists {
		for _, t := range l.terms {
			if err := b.Add(l.name, t.text); err != nil {
				c.errorAt(t.pos, "", fmt.Errorf("list %q: %v", l.name, err))
			}
		}
	}
	c.matcher = b.Build()
}

type want int

const (
	wantAny want = iota
	wantBool
	wantNumber
	wantValue // any type: the parts of conditions an explanation shows
)

func (c *compiler) compileMacro(m *macroDef) {
	c.self = m.name
	defer func() { c.self = "" }()
	if c.compileExpr(m.expr, "", wantAny) == nil {
		c.broken[m.name] = true
	}
}

// compileExpr compiles one expression against the typed Env, with macros
// expanded and the text functions bound to the per-ticket cache. Errors
// point into the rule file.
func (c *compiler) compileExpr(src exprSource, rule string, w want) *vm.Program {
	inl := &inliner{c: c, src: src, rule: rule}
	if c.self != "" {
		inl.stack = []string{c.self}
	}
	pat := &patcher{c: c, src: src, rule: rule}
	met := &meterPatcher{c: c, src: src, rule: rule}
	opts := append(c.opts[:len(c.opts):len(c.opts)], expr.Patch(inl), expr.Patch(pat), expr.Patch(met))
	prog, err := expr.Compile(src.text, opts...)
	if prog != nil {
		// Whether any expression reads text itself, after the functions
		// that take it from the cache were patched: only then is the
		// joined string built per ticket.
		n := prog.Node()
		ast.Walk(&n, textReader{&c.usesText})
	}
	if inl.failed {
		// A broken macro is reported where it is defined; what the checker
		// says of its unexpanded name would only repeat it.
		return nil
	}
	if err != nil {
		c.exprError(src, rule, w, err)
		return nil
	}
	if pat.failed || met.failed {
		return nil
	}
	if t := prog.Node().Type(); t != nil && t.Kind() != reflect.Interface {
		switch {
		case w == wantBool && t.Kind() != reflect.Bool:
			c.errorAt(src.position(0), rule, fmt.Errorf("when must be true or false, but this expression gives %s", typeName(t)))
			return nil
		case w == wantNumber && !isNumber(t):
			c.errorAt(src.position(0), rule, fmt.Errorf("score must be a number, but this expression gives %s", typeName(t)))
			return nil
		case w == wantAny && t.Kind() != reflect.Bool && !isNumber(t):
			c.errorAt(src.position(0), rule, fmt.Errorf("a macro must give true/false or a number, but this one gives %s", typeName(t)))
			return nil
		}
	}
	return prog
}

func isNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return t.String() != "time.Duration"
	}
	return false
}

func (c *compiler) exprError(src exprSource, rule string, w want, err error) {
	var fe *file.Error
	if !errors.As(err, &fe) {
		c.errorAt(src.position(0), rule, errors.New(clipMessage(cleanMessage(err.Error()))))
		return
	}
	msg := c.improve(cleanMessage(fe.Message))
	switch m := unknownName.FindStringSubmatch(msg); {
	case msg == `unexpected "="`:
		msg += ": to compare, write == (a single = is not an operator)"
	case m != nil && w == wantNumber && strings.TrimSpace(src.text) == m[1]:
		// score: lots, written as if score took a word.
		msg = fmt.Sprintf("score must be a number like 40, or an expression that gives one like 10 * mentionCount(text, \"outage\"); %s is not a name the rules know", m[1])
	}
	c.errorAt(src.position(fe.From), rule, errors.New(clipMessage(msg)))
}

// typeNames maps the Go types expr mentions to the rule language's words.
var typeNames = strings.NewReplacer(
	"*urgency.Env", "the ticket",
	"urgency.Env", "the ticket",
	"urgency.CustomerFacts", "customer",
	"urgency.ClusterFacts", "cluster",
	"time.Duration", "duration",
	"time.Time", "time",
	"map[string]interface {}", "map",
	"[]interface {}", "array",
	"interface {}", "any",
	"float64", "float",
	"func(string, string) bool", "function",
	"func(string, string) int", "function",
	"func(string) int", "function",
	"func(string) float64", "function",
)

func typeWord(goType string) string {
	switch goType {
	case "string":
		return "text"
	case "bool":
		return "true/false"
	case "int", "float", "float64", "int64":
		return "a number"
	}
	return goType
}

func typeName(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.Bool:
		return "true/false"
	case t.Kind() == reflect.String:
		return "text"
	case t.String() == "time.Duration":
		return "a duration"
	case t.String() == "time.Time":
		return "a time"
	case isNumber(t):
		return "a number"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a map"
	}
	return typeNames.Replace(t.String())
}

var (
	unexpectedTok = regexp.MustCompile(`unexpected token [A-Za-z]+\("((?:[^"\\]|\\.)*)"\)`)
	unknownName   = regexp.MustCompile(`^unknown name ([A-Za-z_][A-Za-z0-9_]*)`)
	floatRange    = regexp.MustCompile(`strconv.Parse(?:Float|Int): parsing "([^"]*)": value out of range`)
	conversion    = regexp.MustCompile(`interface conversion: any is ([^,]+), not (\S+)`)
	unknownMember = regexp.MustCompile(`^type (customer|cluster) has no field ([A-Za-z_][A-Za-z0-9_]*)`)
)

func cleanMessage(msg string) string {
	msg = typeNames.Replace(msg)
	msg = unexpectedTok.ReplaceAllString(msg, `unexpected "$1"`)
	msg = strings.ReplaceAll(msg, "unexpected token EOF", "the expression ends too early")
	if m := floatRange.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("the number %s is too large", m[1])
	}
	if strings.Contains(msg, "exceeds maximum allowed nodes") {
		msg = fmt.Sprintf("the expression is larger than %d nodes (macros included): split it into rules or macros", MaxExprNodes)
	}
	if msg == "time is not callable" {
		msg = "now is the evaluation time, not a function: write now instead of now()"
	}
	if m := conversion.FindStringSubmatch(msg); m != nil {
		got := m[1]
		if got == "nil" {
			got = "nothing (is a custom field missing?)"
		}
		msg = fmt.Sprintf("expected %s, got %s", typeWord(m[2]), got)
	}
	if strings.Contains(msg, "mismatched types duration and ") || strings.Contains(msg, "mismatched types int and duration") {
		msg += `: write durations like duration("2h")`
	}
	if i := strings.Index(msg, " (1:"); i > 0 {
		msg = msg[:i]
	}
	return msg
}

// improve adds what the author most likely meant to messages about
// unknown names.
func (c *compiler) improve(msg string) string {
	if m := unknownName.FindStringSubmatch(msg); m != nil {
		names := append([]string(nil), envNames...)
		for n := range c.macros {
			names = append(names, n)
		}
		return msg + suggest(m[1], names)
	}
	if m := unknownMember.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s has no field %s%s", m[1], m[2], suggest(m[2], memberNames[m[1]]))
	}
	return msg
}

// The names of the rule language, read from Env, so that a fact added to
// Env is known at once to the suggestions, and to the macros, which may
// not hide it: the fields' expr names, and the functions rules call.
var (
	envNames    = append(exprNames(reflect.TypeFor[Env]()), ruleFunctions...)
	memberNames = map[string][]string{
		"customer": exprNames(reflect.TypeFor[CustomerFacts]()),
		"cluster":  exprNames(reflect.TypeFor[ClusterFacts]()),
	}
)

// ruleFunctions are the functions of the rule language besides expr's
// built-ins.
var ruleFunctions = []string{"mentions", "mentionCount", "words", "shouting", "exclamations"}

// exprNames returns the expr names of t's fields a rule can write: not
// those of the embedded ruleHooks and textStats, whose names hold a ·
// that no rule can type.
func exprNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name := f.Tag.Get("expr"); f.IsExported() && !f.Anonymous && name != "" && !strings.Contains(name, "·") {
			names = append(names, name)
		}
	}
	return names
}

// inliner replaces each macro name with the macro's own expression. The
// inlined nodes take the location of the name, so that a run time error
// inside a macro points at the place that used it.
//
// The expression is refused before anything is expanded when it would
// pass MaxExprNodes once expanded: each macro's expanded size is counted
// once, from its parsed tree and the sizes of the macros it uses, so that
// macros using each other twice over cannot expand exponentially.
type inliner struct {
	c      *compiler
	src    exprSource
	rule   string
	stack  []string
	at     file.Location // the outermost macro name being expanded
	nodes  int           // of the expression as expanded so far
	widest *macroDef     // the largest macro the expression uses directly
	uses   map[*macroDef]int
	failed bool
}

func (in *inliner) Visit(node *ast.Node) {
	if in.failed {
		return
	}
	outer := len(in.stack) == 0 || len(in.stack) == 1 && in.stack[0] == in.c.self
	id, ok := (*node).(*ast.IdentifierNode)
	var m *macroDef
	if ok {
		m, ok = in.c.macros[id.Value]
	}
	if !ok {
		if outer {
			in.count(1, node)
		}
		return
	}
	if in.c.broken[m.name] {
		// The macro's own error is reported where it is defined.
		in.failed = true
		return
	}
	if outer {
		in.at = id.Location()
	}
	for i, s := range in.stack {
		if s == m.name {
			var cycle []string
			for _, name := range append(in.stack[i:], m.name) {
				cycle = append(cycle, clipValue(name))
			}
			in.c.errorAt(in.src.position(in.at.From), in.rule, fmt.Errorf("macro %q uses itself: %s", clipValue(m.name), strings.Join(cycle, " -> ")))
			in.failed = true
			return
		}
	}
	tree, ok := m.expansion.parse(m)
	if !ok {
		in.failed = true // reported when the macro itself is compiled
		return
	}
	if outer {
		size := in.c.macroSize(m)
		if in.uses == nil {
			in.uses = make(map[*macroDef]int)
		}
		in.uses[m]++
		if in.widest == nil || size > in.c.macroSize(in.widest) {
			in.widest = m
		}
		if in.count(size, node); in.failed {
			return
		}
	}
	var cl cloner
	if tree = cl.clone(tree); cl.failed {
		t, err := parser.Parse(m.expr.text)
		if err != nil {
			in.failed = true
			return
		}
		tree = t.Node
	}
	in.stack = append(in.stack, m.name)
	ast.Walk(&tree, in)
	in.stack = in.stack[:len(in.stack)-1]
	ast.Walk(&tree, relocate{in.at})
	ast.Patch(node, tree)
}

// count adds n nodes of the expression as expanded, at node, and reports
// passing MaxExprNodes. The parser has already refused an expression
// larger than that as written, so a macro is to blame.
func (in *inliner) count(n int, node *ast.Node) {
	if in.nodes = min(in.nodes+n, MaxExprNodes+1); in.nodes <= MaxExprNodes || in.widest == nil {
		return
	}
	m := in.widest
	at := (*node).Location().From
	if id, ok := (*node).(*ast.IdentifierNode); !ok || id.Value != m.name {
		at = in.at.From
	}
	detail := fmt.Sprintf("macro %q expands to %d nodes", clipValue(m.name), in.c.macroSize(m))
	if in.c.macroSize(m) > MaxExprNodes {
		detail = fmt.Sprintf("macro %q expands to more than %d nodes", clipValue(m.name), MaxExprNodes)
	}
	if u := in.uses[m]; u > 1 {
		detail += fmt.Sprintf(" and is used %d times", u)
	}
	if chain := in.c.macroChain(m); strings.Contains(chain, " -> ") {
		detail += " (" + chain + ")"
	}
	in.c.errorAt(in.src.position(at), in.rule,
		fmt.Errorf("the expression is larger than %d nodes (macros included): %s; split it into rules or macros", MaxExprNodes, detail))
	in.failed = true
}

// expansion is what the inliner learns of a macro, once per load.
type expansion struct {
	tree   ast.Node // as parsed, never patched: each use inlines a copy
	parsed bool
	bad    bool // the macro does not parse
	size   int  // nodes once expanded, at most MaxExprNodes+1; 0 until counted
	sizing bool // being counted: a macro that reaches itself
}

func (x *expansion) parse(m *macroDef) (ast.Node, bool) {
	if !x.parsed {
		x.parsed = true
		tree, err := parser.Parse(m.expr.text)
		if x.bad = err != nil; !x.bad {
			x.tree = tree.Node
		}
	}
	return x.tree, !x.bad
}

// macroSize returns the nodes of m with every macro it uses expanded, at
// most MaxExprNodes+1.
func (c *compiler) macroSize(m *macroDef) int {
	x := &m.expansion
	if x.size > 0 {
		return x.size
	}
	tree, ok := x.parse(m)
	if !ok || x.sizing {
		return 1 // the parse error or the cycle is reported on its own
	}
	x.sizing = true
	n := 0
	ast.Walk(&tree, visitor(func(node ast.Node) {
		if sub := c.macroOf(node); sub != nil {
			n = min(n+c.macroSize(sub), MaxExprNodes+1)
			return
		}
		n = min(n+1, MaxExprNodes+1)
	}))
	x.sizing = false
	x.size = n
	return n
}

// macroOf returns the macro node names, or nil.
func (c *compiler) macroOf(node ast.Node) *macroDef {
	if id, ok := node.(*ast.IdentifierNode); ok {
		return c.macros[id.Value]
	}
	return nil
}

// macroChain names the macros that make m large, m first: each time the
// macro it uses whose uses weigh most.
func (c *compiler) macroChain(m *macroDef) string {
	var names []string
	seen := make(map[string]bool)
	for m != nil && !seen[m.name] {
		seen[m.name] = true
		names = append(names, clipValue(m.name))
		tree, ok := m.expansion.parse(m)
		if !ok {
			break
		}
		weight := make(map[*macroDef]int)
		var next *macroDef
		ast.Walk(&tree, visitor(func(node ast.Node) {
			sub := c.macroOf(node)
			if sub == nil {
				return
			}
			weight[sub] = min(weight[sub]+c.macroSize(sub), MaxExprNodes+1)
			if next == nil || weight[sub] > weight[next] || weight[sub] == weight[next] && sub.name < next.name {
				next = sub
			}
		}))
		m = next
	}
	if len(names) > 8 {
		names = append(append(names[:4:4], "…"), names[len(names)-3:]...)
	}
	return strings.Join(names, " -> ")
}

// cloner copies an expression tree, sharing only its values (names,
// strings, constants), so that patching the copy leaves the original as
// it was. failed tells of a node it does not know.
type cloner struct{ failed bool }

func (cl *cloner) clone(n ast.Node) ast.Node {
	cloneNode := cl.clone
	nodes := func(ns []ast.Node) []ast.Node {
		if ns == nil {
			return nil
		}
		out := make([]ast.Node, len(ns))
		for i, n := range ns {
			out[i] = cloneNode(n)
		}
		return out
	}
	switch n := n.(type) {
	case nil:
		return nil
	case *ast.NilNode:
		c := *n
		return &c
	case *ast.IdentifierNode:
		c := *n
		return &c
	case *ast.IntegerNode:
		c := *n
		return &c
	case *ast.FloatNode:
		c := *n
		return &c
	case *ast.BoolNode:
		c := *n
		return &c
	case *ast.StringNode:
		c := *n
		return &c
	case *ast.BytesNode:
		c := *n
		return &c
	case *ast.ConstantNode:
		c := *n
		return &c
	case *ast.PointerNode:
		c := *n
		return &c
	case *ast.UnaryNode:
		c := *n
		c.Node = cloneNode(n.Node)
		return &c
	case *ast.BinaryNode:
		c := *n
		c.Left, c.Right = cloneNode(n.Left), cloneNode(n.Right)
		return &c
	case *ast.ChainNode:
		c := *n
		c.Node = cloneNode(n.Node)
		return &c
	case *ast.MemberNode:
		c := *n
		c.Node, c.Property = cloneNode(n.Node), cloneNode(n.Property)
		return &c
	case *ast.SliceNode:
		c := *n
		c.Node, c.From, c.To = cloneNode(n.Node), cloneNode(n.From), cloneNode(n.To)
		return &c
	case *ast.CallNode:
		c := *n
		c.Callee, c.Arguments = cloneNode(n.Callee), nodes(n.Arguments)
		return &c
	case *ast.BuiltinNode:
		c := *n
		c.Arguments, c.Map = nodes(n.Arguments), cloneNode(n.Map)
		return &c
	case *ast.PredicateNode:
		c := *n
		c.Node = cloneNode(n.Node)
		return &c
	case *ast.VariableDeclaratorNode:
		c := *n
		c.Value, c.Expr = cloneNode(n.Value), cloneNode(n.Expr)
		return &c
	case *ast.SequenceNode:
		c := *n
		c.Nodes = nodes(n.Nodes)
		return &c
	case *ast.ConditionalNode:
		c := *n
		c.Cond, c.Exp1, c.Exp2 = cloneNode(n.Cond), cloneNode(n.Exp1), cloneNode(n.Exp2)
		return &c
	case *ast.ArrayNode:
		c := *n
		c.Nodes = nodes(n.Nodes)
		return &c
	case *ast.MapNode:
		c := *n
		c.Pairs = nodes(n.Pairs)
		return &c
	case *ast.PairNode:
		c := *n
		c.Key, c.Value = cloneNode(n.Key), cloneNode(n.Value)
		return &c
	}
	cl.failed = true
	return n
}

type relocate struct{ loc file.Location }

func (r relocate) Visit(node *ast.Node) { (*node).SetLocation(r.loc) }

// Names of the ruleHooks the patcher calls instead of the functions rules
// write (see the expr tags of [ruleHooks]).
const (
	fnMentionsField = "mentions·field"
	fnCountField    = "mentionCount·field"
	fnCountString   = "mentionCount·string"
)

// patcher binds mentions, mentionCount, words, shouting and exclamations to
// the per-ticket cache: the list name becomes an index checked at load, and
// subject, body and text are folded and matched once per ticket, however
// many rules ask.
type patcher struct {
	c      *compiler
	src    exprSource
	rule   string
	failed bool
}

func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if n.Operator == "matches" {
			if _, ok := n.Right.(*ast.StringNode); !ok {
				// A pattern built per ticket would be compiled per ticket.
				p.c.errorAt(p.src.position(n.Right.Location().From), p.rule,
					errors.New(`matches needs its pattern written in quotes, like text matches "[0-9]{3}", so that it is compiled once, at load`))
				p.failed = true
			}
		}
	case *ast.BuiltinNode:
		// duration("2h") is how rules write durations; the builtin would
		// parse the text, and copy its result to the heap, on every run.
		if n.Name == "duration" && len(n.Arguments) == 1 {
			if lit, ok := n.Arguments[0].(*ast.StringNode); ok {
				if d, err := time.ParseDuration(lit.Value); err == nil {
					ast.Patch(node, &ast.ConstantNode{Value: d})
				}
			}
		}
	case *ast.CallNode:
		callee, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		switch callee.Value {
		case "mentions", "mentionCount":
			p.mentions(node, n, callee.Value)
		case "words", "shouting", "exclamations":
			if len(n.Arguments) == 1 {
				if f, ok := p.field(n.Arguments[0]); ok {
					fn := map[string]int{"words": statWordsFn, "shouting": statShoutingFn, "exclamations": statExclamationsFn}[callee.Value]
					p.c.stats |= statBit(fn, f)
					ast.Patch(node, &ast.IdentifierNode{Value: statName(fn, f)})
				}
			}
		}
	}
}

func (p *patcher) mentions(node *ast.Node, n *ast.CallNode, name string) {
	if len(n.Arguments) != 2 {
		return // the checker reports the count
	}
	lit, ok := n.Arguments[1].(*ast.StringNode)
	if !ok {
		p.c.errorAt(p.src.position(n.Arguments[1].Location().From), p.rule,
			fmt.Errorf("%s: the list name must be written in quotes, like %s(text, \"payment\")", name, name))
		p.failed = true
		return
	}
	list, ok := p.c.matcher.List(lit.Value)
	if !ok {
		p.c.errorAt(p.src.position(lit.Location().From), p.rule,
			fmt.Errorf("unknown list %q%s", clipValue(lit.Value), suggest(lit.Value, p.c.matcher.Lists())))
		p.failed = true
		return
	}
	listArg := &ast.IntegerNode{Value: list}
	if f, ok := p.field(n.Arguments[0]); ok {
		fn := map[string]string{"mentions": fnMentionsField, "mentionCount": fnCountField}[name]
		ast.Patch(node, call(fn, &ast.IntegerNode{Value: f}, listArg))
		return
	}
	count := call(fnCountString, n.Arguments[0], listArg)
	if name == "mentionCount" {
		ast.Patch(node, count)
		return
	}
	ast.Patch(node, &ast.BinaryNode{Operator: ">", Left: count, Right: &ast.IntegerNode{Value: 0}})
}

// field tells whether n names subject, body or text themselves (expr
// forbids let to redeclare them, so the name is the field).
func (p *patcher) field(n ast.Node) (int, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return 0, false
	}
	for i, name := range fieldNames {
		if id.Value == name {
			return i, true
		}
	}
	return 0, false
}

// readsAging tells whether a program reads due_in, overdue or sla_used.
func readsAging(p *vm.Program) bool {
	found := false
	n := p.Node()
	ast.Walk(&n, agingReader{&found})
	return found
}

// readsFields tells whether a program reads a field of Env (directly or
// through customer.*, cluster.*), rather than only calling the hooks.
func readsFields(p *vm.Program) bool {
	found := false
	n := p.Node()
	ast.Walk(&n, fieldReader{&found})
	return found
}

type fieldReader struct{ found *bool }

func (f fieldReader) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && envFields[id.Value] {
		*f.found = true
	}
}

// envFields are the names of the fields of Env that expressions read by
// reflection: every expr name of Env, its textStats, and the members'
// parents, but not the ruleHooks, which are called.
var envFields = func() map[string]bool {
	m := make(map[string]bool)
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Type == reflect.TypeFor[ruleHooks]():
			case f.Anonymous:
				add(f.Type)
			case !f.IsExported():
			default:
				m[f.Tag.Get("expr")] = true
			}
		}
	}
	add(reflect.TypeFor[Env]())
	return m
}()

type agingReader struct{ found *bool }

func (a agingReader) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && (id.Value == "due_in" || id.Value == "overdue" || id.Value == "sla_used") {
		*a.found = true
	}
}

type textReader struct{ found *bool }

func (t textReader) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && id.Value == "text" {
		*t.found = true
	}
}

func call(fn string, args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args}
}

var builtinNames = func() map[string]bool {
	m := make(map[string]bool)
	for _, n := range builtin.Names {
		m[n] = true
	}
	return m
}()
