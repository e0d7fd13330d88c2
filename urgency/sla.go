package urgency

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/triagekit/triage/urgency/internal/calendar"
)

// StatusChange is one entry of a ticket's status history: from At on, the
// ticket had Status.
type StatusChange struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
}

// The service targets a ticket is due for, [Assessment.Target].
const (
	// TargetFirstReply: no agent has answered yet; the ticket is due
	// respond_within of working time after its creation.
	TargetFirstReply = "first_reply"
	// TargetResolution: an agent has answered; the ticket is due
	// resolve_within of working time after its creation, if its level or
	// a matching rule promises one.
	TargetResolution = "resolution"
)

// statusOpen is the status of a ticket before its first history entry.
const statusOpen = "open"

// HasServiceFields reports whether t carries any of status, history and
// first_reply_at. Explanations and the command line's output speak of
// targets and pauses only for such tickets; without them a ticket is due
// for its first reply, as it always was.
func (t Ticket) HasServiceFields() bool {
	return t.Status != "" || len(t.History) > 0 || !t.FirstReplyAt.IsZero()
}

// checkService reports what makes the service fields of t unusable: the
// same problems are a line error when a ticket is read and a note on the
// assessment of a ticket built in Go.
func (t *Ticket) checkService() error {
	if len(t.Status) > MaxStatusBytes {
		return fmt.Errorf(`"status" is longer than %d bytes`, MaxStatusBytes)
	}
	if len(t.History) > MaxHistory {
		return fmt.Errorf(`"history" has %d entries, more than %d`, len(t.History), MaxHistory)
	}
	for i, h := range t.History {
		switch {
		case h.At.IsZero():
			return fmt.Errorf(`history entry %d: missing "at"`, i+1)
		case h.Status == "":
			return fmt.Errorf(`history entry %d: missing "status"`, i+1)
		case len(h.Status) > MaxStatusBytes:
			return fmt.Errorf("history entry %d: status is longer than %d bytes", i+1, MaxStatusBytes)
		case i == 0 && !t.CreatedAt.IsZero() && h.At.Before(t.CreatedAt):
			return fmt.Errorf("history entry 1 at %s is before created_at %s", stamp(h.At), stamp(t.CreatedAt))
		case i > 0 && h.At.Before(t.History[i-1].At):
			return fmt.Errorf("history entry %d at %s is before entry %d at %s: give the changes in time order", i+1, stamp(h.At), i, stamp(t.History[i-1].At))
		}
	}
	if n := len(t.History); n > 0 && t.Status != "" && t.Status != t.History[n-1].Status {
		return fmt.Errorf("status %q differs from %q, the last entry of the history", t.Status, t.History[n-1].Status)
	}
	if !t.FirstReplyAt.IsZero() && !t.CreatedAt.IsZero() && t.FirstReplyAt.Before(t.CreatedAt) {
		return fmt.Errorf("first_reply_at %s is before created_at %s", stamp(t.FirstReplyAt), stamp(t.CreatedAt))
	}
	return nil
}

func stamp(t time.Time) string { return t.Format(time.RFC3339) }

// span is a time the service clock stood still, [from, to).
type span struct{ from, to time.Time }

// clock is a ticket's service clock as the pack's pause statuses run it,
// up to the time of assessment. It is per-evaluation state, reused.
type clock struct {
	status    string    // the status at now
	reply     time.Time // the first reply, zero for none by now
	pauses    []span    // closed pauses within [created, now], in order, apart
	open      bool      // stopped at now, since openFrom
	openFrom  time.Time //
	pausedFor time.Duration
	notes     []string
	// hints caches what suggest says of a status against the pack's
	// pause statuses: hosts send the same few statuses on every ticket.
	// The clock belongs to one engine's pool, so the pauses never change.
	hints map[string]string
}

// maxHints bounds the statuses a clock remembers hints for.
const maxHints = 256

// maxStatusChecks bounds the distinct statuses of one ticket checked for
// misspelt pause statuses.
const maxStatusChecks = 16

