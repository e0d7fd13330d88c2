package urgency

import (
	"slices"
	"strings"

	"github.com/triagekit/triage/urgency/internal/packfile"
)

// PackInfo describes a loaded pack for the people who write tickets'
// rules: its levels, lists, macros and rules as they are after any
// extends and overrides. urgency show prints it; the README of the
// default pack is generated from it.
type PackInfo struct {
	Name    string
	Version string
	Levels  []Level
	Lists   []ListInfo
	Macros  []MacroInfo
	Rules   []RuleInfo
}

// ListInfo is one list of terms.
type ListInfo struct {
	Name string
	Pos  Position
	// Doc is the comment written above the list's name, "" for none.
	Doc   string
	Terms []string
	// Languages are the languages the comments among the terms name
	// ("# German" above the German terms), in the order they first
	// appear; empty when no comment names one.
	Languages []string
}

// MacroInfo is one macro: a named condition or number.
type MacroInfo struct {
	Name string
	Pos  Position
	// Doc is the comment written above the macro's name, "" for none.
	Doc  string
	Expr string
}

// RuleInfo is one rule with what it adds to a ticket's score.
type RuleInfo struct {
	Rule
	When string
	// Score is the expression of the rule's points, "" when they are
	// the constant Points.
	Score  string
	Points float64
}

// Describe returns what the pack is made of, in the order it was written.
func (e *Engine) Describe() PackInfo {
	info := PackInfo{Name: e.name, Version: e.version, Levels: e.Levels(), Macros: slices.Clone(e.docs.macros)}
	for i, name := range e.matcher.Lists() {
		li := ListInfo{Name: name, Terms: e.matcher.Terms(i)}
		if d, ok := e.docs.lists[name]; ok {
			li.Pos, li.Doc, li.Languages = d.Pos, d.Doc, slices.Clone(d.Languages)
		}
		info.Lists = append(info.Lists, li)
	}
	rules := e.Rules()
	for i, r := range e.rules {
		ri := RuleInfo{Rule: rules[i], When: r.whenSrc.Text, Points: r.points}
		if r.score != nil {
			ri.Score = r.scoreSrc.Text
		}
		info.Rules = append(info.Rules, ri)
	}
	return info
}

// packDocs are what Describe reports that the compiled engine does not
// keep otherwise: the comments of lists and macros.
type packDocs struct {
	lists  map[string]ListInfo // Pos, Doc and Languages only
	macros []MacroInfo
}

func newPackDocs(p *packfile.Pack) packDocs {
	d := packDocs{lists: make(map[string]ListInfo, len(p.Lists))}
	for _, l := range p.Lists {
		li := ListInfo{Name: l.Name, Pos: l.Pos, Doc: l.Doc}
		seen := map[string]bool{}
		for _, t := range l.Terms {
			for _, lang := range strings.Split(t.Lang, ", ") {
				if lang != "" && !seen[lang] {
					seen[lang] = true
					li.Languages = append(li.Languages, lang)
				}
			}
		}
		d.lists[l.Name] = li
	}
	for _, m := range p.Macros {
		d.macros = append(d.macros, MacroInfo{Name: m.Name, Pos: m.Pos, Doc: m.Doc, Expr: m.Expr.Text})
	}
	return d
}
