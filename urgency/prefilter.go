package urgency

import (
	"github.com/expr-lang/expr/ast"
)

// need is a condition on a ticket's list matches that must hold for a
// rule's when to be true: "mentions(text, "payment") && (a || b)" needs
// the payment list. Rules whose need fails are not run at all, which
// spares the expression machine for most rules on most tickets; the
// matches come from the same one pass over the text.
type need struct {
	// 'l': list matched in field; 'b': fact is true; 's': fact is one of
	// values; '&': all kids hold; '|': any kid holds.
	op     byte
	field  int
	list   int
	fact   fact
	values map[string]struct{}
	kids   []*need
}

// fact is a field of Env a need can read without the expression machine.
type fact int

const (
	factNone fact = iota
	factFlagged
	factDuplicate
	factCustomerNew
	factChannel
	factLanguage
	factTier
	factCustomerID
	factPaused
	factReplied
	factStatus
	factTarget
)

func factOf(n ast.Node) fact {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "flagged":
			return factFlagged
		case "duplicate":
			return factDuplicate
		case "channel":
			return factChannel
		case "language":
			return factLanguage
		case "paused":
			return factPaused
		case "replied":
			return factReplied
		case "status":
			return factStatus
		case "target":
			return factTarget
		}
	case *ast.MemberNode:
		id, ok1 := n.Node.(*ast.IdentifierNode)
		prop, ok2 := n.Property.(*ast.StringNode)
		if !ok1 || !ok2 || id.Value != "customer" || n.Optional {
			return factNone
		}
		switch prop.Value {
		case "new":
			return factCustomerNew
		case "tier":
			return factTier
		case "id":
			return factCustomerID
		}
	}
	return factNone
}

func isBoolFact(f fact) bool {
	return f == factFlagged || f == factDuplicate || f == factCustomerNew || f == factPaused || f == factReplied
}

func (e *Env) boolFact(f fact) bool {
	switch f {
	case factFlagged:
		return e.Flagged
	case factDuplicate:
		return e.Duplicate
	case factPaused:
		return e.Paused
	case factReplied:
		return e.Replied
	}
	return e.Customer.New
}

func (e *Env) stringFact(f fact) string {
	switch f {
	case factChannel:
		return e.Channel
	case factLanguage:
		return e.Language
	case factTier:
		return e.Customer.Tier
	case factStatus:
		return e.Status
	case factTarget:
		return e.Target
	}
	return e.Customer.ID
}

// needOf derives the need of an expression after patching, or nil when
// nothing can be told (the expression may be true whatever the lists say).
// It understands && and || of: mentions on subject, body or text;
// mentionCount(...) > n or >= n with n >= 1; the true/false facts flagged,
// duplicate, customer.new, paused and replied; channel, language,
// customer.tier, customer.id, status or target == "text" or in [...]. Anything else is opaque.
func needOf(n ast.Node) *need {
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and":
			a, b := needOf(n.Left), needOf(n.Right)
			switch {
			case a == nil:
				return b
			case b == nil:
				return a
			}
			return &need{op: '&', kids: []*need{a, b}}
		case "||", "or":
			a, b := needOf(n.Left), needOf(n.Right)
			if a == nil || b == nil {
				return nil
			}
			return &need{op: '|', kids: []*need{a, b}}
		case "==":
			f, lit := factOf(n.Left), n.Right
			if f == factNone {
				f, lit = factOf(n.Right), n.Left
			}
			if str, ok := lit.(*ast.StringNode); ok && f != factNone && !isBoolFact(f) {
				return &need{op: 's', fact: f, values: map[string]struct{}{str.Value: {}}}
			}
		case "in":
			f := factOf(n.Left)
			if c, ok := n.Right.(*ast.ConstantNode); ok && f != factNone && !isBoolFact(f) {
				if set, ok := c.Value.(map[string]struct{}); ok {
					return &need{op: 's', fact: f, values: set}
				}
			}
		case ">", ">=":
			bound, ok := n.Right.(*ast.IntegerNode)
			if !ok || bound.Value < 0 || n.Operator == ">=" && bound.Value < 1 {
				return nil
			}
			return hookNeed(n.Left, fnCountField)
		}
	case *ast.CallNode:
		return hookNeed(n, fnMentionsField)
	case *ast.IdentifierNode, *ast.MemberNode:
		if f := factOf(n); isBoolFact(f) {
			return &need{op: 'b', fact: f}
		}
	}
	return nil
}

// hookNeed returns the leaf need of a call of the hook fn with constant
// field and list, or nil.
func hookNeed(n ast.Node, fn string) *need {
	call, ok := n.(*ast.CallNode)
	if !ok || len(call.Arguments) != 2 {
		return nil
	}
	if id, ok := call.Callee.(*ast.IdentifierNode); !ok || id.Value != fn {
		return nil
	}
	field, ok1 := call.Arguments[0].(*ast.IntegerNode)
	list, ok2 := call.Arguments[1].(*ast.IntegerNode)
	if !ok1 || !ok2 {
		return nil
	}
	return &need{op: 'l', field: field.Value, list: list.Value}
}

func (n *need) holds(e *Env) bool {
	switch n.op {
	case 'l':
		return e.fieldHits(n.field).Has(n.list)
	case 'b':
		return e.boolFact(n.fact)
	case 's':
		_, ok := n.values[e.stringFact(n.fact)]
		return ok
	case '&':
		for _, k := range n.kids {
			if !k.holds(e) {
				return false
			}
		}
		return true
	}
	for _, k := range n.kids {
		if k.holds(e) {
			return true
		}
	}
	return false
}
