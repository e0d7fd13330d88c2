package urgency

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/triagekit/triage/urgency/internal/match"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// compiler turns a decoded pack into an Engine, reporting every problem.
type compiler struct {
	p       *packfile.Pack
	errs    *ErrorList
	srcs    map[string]*packfile.Source
	matcher *match.Matcher
	macros  map[string]*packfile.MacroDef
	broken  map[string]bool // macros that failed to compile
	// the inliner's, for each macro, filled on first use
	expansions map[*packfile.MacroDef]*expansion
	// the expressions parsed, by their text; shared with the explainer
	parsed    map[string]*parsedExpr
	parseConf *conf.Config
	opts      []expr.Option

	// set by the patcher while compiling one expression
	usesText bool
	self     string // the macro being compiled, if any

	stats statSet // statistics read as Env fields by the rule being compiled
}

func compile(p *packfile.Pack, errs *ErrorList, srcs map[string]*packfile.Source) *Engine {
	c := &compiler{p: p, errs: errs, srcs: srcs, macros: make(map[string]*packfile.MacroDef), broken: make(map[string]bool)}
	c.buildMatcher()
	for _, m := range p.Macros {
		c.macros[m.Name] = m
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
	c.opts = append(c.opts, meterOptions(p.Settings.Loc)...)
	for _, m := range p.Macros {
		c.compileMacro(m)
	}
	e := &Engine{
		name:     p.Name,
		settings: settings{newCustomer: p.Settings.NewCustomer, timezone: p.Settings.Timezone, loc: p.Settings.Loc, cal: p.Settings.Cal, pause: p.Settings.Pause},
		matcher:  c.matcher,
		clusters: ClusterSettings(p.Clusters),
	}
	for _, k := range p.Order {
		e.order = append(e.order, orderKeys[k])
	}
	levelIndex := make(map[string]int)
	for i, l := range p.Levels {
		levelIndex[l.Name] = i
		lv := Level{Name: l.Name, MinScore: l.MinScore, RespondWithin: l.Within, ResolveWithin: l.Resolve, cal: l.Cal, Calendar: p.LevelCalendarName(l)}
		if i == len(p.Levels)-1 {
			lv.MinScore = catchAll
		}
		e.levels = append(e.levels, lv)
	}
	for _, rd := range p.DupRules {
		if rd.When.Text != "" { // a missing when is reported already
			c.compileExpr(rd.When, rd.Name, wantBool)
		}
		if rd.Score.Text != "" {
			c.compileExpr(rd.Score, rd.Name, wantNumber)
		}
	}
	for _, rd := range p.Rules {
		r := &rule{
			Rule: Rule{
				Name: rd.Name, Description: rd.Description, Pos: rd.Pos,
				Level: rd.Level, Queue: rd.Queue, Tags: rd.Tags,
				RespondWithin: rd.Within, ResolveWithin: rd.Resolve, Enabled: rd.Enabled, Calendar: packfile.RefName(rd.Calendar),
			},
			floor:   -1,
			cal:     rd.Cal,
			calName: packfile.RefName(rd.Calendar),
			points:  rd.Points,
			whenSrc: rd.When, scoreSrc: rd.Score,
			inherited: rd.Layer < p.Layer,
		}
		if s := c.srcs[rd.Pos.File]; s != nil {
			r.line = s.Line(rd.Pos.Line)
		}
		if rd.LevelNode != nil {
			r.levelPos = rd.LevelSrc.Pos(rd.LevelNode.Line, rd.LevelNode.Column)
		}
		if i, ok := levelIndex[rd.Level]; ok && rd.Level != "" {
			r.floor = i
		}
		c.stats = 0
		if rd.When.Text != "" {
			r.when = c.compileExpr(rd.When, rd.Name, wantBool)
			if r.when != nil {
				r.need = needOf(r.when.Node())
				r.aging = readsAging(r.when)
			}
		}
		if rd.Score.Text != "" {
			r.score = c.compileExpr(rd.Score, rd.Name, wantNumber)
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
		line = s.Line(pos.Line)
	}
	*c.errs = append(*c.errs, packfile.NewError(pos, rule, err, line))
}

func (c *compiler) buildMatcher() {
	var b match.Builder
	for _, l := range c.p.Lists {
		for _, t := range l.Terms {
			if err := b.Add(l.Name, t.Text); err != nil {
				c.errorAt(t.Pos, "", fmt.Errorf("list %q: %v", l.Name, err))
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

func (c *compiler) compileMacro(m *packfile.MacroDef) {
	c.self = m.Name
	defer func() { c.self = "" }()
	if c.compileExpr(m.Expr, "", wantAny) == nil {
		c.broken[m.Name] = true
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
	var prog *vm.Program
	pe := c.parse(src.Text)
	err := pe.err
	if err == nil {
		prog, err = compileTree(pe.tree, src.Text, opts)
	}
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
			c.errorAt(src.Position(0), rule, fmt.Errorf("when must be true or false, but this expression gives %s", typeName(t)))
			return nil
		case w == wantNumber && !isNumber(t):
			c.errorAt(src.Position(0), rule, fmt.Errorf("score must be a number, but this expression gives %s", typeName(t)))
			return nil
		case w == wantAny && t.Kind() != reflect.Bool && !isNumber(t):
			c.errorAt(src.Position(0), rule, fmt.Errorf("a macro must give true/false or a number, but this one gives %s", typeName(t)))
			return nil
		}
	}
	return prog
}

// parsedExpr is an expression as expr's parser reads it with the pack's
// options, parsed once per load: compiling patches a copy, and lint and
// explain walk it as written.
type parsedExpr struct {
	tree *parser.Tree // nil when err is not
	err  error
}

// parse returns text parsed, from the pack's parses when it was parsed
// before.
func (c *compiler) parse(text string) *parsedExpr {
	if pe, ok := c.parsed[text]; ok {
		return pe
	}
	if c.parseConf == nil {
		c.parseConf = newConfig(c.opts)
	}
	pe := new(parsedExpr)
	if tree, err := parser.ParseWithConfig(text, c.parseConf); err != nil {
		pe.err = err
	} else {
		pe.tree = tree
	}
	if c.parsed == nil {
		c.parsed = make(map[string]*parsedExpr)
	}
	c.parsed[text] = pe
	return pe
}

// newConfig is the configuration expr.Compile makes of opts.
func newConfig(opts []expr.Option) *conf.Config {
	config := conf.CreateNew()
	for _, op := range opts {
		op(config)
	}
	for name := range config.Disabled {
		delete(config.Builtins, name)
	}
	config.Check()
	return config
}

// compileTree does what expr.Compile does after parsing: the patchers
// of opts and the checker, the optimizer, the compiler, on a copy of the
// parsed tree, which stays as written.
func compileTree(parsed *parser.Tree, text string, opts []expr.Option) (*vm.Program, error) {
	var cl cloner
	tree := &parser.Tree{Node: cl.clone(parsed.Node), Source: parsed.Source}
	if cl.failed {
		return expr.Compile(text, opts...) // a node the cloner does not know
	}
	config := newConfig(opts)
	if _, err := new(checker.Checker).PatchAndCheck(tree, config); err != nil {
		return nil, err
	}
	if config.Optimize {
		if err := optimizer.Optimize(&tree.Node, config); err != nil {
			var fe *file.Error
			if errors.As(err, &fe) {
				return nil, fe.Bind(tree.Source)
			}
			return nil, err
		}
	}
	return exprcompiler.Compile(tree, config)
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
		c.errorAt(src.Position(0), rule, errors.New(clipMessage(cleanMessage(err.Error()))))
		return
	}
	msg := c.improve(cleanMessage(fe.Message))
	switch m := unknownName.FindStringSubmatch(msg); {
	case msg == `unexpected "="`:
		msg += ": to compare, write == (a single = is not an operator)"
	case m != nil && w == wantNumber && strings.TrimSpace(src.Text) == m[1]:
		// score: lots, written as if score took a word.
		msg = fmt.Sprintf("score must be a number like 40, or an expression that gives one like 10 * mentionCount(text, \"outage\"); %s is not a name the rules know", m[1])
	}
	c.errorAt(src.Position(fe.From), rule, errors.New(clipMessage(msg)))
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
