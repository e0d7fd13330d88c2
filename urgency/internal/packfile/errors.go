package packfile

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Position is a place in a rule file. Line and Column are 1-based; Column
// counts characters (runes), not bytes. A Position with Line 0 names the
// whole file.
type Position struct {
	File   string
	Line   int
	Column int
}

// String formats p as file:line:col, the form editors and terminals link.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// ComparePositions orders positions by file, line and column.
func ComparePositions(a, b Position) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
	)
}

// Error is one problem found while loading a rule pack, or one rule failing
// on one ticket at run time. Rule names the rule concerned, if any.
type Error struct {
	Pos  Position
	Rule string
	Err  error

	// line is the source line Pos points into, kept for [Error.Caret].
	line string
}

// NewError returns the Error at pos, of rule (if any), whose Caret shows
// line, the source line pos points into.
func NewError(pos Position, rule string, err error, line string) *Error {
	return &Error{Pos: pos, Rule: rule, Err: err, line: line}
}

// Error returns the problem on one line: file:line:col: rule "name": message.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.File != "" {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", ClipValue(e.Rule))
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Caret returns the source line the error points into with a caret under
// the column, or "" when the line is not known:
//
//	when: mentions(text, "paymnt")
//	                     ^
//
// A line longer than CaretWidth characters is shown as an excerpt around
// the column, its cut ends marked "…".
func (e *Error) Caret() string {
	if e.line == "" || e.Pos.Column == 0 {
		return ""
	}
	line, col := e.line, e.Pos.Column
	if utf8.RuneCountInString(line) > CaretWidth {
		r := []rune(line)
		from := max(0, min(col-1-CaretWidth/2, len(r)-CaretWidth))
		to := min(len(r), from+CaretWidth)
		line = string(r[from:to])
		col -= from
		if from > 0 {
			line, col = "…"+line, col+1
		}
		if to < len(r) {
			line += "…"
		}
	}
	var pad strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		i++
	}
	return line + "\n" + pad.String() + "^"
}

// Error messages quote values of a rule file as short excerpts: a file
// may hold a value of megabytes, and a message is read by people (and
// logged).
const (
	excerptRunes = 60  // the most of a value a message quotes
	CaretWidth   = 100 // the most of a line Caret shows
)

// ClipValue returns s, or its first excerptRunes characters and "…".
func ClipValue(s string) string {
	if len(s) <= excerptRunes {
		return s
	}
	i, n := 0, 0
	for i < len(s) && n < excerptRunes {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	if i == len(s) {
		return s
	}
	return s[:i] + "…"
}

// Whole is a part of a message made of values already clipped and of
// positions, which clipArgs leaves whole.
type Whole string

// clipArgs clips the text arguments of a message (see ClipValue).
func clipArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = ClipValue(s)
		}
		out[i] = a
	}
	return out
}

// longQuoted and longWord are the runs of a message clipMessage shortens.
var (
	longQuoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	longWord   = regexp.MustCompile(`[^\s"]{` + fmt.Sprint(excerptRunes+1) + `,}`)
)

// ClipMessage shortens the quoted strings and the long words of a message
// another library wrote (expr's), which may quote the expression.
func ClipMessage(msg string) string {
	if len(msg) <= excerptRunes {
		return msg
	}
	msg = longQuoted.ReplaceAllStringFunc(msg, func(q string) string {
		if inner := q[1 : len(q)-1]; ClipValue(inner) != inner {
			return `"` + ClipValue(inner) + `"`
		}
		return q
	})
	return longWord.ReplaceAllStringFunc(msg, ClipValue)
}

// ErrorList is a list of errors, sorted by position by [ErrorList.Sort].
// Load returns every problem it finds as an ErrorList.
type ErrorList []*Error

// Error reports the first error and how many more there are; print the
// list element by element to see all of them.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	case 2:
		return l[0].Error() + " (and 1 more error)"
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Sort sorts l by position, then rule and message, and drops exact
// duplicates.
func (l *ErrorList) Sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(
			ComparePositions(a.Pos, b.Pos),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Err.Error(), b.Err.Error()),
		)
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.Rule == b.Rule && a.Err.Error() == b.Err.Error()
	})
}

// Suggest returns ` (did you mean "x"?)` for the candidate closest to s
// within a small edit distance, or "". Test files and rule files are
// offered the same suggestions.
func Suggest(s string, candidates []string) string {
	best, bestD := "", 0
	n := utf8.RuneCountInString(s)
	if n > excerptRunes {
		return "" // no name is that long by mistake
	}
	limit := 1
	if n > 6 {
		limit = 3
	} else if n > 3 {
		limit = 2
	}
	for _, c := range candidates {
		m := utf8.RuneCountInString(c)
		if m > n+limit || m < n-limit {
			continue // farther than limit: the distance is at least the difference
		}
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d >= max(n, m) {
			continue // nothing in common: "X" is no misspelling of "B"
		}
		if d <= limit && (best == "" || d < bestD || d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" || best == s {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", ClipValue(best))
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one, so the
// common typo "scroe" is one step from "score".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
