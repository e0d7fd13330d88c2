package bench

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// CEL is the policy as CEL programs, one per rule, compiled once and run one
// after the other on a ticket. The term lists are list(string) variables; a
// mention is list.exists(w, t.contains(w)) on the text lower-cased with
// lowerAscii, bound once per program with cel.bind.
type CEL struct {
	progs []cel.Program
	act   activation
}

// activation resolves the variables of one ticket; the lists are
// converted to CEL values once, not per ticket.
type activation struct {
	lists                         map[string]ref.Val
	subject, text, language, tier ref.Val
	flagged, isNew                ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "subject":
		return a.subject, true
	case "text":
		return a.text, true
	case "language":
		return a.language, true
	case "tier":
		return a.tier, true
	case "flagged":
		return a.flagged, true
	case "isNew":
		return a.isNew, true
	}
	v, ok := a.lists[name]
	return v, ok
}

func (a *activation) Parent() interpreter.Activation { return nil }

// NewCEL compiles the rules.
func NewCEL(lists Lists) (*CEL, error) {
	opts := []cel.EnvOption{
		ext.Strings(), ext.Bindings(),
		cel.Variable("subject", cel.StringType), cel.Variable("text", cel.StringType),
		cel.Variable("language", cel.StringType), cel.Variable("tier", cel.StringType),
		cel.Variable("flagged", cel.BoolType), cel.Variable("isNew", cel.BoolType),
		cel.Function("words", cel.Overload("words_string", []*cel.Type{cel.StringType}, cel.IntType,
			cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Int(Words(string(v.(types.String)))) }))),
		cel.Function("shouting", cel.Overload("shouting_string", []*cel.Type{cel.StringType}, cel.DoubleType,
			cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Double(Shouting(string(v.(types.String)))) }))),
		cel.Function("exclamations", cel.Overload("exclamations_string", []*cel.Type{cel.StringType}, cel.IntType,
			cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Int(Exclamations(string(v.(types.String)))) }))),
	}
	c := &CEL{act: activation{lists: map[string]ref.Val{}}}
	for _, name := range listNames {
		opts = append(opts, cel.Variable(name, cel.ListType(cel.StringType)))
		c.act.lists[name] = types.DefaultTypeAdapter.NativeToValue(lists[name])
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	for _, r := range Rules {
		src := "cel.bind(t, text.lowerAscii(), " + translate(r.When, true) + ")"
		ast, iss := env.Compile(src)
		if iss.Err() != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, iss.Err())
		}
		if ast.OutputType() != cel.BoolType {
			return nil, fmt.Errorf("rule %s: gives %v, not bool", r.Name, ast.OutputType())
		}
		p, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		c.progs = append(c.progs, p)
	}
	return c, nil
}

// Assess runs every rule on f. A CEL is not safe for concurrent use: it
// reuses its activation.
func (c *CEL) Assess(f *Facts) (Result, error) {
	c.act.subject, c.act.text = types.String(f.Subject), types.String(f.Text)
	c.act.language, c.act.tier = types.String(f.Language), types.String(f.Tier)
	c.act.flagged, c.act.isNew = types.Bool(f.Flagged), types.Bool(f.New)
	var mask uint64
	for i, p := range c.progs {
		out, _, err := p.Eval(&c.act)
		if err != nil {
			return Result{}, fmt.Errorf("rule %s: %w", Rules[i].Name, err)
		}
		if out == types.True {
			mask |= 1 << i
		}
	}
	return settle(mask), nil
}
