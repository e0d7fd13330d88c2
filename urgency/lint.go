package urgency

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/triagekit/triage/urgency/internal/match"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// Warning codes: the kinds of [Warning], stable across versions so that
// tools may filter on them. The README explains each and what to do.
const (
	WarnUnusedList        = "unused-list"        // no rule mentions the list
	WarnUnusedMacro       = "unused-macro"       // no rule uses the macro
	WarnNeverMatches      = "never-matches"      // when is always false
	WarnContradictory     = "contradictory"      // conditions on one field exclude each other
	WarnNoEffect          = "no-effect"          // the rule gives no points and sets nothing
	WarnLowestFloor       = "lowest-floor"       // a level floor at the lowest level
	WarnMatchesEverything = "matches-everything" // a matches pattern that matches empty text
	WarnDuplicateTerm     = "duplicate-term"     // a list term written twice
	WarnSameAfterFolding  = "same-after-folding" // two terms that fold to the same words
	WarnCoveredTerm       = "covered-term"       // a term another term of the list already matches
	WarnShortWildcard     = "short-wildcard"     // a "*" term with a stem under 3 letters, or an infix under 4
	WarnUntestedRule      = "untested-rule"      // no test case exercises the rule
)

// minStem is the shortest stem a single-word "*" term may have without a
// warning: shorter ones start too many words of every language.
const minStem = 3

// minInfix is the shortest word a single-word term starting with "*" may
// have without a warning: "*ent*" or "*ung" sit inside or at the end of
// countless words of every language, "*fall*" or "*katko*" do not.
const minInfix = 4

// Warning is something in a pack that loads and runs but is most likely a
// mistake: a list no rule mentions, a rule that can never match, a term
// written twice. [Load] keeps them on the Engine ([Engine.Warnings]); they
// never stop a pack from loading.
type Warning struct {
	Pos Position
	// Code is the kind of warning, one of the Warn constants such as
	// [WarnUnusedList].
	Code string
	// Rule, List and Macro name what the warning is about; at most one is
	// set.
	Rule, List, Macro string
	// Msg says what is wrong and what to do about it, without the
	// position, subject and code that [Warning.String] adds.
	Msg string

	line string // the source line Pos points into, for Caret
}

