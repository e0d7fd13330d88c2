package urgency

import (
	"errors"
	"time"

	"github.com/triagekit/triage/urgency/internal/match"
)

// Env is what a rule's expressions see: the rule language's contract. The
// name in each field's expr tag is the name a rule writes, e.g.
// customer.tier or cluster.size. The engine fills an Env per ticket; hosts
// never build one.
type Env struct {
	// Subject and Body are the ticket's text as received.
	Subject string `expr:"subject"`
	Body    string `expr:"body"`
	// Text is the subject and the body together, separated by a line break.
	Text string `expr:"text"`
	// Channel is where the ticket came from: email, chat, phone, web...
	Channel string `expr:"channel"`
	// Language is the ticket's language code (de, sr, pl...), or "".
	Language string `expr:"language"`
	// Flagged is true when the customer, channel or an agent marked the
	// ticket important.
	Flagged bool `expr:"flagged"`
	// Age is now minus the ticket's creation time.
	Age time.Duration `expr:"age"`
	// Customer describes who sent the ticket.
	Customer CustomerFacts `expr:"customer"`
	// Fields holds the host's custom fields (fields.product). A missing
	// field is nil: comparing it is false, using it as a string is a run
	// time error for that rule only.
	Fields map[string]any `expr:"fields"`
	// Cluster describes the repeated-issue cluster the ticket belongs to.
	// A ticket assessed alone is a cluster of one.
	Cluster ClusterFacts `expr:"cluster"`
	// Duplicate is true when an earlier ticket of the same customer is in
	// the same cluster: the same case written twice.
	Duplicate bool `expr:"duplicate"`
	// Now is the evaluation time given to the engine; rules never see the
	// wall clock.
	Now time.Time `expr:"now"`
	// DueIn is the working time left until the ticket is due, by the
	// calendar of its deadline; negative when it is overdue. Overdue is
	// DueIn < 0, and SLAUsed the share of the response time already used
	// (0 at creation, 1 at the deadline). Rules that read any of these
	// three run after the others, with the deadline the others give.
	//
	// They refer to the ticket's current Target. While the clock is
	// stopped (Paused), DueIn is frozen and Overdue is false; a ticket
	// without a due time (answered, and no resolution time promised) has
	// the largest DueIn, Overdue false and SLAUsed 0.
	DueIn   time.Duration `expr:"due_in"`
	Overdue bool          `expr:"overdue"`
	SLAUsed float64       `expr:"sla_used"`
	// Status is the ticket's status now (open when the host sends none).
	Status string `expr:"status"`
	// Paused is true when Status is one of the pack's settings.pause:
	// the service clock is stopped.
	Paused bool `expr:"paused"`
	// Replied is true once an agent first answered (first_reply_at).
	Replied bool `expr:"replied"`
	// Target is what the ticket is due for: first_reply, or resolution
	// once Replied.
	Target string `expr:"target"`
	// PausedFor is the total time the ticket spent in pause statuses up
	// to now, in plain time.
	PausedFor time.Duration `expr:"paused_for"`

	ruleHooks
	textStats
	st *state
}

// ruleHooks are the functions that compiled rules call for mentions and
// mentionCount on a ticket's subject, body or text: they read the
// per-ticket cache, so the text is folded and matched once whatever the
// number of rules. Their fields are exported because the expression
// runtime reads them through reflection, which it does through an
// unexported embedded struct; their names cannot be written in a rule.
type ruleHooks struct {
	MentionsField func(field, list int) bool   `expr:"mentions·field"`
	CountField    func(field, list int) int    `expr:"mentionCount·field"`
	CountString   func(s string, list int) int `expr:"mentionCount·string"`
}

// textStats are what words, shouting and exclamations give on a ticket's
// subject, body and text, computed once per ticket for the ones the pack
// reads: compiled rules read them as fields, which the expression runtime
// does without copying the number to the heap, where a function's result
// of 256 or more, or any fraction, would be copied on every call. Their
// fields are exported only because the runtime reads them through
// reflection; their names cannot be written in a rule.
type textStats struct {
	WordsSubject        int     `expr:"words·subject"`
	WordsBody           int     `expr:"words·body"`
	WordsText           int     `expr:"words·text"`
	ShoutingSubject     float64 `expr:"shouting·subject"`
	ShoutingBody        float64 `expr:"shouting·body"`
	ShoutingText        float64 `expr:"shouting·text"`
	ExclamationsSubject int     `expr:"exclamations·subject"`
	ExclamationsBody    int     `expr:"exclamations·body"`
	ExclamationsText    int     `expr:"exclamations·text"`
}

