package urgency

import (
	"fmt"
	"reflect"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

// meterPatcher refuses what a rule may not call and adds the charges. It
// runs after macros are inlined and the text functions are bound, on a
// checked tree, so the types of the nodes are known.
type meterPatcher struct {
	c      *compiler
	src    exprSource
	rule   string
	failed bool
	vars   int // let names made so far
}

func (p *meterPatcher) refuse(n ast.Node, format string, args ...any) {
	p.c.errorAt(p.src.Position(n.Location().From), p.rule, fmt.Errorf(format, args...))
	p.failed = true
}

func (p *meterPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		p.builtin(node, n)
	case *ast.CallNode:
		if m, ok := n.Callee.(*ast.MemberNode); ok && m.Method {
			name, ok := m.Property.(*ast.StringNode)
			if !methodReceivers[m.Node.Type()] {
				// a value a Go host put in fields may have methods of its own
				p.refuse(n, "%s: only times and durations have methods in rules (now.Hour(), age.Hours())", methodName(m))
				return
			}
			if !ok || !allowedMethods[name.Value] {
				p.refuse(n, "%s is not available in rules: a rule reads times in the pack's time zone (settings.timezone) with methods like Hour(), Weekday() or Format()", methodName(m))
				return
			}
			k := 1
			if name.Value == "Format" {
				k = 4 // the text it makes grows with its layout
			}
			p.chargeArguments(n.Arguments, k)
			return
		}
		// words, shouting, exclamations and mentionCount on text that is
		// not a field of the ticket read it on every call
		p.chargeArguments(n.Arguments, 1)
	case *ast.BinaryNode:
		p.binary(node, n)
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			// $env would reach the engine's hooks by their names
			p.refuse(n, "$env is not available in rules: name the fact itself, like subject or customer.tier")
		}
	case *ast.MemberNode:
		if !n.Method && isKind(n.Type(), reflect.Func) {
			// a method taken as a value would be called past the list
			p.refuse(n, "%s can only be called, like now.Hour(), not kept as a value", methodName(n))
		}
	}
}

func methodName(m *ast.MemberNode) string {
	if s, ok := m.Property.(*ast.StringNode); ok && m.Method {
		return s.Value + "()"
	} else if ok {
		return s.Value
	}
	return "this method"
}

func (p *meterPatcher) builtin(node *ast.Node, n *ast.BuiltinNode) {
	if !allowedBuiltins[n.Name] {
		p.refuse(n, "%s() is not available in rules: rules have the built-ins that rank a ticket, none that reads the host or builds large values (see \"Limits and security\" in the README)", n.Name)
		return
	}
	typ := n.Type()
	switch {
	case n.Name == "date":
		if len(n.Arguments) > 2 {
			p.refuse(n.Arguments[2], "date reads times in the pack's time zone (settings.timezone); a time zone argument is not available")
			return
		}
		p.chargeArguments(n.Arguments, 1)
		p.patch(node, typ, call(fnDate, n.Arguments...))
		return
	case n.Name == "replace":
		if len(n.Arguments) != 3 {
			p.refuse(n, "replace takes three arguments: the text, what to replace and what to put instead")
			return
		}
		p.patch(node, typ, call(fnReplace, env(), n.Arguments[0], n.Arguments[1], n.Arguments[2]))
		return
	case n.Name == "join":
		args := append([]ast.Node{env()}, n.Arguments...)
		p.patch(node, typ, call(fnJoin, args...))
		return
	}
	if n.Name == "trim" && len(n.Arguments) == 2 {
		// strings.Trim costs the text times a cutset that is not ASCII
		p.patch(node, typ, call(fnTrim, env(), n.Arguments[0], n.Arguments[1]))
		return
	}
	for i, a := range n.Arguments {
		pred, ok := a.(*ast.PredicateNode)
		if !ok {
			continue
		}
		k := nodeCount(pred.Node)
		if boolPredicates[n.Name] && isBool(pred.Node) {
			// charge one iteration, then the predicate's own value
			step := call(fnStep, env(), &ast.IntegerNode{Value: k})
			step.SetLocation(pred.Node.Location())
			body := &ast.BinaryNode{Operator: "&&", Left: step, Right: pred.Node}
			body.SetType(pred.Node.Type())
			pred.Node = body
		} else if i > 0 {
			// charge every iteration before the first
			p.charge(&n.Arguments[0], k)
		}
	}
	// Every built-in reads its text and list arguments (len counts the
	// characters of text, max walks a list, date its layout, count(list)
	// without a predicate the list).
	p.chargeArguments(n.Arguments, 1)
	if n.Name == "split" {
		p.charge(node, 1) // the list it made
	}
}