// String returns the warning on one line:
//
//	rules/pack.yaml:40:11: warning: rule "legacy": when is always false, so the rule never matches [never-matches]
func (w Warning) String() string {
	var b strings.Builder
	if w.Pos.File != "" {
		b.WriteString(w.Pos.String())
		b.WriteString(": ")
	}
	b.WriteString("warning: ")
	if s := w.Subject(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s [%s]", w.Msg, w.Code)
	return b.String()
}

// Subject names what the warning is about, like `rule "legacy"`, or ""
// for the pack as a whole.
func (w Warning) Subject() string {
	switch {
	case w.Rule != "":
		return fmt.Sprintf("rule %q", w.Rule)
	case w.List != "":
		return fmt.Sprintf("list %q", w.List)
	case w.Macro != "":
		return fmt.Sprintf("macro %q", w.Macro)
	}
	return ""
}

// Caret returns the source line the warning points into with a caret
// under the column, or "" when the line is not known; see [Error.Caret].
func (w Warning) Caret() string {
	return packfile.NewError(w.Pos, "", nil, w.line).Caret()
}

// Warnings returns what the pack's lint found when it was loaded, sorted
// by position; nil for a clean pack. Rules with enabled: false are not
// linted, except that the lists and macros they use count as used.
func (e *Engine) Warnings() []Warning { return slices.Clone(e.warnings) }

// UntestedRules returns a [WarnUntestedRule] warning, at the rule's name,
// for every enabled rule of the pack whose name is not in exercised: the
// rules no test case made match. Names that are not rules of the pack are
// ignored. In a pack that extends another, the base's rules that the pack
// does not override are left to the base's own tests.
func (e *Engine) UntestedRules(exercised []string) []Warning {
	done := make(map[string]bool, len(exercised))
	for _, name := range exercised {
		done[name] = true
	}
	var out []Warning
	for _, r := range e.rules {
		if !r.Enabled || r.inherited || done[r.Name] {
			continue
		}
		out = append(out, Warning{
			Pos: r.Pos, Code: WarnUntestedRule, Rule: r.Name, line: r.line,
			Msg: "no test case makes this rule match; add a ticket that should match it to a test file",
		})
	}
	sortWarnings(out)
	return out
}

func sortWarnings(ws []Warning) {
	slices.SortStableFunc(ws, func(a, b Warning) int {
		return cmp.Or(
			packfile.ComparePositions(a.Pos, b.Pos),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Subject(), b.Subject()),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// linter finds the warnings of a loaded pack.
type linter struct {
	p      *packfile.Pack
	e      *Engine
	srcs   map[string]*packfile.Source
	macros map[string]bool
	budget int // term comparisons left; see coverBudget
	out    []Warning
}

// lint returns the warnings of a pack that compiled without errors.
func lint(p *packfile.Pack, e *Engine, srcs map[string]*packfile.Source) []Warning {
	l := &linter{p: p, e: e, srcs: srcs, macros: make(map[string]bool), budget: coverBudget}
	for _, m := range p.Macros {
		l.macros[m.Name] = true
	}
	l.usage()
	for _, r := range e.rules {
		if r.Enabled {
			l.rule(r)
		}
	}
	for _, m := range p.Macros {
		l.patterns(m.Expr, "", m.Name)
	}
	for _, ld := range p.Lists {
		l.terms(ld)
	}
	sortWarnings(l.out)
	return l.out
}

func (l *linter) warn(w Warning) {
	if s := l.srcs[w.Pos.File]; s != nil {
		w.line = s.Line(w.Pos.Line)
	}
	l.out = append(l.out, w)
}

// refs is what one expression names, as written: macros and the lists of
// mentions and mentionCount.
type refs struct {
	macros []string
	lists  []string
}

// tree is src as parsed at load, shared with the compiler: walked, never
// patched. nil when it does not parse (reported at load).
func (l *linter) tree(src exprSource) *parser.Tree {
	pe := l.e.explainer.compile.parse(src.Text)
	return pe.tree
}

func (l *linter) refsOf(src exprSource) refs {
	var r refs
	if src.Text == "" {
		return r
	}
	tree := l.tree(src)
	if tree == nil {
		return r // reported at load
	}
	ast.Walk(&tree.Node, visitor(func(n ast.Node) {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			if l.macros[n.Value] {
				r.macros = append(r.macros, n.Value)
			}
		case *ast.CallNode:
			if id, ok := n.Callee.(*ast.IdentifierNode); ok && (id.Value == "mentions" || id.Value == "mentionCount") && len(n.Arguments) == 2 {
				if s, ok := n.Arguments[1].(*ast.StringNode); ok {
					r.lists = append(r.lists, s.Value)
				}
			}
		}
	}))
	return r
}

type visitor func(ast.Node)

func (v visitor) Visit(n *ast.Node) { v(*n) }

// usage reports the lists and macros no rule reaches, directly or through
// macros. Disabled rules count: enabling one must not break the pack.
func (l *linter) usage() {
	macroRefs := make(map[string]refs)
	for _, m := range l.p.Macros {
		macroRefs[m.Name] = l.refsOf(m.Expr)
	}
	usedMacros := make(map[string]bool)
	usedLists := make(map[string]bool)
	var use func(r refs)
	use = func(r refs) {
		for _, name := range r.lists {
			usedLists[name] = true
		}
		for _, name := range r.macros {
			if !usedMacros[name] {
				usedMacros[name] = true
				use(macroRefs[name])
			}
		}
	}
	for _, r := range l.e.rules {
		use(l.refsOf(r.whenSrc))
		use(l.refsOf(r.scoreSrc))
	}
	for _, m := range l.p.Macros {
		if !usedMacros[m.Name] {
			l.warn(Warning{Pos: m.Pos, Code: WarnUnusedMacro, Macro: m.Name,
				Msg: "no rule uses this macro; use it in a rule or remove it"})
		}
	}
	for _, ld := range l.p.Lists {
		if !usedLists[ld.Name] {
			l.warn(Warning{Pos: ld.Pos, Code: WarnUnusedList, List: ld.Name,
				Msg: "no rule mentions this list, so it only helps to group similar tickets; mention it in a rule or remove it"})
		}
	}
}

// rule lints one enabled rule.
func (l *linter) rule(r *rule) {
	l.patterns(r.whenSrc, r.Name, "")
	l.patterns(r.scoreSrc, r.Name, "")
	if r.when != nil {
		root := r.when.Node()
		if v, ok := constant(root); ok && v.kind == kindBool && !v.b {
			l.warn(Warning{Pos: r.whenSrc.Position(0), Code: WarnNeverMatches, Rule: r.Name,
				Msg: "when is always false, so the rule never matches; fix the condition, or set enabled: false to turn the rule off"})
		} else {
			l.contradictions(r, root)
		}
	}
	zero := r.score == nil && r.points == 0
	if r.score != nil {
		v, ok := constant(r.score.Node())
		zero = ok && v.kind == kindNumber && v.n == 0
	}
	if zero && r.floor < 0 && r.Queue == "" && len(r.Tags) == 0 && r.RespondWithin == 0 && r.ResolveWithin == 0 && r.calName == "" {
		l.warn(Warning{Pos: r.Pos, Code: WarnNoEffect, Rule: r.Name,
			Msg: "the rule gives no points and sets no level, queue, tags or respond_within, so matching it changes nothing; give it an effect or remove it"})
	}
	if last := len(l.e.levels) - 1; r.floor >= 0 && r.floor == last && last > 0 {
		pos := r.Pos
		if r.levelPos.Line > 0 {
			pos = r.levelPos
		}
		l.warn(Warning{Pos: pos, Code: WarnLowestFloor, Rule: r.Name,
			Msg: fmt.Sprintf("level %s is the lowest level, which every ticket reaches anyway, so the floor changes nothing; remove it or name a higher level", r.Level)})
	}
}

// patterns reports matches patterns that match empty text, and so every
// ticket. It reads the expression as written, so that a pattern in a
// macro is reported once, at the macro.
func (l *linter) patterns(src exprSource, rule, macro string) {
	if src.Text == "" {
		return
	}
	tree := l.tree(src)
	if tree == nil {
		return
	}
	ast.Walk(&tree.Node, visitor(func(n ast.Node) {
		b, ok := n.(*ast.BinaryNode)
		if !ok || b.Operator != "matches" {
			return
		}
		s, ok := b.Right.(*ast.StringNode)
		if !ok {
			return
		}
		re, err := regexp.Compile(s.Value)
		if err != nil || !re.MatchString("") {
			return
		}
		l.warn(Warning{Pos: src.Position(s.Location().From), Code: WarnMatchesEverything, Rule: rule, Macro: macro,
			Msg: fmt.Sprintf("the pattern %q can match empty text, so matches is true for every ticket; require at least one character", s.Value)})
	}))
}

// Constants of the rule language, as far as lint folds them.
type valueKind int

const (
	kindNone valueKind = iota
	kindBool
	kindNumber
	kindString
)

type value struct {
	kind valueKind
	b    bool
	n    float64
	s    string
}

func (v value) String() string {
	switch v.kind {
	case kindBool:
		return strconv.FormatBool(v.b)
	case kindNumber:
		return strconv.FormatFloat(v.n, 'g', -1, 64)
	case kindString:
		return strconv.Quote(v.s)
	}
	return "?"
}

func (v value) equal(w value) bool {
	return v.kind == w.kind && v.b == w.b && v.n == w.n && v.s == w.s
}

func reflectValue(x any) (value, bool) {
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Bool:
		return value{kind: kindBool, b: rv.Bool()}, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return value{kind: kindNumber, n: float64(rv.Int())}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return value{kind: kindNumber, n: float64(rv.Uint())}, true
	case reflect.Float32, reflect.Float64:
		return value{kind: kindNumber, n: rv.Float()}, true
	case reflect.String:
		return value{kind: kindString, s: rv.String()}, true
	}
	return value{}, false
}

// constant folds n to a constant if it is one: literals, durations,
// arithmetic signs, comparisons of constants, and the logic operators,
// which need only one constant side to decide (x && false is false).
func constant(n ast.Node) (value, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		return value{kind: kindBool, b: n.Value}, true
	case *ast.IntegerNode:
		return value{kind: kindNumber, n: float64(n.Value)}, true
	case *ast.FloatNode:
		return value{kind: kindNumber, n: n.Value}, true
	case *ast.StringNode:
		return value{kind: kindString, s: n.Value}, true
	case *ast.ConstantNode:
		return reflectValue(n.Value)
	case *ast.BuiltinNode:
		if n.Name == "duration" && len(n.Arguments) == 1 {
			if s, ok := n.Arguments[0].(*ast.StringNode); ok {
				if d, err := time.ParseDuration(s.Value); err == nil {
					return value{kind: kindNumber, n: float64(d)}, true
				}
			}
		}
	case *ast.UnaryNode:
		v, ok := constant(n.Node)
		switch {
		case !ok:
		case (n.Operator == "!" || n.Operator == "not") && v.kind == kindBool:
			return value{kind: kindBool, b: !v.b}, true
		case n.Operator == "-" && v.kind == kindNumber:
			return value{kind: kindNumber, n: -v.n}, true
		case n.Operator == "+" && v.kind == kindNumber:
			return v, true
		}
	case *ast.ConditionalNode:
		if c, ok := constant(n.Cond); ok && c.kind == kindBool {
			if c.b {
				return constant(n.Exp1)
			}
			return constant(n.Exp2)
		}
	case *ast.BinaryNode:
		return constantBinary(n)
	}
	return value{}, false
}

func constantBinary(n *ast.BinaryNode) (value, bool) {
	l, lok := constant(n.Left)
	r, rok := constant(n.Right)
	isBool := func(v value, ok bool, b bool) bool { return ok && v.kind == kindBool && v.b == b }
	switch n.Operator {
	case "&&", "and":
		if isBool(l, lok, false) || isBool(r, rok, false) {
			return value{kind: kindBool}, true
		}
		if isBool(l, lok, true) && isBool(r, rok, true) {
			return value{kind: kindBool, b: true}, true
		}
		return value{}, false
	case "||", "or":
		if isBool(l, lok, true) || isBool(r, rok, true) {
			return value{kind: kindBool, b: true}, true
		}
		if isBool(l, lok, false) && isBool(r, rok, false) {
			return value{kind: kindBool}, true
		}
		return value{}, false
	}
	if !lok || !rok || l.kind != r.kind {
		return value{}, false
	}
	switch n.Operator {
	case "==":
		return value{kind: kindBool, b: l.equal(r)}, true
	case "!=":
		return value{kind: kindBool, b: !l.equal(r)}, true
	}
	if l.kind != kindNumber {
		return value{}, false
	}
	switch n.Operator {
	case "<":
		return value{kind: kindBool, b: l.n < r.n}, true
	case "<=":
		return value{kind: kindBool, b: l.n <= r.n}, true
	case ">":
		return value{kind: kindBool, b: l.n > r.n}, true
	case ">=":
		return value{kind: kindBool, b: l.n >= r.n}, true
	case "+":
		return value{kind: kindNumber, n: l.n + r.n}, true
	case "-":
		return value{kind: kindNumber, n: l.n - r.n}, true
	case "*":
		return value{kind: kindNumber, n: l.n * r.n}, true
	}
	return value{}, false
}

// A constraint is one conjunct of an && chain that compares a field with
// constants: language == "de", cluster.size > 5, flagged, tier in [...].
type constraint struct {
	field   string
	op      string // ==, !=, <, <=, >, >=, in, not in
	vals    []value
	integer bool // the field holds whole numbers
	from    int  // offset of the field in the expression
}

func (c constraint) String() string {
	if c.op == "in" || c.op == "not in" {
		parts := make([]string, len(c.vals))
		for i, v := range c.vals {
			parts[i] = v.String()
		}
		return fmt.Sprintf("%s %s [%s]", c.field, c.op, strings.Join(parts, ", "))
	}
	if c.vals[0].kind == kindBool && c.op == "==" {
		if c.vals[0].b {
			return c.field
		}
		return "not " + c.field
	}
	return fmt.Sprintf("%s %s %s", c.field, c.op, c.vals[0])
}

// contradictions reports && chains in when whose comparisons of one field
// with constants cannot all hold, like cluster.size > 5 && cluster.size < 3.
func (l *linter) contradictions(r *rule, root ast.Node) {
	inner := make(map[ast.Node]bool)
	var chains []ast.Node
	ast.Walk(&root, visitor(func(n ast.Node) {
		if isAnd(n) {
			b := n.(*ast.BinaryNode)
			inner[b.Left], inner[b.Right] = true, true
			chains = append(chains, n)
		}
	}))
	for _, chain := range chains {
		if inner[chain] {
			continue
		}
		domains := make(map[string]*domain)
		for _, term := range conjuncts(chain, nil) {
			c, ok := constraintOf(term)
			if !ok {
				continue
			}
			d := domains[c.field]
			if d == nil {
				d = newDomain(c)
				domains[c.field] = d
			}
			if d.add(c) {
				continue
			}
			outcome := "so the rule never matches"
			if chain != root {
				outcome = "so this part of when is never true"
			}
			l.warn(Warning{Pos: r.whenSrc.Position(c.from), Code: WarnContradictory, Rule: r.Name,
				Msg: fmt.Sprintf("%s contradicts %s in the same condition, %s", c, d.describe(), outcome)})
			break
		}
	}
}

func isAnd(n ast.Node) bool {
	b, ok := n.(*ast.BinaryNode)
	return ok && (b.Operator == "&&" || b.Operator == "and")
}

func conjuncts(n ast.Node, out []ast.Node) []ast.Node {
	if isAnd(n) {
		b := n.(*ast.BinaryNode)
		return conjuncts(b.Right, conjuncts(b.Left, out))
	}
	return append(out, n)
}

// fieldOf names a field of the ticket: an identifier or a chain of
// members with constant names (cluster.size, fields.plan).
func fieldOf(n ast.Node) (name string, from int, ok bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		if fn, field, ok := strings.Cut(n.Value, "·"); ok {
			// A text statistic, read as a field once compiled: name it
			// as the rule wrote it.
			return fn + "(" + field + ")", n.Location().From, true
		}
		return n.Value, n.Location().From, true
	case *ast.MemberNode:
		prop, ok := n.Property.(*ast.StringNode)
		if !ok || n.Optional {
			return "", 0, false
		}
		base, from, ok := fieldOf(n.Node)
		if !ok {
			return "", 0, false
		}
		return base + "." + prop.Value, from, true
	}
	return "", 0, false
}

