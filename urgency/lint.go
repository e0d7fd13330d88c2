package urgency

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

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
