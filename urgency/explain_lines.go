package urgency

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// missing says what of a rule's need the ticket lacks, one line per part.
func (n *need) missing(e *Env, lists []string) []string {
	switch n.op {
	case '&':
		var out []string
		for _, k := range n.kids {
			if !k.holds(e) {
				out = append(out, k.missing(e, lists)...)
			}
		}
		return out
	case '|':
		var parts []string
		mentions := true
		for _, k := range n.alternatives() {
			parts = append(parts, k.describe(lists))
			mentions = mentions && k.op == 'l'
		}
		if mentions {
			return []string{"needs one of " + strings.Join(parts, ", ") + ": none mentioned"}
		}
		return []string{"needs one of " + strings.Join(parts, ", ") + ": none holds"}
	case 'l':
		return []string{"needs " + n.describe(lists) + ": not mentioned"}
	case 'b':
		return []string{"needs " + n.describe(lists) + ": it is false"}
	}
	return []string{"needs " + n.describe(lists) + ": it is " + showValue(e.stringFact(n.fact))}
}

// describe writes what a need asks for, the way rules say it.
func (n *need) describe(lists []string) string {
	switch n.op {
	case 'l':
		s := fmt.Sprintf("%q", lists[n.list])
		if n.field != fieldText {
			s += " in " + fieldNames[n.field]
		}
		return s
	case 'b':
		return factNames[n.fact]
	case 's':
		vals := make([]string, 0, len(n.values))
		for v := range n.values {
			vals = append(vals, fmt.Sprintf("%q", v))
		}
		slices.Sort(vals)
		if len(vals) == 1 {
			return factNames[n.fact] + " " + vals[0]
		}
		return factNames[n.fact] + " one of " + strings.Join(vals, ", ")
	}
	sep, kids := " and ", n.kids
	if n.op == '|' {
		sep, kids = " or ", n.alternatives()
	}
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = k.describe(lists)
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// alternatives returns the kids of a '|' need with nested '|' flattened:
// a || (b || c) needs one of a, b and c.
func (n *need) alternatives() []*need {
	var out []*need
	for _, k := range n.kids {
		if k.op == '|' {
			out = append(out, k.alternatives()...)
		} else {
			out = append(out, k)
		}
	}
	return out
}

var factNames = map[fact]string{
	factFlagged: "flagged", factDuplicate: "duplicate", factCustomerNew: "customer.new",
	factChannel: "channel", factLanguage: "language", factTier: "customer.tier", factCustomerID: "customer.id",
	factPaused: "paused", factReplied: "replied", factStatus: "status", factTarget: "target",
}

// String returns the explanation as text, see [Explanation.Lines].
func (x Explanation) String() string { return strings.Join(x.Lines(), "\n") + "\n" }

// Lines explains the ticket for people: its verdict and how the level,
// due time and queue were reached, then every rule in pack order, with the
// parts of its condition that decided it:
//
//	matched      payment-failure  +60
//	    payment_problem is true
//	      mentions(text, "payment") is true
//	      ...
//	not matched  vip
//	    customer.tier == "premium" is false (customer.tier is "standard")
//	skipped      double-charge: needs "double_charge": not mentioned
func (x Explanation) Lines() []string {
	a := &x.Assessment
	out := []string{fmt.Sprintf("ticket %s %q: %s, score %g, queue %s", a.Ticket.ID, shorten(a.Ticket.Subject, 60), a.Level, round2(a.Score), dashed(a.Queue))}
	// Why starts with the hits, one line each ("no rule matched" for
	// none), and ends with the errors: the rules below show both.
	why := a.Why()
	skip := max(len(a.Hits), 1)
	out = append(out, why[skip:len(why)-len(a.Errors)]...)
	if x.QueueRule != "" {
		out = append(out, fmt.Sprintf("queue %s: from %s, the highest-scoring matching rule with a queue", a.Queue, x.QueueRule))
	}
	if len(a.Tags) > 0 {
		out = append(out, "tags: "+strings.Join(a.Tags, ", "))
	}
	if c := a.Cluster; c.Size > 1 {
		out = append(out, fmt.Sprintf("cluster %s: %d tickets from %d %s", c.ID, c.Size, c.Customers, pluralWord(c.Customers, "customer", "customers")))
	}
	if a.Duplicate {
		out = append(out, "duplicate: an earlier ticket of the same customer is in the same cluster")
	}
	out = append(out, "rules, in pack order:")
	width := 0
	for _, r := range x.Rules {
		width = max(width, utf8.RuneCountInString(r.Rule))
	}
	for _, r := range x.Rules {
		head := fmt.Sprintf("  %-11s  %-*s", r.Status, width, r.Rule)
		switch r.Status {
		case RuleMatched:
			head += fmt.Sprintf("  %+g", round2(r.Points))
			if r.Score != "" {
				head += " (score: " + shorten(r.Score, 100) + ")"
			}
		case RuleSkipped:
			head += "  " + strings.Join(r.Missing, "; ")
		case RuleFailed:
			head += "  error: " + r.Err.Error()
		}
		out = append(out, strings.TrimRight(head, " "))
		switch {
		case r.When == nil:
		case r.When.Op == "and" || r.When.Op == "or":
			// The status says what the whole gave: its parts say why.
			out = r.When.parts(out, "      ")
		default:
			out = r.When.lines(out, "      ")
		}
	}
	return out
}

// lines appends t and the parts of it that decided its value.
func (t *Term) lines(out []string, indent string) []string {
	return t.parts(append(out, indent+t.line()), indent+"  ")
}

// parts appends the parts of t, opening those that decided its value.
func (t *Term) parts(out []string, indent string) []string {
	kids := t.Terms
	switch {
	case t.Op == "macro" && (kids[0].Op == "and" || kids[0].Op == "or"):
		// The macro's own parts, without its whole text again.
		return kids[0].parts(out, indent)
	case t.Op == "not" && kids[0].Op == "":
		return out // not x: x needs no line of its own
	case t.Op != "and" && t.Op != "or":
		for i := range kids {
			out = kids[i].lines(out, indent)
		}
		return out
	}
	// The parts that decided the value are opened; the others are
	// listed, except the false ones beside a true part of a long ||,
	// which say nothing about the ticket.
	decisive := t.Op == "or"
	quiet := 0
	if t.Value == true && t.Op == "or" {
		for i := range kids {
			if kids[i].Value == false {
				quiet++
			}
		}
		if quiet <= maxQuietParts {
			quiet = 0
		}
	}
	for i := range kids {
		k := &kids[i]
		b, ok := k.Value.(bool)
		switch {
		case t.Value != decisive || !ok || b == decisive:
			out = k.lines(out, indent)
		case quiet == 0:
			out = append(out, indent+k.line())
		}
	}
	if quiet > 0 {
		out = append(out, fmt.Sprintf("%s(%d other parts are false)", indent, quiet))
	}
	return out
}

// maxQuietParts is how many false parts of a true || are listed.
const maxQuietParts = 3

// line is one part with its value: `customer.new is false`.
func (t *Term) line() string {
	s := shorten(t.Text, 100)
	if t.Err != "" {
		return s + " could not be told: " + t.Err
	}
	if t.Value == nil {
		return s + " could not be told"
	}
	s += " is " + showValue(t.Value)
	if t.Detail != "" {
		s += " (" + t.Detail + ")"
	}
	return s
}

// shorten puts text on one line of at most n characters.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