func isInteger(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func isBoolType(n ast.Node) bool {
	t := n.Type()
	return t != nil && t.Kind() == reflect.Bool
}

// setOf reads the constant list of an in: an array of constants, or the
// set expr's optimizer makes of one.
func setOf(n ast.Node) ([]value, bool) {
	var out []value
	switch n := n.(type) {
	case *ast.ArrayNode:
		for _, e := range n.Nodes {
			v, ok := constant(e)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
	case *ast.ConstantNode:
		rv := reflect.ValueOf(n.Value)
		switch rv.Kind() {
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				v, ok := reflectValue(k.Interface())
				if !ok {
					return nil, false
				}
				out = append(out, v)
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				v, ok := reflectValue(rv.Index(i).Interface())
				if !ok {
					return nil, false
				}
				out = append(out, v)
			}
		default:
			return nil, false
		}
	default:
		return nil, false
	}
	// Map keys come in random order; the message must not.
	slices.SortFunc(out, func(a, b value) int { return cmp.Compare(a.String(), b.String()) })
	return out, true
}

var negated = map[string]string{"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in", "not in": "in"}
var flipped = map[string]string{"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

func constraintOf(n ast.Node) (constraint, bool) {
	if u, ok := n.(*ast.UnaryNode); ok && (u.Operator == "!" || u.Operator == "not") {
		c, ok := constraintOf(u.Node)
		if !ok {
			return c, false
		}
		if c.vals[0].kind == kindBool && c.op == "==" && len(c.vals) == 1 {
			c.vals = []value{{kind: kindBool, b: !c.vals[0].b}}
			return c, true
		}
		op, ok := negated[c.op]
		c.op = op
		return c, ok
	}
	if f, from, ok := fieldOf(n); ok && isBoolType(n) {
		return constraint{field: f, op: "==", vals: []value{{kind: kindBool, b: true}}, from: from}, true
	}
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return constraint{}, false
	}
	if b.Operator == "in" {
		f, from, ok := fieldOf(b.Left)
		if !ok {
			return constraint{}, false
		}
		set, ok := setOf(b.Right)
		if !ok || len(set) == 0 {
			return constraint{}, false
		}
		return constraint{field: f, op: "in", vals: set, integer: isInteger(b.Left), from: from}, true
	}
	op, ok := flipped[b.Operator]
	if !ok {
		return constraint{}, false
	}
	fieldNode, constNode := b.Left, b.Right
	if _, _, isField := fieldOf(fieldNode); !isField {
		fieldNode, constNode = b.Right, b.Left
	} else {
		op = b.Operator
	}
	f, from, ok := fieldOf(fieldNode)
	if !ok {
		return constraint{}, false
	}
	v, ok := constant(constNode)
	if !ok {
		return constraint{}, false
	}
	if v.kind != kindNumber && op != "==" && op != "!=" {
		return constraint{}, false // text order is not judged
	}
	return constraint{field: f, op: op, vals: []value{v}, integer: isInteger(fieldNode), from: from}, true
}

// A domain is what the constraints of one && chain so far allow a field
// to be: a range of numbers, a set of values or any, minus excluded
// values. Constraints are added one by one, each check costing about the
// size of the allowed set.
type domain struct {
	kind       valueKind
	integer    bool // the field holds whole numbers
	mixed      bool // constraints with several kinds of value: not judged
	lo, hi     float64
	loOpen     bool
	hiOpen     bool
	restricted bool
	allowed    []value
	excluded   map[value]bool
	seen       []string // the first constraints met, for the message
	more       bool     // more than seen
}

func newDomain(c constraint) *domain {
	d := &domain{kind: c.vals[0].kind, integer: c.integer, lo: math.Inf(-1), hi: math.Inf(1), excluded: make(map[value]bool)}
	if d.kind == kindBool {
		d.allowed, d.restricted = []value{{kind: kindBool}, {kind: kindBool, b: true}}, true
	}
	return d
}

// add adds a constraint and tells whether some value still meets all.
func (d *domain) add(c constraint) bool {
	for _, v := range c.vals {
		d.mixed = d.mixed || v.kind != d.kind
	}
	if d.mixed {
		return true
	}
	d.integer = d.integer && c.integer
	v := c.vals[0]
	switch c.op {
	case "==", "in":
		if !d.restricted {
			d.allowed, d.restricted = slices.Clone(c.vals), true
		} else {
			set := make(map[value]bool, len(c.vals))
			for _, v := range c.vals {
				set[v] = true
			}
			d.allowed = slices.DeleteFunc(d.allowed, func(a value) bool { return !set[a] })
		}
	case "!=", "not in":
		for _, v := range c.vals {
			d.excluded[v] = true
		}
	case "<", "<=":
		if v.n < d.hi || v.n == d.hi && c.op == "<" {
			d.hi, d.hiOpen = v.n, c.op == "<"
		}
	case ">", ">=":
		if v.n > d.lo || v.n == d.lo && c.op == ">" {
			d.lo, d.loOpen = v.n, c.op == ">"
		}
	}
	if !d.satisfiable() {
		return false
	}
	if len(d.seen) < 3 {
		d.seen = append(d.seen, c.String())
	} else {
		d.more = true
	}
	return true
}

func (d *domain) satisfiable() bool {
	lo, hi, loOpen, hiOpen := d.lo, d.hi, d.loOpen, d.hiOpen
	if d.integer {
		// Whole numbers: x > 2 is x >= 3.
		if loOpen && lo == math.Floor(lo) {
			lo++
		}
		if hiOpen && hi == math.Floor(hi) {
			hi--
		}
		lo, hi, loOpen, hiOpen = math.Ceil(lo), math.Floor(hi), false, false
	}
	if lo > hi || lo == hi && (loOpen || hiOpen) {
		return false
	}
	inRange := func(v value) bool {
		return v.kind != kindNumber || (v.n > lo || v.n == lo && !loOpen) && (v.n < hi || v.n == hi && !hiOpen)
	}
	if d.restricted {
		return slices.ContainsFunc(d.allowed, func(a value) bool { return inRange(a) && !d.excluded[a] })
	}
	if d.kind == kindNumber && lo == hi {
		return !d.excluded[value{kind: kindNumber, n: lo}]
	}
	return true
}

// describe names the constraints added before the one that failed.
func (d *domain) describe() string {
	s := strings.Join(d.seen, " && ")
	if d.more {
		s += " && ..."
	}
	return s
}

// lintTerm is a list term as the matcher reads it.
type lintTerm struct {
	def    packfile.TermDef
	words  []string
	prefix []bool // the word ends with "*"
	suffix []bool // the word starts with "*"
	key    string // "nie dzial*", "*ausfall*"
}

// parseLintTerm folds a term as [match.Builder] does: the words of raw,
// and which of them start or end with "*".
func parseLintTerm(def packfile.TermDef) (lintTerm, bool) {
	mt, err := match.ParseTerm(def.Text)
	if err != nil {
		return lintTerm{}, false
	}
	return lintTerm{def: def, words: mt.Words, prefix: mt.Prefix, suffix: mt.Suffix, key: mt.Key}, true
}

// coversAt tells whether every text a matches is matched by b because
// b's words match a's from word off on: each b word equal to the a word
// or, with its stars, a prefix, suffix or part of it.
func (b lintTerm) coversAt(a lintTerm, off int) bool {
	if b.key == a.key || off+len(b.words) > len(a.words) {
		return false
	}
	for i, w := range b.words {
		aw, ap, as := a.words[off+i], a.prefix[off+i], a.suffix[off+i]
		var ok bool
		switch bp, bs := b.prefix[i], b.suffix[i]; {
		case bp && bs:
			ok = strings.Contains(aw, w)
		case bp:
			ok = !as && strings.HasPrefix(aw, w)
		case bs:
			ok = !ap && strings.HasSuffix(aw, w)
		default:
			ok = !ap && !as && aw == w
		}
		if !ok {
			return false
		}
	}
	return true
}

// coverBudget bounds the term comparisons of one lint, so that a list
// of many terms sharing a first word cannot make loading slow; past it,
// covered terms are no longer looked for.
const coverBudget = 1 << 20

// terms reports a list's terms that add nothing (written twice, the same
// after folding, matched by another term anyway) and "*" terms with stems
// too short to be safe.
func (l *linter) terms(ld *packfile.ListDef) {
	var ts []lintTerm
	for _, def := range ld.Terms {
		if t, ok := parseLintTerm(def); ok {
			ts = append(ts, t)
		}
	}
	at := func(p, here Position) string {
		switch {
		case p.File != here.File:
			return p.String()
		case p.Line != here.Line:
			return fmt.Sprintf("line %d", p.Line)
		}
		return fmt.Sprintf("column %d", p.Column)
	}
	byText := make(map[string]int)
	byKey := make(map[string]int)
	// Distinct terms by their first word: plain, or the stem before "*".
	byWord := make(map[string][]int)
	byStem := make(map[string][]int)
	var loose []int // first word starting with "*": may cover any word
	var distinct []int
	for i, t := range ts {
		if len(t.words) == 1 && t.suffix[0] && utf8.RuneCountInString(t.words[0]) < minInfix {
			where := "ends with"
			if t.prefix[0] {
				where = "contains"
			}
			l.warn(Warning{Pos: t.def.Pos, Code: WarnShortWildcard, List: ld.Name,
				Msg: fmt.Sprintf("%q matches every word that %s %q, which is too many words in too many languages; write at least %d letters inside the stars or the whole words", t.def.Text, where, t.words[0], minInfix)})
		} else if len(t.words) == 1 && t.prefix[0] && utf8.RuneCountInString(t.words[0]) < minStem {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnShortWildcard, List: ld.Name,
				Msg: fmt.Sprintf("%q matches every word that starts with %q, which is too many words in too many languages; write a stem of at least %d letters or the whole words", t.def.Text, t.words[0], minStem)})
		}
		if j, ok := byText[t.def.Text]; ok {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnDuplicateTerm, List: ld.Name,
				Msg: fmt.Sprintf("%q is listed twice (first at %s); remove one", t.def.Text, at(ts[j].def.Pos, t.def.Pos))})
			continue
		}
		byText[t.def.Text] = i
		if j, ok := byKey[t.key]; ok {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnSameAfterFolding, List: ld.Name,
				Msg: fmt.Sprintf("%q is the same as %q (%s) after folding (case, accents and script are ignored); keep one", t.def.Text, ts[j].def.Text, at(ts[j].def.Pos, t.def.Pos))})
			continue
		}
		byKey[t.key] = i
		if t.suffix[0] {
			loose = append(loose, i)
		} else if t.prefix[0] {
			byStem[t.words[0]] = append(byStem[t.words[0]], i)
		} else {
			byWord[t.words[0]] = append(byWord[t.words[0]], i)
		}
		distinct = append(distinct, i)
	}
	for _, i := range distinct {
		t := ts[i]
		best := -1
		try := func(cands []int, off int) {
			for _, j := range cands {
				if l.budget <= 0 || best >= 0 && j >= best {
					return
				}
				l.budget--
				if ts[j].coversAt(t, off) {
					best = j
				}
			}
		}
		for off, w := range t.words {
			if !t.prefix[off] {
				try(byWord[w], off)
			}
			for k := range w {
				if k > 0 {
					try(byStem[w[:k]], off)
				}
			}
			try(byStem[w], off)
			try(loose, off)
		}
		if best >= 0 {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnCoveredTerm, List: ld.Name,
				Msg: fmt.Sprintf("%q is already matched by %q (%s), so it adds nothing; remove %q", t.def.Text, ts[best].def.Text, at(ts[best].def.Pos, t.def.Pos), t.def.Text)})
		}
	}
}
