package urgency

import "github.com/triagekit/triage/urgency/internal/packfile"

// Position is a place in a rule file. Line and Column are 1-based; Column
// counts characters (runes), not bytes. A Position with Line 0 names the
// whole file. String formats it as file:line:col, the form editors and
// terminals link.
type Position = packfile.Position

// Error is one problem found while loading a rule pack, or one rule failing
// on one ticket at run time. Rule names the rule concerned, if any. Error
// returns the problem on one line (file:line:col: rule "name": message),
// Unwrap the underlying error, and Caret the source line the error points
// into with a caret under the column, or "" when the line is not known:
//
//	when: mentions(text, "paymnt")
//	                     ^
type Error = packfile.Error

// ErrorList is a list of errors, sorted by position by its Sort method.
// Load returns every problem it finds as an ErrorList. Its Error reports
// the first error and how many more there are; print the list element by
// element to see all of them. Err returns the list as an error, or nil
// when it is empty.
type ErrorList = packfile.ErrorList

// exprSource is an expression as written in a rule file, able to map an
// offset inside the expression back to the file.
type exprSource = packfile.Expr

// whole is a part of a message made of values already clipped and of
// positions, which messages leave whole.
type whole = packfile.Whole

// clipValue returns s, or its first characters and "…" when s is longer
// than a message quotes.
func clipValue(s string) string { return packfile.ClipValue(s) }

// clipMessage shortens the quoted strings and the long words of a message
// another library wrote (expr's), which may quote the expression.
func clipMessage(msg string) string { return packfile.ClipMessage(msg) }

// suggest returns ` (did you mean "x"?)` for the candidate closest to s
// within a small edit distance, or "".
func suggest(s string, candidates []string) string { return packfile.Suggest(s, candidates) }
