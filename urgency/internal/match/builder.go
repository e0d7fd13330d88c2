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
	// last letter or digit of a word.
	ErrStarPosition = errors.New(`"*" is only allowed at the end of a word`)
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

// term is a parsed term: its folded words, which of them are prefixes, the
// spelling it was added with and a canonical key ("nie dzial*").
type term struct {
	raw    string
	words  []string
	prefix []bool
	key    string
}

// Add adds term to the named list, creating the list on first use. A term
// is one or more words, folded like text (see [Fold]); several words match
// as a phrase of consecutive words, and "*" at the end of a word makes that
// word match as a prefix. Terms that fold to the same words with the same
// "*" are the same term: adding one again is not an error and changes
// nothing, and [Matcher.Terms] keeps the first spelling. Add returns an
// error wrapping [ErrEmptyList], [ErrEmptyTerm], [ErrBareStar] or
// [ErrStarPosition] and changes nothing when the list name or term is bad.
func (b *Builder) Add(list, raw string) error {
	if list == "" {
		return ErrEmptyList
	}
	t, err := parseTerm(raw)
	if err != nil {
		return fmt.Errorf("term %q: %w", raw, err)
	}
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
	if l.seen[t.key] {
		return nil
	}
	l.seen[t.key] = true
	l.terms = append(l.terms, t)
	return nil
}

// parseTerm folds raw into words and finds the words that end with "*".
// Fold treats "*" as a separator and works rune by rune, so the words of
// raw[:i] are the first words of raw whenever raw[i] is "*".
func parseTerm(raw string) (term, error) {
	folded := Fold(raw)
	if folded == "" {
		if strings.Contains(raw, "*") {
			return term{}, ErrBareStar
		}
		return term{}, ErrEmptyTerm
	}
	t := term{raw: raw, words: strings.Split(folded, " ")}
	t.prefix = make([]bool, len(t.words))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '*' {
			continue
		}
		before := Fold(raw[:i])
		// The star must be glued to a word: appending a letter would
		// extend that word. It must also end the word.
		if before == "" || Fold(raw[:i]+"x") != before+"x" {
			return term{}, ErrStarPosition
		}
		if after := Fold("x" + raw[i+1:]); after != "x" && !strings.HasPrefix(after, "x ") {
			return term{}, ErrStarPosition
		}
		t.prefix[strings.Count(before, " ")] = true
	}
	var key strings.Builder
	for i, w := range t.words {
		if i > 0 {
			key.WriteByte(' ')
		}
		key.WriteString(w)
		if t.prefix[i] {
			key.WriteByte('*')
		}
	}
	t.key = key.String()
	return t, nil
}