// release lets go of the ticket e was prepared for: a pooled Env keeps
// its hooks and scratch buffers (which hold at most a clipped, folded
// copy), but no reference to the ticket's own text or fields, which can
// be far larger than what the rules read.
func (e *Env) release() {
	hooks, st := e.ruleHooks, e.st
	*e = Env{ruleHooks: hooks, st: st}
	if st != nil {
		st.text, st.pre = "", nil
	}
}

// bind points the hooks at e's cache; done once per pooled Env.
func (e *Env) bind() {
	e.ruleHooks = ruleHooks{
		MentionsField: func(f, l int) bool { return e.fieldHits(f).Has(l) },
		CountField:    func(f, l int) int { return e.fieldHits(f).Count(l) },
		CountString:   func(s string, l int) int { return e.stringHits(s).Count(l) },
	}
}

// Statistics of the rule language, the unit of [statSet].
const (
	statWordsFn = iota
	statShoutingFn
	statExclamationsFn
	numStatFns
)

var statFnNames = [numStatFns]string{"words", "shouting", "exclamations"}

// statSet tells which statistics of which text fields a pack reads: bit
// fn*numFields+field.
type statSet uint16

func statBit(fn, field int) statSet { return 1 << (fn*numFields + field) }

// statName is the Env name under which compiled rules read a statistic.
func statName(fn, field int) string { return statFnNames[fn] + "·" + fieldNames[field] }

// fillStats computes the statistics in set, from the per-ticket cache.
func (e *Env) fillStats(set statSet) {
	words := [numFields]*int{&e.WordsSubject, &e.WordsBody, &e.WordsText}
	shouting := [numFields]*float64{&e.ShoutingSubject, &e.ShoutingBody, &e.ShoutingText}
	excl := [numFields]*int{&e.ExclamationsSubject, &e.ExclamationsBody, &e.ExclamationsText}
	for f := range numFields {
		if set&statBit(statWordsFn, f) != 0 {
			*words[f] = e.words(f)
		}
		if set&statBit(statShoutingFn, f) != 0 {
			*shouting[f] = e.shouting(f)
		}
		if set&statBit(statExclamationsFn, f) != 0 {
			*excl[f] = e.exclamations(f)
		}
	}
}

// CustomerFacts is customer.* in rules.
type CustomerFacts struct {
	// ID is the customer's identifier, "" when unknown.
	ID string `expr:"id"`
	// Tier is the customer's group, e.g. premium or standard.
	Tier string `expr:"tier"`
	// Age is now minus the date the customer signed up; 0 when unknown.
	Age time.Duration `expr:"age"`
	// New is true when Age is known and below settings.new_customer.
	New bool `expr:"new"`
}

// ClusterFacts is cluster.* in rules.
type ClusterFacts struct {
	// ID identifies the cluster; it derives from the cluster's first ticket.
	ID string `expr:"id" json:"id"`
	// Size is the number of tickets in the cluster, 1 for a ticket alone.
	Size int `expr:"size" json:"size"`
	// Customers is the number of distinct customers in the cluster.
	Customers int `expr:"customers" json:"customers"`
	// Age is now minus the creation time of the cluster's first ticket.
	Age time.Duration `expr:"age" json:"-"`
	// Span is the time from the cluster's first ticket to its last: many
	// customers within a short span is an incident.
	Span time.Duration `expr:"span" json:"-"`
}

// Text fields that the functions of the rule language may take straight
// from the per-ticket cache instead of folding the string again.
const (
	fieldSubject = iota
	fieldBody
	fieldText
	numFields
)

var fieldNames = [numFields]string{"subject", "body", "text"}

// state is the per-evaluation scratch behind an Env: the ticket's text
// folded and matched once, lazily, whatever number of rules ask.
type state struct {
	m       *match.Matcher
	pre     *scanned // what the scan for the cluster features found; nil: none
	scanned [numFields]bool
	hits    [numFields]match.Hits
	counted [numFields]uint8 // stat* bits
	words   [numFields]int
	cased   [numFields]int // cased and upper-case letters, for shouting
	upper   [numFields]int
	excl    [numFields]int
	text    string // subject and body joined, built only when asked
	dyn     match.Hits
	meter   meter
}

