package match

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by [Builder.Add], wrapped with the offending term; test
// for them with errors.Is.
var (
	// ErrEmptyList is returned for an empty list name.
	ErrEmptyList = errors.New("empty list name")
	// ErrEmptyTerm is returned for a term without letters or digits.
	ErrEmptyTerm = errors.New("term has no letters or digits")
	// ErrBareStar is returned for a term made only of "*" and separators.
	ErrBareStar = errors.New(`a bare "*" is not a term`)
	// ErrStarPosition is returned when "*" does not directly follow the
	// last letter or digit of a word or directly precede the first one.
	ErrStarPosition = errors.New(`"*" is only allowed at the start or the end of a word`)
)

// A Builder collects terms into named lists and builds a [Matcher]. The
// zero value is an empty Builder ready to use. A Builder is not safe for
// concurrent use; it may keep being used after Build.
type Builder struct {
	lists []builderList
	index map[string]int
}

type builderList struct {
	name  string
	terms []term
	seen  map[string]bool
}

// term is a parsed term and the spelling it was added with.
type term struct {
	Term
	raw string
}

// A Term is a term as the matcher sees it.
type Term struct {
	// Words are the folded words.
	Words []string
	// Prefix[i] is true when Words[i] ends with "*": the word may go on
	// ("charg*" matches "charging").
	Prefix []bool
	// Suffix[i] is true when Words[i] starts with "*": the word may begin
	// earlier ("*ausfall" matches "Serverausfall"). With both, the word
	// matches anywhere inside a longer one ("*ausfall*" matches
	// "Ausfallzeiten" and "Stromausfalls").
	Suffix []bool
	// Key is the canonical form: the words with their stars, one space
	// apart ("nie dzial*", "*ausfall*"). Two spellings are the same term
	// when their keys are equal.
	Key string
}

// Add adds term to the named list, creating the list on first use. A term
// is one or more words, folded like text (see [Fold]); several words match
// as a phrase of consecutive words, and "*" at the end of a word makes that
// word match as a prefix; "*" at the start of a word makes it match the end
// of a longer word, and "*" at both ends anywhere inside one. Terms that fold to the same words with the same
// "*" are the same term: adding one again is not an error and changes
// nothing, and [Matcher.Terms] keeps the first spelling. Add returns an
// error wrapping [ErrEmptyList], [ErrEmptyTerm], [ErrBareStar] or
// [ErrStarPosition] and changes nothing when the list name or term is bad.
func (b *Builder) Add(list, raw string) error {
	if list == "" {
		return ErrEmptyList
	}
	pt, err := ParseTerm(raw)
	if err != nil {
		return fmt.Errorf("term %q: %w", raw, err)
	}
	t := term{Term: pt, raw: raw}
	if b.index == nil {
		b.index = make(map[string]int)
	}
	li, ok := b.index[list]
	if !ok {
		li = len(b.lists)
		b.index[list] = li
		b.lists = append(b.lists, builderList{name: list, seen: make(map[string]bool)})
	}
	l := &b.lists[li]
	if l.seen[t.Key] {
		return nil
	}
	l.seen[t.Key] = true
	l.terms = append(l.terms, t)
	return nil
}

// ParseTerm folds raw into words and finds the words that start or end
// with "*", as [Builder.Add] does. Fold treats "*" as a separator and works
// rune by rune, so the words of raw[:i] are the first words of raw whenever
// raw[i] is "*".
func ParseTerm(raw string) (Term, error) {
	folded := Fold(raw)
	if folded == "" {
		if strings.Contains(raw, "*") {
			return Term{}, ErrBareStar
		}
		return Term{}, ErrEmptyTerm
	}
	t := Term{Words: strings.Split(folded, " ")}
	t.Prefix = make([]bool, len(t.Words))
	t.Suffix = make([]bool, len(t.Words))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '*' {
			continue
		}
		before := Fold(raw[:i])
		// A star glued to the word before it (appending a letter would
		// extend that word) must end the word: nothing glued after it.
		if before != "" && Fold(raw[:i]+"x") == before+"x" {
			if after := Fold("x" + raw[i+1:]); after != "x" && !strings.HasPrefix(after, "x ") {
				return Term{}, ErrStarPosition
			}
			t.Prefix[strings.Count(before, " ")] = true
			continue
		}
		// Otherwise it must be glued to the word after it: prepending a
		// letter extends that word.
		after := Fold(raw[i+1:])
		if after == "" || Fold("x"+raw[i+1:]) != "x"+after {
			return Term{}, ErrStarPosition
		}
		n := 0
		if before != "" {
			n = strings.Count(before, " ") + 1
		}
		t.Suffix[n] = true
	}
	var key strings.Builder
	for i, w := range t.Words {
		if i > 0 {
			key.WriteByte(' ')
		}
		if t.Suffix[i] {
			key.WriteByte('*')
		}
		key.WriteString(w)
		if t.Prefix[i] {
			key.WriteByte('*')
		}
	}
	t.Key = key.String()
	return t, nil
}

// SameTerm reports whether two spellings are one term to the matcher: the
// same [Term.Key], that is the same words after folding with "*" in the
// same places. The matcher keeps one of them ([Builder.Add]); lint calls
// the second a duplicate and overrides remove one by the other, all by
// this key. A spelling that is no term is the same only as itself.
func SameTerm(a, b string) bool {
	if a == b {
		return true
	}
	ta, errA := ParseTerm(a)
	tb, errB := ParseTerm(b)
	return errA == nil && errB == nil && ta.Key == tb.Key
}
