package urgency

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

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
