package urgency

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm"
)

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
				p.c.errorAt(p.src.Position(n.Right.Location().From), p.rule,
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
		p.c.errorAt(p.src.Position(n.Arguments[1].Location().From), p.rule,
			fmt.Errorf("%s: the list name must be written in quotes, like %s(text, \"payment\")", name, name))
		p.failed = true
		return
	}
	list, ok := p.c.matcher.List(lit.Value)
	if !ok {
		p.c.errorAt(p.src.Position(lit.Location().From), p.rule,
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
