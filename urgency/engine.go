package urgency

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/triagekit/triage/urgency/internal/calendar"
	"github.com/triagekit/triage/urgency/internal/match"
)

// Engine is a compiled rule pack. It is immutable: once loaded, an Engine
// may be used by any number of goroutines at once. Hosts reload a policy by
// loading a new Engine and swapping the pointer.
type Engine struct {
	name      string
	version   string // name@hash
	settings  settings
	levels    []Level
	rules     []*rule
	matcher   *match.Matcher
	clusters  ClusterSettings
	order     []orderKey
	usesText  bool // some expression reads text itself, not through a function
	aging     bool // some rule reads due_in, overdue or sla_used
	ruleIndex map[string]int
	warnings  []Warning  // found by lint at load
	explainer *explainer // compiles the parts of conditions for Explain
	eager     statSet    // statistics read by rules run on every ticket: computed up front
	docs      packDocs   // the comments and names Describe reports

	pool sync.Pool // *evaluator
}

// Level is one urgency level of a pack, highest first in [Engine.Levels].
type Level struct {
	Name string
	// Calendar names the calendar RespondWithin counts on ("24/7" for
	// plain time).
	Calendar string
	// MinScore is the lowest score that reaches the level; -Inf for the
	// last level, the catch-all.
	MinScore float64
	// RespondWithin is the response time the level promises.
	RespondWithin time.Duration
	// ResolveWithin is the resolution time the level promises once a
	// ticket is answered; 0 for none.
	ResolveWithin time.Duration

	cal *calendar.Calendar
}

var catchAll = math.Inf(-1)

// Rule describes one rule of a pack as loaded.
type Rule struct {
	Name        string
	Description string
	Pos         Position // where the rule's name is written
	// Level is the floor the rule sets, "" for none.
	Level string
	// Queue is where the rule routes a ticket, "" for none.
	Queue string
	Tags  []string
	// RespondWithin is the rule's response time, 0 for the level's.
	RespondWithin time.Duration
	// ResolveWithin is the rule's resolution time, 0 for the level's.
	ResolveWithin time.Duration
	// Calendar names the calendar the rule's deadline counts on, "" for
	// the level's.
	Calendar string
	Enabled  bool
}

type rule struct {
	Rule
	cal      *calendar.Calendar // nil: the level's
	calName  string
	aging    bool  // reads due_in, overdue or sla_used: runs second
	floor    int   // level index, -1 for none
	need     *need // nil: always run when
	when     *vm.Program
	score    *vm.Program // nil: constant points
	points   float64
	whenSrc  exprSource
	scoreSrc exprSource
	line     string // the source line of Pos, for warnings
	// inherited is true for a rule of a base pack that this pack does not
	// override: the base's tests cover it.
	inherited bool
	levelPos  Position  // where the level floor is written, if any
	parts     lazyTerms // when taken apart, for Explain
	stats     statSet   // statistics of the text that when or score read
	fields    bool      // when or score reads a field of Env, not only hooks
}

// evaluator is the per-goroutine state of one assessment, pooled.
type evaluator struct {
	vm    vm.VM
	env   Env
	st    state
	timed []*rule
	// boxed is a copy of env as an interface, made when the first rule
	// that reads a field of it runs, and again after env changes: expr
	// reads the fields of a struct held in an interface in place, where
	// from a *Env it copies every string, duration, time, number or
	// true/false it reads to the heap, once per rule. nil when not made.
	boxed  any
	filled statSet // statistics computed for this ticket
	// hits and tags collect a ticket's matches; the assessment gets a copy
	// of the right size.
	hits []Hit
	tags []string
	// clock is the ticket's service clock, read once per assessment.
	clock clock
	// results, when not nil, gets what each rule of the pack made of the
	// ticket, by the rule's index: Explain traces the assessment's run
	// instead of running the rules again.
	results []ruleResult
}

// ruleResult is what one run of a rule made of a ticket. A rule not run
// (disabled) has no status.
type ruleResult struct {
	status RuleStatus
	points float64
	err    *Error
	// whenFailed is true when the error is the condition's, not the
	// score's.
	whenFailed bool
}

// record keeps r's result for Explain, if asked.
func (ev *evaluator) record(i int, res ruleResult) {
	if ev.results != nil {
		ev.results[i] = res
	}
}

func (e *Engine) init() {
	if len(e.order) == 0 {
		e.order = defaultOrder
	}
	if e.order[len(e.order)-1] != keyID {
		e.order = append(e.order[:len(e.order):len(e.order)], keyID)
	}
	e.pool.New = func() any { return new(evaluator) }
	e.ruleIndex = make(map[string]int, len(e.rules))
	for i, r := range e.rules {
		e.ruleIndex[r.Name] = i
		e.aging = e.aging || r.aging && r.Enabled
		if r.need == nil && r.Enabled {
			e.eager |= r.stats
		}
	}
}

