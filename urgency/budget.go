package urgency

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
	"regexp/syntax"
)

// The cost of an expression is bounded twice. At load, a rule may call
// only the built-ins that ranking needs (allowedBuiltins) and the pure
// methods of times and durations (allowedMethods): nothing that reads the
// host's files or clock zone, and nothing that only makes text or lists
// bigger. At run time, every rule's expressions on one ticket have a
// budget of MaxRuleCost cost units, and all the rules of a pack together
// MaxTicketCost: the meter patcher adds a charge to every step whose
// cost grows with the ticket (an iteration of a predicate, a built-in
// reading text or a list, text joined or replaced, a comparison of two
// values that are not constants). A rule over its budget fails for that
// ticket, is reported in the assessment, and the ticket is assessed with
// the other rules.

// allowedBuiltins are expr's built-ins a rule may call. Left out: now and
// timezone (the host's clock and zone files); repeat, concat, flatten and
// splitAfter, the sorting, grouping and reducing built-ins and the JSON
// and Base64 codecs, each a way to build large values from small ones;
// and take, uniq, reverse, mean, median, toPairs and fromPairs, which
// rank nothing and would each need a cost of their own.
var allowedBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "count": true,
	"sum": true, "len": true, "type": true, "abs": true, "ceil": true, "floor": true,
	"round": true, "int": true, "float": true, "string": true, "trim": true,
	"trimPrefix": true, "trimSuffix": true, "upper": true, "lower": true, "split": true,
	"replace": true, "join": true, "indexOf": true, "lastIndexOf": true,
	"hasPrefix": true, "hasSuffix": true, "max": true, "min": true, "duration": true,
	"date": true, "first": true, "last": true, "get": true, "keys": true, "values": true,
	"bitand": true, "bitor": true, "bitxor": true, "bitnand": true, "bitnot": true,
	"bitshl": true, "bitshr": true, "bitushr": true,
}

// allowedMethods are the methods of time.Time and time.Duration values
// (now, age, due_in, date(...)) a rule may call. Left out are those that
// read the host's zone (Local), load or name zones (In, Location, Zone,
// ZoneBounds), and the encoders.
var allowedMethods = map[string]bool{
	"Year": true, "Month": true, "Day": true, "Hour": true, "Minute": true, "Second": true,
	"Nanosecond": true, "Weekday": true, "YearDay": true, "Before": true, "After": true,
	"Equal": true, "Compare": true, "IsZero": true, "Sub": true, "Add": true, "AddDate": true,
	"Truncate": true, "Round": true, "Unix": true, "UnixMilli": true, "UnixMicro": true,
	"UnixNano": true, "UTC": true, "Format": true, "String": true, "Hours": true,
	"Minutes": true, "Seconds": true, "Milliseconds": true, "Microseconds": true,
	"Nanoseconds": true, "Abs": true,
}

// methodReceivers are the types whose methods a rule may call: a value a
// Go host put in a ticket's fields could have methods of its own, and
// calling them would run host code.
var methodReceivers = map[reflect.Type]bool{
	reflect.TypeFor[time.Time](): true, reflect.TypeFor[time.Duration](): true,
	reflect.TypeFor[time.Weekday](): true, reflect.TypeFor[time.Month](): true,
}

// Built-ins whose predicate gives true or false: each iteration is charged
// as it runs, so that one that stops early costs only what it ran.
var boolPredicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "count": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
}

// Names of the metering functions the patcher calls; a rule cannot write
// them.
const (
	fnCharge  = "charge·"
	fnStep    = "step·"
	fnAdd     = "add·"
	fnJoin    = "join·"
	fnReplace = "replace·"
	fnJoinStr = "concat·meter"
	fnTrim    = "trim·"
	fnDate    = "date·"
)

// maxRange is expr's memory budget: the longest range it builds.
const maxRange = 1_000_000

// textUnit is the number of bytes of text that cost one unit: reading or
// building text costs about a VM step per this many bytes.
const textUnit = 8

