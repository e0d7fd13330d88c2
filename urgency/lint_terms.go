package urgency

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/triagekit/triage/urgency/internal/match"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// lintTerm is a list term as the matcher reads it.
type lintTerm struct {
	def    packfile.TermDef
	words  []string
	prefix []bool // the word ends with "*"
	suffix []bool // the word starts with "*"
	key    string // "nie dzial*", "*ausfall*"
}

// parseLintTerm folds a term as [match.Builder] does: the words of raw,
// and which of them start or end with "*".
func parseLintTerm(def packfile.TermDef) (lintTerm, bool) {
	mt, err := match.ParseTerm(def.Text)
	if err != nil {
		return lintTerm{}, false
	}
	return lintTerm{def: def, words: mt.Words, prefix: mt.Prefix, suffix: mt.Suffix, key: mt.Key}, true
}

// coversAt tells whether every text a matches is matched by b because
// b's words match a's from word off on: each b word equal to the a word
// or, with its stars, a prefix, suffix or part of it.
func (b lintTerm) coversAt(a lintTerm, off int) bool {
	if b.key == a.key || off+len(b.words) > len(a.words) {
		return false
	}
	for i, w := range b.words {
		aw, ap, as := a.words[off+i], a.prefix[off+i], a.suffix[off+i]
		var ok bool
		switch bp, bs := b.prefix[i], b.suffix[i]; {
		case bp && bs:
			ok = strings.Contains(aw, w)
		case bp:
			ok = !as && strings.HasPrefix(aw, w)
		case bs:
			ok = !ap && strings.HasSuffix(aw, w)
		default:
			ok = !ap && !as && aw == w
		}
		if !ok {
			return false
		}
	}
	return true
}

// coverBudget bounds the term comparisons of one lint, so that a list
// of many terms sharing a first word cannot make loading slow; past it,
// covered terms are no longer looked for.
const coverBudget = 1 << 20

// terms reports a list's terms that add nothing (written twice, the same
// after folding, matched by another term anyway) and "*" terms with stems
// too short to be safe.
func (l *linter) terms(ld *packfile.ListDef) {
	var ts []lintTerm
	for _, def := range ld.Terms {
		if t, ok := parseLintTerm(def); ok {
			ts = append(ts, t)
		}
	}
	at := func(p, here Position) string {
		switch {
		case p.File != here.File:
			return p.String()
		case p.Line != here.Line:
			return fmt.Sprintf("line %d", p.Line)
		}
		return fmt.Sprintf("column %d", p.Column)
	}
	byText := make(map[string]int)
	byKey := make(map[string]int)
	// Distinct terms by their first word: plain, or the stem before "*".
	byWord := make(map[string][]int)
	byStem := make(map[string][]int)
	var loose []int // first word starting with "*": may cover any word
	var distinct []int
	for i, t := range ts {
		if len(t.words) == 1 && t.suffix[0] && utf8.RuneCountInString(t.words[0]) < minInfix {
			where := "ends with"
			if t.prefix[0] {
				where = "contains"
			}
			l.warn(Warning{Pos: t.def.Pos, Code: WarnShortWildcard, List: ld.Name,
				Msg: fmt.Sprintf("%q matches every word that %s %q, which is too many words in too many languages; write at least %d letters inside the stars or the whole words", t.def.Text, where, t.words[0], minInfix)})
		} else if len(t.words) == 1 && t.prefix[0] && utf8.RuneCountInString(t.words[0]) < minStem {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnShortWildcard, List: ld.Name,
				Msg: fmt.Sprintf("%q matches every word that starts with %q, which is too many words in too many languages; write a stem of at least %d letters or the whole words", t.def.Text, t.words[0], minStem)})
		}
		if j, ok := byText[t.def.Text]; ok {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnDuplicateTerm, List: ld.Name,
				Msg: fmt.Sprintf("%q is listed twice (first at %s); remove one", t.def.Text, at(ts[j].def.Pos, t.def.Pos))})
			continue
		}
		byText[t.def.Text] = i
		if j, ok := byKey[t.key]; ok {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnSameAfterFolding, List: ld.Name,
				Msg: fmt.Sprintf("%q is the same as %q (%s) after folding (case, accents and script are ignored); keep one", t.def.Text, ts[j].def.Text, at(ts[j].def.Pos, t.def.Pos))})
			continue
		}
		byKey[t.key] = i
		if t.suffix[0] {
			loose = append(loose, i)
		} else if t.prefix[0] {
			byStem[t.words[0]] = append(byStem[t.words[0]], i)
		} else {
			byWord[t.words[0]] = append(byWord[t.words[0]], i)
		}
		distinct = append(distinct, i)
	}
	for _, i := range distinct {
		t := ts[i]
		best := -1
		try := func(cands []int, off int) {
			for _, j := range cands {
				if l.budget <= 0 || best >= 0 && j >= best {
					return
				}
				l.budget--
				if ts[j].coversAt(t, off) {
					best = j
				}
			}
		}
		for off, w := range t.words {
			if !t.prefix[off] {
				try(byWord[w], off)
			}
			for k := range w {
				if k > 0 {
					try(byStem[w[:k]], off)
				}
			}
			try(byStem[w], off)
			try(loose, off)
		}
		if best >= 0 {
			l.warn(Warning{Pos: t.def.Pos, Code: WarnCoveredTerm, List: ld.Name,
				Msg: fmt.Sprintf("%q is already matched by %q (%s), so it adds nothing; remove %q", t.def.Text, ts[best].def.Text, at(ts[best].def.Pos, t.def.Pos), t.def.Text)})
		}
	}
}