// Name returns the pack's name.
func (e *Engine) Name() string { return e.name }

// Version returns the pack's name and a hash of its files' contents, e.g.
// "default@3f2a9c0d11e4": it tells which policy produced an assessment.
func (e *Engine) Version() string { return e.version }

// Levels returns the pack's levels, highest first.
func (e *Engine) Levels() []Level { return append([]Level(nil), e.levels...) }

// Rules returns the pack's rules in file order.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.Rule
		out[i].Tags = append([]string(nil), r.Tags...)
	}
	return out
}

// Location returns the pack's time zone (settings.timezone, UTC by
// default). Due times are given in it.
func (e *Engine) Location() *time.Location { return e.settings.loc }

// ClusterSettings returns the pack's clusters settings: the window,
// similarity and lookup horizon a [Queue] groups and looks up with unless
// it is made [WithClusterSettings].
func (e *Engine) ClusterSettings() ClusterSettings { return e.clusters }

// Assess scores one ticket at time now, as a cluster of one: no other
// ticket is known. It never fails: a rule that fails on this ticket is
// skipped and reported in [Assessment.Errors].
func (e *Engine) Assess(t Ticket, now time.Time) Assessment {
	return e.assess(&t, now, aloneFacts(&t, now), false, nil)
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// assess assesses t with the cluster facts c and dup; pre, when not nil,
// is what the list scan of t's text found, for e's matcher.
func (e *Engine) assess(t *Ticket, now time.Time, c ClusterFacts, dup bool, pre *scanned) Assessment {
	ev := e.pool.Get().(*evaluator)
	defer e.pool.Put(ev)
	defer ev.env.release()
	return e.assessOn(ev, t, now, c, dup, pre)
}

// assessOn is assess on the evaluator ev, which keeps the ticket's Env and
// per-ticket cache as the rules left them.
func (e *Engine) assessOn(ev *evaluator, t *Ticket, now time.Time, c ClusterFacts, dup bool, pre *scanned) Assessment {
	created, truncated := e.prepare(ev, t, now, c, dup, pre)
	env := &ev.env
	env.fillStats(e.eager)
	ev.filled = e.eager
	ev.boxed = nil

	a := Assessment{Ticket: *t, Cluster: c, Duplicate: dup, Pack: e.version, Truncated: truncated,
		Hits: ev.hits[:0], Tags: ev.tags[:0]}
	o := outcome{floor: len(e.levels) - 1, queuePoints: math.Inf(-1), timed: ev.timed[:0], clock: &ev.clock}
	e.runRules(ev, &a, &o, false)
	e.settle(&a, &o, created, now)
	if e.aging {
		// Rules that read the deadline run second, with the deadline the
		// others give; what they add may raise the level and bring the
		// deadline closer, but their facts are not computed again.
		env.setDeadline(&a)
		ev.boxed = nil
		if e.runRules(ev, &a, &o, true) {
			slices.SortStableFunc(a.Hits, func(x, y Hit) int { return cmp.Compare(e.ruleIndex[x.Rule], e.ruleIndex[y.Rule]) })
			e.settle(&a, &o, created, now)
		}
	}
	ev.timed = o.timed[:0]
	ev.hits, ev.tags = a.Hits[:0], a.Tags[:0]
	a.Hits, a.Tags = cloneOrNil(a.Hits), cloneOrNil(a.Tags)
	a.Notes = cloneOrNil(ev.clock.notes)
	ev.boxed = nil // the ticket's text is not kept alive by the pool
	return a
}

// prepare sets up ev's Env for t, as every rule of the pack sees it, and
// resets the per-ticket cache. It returns the creation time the deadline
// counts from and whether the text was clipped. pre, when not nil, is what
// the list scan of the text found: the rules do not scan it again.
func (e *Engine) prepare(ev *evaluator, t *Ticket, now time.Time, c ClusterFacts, dup bool, pre *scanned) (created time.Time, truncated bool) {
	created = createdOr(t, now)
	// Rules read a bounded part of very long texts.
	subject, body, truncated := textOf(t)
	env := &ev.env
	if env.MentionsField == nil {
		env.bind()
	}
	*env = Env{
		ruleHooks: env.ruleHooks,
		Subject:   subject, Body: body,
		Channel: t.Channel, Language: t.Language,
		Flagged:   t.Flagged,
		Age:       nonNegative(now.Sub(created)),
		Customer:  CustomerFacts{ID: t.Customer.ID, Tier: t.Customer.Tier},
		Fields:    t.Fields,
		Cluster:   c,
		Duplicate: dup,
		// Rules see now in the pack's zone, never in the host's.
		Now: now.In(e.settings.loc),
		st:  &ev.st,
	}
	if !t.Customer.Since.IsZero() {
		env.Customer.Age = nonNegative(now.Sub(t.Customer.Since))
		env.Customer.New = env.Customer.Age < e.settings.newCustomer
	}
	if e.usesText {
		env.Text = joinText(subject, body)
	}
	ev.clock.read(t, e.settings.pause, created, now)
	env.Status, env.Paused, env.PausedFor = ev.clock.status, ev.clock.open, ev.clock.pausedFor
	env.Replied, env.Target = !ev.clock.reply.IsZero(), TargetFirstReply
	if env.Replied {
		env.Target = TargetResolution
	}
	ev.st.reset(e.matcher, pre)
	return created, truncated
}

// facts is the Env that r's expressions run on: the boxed copy if they
// read its fields, else a pointer, which costs nothing to pass.
func (ev *evaluator) facts(r *rule) any {
	if !r.fields {
		return &ev.env
	}
	if ev.boxed == nil {
		ev.boxed = ev.env
	}
	return ev.boxed
}

// cloneOrNil copies s to a slice of its own, nil when s is empty.
func cloneOrNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return append(S(nil), s...)
}