// budgetError is what a rule over its budget fails with; the message
// names no ticket text.
type budgetError struct{ ticket bool }

func (b budgetError) Error() string {
	if b.ticket {
		return fmt.Sprintf("the pack's rules used the budget of %d cost units for one ticket; this rule was not finished", MaxTicketCost)
	}
	return fmt.Sprintf("the rule needed more than its budget of %d cost units on this ticket (loops over long text or lists?)", MaxRuleCost)
}

// meter is the budget of the rule running now and of the ticket.
type meter struct {
	rule   int64 // left for the rule running
	ticket int64 // left for the ticket's rules
	over   bool  // the ticket's budget, not the rule's, ran out
}

func (m *meter) resetTicket() { m.ticket = MaxTicketCost }

func (m *meter) startRule() {
	m.rule = min(MaxRuleCost, m.ticket)
	m.over = m.ticket < MaxRuleCost
}

func (m *meter) charge(n int64) error {
	if n < 0 || n > m.rule {
		m.ticket -= m.rule
		m.rule = 0
		return budgetError{ticket: m.over}
	}
	m.rule -= n
	m.ticket -= n
	return nil
}

// meterOf finds the meter of the evaluation behind $env.
func meterOf(env any) *meter {
	switch e := env.(type) {
	case *Env:
		return &e.st.meter
	case Env:
		return &e.st.meter
	}
	panic("urgency: metering outside an evaluation")
}

// units is what reading v costs: a unit per textUnit bytes of text and a
// unit per element of a list or map, nested ones included. It stops
// counting past limit.
func units(v any, limit int64) int64 {
	switch v := v.(type) {
	case nil, bool, int, int64, float64, time.Time, time.Duration:
		return 1
	case string:
		return int64(len(v)/textUnit) + 1
	case []string:
		n := int64(len(v)) + 1
		for _, s := range v {
			if n > limit {
				break
			}
			n += int64(len(s) / textUnit)
		}
		return n
	case []any:
		n := int64(len(v)) + 1
		for _, e := range v {
			if n > limit {
				break
			}
			n += units(e, limit-n) - 1
		}
		return n
	case map[string]any:
		n := int64(len(v)) + 1
		for k, e := range v {
			if n > limit {
				break
			}
			n += int64(len(k)/textUnit) + units(e, limit-n) - 1
		}
		return n
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return int64(rv.Len()/textUnit) + 1
	case reflect.Slice, reflect.Array, reflect.Map:
		return int64(rv.Len()) + 1
	}
	return 1
}

func chargeFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	k := int64(args[2].(int))
	if err := m.charge(k * units(args[1], m.rule/max(k, 1)+1)); err != nil {
		return nil, err
	}
	return true, nil
}

func stepFunc(args ...any) (any, error) {
	if err := meterOf(args[0]).charge(int64(args[1].(int))); err != nil {
		return nil, err
	}
	return true, nil
}

// joinedText builds a + b, charged, within maxConcatBytes.
func joinedText(m *meter, a, b string) (string, error) {
	if len(a)+len(b) > maxConcatBytes {
		return "", fmt.Errorf("text joined with + would be longer than %d KiB", maxConcatBytes>>10)
	}
	if err := m.charge(int64((len(a)+len(b))/textUnit) + 1); err != nil {
		return "", err
	}
	return a + b, nil
}

func concatMeterFunc(args ...any) (any, error) {
	return joinedText(meterOf(args[0]), args[1].(string), args[2].(string))
}

// addFunc is + on values whose type is known only at run time: text is
// joined within the bounds, anything else added as expr adds it.
func addFunc(args ...any) (any, error) {
	if a, ok := args[1].(string); ok {
		if b, ok := args[2].(string); ok {
			return joinedText(meterOf(args[0]), a, b)
		}
	}
	return runtime.Add(args[1], args[2]), nil
}

func replaceFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	s, old, repl := args[1].(string), args[2].(string), args[3].(string)
	if err := m.charge(int64(len(s)/textUnit) + 1); err != nil {
		return nil, err
	}
	n := strings.Count(s, old)
	if size := len(s) + n*(len(repl)-len(old)); n > 0 && size > maxConcatBytes {
		return nil, fmt.Errorf("replace would make text longer than %d KiB", maxConcatBytes>>10)
	} else if err := m.charge(int64(size/textUnit) + 1); err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// trimFunc is trim(text, cutset): strings.Trim looks up every character
// of the text in a cutset that is not ASCII, so both are charged.
func trimFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	s, cut := args[1].(string), args[2].(string)
	cost := units(s, m.rule)
	if !isASCII(cut) {
		cost *= units(cut, m.rule)
	} else {
		cost += units(cut, m.rule)
	}
	if err := m.charge(cost); err != nil {
		return nil, err
	}
	return strings.Trim(s, cut), nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func joinFunc(args ...any) (any, error) {
	m := meterOf(args[0])
	sep := ""
	if len(args) > 2 {
		sep = args[2].(string)
	}
	var parts []string
	switch v := args[1].(type) {
	case []string:
		parts = v
	case []any:
		parts = make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("join takes a list of texts, not of %s", kindOfValue(e))
			}
			parts = append(parts, s)
		}
	case nil:
		return nil, errors.New("join takes a list of texts, not nothing (is a custom field missing?)")
	default:
		return nil, fmt.Errorf("join takes a list of texts, not %s", kindOfValue(v))
	}
	size := len(sep) * max(len(parts)-1, 0)
	for _, p := range parts {
		size += len(p)
		if size > maxConcatBytes {
			return nil, fmt.Errorf("join would make text longer than %d KiB", maxConcatBytes>>10)
		}
	}
	if err := m.charge(int64(len(parts)) + int64(size/textUnit) + 1); err != nil {
		return nil, err
	}
	return strings.Join(parts, sep), nil
}

// kindOfValue names the kind of a value without showing it.
func kindOfValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "text"
	case bool:
		return "true/false"
	case int, int64, float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return typeName(reflect.TypeOf(v))
}

// meterOptions are the expr options of the metering functions, and of
// date() in the pack's zone loc.
func meterOptions(loc *time.Location) []expr.Option {
	return []expr.Option{
		expr.Function(fnDate, dateFunc(loc), new(func(string) time.Time), new(func(string, string) time.Time)),
		expr.Function(fnCharge, chargeFunc, new(func(Env, any, int) bool)),
		expr.Function(fnStep, stepFunc, new(func(Env, int) bool)),
		expr.Function(fnJoinStr, concatMeterFunc, new(func(Env, string, string) string)),
		expr.Function(fnAdd, addFunc, new(func(Env, any, any) any)),
		expr.Function(fnReplace, replaceFunc, new(func(Env, string, string, string) string)),
		expr.Function(fnJoin, joinFunc, new(func(Env, any) string), new(func(Env, any, string) string)),
		expr.Function(fnTrim, trimFunc, new(func(Env, string, string) string)),
	}
}

// dateFunc is date() in rules: the text read in the pack's zone, with a
// layout or with the layouts expr's date() tries. expr's own falls back to
// the host's zone where its zone argument is missing, which happens to a
// date() inside a macro; this one is given the zone when it is made.
func dateFunc(loc *time.Location) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("date() reads text, not %s", kindOfValue(args[0]))
		}
		if len(args) == 2 {
			layout, ok := args[1].(string)
			if !ok {
				return nil, fmt.Errorf("date() takes its layout as text, not %s", kindOfValue(args[1]))
			}
			t, err := time.ParseInLocation(layout, s, loc)
			if err != nil {
				return nil, errors.New("date() could not read the text as a date in this layout")
			}
			return t, nil
		}
		for _, layout := range dateLayouts {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t, nil
			}
		}
		return nil, errors.New("date() could not read the text as a date")
	}
}

// dateLayouts are the layouts date(text) tries, expr's own.
var dateLayouts = []string{"2006-01-02", "15:04:05", "2006-01-02 15:04:05", time.RFC3339, time.RFC822, time.RFC850, time.RFC1123}

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
