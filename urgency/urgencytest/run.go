package urgencytest

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triagekit/triage/internal/termsafe"
	"github.com/triagekit/triage/urgency"
)

// Result is the outcome of running one suite.
type Result struct {
	Suite *Suite
	// Cases holds one outcome per case in file order, then the order
	// check, then any rule that failed at run time on a ticket.
	Cases []Outcome
	// Exercised counts, per rule, the tested tickets it matched; a tested
	// ticket is one named by a case or an order check.
	Exercised map[string]int
	// Ranked is the queue's ranking of every ticket at Suite.Now.
	Ranked []urgency.Assessment
}

// Outcome is the result of one check.
type Outcome struct {
	Pos   urgency.Position // where the check is written
	Title string           // the case's title, "order", or the failing rule
	// Problems are what differed from the expectation, one line each,
	// "expected X, got Y"; empty when the check passed.
	Problems []string
	// Assessment is the ticket's assessment; zero for the order check.
	Assessment urgency.Assessment
	// Rank is the ticket's position in the ranking, 1-based; 0 for the
	// order check.
	Rank int
}

// Passed reports whether the check passed.
func (o Outcome) Passed() bool { return len(o.Problems) == 0 }

// Failed returns the number of checks that failed.
func (r *Result) Failed() int {
	n := 0
	for _, o := range r.Cases {
		if !o.Passed() {
			n++
		}
	}
	return n
}

// Run ranks the suite's tickets together ([urgency.Engine.Rank], with
// their clusters) at Suite.Now and checks every expectation.
func (s *Suite) Run() *Result {
	res := &Result{Suite: s, Ranked: s.Engine.Rank(s.Tickets, s.Now), Exercised: make(map[string]int)}
	rank := make(map[string]int, len(res.Ranked))
	for i, a := range res.Ranked {
		rank[a.Ticket.ID] = i
	}
	tested := make(map[string]bool)
	for i := range s.Cases {
		c := &s.Cases[i]
		a := res.Ranked[rank[c.ID]]
		res.Cases = append(res.Cases, Outcome{
			Pos: c.Pos, Title: c.Title(), Problems: c.check(a), Assessment: a, Rank: rank[c.ID] + 1,
		})
		tested[c.ID] = true
	}
	if o := s.Order; o != nil {
		out := Outcome{Pos: o.Pos, Title: "order"}
		if o.Prefix {
			out.Title = "order_starts_with"
		}
		got := make([]string, 0, len(o.IDs))
		for _, a := range res.Ranked[:min(len(o.IDs), len(res.Ranked))] {
			got = append(got, a.Ticket.ID)
		}
		if !slices.Equal(got, o.IDs) {
			out.Problems = append(out.Problems, orderProblem(o.IDs, got, res.Ranked))
		}
		res.Cases = append(res.Cases, out)
		for _, id := range o.IDs {
			tested[id] = true
		}
	}
	for i, a := range res.Ranked {
		if tested[a.Ticket.ID] {
			for _, h := range a.Hits {
				res.Exercised[h.Rule]++
			}
		}
		for _, err := range a.Errors {
			res.Cases = append(res.Cases, Outcome{
				Pos:        err.Pos,
				Title:      fmt.Sprintf("rule %s on %s", err.Rule, termsafe.String(a.Ticket.ID)),
				Problems:   []string{fmt.Sprintf("rule %q failed at run time on ticket %s: %v", err.Rule, termsafe.String(a.Ticket.ID), err.Err)},
				Assessment: a, Rank: i + 1,
			})
		}
	}
	return res
}

// check compares one assessment with the case's expectations.
func (c *Case) check(a urgency.Assessment) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if c.Level != nil && a.Level != *c.Level {
		fail("level: expected %s, got %s", *c.Level, a.Level)
	}
	if c.Score != nil && !c.Score.contains(a.Score) {
		fail("score: expected %s, got %s", c.Score, num(a.Score))
	}
	got := a.Rules()
	for _, r := range c.Rules {
		if !slices.Contains(got, r) {
			fail("rules: expected %s to match, it did not", r)
		}
	}
	for _, r := range c.NotRules {
		if slices.Contains(got, r) {
			fail("not_rules: expected %s not to match, it did", r)
		}
	}
	if c.Queue != nil && a.Queue != *c.Queue {
		fail("queue: expected %s, got %s", orNone(*c.Queue), orNone(a.Queue))
	}
	for _, tag := range c.Tags {
		if !slices.Contains(a.Tags, tag) {
			fail("tags: expected %s, tags are [%s]", tag, strings.Join(a.Tags, ", "))
		}
	}
	for _, tag := range c.NotTags {
		if slices.Contains(a.Tags, tag) {
			fail("not_tags: expected no %s, tags are [%s]", tag, strings.Join(a.Tags, ", "))
		}
	}
	if c.Due != nil && !a.Due.Equal(*c.Due) {
		fail("due: expected %s, got %s", c.Due.Format(time.RFC3339), a.Due.In(c.Due.Location()).Format(time.RFC3339))
	}
	if c.Size != nil && a.Cluster.Size != *c.Size {
		fail("cluster size: expected %d, got %d", *c.Size, a.Cluster.Size)
	}
	if c.Customers != nil && a.Cluster.Customers != *c.Customers {
		fail("cluster customers: expected %d, got %d", *c.Customers, a.Cluster.Customers)
	}
	if c.Duplicate != nil && a.Duplicate != *c.Duplicate {
		fail("duplicate: expected %t, got %t", *c.Duplicate, a.Duplicate)
	}
	if c.Target != nil && a.Target != *c.Target {
		fail("target: expected %s, got %s", *c.Target, a.Target)
	}
	if c.Paused != nil && a.Paused != *c.Paused {
		fail("paused: expected %t, got %t", *c.Paused, a.Paused)
	}
	if c.Breached != nil && a.Breached != *c.Breached {
		fail("breached: expected %s, got %s", cmp.Or(*c.Breached, "none"), cmp.Or(a.Breached, "none"))
	}
	return out
}