// read sets c from t's service fields for an assessment at now.
func (c *clock) read(t *Ticket, pause []string, created, now time.Time) {
	*c = clock{status: statusOpen, pauses: c.pauses[:0], notes: c.notes[:0], hints: c.hints}
	if !t.FirstReplyAt.IsZero() {
		if t.FirstReplyAt.After(now) {
			c.notes = append(c.notes, fmt.Sprintf("first_reply_at %s is after now: the ticket is not yet answered", stamp(t.FirstReplyAt)))
		} else {
			c.reply = t.FirstReplyAt
		}
	}
	if len(t.History) == 0 && t.Status == "" {
		return
	}
	hist, status := t.History, t.Status
	if err := t.checkService(); err != nil {
		c.notes = append(c.notes, err.Error()+": the status history is not counted")
		hist, status = nil, ""
	}
	var checked [maxStatusChecks]string
	nchecked := 0
	check := func(s string) {
		if len(pause) == 0 || slices.Contains(pause, s) || slices.Contains(checked[:nchecked], s) || nchecked == len(checked) {
			return
		}
		checked[nchecked] = s
		nchecked++
		hint, ok := c.hints[s]
		if !ok {
			if c.hints == nil || len(c.hints) >= maxHints {
				c.hints = make(map[string]string)
			}
			hint = suggest(s, pause)
			c.hints[s] = hint
		}
		if hint != "" {
			c.notes = append(c.notes, fmt.Sprintf("status %q is not a pause status of the pack%s: its time is counted", s, hint))
		}
	}
	cur, from := statusOpen, created
	for i, h := range hist {
		if h.At.After(now) {
			c.notes = append(c.notes, fmt.Sprintf("history entry %d at %s is after now: it and later entries are not counted", i+1, stamp(h.At)))
			break
		}
		at := maxTime(h.At, created)
		if slices.Contains(pause, cur) && at.After(from) {
			c.addPause(from, at)
		}
		cur, from = h.Status, at
		check(cur)
	}
	if len(hist) == 0 && status != "" {
		// Without a history the status is known only as of now.
		cur, from = status, maxTime(now, created)
		check(cur)
	}
	c.status = cur
	if slices.Contains(pause, cur) {
		c.open, c.openFrom = true, from
		c.pausedFor = addDur(c.pausedFor, nonNegative(now.Sub(from)))
	}
}

func (c *clock) addPause(from, to time.Time) {
	c.pausedFor = addDur(c.pausedFor, to.Sub(from))
	if n := len(c.pauses); n > 0 && c.pauses[n-1].to.Equal(from) {
		c.pauses[n-1].to = to
		return
	}
	c.pauses = append(c.pauses, span{from, to})
}

