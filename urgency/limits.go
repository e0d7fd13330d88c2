package urgency

import (
	"unicode/utf8"

	"github.com/triagekit/triage/urgency/internal/packfile"
)

// Limits. Rule files are edited by hand and tickets come from anyone: the
// engine bounds what either may cost. A pack over a limit fails to load
// with a positioned error; a ticket over a limit is still assessed.
const (
	// MaxFileSize is the largest rule file Load reads.
	MaxFileSize = packfile.MaxFileSize
	// MaxRules is the most rules a pack may have, over all its files.
	MaxRules = packfile.MaxRules
	// MaxTerms is the most list terms a pack may have, over all lists.
	MaxTerms = packfile.MaxTerms
	// MaxExprNodes bounds the size of one expression after macros are
	// expanded (expr's node budget).
	MaxExprNodes = 5000
	// MaxTextBytes is how much of a ticket's subject and of its body the
	// rules read. Text beyond it is neither matched nor seen by
	// expressions; the assessment says so (Assessment.Truncated).
	MaxTextBytes = 256 << 10
	// MaxLineSize is the longest ticket line a [TicketReader] accepts,
	// its line ending not counted: 32 MiB, room for a 10 MB e-mail with a
	// pasted log even where JSON escaping doubles its size. The rules
	// read MaxTextBytes of its subject and body. A longer line is read to
	// its end without being kept, reported as a *[LineError], and reading
	// goes on with the next line.
	MaxLineSize = 32 << 20
	// MinYear and MaxYear bound, in UTC, the times a ticket line may hold
	// (created_at, customer.since, first_reply_at, history[].at): a time
	// outside them is a *[LineError] naming the field. Within them every
	// deadline and every time the command line writes is a valid RFC 3339
	// time.
	MinYear = 1900
	MaxYear = 2199
	// MaxRuleCost is the budget of one rule's expressions on one ticket,
	// in cost units: an iteration of a predicate costs the size of its
	// body in nodes, reading or building text a unit per 8 bytes, a list
	// or map a unit per element. A rule over it fails for that ticket.
	MaxRuleCost = 1_000_000
	// MaxTicketCost is the budget of all the rules of a pack on one
	// ticket: rules that are still to run when it is spent fail as soon as
	// they charge anything.
	MaxTicketCost = 10 * MaxRuleCost
	// MaxHistory is the most status changes a ticket's history may hold.
	MaxHistory = 1000
	// MaxStatusBytes is the longest status name a ticket may carry.
	MaxStatusBytes = packfile.MaxStatusBytes
	// MaxIDBytes is the longest ticket ID or customer ID a [TicketReader]
	// reads. Every output line of a ticket names its cluster by its first
	// ticket's ID, and tickets of one time are ordered by ID: an ID of
	// megabytes would be copied into every line of its cluster and
	// compared at length.
	MaxIDBytes = 1024
)

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
