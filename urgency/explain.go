package urgency

import (
	"math"
	"time"
)

// Explanation tells why a ticket is where it is: the engine's assessment
// and what every rule of the pack, in pack order, made of the ticket.
type Explanation struct {
	Assessment Assessment
	// Rules has one trace per rule of the pack, in pack order, whether it
	// matched or not.
	Rules []RuleTrace
	// QueueRule is the matching rule whose queue the ticket takes: the
	// highest-scoring one that has a queue, the first in pack order on
	// ties; "" when no matching rule has a queue.
	QueueRule string
}

// RuleStatus is what a rule made of one ticket.
type RuleStatus string

// The statuses of a rule in an [Explanation].
const (
	// RuleMatched: the rule's when was true; its points count.
	RuleMatched RuleStatus = "matched"
	// RuleNotMatched: the rule's when was false.
	RuleNotMatched RuleStatus = "not matched"
	// RuleSkipped: something the rule needs (a list mentioned, a flag, a
	// language...) is absent, so the engine did not run it; see
	// [RuleTrace.Missing].
	RuleSkipped RuleStatus = "skipped"
	// RuleDisabled: the rule has enabled: false.
	RuleDisabled RuleStatus = "disabled"
	// RuleFailed: the rule failed on this ticket at run time and was left
	// out; see [RuleTrace.Err].
	RuleFailed RuleStatus = "failed"
)

// RuleTrace is what one rule made of one ticket.
type RuleTrace struct {
	Rule   string     `json:"rule"`
	Status RuleStatus `json:"status"`
	// Points are the points the rule gave; 0 unless it matched.
	Points float64 `json:"points"`
	// Score is the rule's score expression as written, "" for constant
	// points.
	Score string `json:"score,omitempty"`
	// Missing says, for a skipped rule, what it needs that the ticket
	// lacks, e.g. `needs "payment": not mentioned`.
	Missing []string `json:"missing,omitempty"`
	// Err is the run-time error of a failed rule.
	Err *Error `json:"-"`
	// When is the rule's condition taken apart, each part with its value
	// for this ticket; nil for disabled and skipped rules.
	When *Term `json:"when,omitempty"`
}

// Term is a part of a rule's condition with its value for one ticket.
// Conditions are taken apart at &&, ||, not and parentheses, and at the
// names of macros; the rest (a comparison, a call of mentions...) is a
// simple term.
type Term struct {
	// Text is the part as written in the rule file, or the macro's name.
	Text string `json:"text"`
	// Op is "and", "or" or "not" for a part made of Terms, "macro" when
	// Text names a macro (Terms then holds the macro's condition), and ""
	// for a simple term.
	Op string `json:"op,omitempty"`
	// Value is the part's value for the ticket, usually true or false; nil
	// when it could not be told.
	Value any `json:"value"`
	// Detail shows, for a simple comparison, the value of its left side,
	// e.g. `customer.tier is "standard"`.
	Detail string `json:"detail,omitempty"`
	// Err tells why the part could not be evaluated.
	Err   string `json:"error,omitempty"`
	Terms []Term `json:"terms,omitempty"`
}

// Matched tells whether the rule matched.
func (r RuleTrace) Matched() bool { return r.Status == RuleMatched }

// Explain assesses t at time now, like [Engine.Assess], and traces every
// rule of the pack for it: matched or not, with the parts of its
// condition and their values. The assessment is the one Assess gives.
// Explain is slower than Assess (it runs every part of every condition,
// and compiles a rule's parts the first time it explains the rule) and is
// meant for people asking about one ticket; like Assess, it is safe for
// concurrent use.
func (e *Engine) Explain(t Ticket, now time.Time) Explanation {
	return e.explain(&t, now, aloneFacts(&t, now), false, nil)
}

// Explain is [Engine.Explain] for the ticket of the queue with ID id, with
// the facts of its cluster, as [Queue.Ranked] assesses it. It reports
// false when no such ticket is in the queue.
func (q *Queue) Explain(id string, now time.Time) (Explanation, bool) {
	q.catchUp()
	q.mu.Lock()
	q.sync()
	x, ok := q.byID[id]
	if !ok {
		q.mu.Unlock()
		return Explanation{}, false
	}
	// The same facts as Ranked gives.
	byLeader, _ := q.clusters(false)
	facts := byLeader[x.doc.Leader()].facts(now)
	t, dup, eng, pre := x.t, x.doc.Duplicate(), q.eng, x.scanned
	q.mu.Unlock()
	return eng.explain(&t, now, facts, dup, &pre), true
}

func (e *Engine) explain(t *Ticket, now time.Time, c ClusterFacts, dup bool, pre *scanned) Explanation {
	// One run of the rules, as assess makes it, which records what each
	// rule made of the ticket; the explanation then evaluates only the
	// parts of the conditions, on the Env and per-ticket cache (the
	// text's scan, folding and statistics) the rules ran on. That Env
	// has the deadline of the first pass when some rule reads it, as
	// the rules that read it saw.
	ev := e.pool.Get().(*evaluator)
	defer e.pool.Put(ev)
	defer ev.env.release()
	ev.results = make([]ruleResult, len(e.rules))
	defer func() { ev.results = nil }()
	x := Explanation{Assessment: e.assessOn(ev, t, now, c, dup, pre), Rules: make([]RuleTrace, len(e.rules))}

	// Every statistic: the parts of a condition may read any.
	ev.env.fillStats(^ev.filled)
	ev.filled = ^statSet(0)
	// The parts have a ticket's budget of their own, as the rules had.
	ev.st.meter.resetTicket()
	queuePoints := math.Inf(-1)
	for i, r := range e.rules {
		x.Rules[i] = e.trace(ev, r, ev.results[i])
		if tr := &x.Rules[i]; tr.Matched() && r.Queue != "" && tr.Points > queuePoints {
			x.QueueRule, queuePoints = r.Name, tr.Points
		}
	}
	ev.boxed = nil // the ticket's text is not kept alive by the pool
	return x
}

// trace records why r did or did not match, from what the assessment's
// run of it found (res), with the parts of its condition.
func (e *Engine) trace(ev *evaluator, r *rule, res ruleResult) RuleTrace {
	tr := RuleTrace{Rule: r.Name}
	if r.score != nil {
		tr.Score = r.scoreSrc.Text
	}
	switch {
	case !r.Enabled || r.when == nil:
		tr.Status = RuleDisabled
		return tr
	case res.status == RuleSkipped:
		tr.Status = RuleSkipped
		tr.Missing = r.need.missing(&ev.env, e.matcher.Lists())
		return tr
	}
	when := e.terms(r).eval(ev)
	// What the engine found the condition to be, when it could tell: a
	// rule whose score failed had a true condition.
	ok := res.status == RuleMatched || res.status == RuleFailed && !res.whenFailed
	if !res.whenFailed && when.Value != ok {
		// The parts do not add up to what the engine found (a form the
		// splitter misread): show the condition whole rather than wrong.
		when = Term{Text: r.whenSrc.Text, Value: ok}
	}
	tr.When = &when
	tr.Status, tr.Err = res.status, res.err
	if res.status == RuleMatched {
		tr.Points = res.points
	}
	return tr
}
