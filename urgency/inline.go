package urgency

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

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
	at     file.Location      // the outermost macro name being expanded
	nodes  int                // of the expression as expanded so far
	widest *packfile.MacroDef // the largest macro the expression uses directly
	uses   map[*packfile.MacroDef]int
	failed bool
}

func (in *inliner) Visit(node *ast.Node) {
	if in.failed {
		return
	}
	outer := len(in.stack) == 0 || len(in.stack) == 1 && in.stack[0] == in.c.self
	id, ok := (*node).(*ast.IdentifierNode)
	var m *packfile.MacroDef
	if ok {
		m, ok = in.c.macros[id.Value]
	}
	if !ok {
		if outer {
			in.count(1, node)
		}
		return
	}
	if in.c.broken[m.Name] {
		// The macro's own error is reported where it is defined.
		in.failed = true
		return
	}
	if outer {
		in.at = id.Location()
	}
	for i, s := range in.stack {
		if s == m.Name {
			var cycle []string
			for _, name := range append(in.stack[i:], m.Name) {
				cycle = append(cycle, clipValue(name))
			}
			in.c.errorAt(in.src.Position(in.at.From), in.rule, fmt.Errorf("macro %q uses itself: %s", clipValue(m.Name), strings.Join(cycle, " -> ")))
			in.failed = true
			return
		}
	}
	tree, ok := in.c.expansion(m).parse(in.c, m)
	if !ok {
		in.failed = true // reported when the macro itself is compiled
		return
	}
	if outer {
		size := in.c.macroSize(m)
		if in.uses == nil {
			in.uses = make(map[*packfile.MacroDef]int)
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
		t, err := parser.Parse(m.Expr.Text)
		if err != nil {
			in.failed = true
			return
		}
		tree = t.Node
	}
	in.stack = append(in.stack, m.Name)
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
	if id, ok := (*node).(*ast.IdentifierNode); !ok || id.Value != m.Name {
		at = in.at.From
	}
	detail := fmt.Sprintf("macro %q expands to %d nodes", clipValue(m.Name), in.c.macroSize(m))
	if in.c.macroSize(m) > MaxExprNodes {
		detail = fmt.Sprintf("macro %q expands to more than %d nodes", clipValue(m.Name), MaxExprNodes)
	}
	if u := in.uses[m]; u > 1 {
		detail += fmt.Sprintf(" and is used %d times", u)
	}
	if chain := in.c.macroChain(m); strings.Contains(chain, " -> ") {
		detail += " (" + chain + ")"
	}
	in.c.errorAt(in.src.Position(at), in.rule,
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

func (x *expansion) parse(c *compiler, m *packfile.MacroDef) (ast.Node, bool) {
	if !x.parsed {
		x.parsed = true
		if pe := c.parse(m.Expr.Text); pe.err == nil {
			x.tree = pe.tree.Node
		} else if tree, err := parser.Parse(m.Expr.Text); err == nil {
			// Too large for the pack's parser, which counts nodes: the
			// inliner tells by how much.
			x.tree = tree.Node
		} else {
			x.bad = true
		}
	}
	return x.tree, !x.bad
}

// expansion returns what the inliner learnt of m so far.
func (c *compiler) expansion(m *packfile.MacroDef) *expansion {
	x, ok := c.expansions[m]
	if !ok {
		if c.expansions == nil {
			c.expansions = make(map[*packfile.MacroDef]*expansion)
		}
		x = new(expansion)
		c.expansions[m] = x
	}
	return x
}

// macroSize returns the nodes of m with every macro it uses expanded, at
// most MaxExprNodes+1.
func (c *compiler) macroSize(m *packfile.MacroDef) int {
	x := c.expansion(m)
	if x.size > 0 {
		return x.size
	}
	tree, ok := x.parse(c, m)
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
func (c *compiler) macroOf(node ast.Node) *packfile.MacroDef {
	if id, ok := node.(*ast.IdentifierNode); ok {
		return c.macros[id.Value]
	}
	return nil
}

// macroChain names the macros that make m large, m first: each time the
// macro it uses whose uses weigh most.
func (c *compiler) macroChain(m *packfile.MacroDef) string {
	var names []string
	seen := make(map[string]bool)
	for m != nil && !seen[m.Name] {
		seen[m.Name] = true
		names = append(names, clipValue(m.Name))
		tree, ok := c.expansion(m).parse(c, m)
		if !ok {
			break
		}
		weight := make(map[*packfile.MacroDef]int)
		var next *packfile.MacroDef
		ast.Walk(&tree, visitor(func(node ast.Node) {
			sub := c.macroOf(node)
			if sub == nil {
				return
			}
			weight[sub] = min(weight[sub]+c.macroSize(sub), MaxExprNodes+1)
			if next == nil || weight[sub] > weight[next] || weight[sub] == weight[next] && sub.Name < next.Name {
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
