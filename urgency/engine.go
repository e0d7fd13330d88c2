package urgency

import (
	"math"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/triagekit/triage/urgency/internal/match"
)

// Engine is a compiled rule pack. It is immutable: once loaded, an Engine
// may be used by any number of goroutines at once. Hosts reload a policy by
// loading a new Engine and swapping the pointer.
type Engine struct {
	name     string
	version  string // name@hash
	settings settings
	levels   []Level
	rules    []*rule
	matcher  *match.Matcher
	clusters ClusterSettings
	order    []orderKey
	usesText bool // some expression reads text itself, not through a function

	pool sync.Pool // *evaluator
}

// Level is one urgency level of a pack, highest first in [Engine.Levels].
type Level struct {
	Name string
	// MinScore is the lowest score that reaches the level; -Inf for the
	// last level, the catch-all.
	MinScore float64
	// RespondWithin is the response time the level promises.
	RespondWithin time.Duration
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
	Enabled       bool
}

type rule struct {
	Rule
	floor    int   // level index, -1 for none
	need     *need // nil: always run when
	when     *vm.Program
	score    *vm.Program // nil: constant points
	points   float64
	whenSrc  exprSource
	scoreSrc exprSource
}

// evaluator is the per-goroutine state of one assessment, pooled.
type evaluator struct {
	vm  vm.VM
	env Env
	st  state
}

func (e *Engine) init() {
	if len(e.order) == 0 {
		e.order = defaultOrder
	}
	if e.order[len(e.order)-1] != keyID {
		e.order = append(e.order[:len(e.order):len(e.order)], keyID)
	}
	e.pool.New = func() any { return new(evaluator) }
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

// Clusters returns the pack's cluster settings.
func (e *Engine) Clusters() ClusterSettings { return e.clusters }

// Assess scores one ticket at time now, as a cluster of one: no other
// ticket is known. It never fails: a rule that fails on this ticket is
// skipped and reported in [Assessment.Errors].
func (e *Engine) Assess(t Ticket, now time.Time) Assessment {
	created := t.CreatedAt
	if created.IsZero() {
		created = now
	}
	c := ClusterFacts{ID: t.ID, Size: 1, Customers: 1, Age: nonNegative(now.Sub(created))}
	return e.assess(&t, now, c, false)
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

func (e *Engine) assess(t *Ticket, now time.Time, c ClusterFacts, dup bool) Assessment {
	ev := e.pool.Get().(*evaluator)
	defer e.pool.Put(ev)

	created := t.CreatedAt
	if created.IsZero() {
		created = now
	}
	env := &ev.env
	if env.MentionsField == nil {
		env.bind()
	}
	*env = Env{
		Hooks:   env.Hooks,
		Subject: t.Subject, Body: t.Body,
		Channel: t.Channel, Language: t.Language,
		Flagged:   t.Flagged,
		Age:       nonNegative(now.Sub(created)),
		Customer:  CustomerFacts{ID: t.Customer.ID, Tier: t.Customer.Tier},
		Fields:    t.Fields,
		Cluster:   c,
		Duplicate: dup,
		Now:       now,
		st:        &ev.st,
	}
	if !t.Customer.Since.IsZero() {
		env.Customer.Age = nonNegative(now.Sub(t.Customer.Since))
		env.Customer.New = env.Customer.Age < e.settings.newCustomer
	}
	if e.usesText {
		env.Text = joinText(t.Subject, t.Body)
	}
	ev.st.reset(e.matcher)

	a := Assessment{Ticket: *t, Cluster: c, Duplicate: dup, Pack: e.version}
	floor, floorRule := len(e.levels)-1, ""
	within, withinRule := time.Duration(0), ""
	queuePoints := math.Inf(-1)
	for _, r := range e.rules {
		if !r.Enabled || r.when == nil || r.need != nil && !r.need.holds(env) {
			continue
		}
		ok, err := e.runWhen(ev, r)
		if err != nil {
			a.Errors = append(a.Errors, err)
			continue
		}
		if !ok {
			continue
		}
		points := r.points
		if r.score != nil {
			points, err = e.runScore(ev, r)
			if err != nil {
				a.Errors = append(a.Errors, err)
				continue
			}
		}
		if a.Hits == nil {
			a.Hits = make([]Hit, 0, 8)
		}
		a.Hits = append(a.Hits, Hit{Rule: r.Name, Points: points})
		a.Score += points
		if r.floor >= 0 && r.floor < floor {
			floor, floorRule = r.floor, r.Name
		}
		if r.RespondWithin > 0 && (within == 0 || r.RespondWithin < within) {
			within, withinRule = r.RespondWithin, r.Name
		}
		if r.Queue != "" && points > queuePoints {
			a.Queue, queuePoints = r.Queue, points
		}
		a.Tags = addTags(a.Tags, r.Tags)
	}

	a.level = len(e.levels) - 1
	for i, l := range e.levels {
		if a.Score >= l.MinScore {
			a.level = i
			break
		}
	}
	a.ScoreLevel = e.levels[a.level].Name
	if floor < a.level {
		a.level, a.LevelRule = floor, floorRule
	}
	a.Level = e.levels[a.level].Name
	a.RespondWithin = e.levels[a.level].RespondWithin
	if within > 0 && within < a.RespondWithin {
		a.RespondWithin, a.DueRule = within, withinRule
	}
	a.Due = created.Add(a.RespondWithin).In(e.settings.loc)
	return a
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
