package bench

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Expr is the policy as plain expr programs, one per rule, compiled once
// and run one after the other on a ticket. The term lists are []string
// values in the environment; a mention is any(list, {t contains #}) on the
// lower-cased text t.
type Expr struct {
	progs      []*vm.Program
	env        map[string]any
	prelowered bool
	vm         vm.VM
}

// NewExpr compiles the rules. Each program lower-cases the text once
// (let t = lower(text)), the way a rule written alone would; with
// prelowered the host lower-cases the text once per ticket and passes it as
// t, so no program does.
func NewExpr(lists Lists, prelowered bool) (*Expr, error) {
	env := map[string]any{
		"subject": "", "text": "", "language": "", "tier": "",
		"flagged": false, "isNew": false,
	}
	if prelowered {
		env["t"] = ""
	}
	for _, name := range listNames {
		env[name] = lists[name]
	}
	opts := []expr.Option{
		expr.Env(env), expr.AsBool(),
		expr.Function("words", func(p ...any) (any, error) { return Words(p[0].(string)), nil },
			new(func(string) int)),
		expr.Function("shouting", func(p ...any) (any, error) { return Shouting(p[0].(string)), nil },
			new(func(string) float64)),
		expr.Function("exclamations", func(p ...any) (any, error) { return Exclamations(p[0].(string)), nil },
			new(func(string) int)),
	}
	x := &Expr{env: env, prelowered: prelowered}
	for _, r := range Rules {
		src := translate(r.When, false)
		if !prelowered {
			src = "let t = lower(text); " + src
		}
		p, err := expr.Compile(src, opts...)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		x.progs = append(x.progs, p)
	}
	return x, nil
}

// Assess runs every rule on f. An Expr is not safe for concurrent use: it
// reuses its environment and virtual machine.
func (x *Expr) Assess(f *Facts) (Result, error) {
	x.env["subject"], x.env["text"] = f.Subject, f.Text
	x.env["language"], x.env["tier"] = f.Language, f.Tier
	x.env["flagged"], x.env["isNew"] = f.Flagged, f.New
	if x.prelowered {
		x.env["t"] = strings.ToLower(f.Text)
	}
	var mask uint64
	for i, p := range x.progs {
		out, err := x.vm.Run(p, x.env)
		if err != nil {
			return Result{}, fmt.Errorf("rule %s: %w", Rules[i].Name, err)
		}
		if out.(bool) {
			mask |= 1 << i
		}
	}
	return settle(mask), nil
}