// chargeArguments charges k times each argument whose cost grows with
// the ticket: text, lists and maps, and values of unknown type, unless
// written in the rule. Numbers, times and true/false cost nothing.
func (p *meterPatcher) chargeArguments(args []ast.Node, k int) {
	for i := range args {
		a := args[i]
		if _, ok := a.(*ast.PredicateNode); ok || isConstant(a) || isScalar(a.Type()) || isLet(a) {
			continue
		}
		p.charge(&args[i], k)
	}
}

// isLet tells a charge already made (the let the patcher wraps values in).
func isLet(n ast.Node) bool {
	v, ok := n.(*ast.VariableDeclaratorNode)
	return ok && strings.HasPrefix(v.Name, "·m")
}

func (p *meterPatcher) binary(node *ast.Node, n *ast.BinaryNode) {
	lt, rt := n.Left.Type(), n.Right.Type()
	switch n.Operator {
	case "..":
		a, aok := n.Left.(*ast.IntegerNode)
		b, bok := n.Right.(*ast.IntegerNode)
		if aok && bok && b.Value-a.Value >= maxRange {
			p.refuse(n, "a range of more than %d numbers is more than any rule can use", maxRange)
		}
	case "+":
		switch {
		case isKind(lt, reflect.String) && isKind(rt, reflect.String):
			p.patch(node, n.Type(), call(fnJoinStr, env(), n.Left, n.Right))
		case isUnknown(lt) || isUnknown(rt):
			p.patch(node, n.Type(), call(fnAdd, env(), n.Left, n.Right))
		}
	case "matches":
		if !isConstant(n.Left) {
			p.charge(&n.Left, patternCost(n.Right))
		}
	case "contains", "startsWith", "endsWith":
		if !isConstant(n.Left) && (n.Operator == "contains" || !isConstant(n.Right)) {
			p.charge(&n.Left, 1)
		}
	case "==", "!=", "<", ">", "<=", ">=":
		if !isConstant(n.Left) && !isConstant(n.Right) && !isScalar(lt) && !isScalar(rt) {
			p.charge(&n.Left, 1)
		}
	case "in", "not in":
		if !isConstant(n.Right) {
			p.charge(&n.Right, 1)
		}
	}
}

// charge wraps *at so that its value is charged k times its units before
// it is used: let v = X; charge(v) ? v : v keeps X's type and evaluates
// it once.
func (p *meterPatcher) charge(at *ast.Node, k int) {
	x := *at
	typ := x.Type()
	p.vars++
	name := fmt.Sprintf("·m%d", p.vars)
	ref := func() ast.Node {
		id := &ast.IdentifierNode{Value: name}
		id.SetType(typ)
		id.SetLocation(x.Location())
		return id
	}
	check := call(fnCharge, env(), ref(), &ast.IntegerNode{Value: k})
	check.SetLocation(x.Location())
	cond := &ast.ConditionalNode{
		Cond: check,
		Exp1: ref(),
		Exp2: ref(),
	}
	cond.SetType(typ)
	let := &ast.VariableDeclaratorNode{Name: name, Value: x, Expr: cond}
	let.SetType(typ)
	let.SetLocation(x.Location())
	*at = let
}

func (p *meterPatcher) patch(node *ast.Node, typ reflect.Type, with ast.Node) {
	with.SetType(typ)
	with.SetLocation((*node).Location())
	ast.Patch(node, with)
}

// patternCost is what matching a pattern costs per unit of text: Go's
// regular expressions run in time linear in the text, times the size of
// the compiled pattern.
func patternCost(n ast.Node) int {
	lit, ok := n.(*ast.StringNode)
	if !ok {
		return 1 // refused at load: the pattern must be written in quotes
	}
	re, err := syntax.Parse(lit.Value, syntax.Perl)
	if err != nil {
		return 1 // reported by the compiler
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 1
	}
	return 1 + len(prog.Inst)/4
}

func env() ast.Node { return &ast.IdentifierNode{Value: "$env"} }

func nodeCount(n ast.Node) int {
	c := counter(0)
	ast.Walk(&n, &c)
	return max(int(c), 1)
}

type counter int

func (c *counter) Visit(*ast.Node) { *c++ }

// isConstant tells whether n is written in the rule: its cost does not
// grow with the ticket.
func isConstant(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode:
		return true
	case *ast.ArrayNode:
		for _, e := range n.Nodes {
			if !isConstant(e) {
				return false
			}
		}
		return true
	}
	return false
}

func isBool(n ast.Node) bool { return isKind(n.Type(), reflect.Bool) }

func isKind(t reflect.Type, k reflect.Kind) bool { return t != nil && t.Kind() == k }

func isUnknown(t reflect.Type) bool { return t == nil || t.Kind() == reflect.Interface }

// isScalar tells whether comparing a value of type t costs the same
// whatever the ticket: numbers, true/false, times and durations.
func isScalar(t reflect.Type) bool {
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return t == reflect.TypeFor[time.Time]()
}