// outcome is what the matching rules decided beyond the score, as the
// rules run.
type outcome struct {
	floor       int
	floorRule   string
	queuePoints float64
	queueIndex  int
	timed       []*rule // matching rules with a respond_within, resolve_within or calendar
	clock       *clock  // the ticket's service clock
}

// runRules runs the rules that read the deadline facts (aging) or the
// others, adding to a and o. It reports whether any rule matched.
func (e *Engine) runRules(ev *evaluator, a *Assessment, o *outcome, aging bool) bool {
	env := &ev.env
	matched := false
	for i, r := range e.rules {
		if r.aging != aging || !r.Enabled || r.when == nil {
			continue
		}
		if r.need != nil && !r.need.holds(env) {
			ev.record(i, ruleResult{status: RuleSkipped})
			continue
		}
		if missing := r.stats &^ ev.filled; missing != 0 {
			env.fillStats(missing)
			ev.filled |= missing
			ev.boxed = nil
		}
		ok, err := e.runWhen(ev, r)
		if err != nil {
			a.Errors = append(a.Errors, err)
			ev.record(i, ruleResult{status: RuleFailed, err: err, whenFailed: true})
			continue
		}
		if !ok {
			ev.record(i, ruleResult{status: RuleNotMatched})
			continue
		}
		points := r.points
		if r.score != nil {
			points, err = e.runScore(ev, r)
			if err != nil {
				a.Errors = append(a.Errors, err)
				ev.record(i, ruleResult{status: RuleFailed, err: err})
				continue
			}
		}
		ev.record(i, ruleResult{status: RuleMatched, points: points})
		matched = true
		a.Hits = append(a.Hits, Hit{Rule: r.Name, Points: points})
		a.Score += points
		if r.floor >= 0 && r.floor < o.floor {
			o.floor, o.floorRule = r.floor, r.Name
		}
		if r.RespondWithin > 0 || r.ResolveWithin > 0 || r.cal != nil {
			o.timed = append(o.timed, r)
		}
		if r.Queue != "" && (points > o.queuePoints || points == o.queuePoints && i < o.queueIndex) {
			a.Queue, o.queuePoints, o.queueIndex = r.Queue, points, i
		}
		a.Tags = addTags(a.Tags, r.Tags)
	}
	return matched
}

// settle derives the level and the deadline from the score and o.
func (e *Engine) settle(a *Assessment, o *outcome, created, now time.Time) {
	// Each rule's points are finite, but their sum can overflow: it
	// saturates, so that the score stays a number JSON can write.
	a.Score = max(min(a.Score, math.MaxFloat64), -math.MaxFloat64)
	a.level = len(e.levels) - 1
	for i, l := range e.levels {
		if a.Score >= l.MinScore {
			a.level = i
			break
		}
	}
	a.ScoreLevel = e.levels[a.level].Name
	a.LevelRule = ""
	if o.floor < a.level {
		a.level, a.LevelRule = o.floor, o.floorRule
	}
	lvl := &e.levels[a.level]
	a.Level = lvl.Name

	e.settleDue(a, o, lvl, created, now)
}

// addTags merges tags into the sorted set dst.
func addTags(dst, tags []string) []string {
	for _, t := range tags {
		i := 0
		for i < len(dst) && dst[i] < t {
			i++
		}
		if i < len(dst) && dst[i] == t {
			continue
		}
		dst = append(dst, "")
		copy(dst[i+1:], dst[i:])
		dst[i] = t
	}
	return dst
}

// Lists returns the names of the pack's lists.
func (e *Engine) Lists() []string { return e.matcher.Lists() }