// stops reports whether the clock stopped at all before now.
func (c *clock) stops() bool { return c.open || len(c.pauses) > 0 }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func addDur(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// deadline returns the instant at which w of working time on cal has run
// on the clock from created. When the clock is stopped now before that,
// left is the working time it still has to run and due is projected as
// if the clock ran again from now.
func (c *clock) deadline(cal *calendar.Calendar, created, now time.Time, w time.Duration) (due time.Time, left time.Duration, stopped bool) {
	if !c.stops() {
		return cal.Add(created, w), 0, false
	}
	cur, left := created, w
	for i := 0; i <= len(c.pauses); i++ {
		var p span
		switch {
		case i < len(c.pauses):
			p = c.pauses[i]
		case c.open:
			p = span{c.openFrom, now}
		default:
			return cal.Add(cur, left), 0, false
		}
		if p.from.After(cur) {
			if d := cal.Add(cur, left); !d.After(p.from) {
				return d, 0, false
			}
			left = max(left-cal.Working(cur, p.from), 0)
			cur = p.from
		}
		if i == len(c.pauses) {
			return cal.Add(maxTime(now, cur), left), left, true
		}
		cur = maxTime(cur, p.to)
	}
	return cal.Add(cur, left), 0, false
}

// pausedWork returns the working time on cal that the clock stood still
// between a and b, a before b.
func (c *clock) pausedWork(cal *calendar.Calendar, a, b, now time.Time) time.Duration {
	total := time.Duration(0)
	add := func(p span) {
		if lo, hi := maxTime(p.from, a), minTime(p.to, b); hi.After(lo) {
			total = addDur(total, cal.Working(lo, hi))
		}
	}
	for _, p := range c.pauses {
		add(p)
	}
	if c.open {
		add(span{c.openFrom, now})
	}
	return total
}

// target is one promise a ticket may be due by: a level's or a rule's.
type target struct {
	ok      bool
	due     time.Time
	left    time.Duration // working time left when the clock stopped
	stopped bool
	within  time.Duration
	cal     *calendar.Calendar
	calName string
	rule    string
}

// consider makes the promise of within on cal the target if it falls due
// earlier.
func (t *target) consider(c *clock, created, now time.Time, within time.Duration, cal *calendar.Calendar, calName, rule string) {
	due, left, stopped := c.deadline(cal, created, now, within)
	if !t.ok || due.Before(t.due) {
		*t = target{ok: true, due: due, left: left, stopped: stopped, within: within, cal: cal, calName: calName, rule: rule}
	}
}

// pick returns the earliest promise of the level and of the matching
// rules for a first reply or, with resolution, for resolution.
func (e *Engine) pick(o *outcome, lvl *Level, c *clock, created, now time.Time, resolution bool) target {
	var t target
	base := lvl.RespondWithin
	if resolution {
		base = lvl.ResolveWithin
	}
	if !resolution || base > 0 {
		t.consider(c, created, now, base, lvl.cal, lvl.Calendar, "")
	}
	for _, r := range o.timed {
		w := r.RespondWithin
		if resolution {
			w = r.ResolveWithin
		}
		if w == 0 {
			w = base
		}
		if resolution && w == 0 {
			continue
		}
		cal, name := r.cal, r.calName
		if cal == nil {
			cal, name = lvl.cal, lvl.Calendar
		}
		t.consider(c, created, now, w, cal, name, r.Name)
	}
	return t
}

// settleDue sets the target and the deadline of a, at level lvl.
func (e *Engine) settleDue(a *Assessment, o *outcome, lvl *Level, created, now time.Time) {
	c := o.clock
	a.Target, a.Paused, a.Breached, a.replyDue, a.status = TargetFirstReply, c.open, "", time.Time{}, c.status
	replied := !c.reply.IsZero()
	if replied {
		a.Target = TargetResolution
		if fr := e.pick(o, lvl, c, created, now, false); c.reply.After(fr.due) {
			a.Breached, a.replyDue = TargetFirstReply, fr.due.In(e.settings.loc)
		}
	}
	t := e.pick(o, lvl, c, created, now, replied)
	if !t.ok {
		a.Due, a.RespondWithin, a.Calendar, a.DueRule = time.Time{}, 0, "", ""
		a.DueIn, a.SLAUsed, a.PausedTime = 0, 0, 0
		return
	}
	a.Due = t.due.In(e.settings.loc)
	a.RespondWithin, a.Calendar, a.DueRule = t.within, t.calName, t.rule
	cal, due := t.cal, t.due
	used := cal.Working(created, now)
	a.PausedTime = 0
	switch {
	case t.stopped:
		a.DueIn = t.left
	default:
		a.DueIn = cal.Working(now, due)
		if c.stops() && due.Before(now) {
			// The clock stood still for part of the time since due.
			a.DueIn += c.pausedWork(cal, due, now, now)
		}
	}
	if c.stops() {
		used -= c.pausedWork(cal, created, now, now)
		a.PausedTime = c.pausedWork(cal, created, minTime(due, now), now)
	}
	a.SLAUsed = 0
	if t.within > 0 {
		a.SLAUsed = float64(used) / float64(t.within)
	}
}

// setDeadline gives the rules that read the deadline the facts of a.
func (env *Env) setDeadline(a *Assessment) {
	env.DueIn, env.Overdue, env.SLAUsed = a.DueIn, a.DueIn < 0 && !a.Paused, a.SLAUsed
	if a.Due.IsZero() {
		env.DueIn = math.MaxInt64
	}
}