// String gives the range as written: "60", "at least 40", "40 to 80".
func (r Range) String() string {
	switch {
	case r.Min != nil && r.Max != nil && *r.Min == *r.Max:
		return num(*r.Min)
	case r.Min != nil && r.Max != nil:
		return num(*r.Min) + " to " + num(*r.Max)
	case r.Min != nil:
		return "at least " + num(*r.Min)
	}
	return "at most " + num(*r.Max)
}

func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

func orNone(q string) string {
	if q == "" {
		return "no queue"
	}
	return q
}

// orderProblem says where the ranking first differs from the expected one.
func orderProblem(want, got []string, ranked []urgency.Assessment) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	var b strings.Builder
	ids := func(l []string) string {
		out := make([]string, len(l))
		for i, id := range l {
			out[i] = termsafe.String(id)
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(&b, "expected [%s]\n  got      [%s]", ids(want), ids(got))
	if i < len(want) && i < len(got) {
		fmt.Fprintf(&b, "\n  first difference at position %d: expected %s, got %s", i+1, termsafe.String(want[i]), termsafe.String(got[i]))
		for _, a := range ranked {
			if a.Ticket.ID == want[i] || a.Ticket.ID == got[i] {
				fmt.Fprintf(&b, "\n    %s: %s", termsafe.String(a.Ticket.ID), sortKey(a))
			}
		}
	}
	return b.String()
}

// sortKey shows what the default order compares: level, due, score.
func sortKey(a urgency.Assessment) string {
	due := "none"
	if !a.Due.IsZero() {
		due = a.Due.UTC().Format(time.RFC3339)
	}
	if a.Paused {
		due += " (paused)"
	}
	return fmt.Sprintf("level %s, due %s, score %s", a.Level, due, num(a.Score))
}

// Report writes the result for a reader: each failed check with the
// ticket, what was expected, what came out and the hits that explain it,
// then a summary line. Tickets may come from real ones (tickets_from): the
// characters of their text that would act on a terminal are written as
// escapes (\u001b).
func (r *Result) Report(w io.Writer) { r.report(w, false) }

// ReportAll writes what [Result.Report] writes and a line for each check
// that passed, in file order.
func (r *Result) ReportAll(w io.Writer) { r.report(w, true) }

func (r *Result) report(w io.Writer, verbose bool) {
	sw := termsafe.NewWriter(w)
	defer sw.Flush()
	w = sw
	for _, o := range r.Cases {
		if o.Passed() {
			if verbose {
				fmt.Fprintf(w, "ok    %s: %s\n", o.Pos, o.Title)
			}
			continue
		}
		fmt.Fprintf(w, "FAIL  %s: %s\n", o.Pos, o.Title)
		for _, p := range o.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		if a := o.Assessment; a.Ticket.ID != "" {
			t := a.Ticket
			fmt.Fprintf(w, "  ticket %s (rank %d): %q", termsafe.String(t.ID), o.Rank, clip(t.Subject, 60))
			var about []string
			for _, s := range []string{t.Language, t.Channel, t.Customer.Tier} {
				if s != "" {
					about = append(about, termsafe.String(s))
				}
			}
			if len(about) > 0 {
				fmt.Fprintf(w, " [%s]", strings.Join(about, ", "))
			}
			fmt.Fprintln(w)
			fmt.Fprintf(w, "  came out: level %s, score %s, queue %s, tags [%s]", a.Level, num(a.Score), orNone(a.Queue), strings.Join(a.Tags, ", "))
			if a.Cluster.Size > 1 {
				fmt.Fprintf(w, ", cluster of %d from %d customers", a.Cluster.Size, a.Cluster.Customers)
			}
			fmt.Fprintln(w)
			for _, line := range a.Why() {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	passed := len(r.Cases) - r.Failed()
	status := "ok  "
	if r.Failed() > 0 {
		status = "FAIL"
	}
	fmt.Fprintf(w, "%s  %s: %d of %d checks passed (%d tickets, pack %s)\n",
		status, r.Suite.File, passed, len(r.Cases), len(r.Suite.Tickets), r.Suite.Engine.Version())
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