func (s *state) reset(m *match.Matcher, pre *scanned) {
	s.m, s.pre = m, pre
	s.scanned = [numFields]bool{}
	s.counted = [numFields]uint8{}
	s.text = ""
	s.meter.resetTicket()
}

func (e *Env) field(f int) string {
	switch f {
	case fieldSubject:
		return e.Subject
	case fieldBody:
		return e.Body
	}
	if e.Text != "" || (e.Subject == "" && e.Body == "") {
		return e.Text
	}
	if e.st.text == "" {
		e.st.text = joinText(e.Subject, e.Body)
	}
	return e.st.text
}

func joinText(subject, body string) string {
	switch {
	case subject == "":
		return body
	case body == "":
		return subject
	}
	return subject + "\n" + body
}

// fieldHits returns the list matches of one text field, scanning it on
// first use, unless the scan for the cluster features found them.
func (e *Env) fieldHits(f int) *match.Hits {
	s := e.st
	h := &s.hits[f]
	if !s.scanned[f] {
		h.Reset()
		if f == fieldText {
			// Subject and body are scanned apart so that no phrase runs
			// from the end of the subject into the body.
			e.partHits(h, fieldSubject)
			e.partHits(h, fieldBody)
		} else {
			e.partHits(h, f)
		}
		s.scanned[f] = true
	}
	return h
}

// partHits adds the matches of the subject or the body to h: those the
// features' scan found, or a scan.
func (e *Env) partHits(h *match.Hits, f int) {
	s := e.st
	if p := s.pre; p != nil {
		switch {
		case f == fieldSubject && p.known&knownSubject != 0:
			s.m.Restore(h, p.found[:p.subject])
			return
		case f == fieldBody && p.known&knownBody != 0:
			s.m.Restore(h, p.found[p.subject:])
			return
		}
	}
	s.m.Scan(h, e.field(f))
}

func (e *Env) stringHits(str string) *match.Hits {
	h := &e.st.dyn
	h.Reset()
	e.st.m.Scan(h, str)
	return h
}

// The statistics are counted in one walk over each of subject and body
// (words and shouting), or one count of exclamation marks; those of text
// are the sums of the subject's and the body's, which the engine joins
// by a line break, a separator (see joinText): the same numbers as
// counting the joined text, without reading it again.
func (e *Env) words(f int) int {
	e.countWords(f)
	return e.st.words[f]
}

func (e *Env) shouting(f int) float64 {
	e.countWords(f)
	s := e.st
	if s.cased[f] == 0 {
		return 0
	}
	return float64(s.upper[f]) / float64(s.cased[f])
}

func (e *Env) countWords(f int) {
	s := e.st
	if s.counted[f]&statWords != 0 {
		return
	}
	if f == fieldText {
		e.countWords(fieldSubject)
		e.countWords(fieldBody)
		s.words[f] = s.words[fieldSubject] + s.words[fieldBody]
		s.cased[f] = s.cased[fieldSubject] + s.cased[fieldBody]
		s.upper[f] = s.upper[fieldSubject] + s.upper[fieldBody]
	} else {
		s.words[f], s.cased[f], s.upper[f] = match.WordCounts(e.field(f))
	}
	s.counted[f] |= statWords
}

func (e *Env) exclamations(f int) int {
	s := e.st
	if s.counted[f]&statExclamations == 0 {
		if f == fieldText {
			s.excl[f] = e.exclamations(fieldSubject) + e.exclamations(fieldBody)
		} else {
			s.excl[f] = match.Exclamations(e.field(f))
		}
		s.counted[f] |= statExclamations
	}
	return s.excl[f]
}

const (
	statWords uint8 = 1 << iota // words and the letters shouting counts
	statExclamations
)

// The functions of the rule language as rules call them. The patcher
// replaces every call of mentions and mentionCount by calls of the
// ruleHooks, and calls of the others on subject, body or text by reads of
// the textStats.

func mentionsUnpatched(...any) (any, error) {
	return nil, errors.New("mentions: the list name must be written in quotes")
}

func wordsFunc(args ...any) (any, error) { return match.Words(args[0].(string)), nil }

func shoutingFunc(args ...any) (any, error) { return match.Shouting(args[0].(string)), nil }

func exclamationsFunc(args ...any) (any, error) { return match.Exclamations(args[0].(string)), nil }

// maxConcatBytes bounds text built with + in an expression.
const maxConcatBytes = 2 * MaxTextBytes
