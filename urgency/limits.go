package urgency

import "unicode/utf8"

// Limits. Rule files are edited by hand and tickets come from anyone: the
// engine bounds what either may cost. A pack over a limit fails to load
// with a positioned error; a ticket over a limit is still assessed.
const (
	// MaxFileSize is the largest rule file Load reads.
	MaxFileSize = 4 << 20
	// MaxRules is the most rules a pack may have, over all its files.
	MaxRules = 5000
	// MaxTerms is the most list terms a pack may have, over all lists.
	MaxTerms = 200_000
	// MaxExprNodes bounds the size of one expression after macros are
	// expanded (expr's node budget).
	MaxExprNodes = 5000
	// MaxTextBytes is how much of a ticket's subject and of its body the
	// rules read. Text beyond it is neither matched nor seen by
	// expressions; the assessment says so (Assessment.Truncated).
	MaxTextBytes = 256 << 10
	// MaxLineSize is the longest ticket line a [TicketReader] accepts.
	MaxLineSize = 4 << 20
	// MaxHistory is the most status changes a ticket's history may hold.
	MaxHistory = 1000
	// MaxStatusBytes is the longest status name a ticket may carry.
	MaxStatusBytes = 64
)

// maxAliasNodes bounds the nodes visited through YAML aliases, so that a
// file of nested aliases ("billion laughs") cannot expand exponentially.
const maxAliasNodes = 100000

// clip cuts s to at most n bytes on a character boundary and reports
// whether it cut.
func clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
