package urgency

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// Assessment is the engine's verdict on one ticket: its level, score, due
// time and routing, with the rules that produced them.
type Assessment struct {
	Ticket Ticket
	// Score is the sum of the points of the rules that matched.
	Score float64
	// Level is the urgency level: the first level the score reaches, raised
	// to the highest floor among the matching rules.
	Level string
	// Due is when the ticket must meet its Target: RespondWithin of
	// working time on Calendar after created_at, not counting the time
	// the clock was stopped, in the pack's time zone. While the clock is
	// stopped (Paused) it is projected as if the clock ran again from the
	// time of assessment. It is zero when the ticket has no due time: it
	// was answered and nothing promises a resolution time.
	Due time.Time
	// Queue is the queue of the highest-scoring matching rule that has
	// one (the first in file order on ties), or "".
	Queue string
	// Tags is the union of the matching rules' tags, sorted.
	Tags []string
	// Hits are the rules that matched, in file order, with their points.
	Hits []Hit
	// Errors are the rules that failed on this ticket at run time; they
	// were skipped, the ticket was still assessed.
	Errors []*Error
	// Cluster is the repeated-issue cluster of the ticket.
	Cluster ClusterFacts
	// Duplicate is true when an earlier ticket of the same customer is in
	// the same cluster.
	Duplicate bool

	// ScoreLevel is the level the score alone reaches.
	ScoreLevel string
	// LevelRule is the rule whose level floor raised the ticket above
	// ScoreLevel, or "".
	LevelRule string
	// RespondWithin is the time that set Due: a respond_within for the
	// first reply, a resolve_within for resolution.
	RespondWithin time.Duration
	// DueRule is the rule whose respond_within or calendar gave an
	// earlier deadline than the level's; "" when the level's applies.
	DueRule string
	// Calendar names the calendar RespondWithin counts on.
	Calendar string
	// DueIn is the working time left at the time of assessment until Due,
	// by Calendar, outside pauses; negative when the ticket is overdue,
	// frozen while Paused, 0 without a due time.
	DueIn time.Duration
	// SLAUsed is the share of RespondWithin already used (working time
	// since creation outside pauses over RespondWithin); above 1 when
	// overdue.
	SLAUsed float64
	// Target is what Due is for: [TargetFirstReply] until the ticket's
	// first_reply_at, [TargetResolution] after it.
	Target string
	// Paused is true when the ticket is in one of the pack's pause
	// statuses now: its clock is stopped, and it sorts below the running
	// tickets of its level.
	Paused bool
	// Breached is TargetFirstReply when the first reply came after its
	// due time, else "".
	Breached string
	// PausedTime is the working time by Calendar that pauses took off the
	// clock before Due (or before the time of assessment, if earlier).
	PausedTime time.Duration
	// Notes say what of the ticket's service fields could not be used
	// as given (a status history after the time of assessment, a status
	// spelt like a pause status...), and how it was read instead.
	Notes []string
	// Pack is the version of the pack that assessed the ticket, see
	// [Engine.Version].
	Pack string
	// Truncated is true when the subject or the body was longer than
	// MaxTextBytes: the rules read only the beginning.
	Truncated bool

	level    int       // index into the engine's levels, 0 = highest
	replyDue time.Time // the first reply's due time, when Breached
	status   string    // the ticket's status now
}

// Hit is one rule that matched a ticket.
type Hit struct {
	Rule   string  `json:"rule"`
	Points float64 `json:"points"`
}

// Rules returns the names of the rules that matched, in file order.
func (a Assessment) Rules() []string {
	out := make([]string, len(a.Hits))
	for i, h := range a.Hits {
		out[i] = h.Rule
	}
	return out
}

// Why explains the assessment in a few lines: each matching rule with its
// points, how the level was reached and what set the due time.
func (a Assessment) Why() []string {
	var out []string
	for _, h := range a.Hits {
		out = append(out, fmt.Sprintf("%+g %s", round2(h.Points), h.Rule))
	}
	if len(a.Hits) == 0 {
		out = append(out, "no rule matched")
	}
	line := fmt.Sprintf("score %g reaches %s", round2(a.Score), a.ScoreLevel)
	if a.LevelRule != "" {
		line += fmt.Sprintf("; rule %s raises it to %s", a.LevelRule, a.Level)
	}
	out = append(out, line)
	out = append(out, a.Deadline()...)
	if a.Truncated {
		out = append(out, fmt.Sprintf("text beyond %d KiB of the subject or body was not read", MaxTextBytes>>10))
	}
	for _, n := range a.Notes {
		out = append(out, "note: "+n)
	}
	for _, err := range a.Errors {
		out = append(out, "error: "+err.Error())
	}
	return out
}

// Deadline explains the due time in a line or two, as [Assessment.Why]
// does: what the ticket is due for, whose promise sets the time and how
// much pauses took off the clock, e.g.
//
//	first reply due 2026-11-22T11:40:00+01:00: critical responds within 1h of office time, 40m paused
//
// and, for a ticket in a pause status, that its clock is stopped.
func (a Assessment) Deadline() []string {
	who := a.Level
	if a.DueRule != "" {
		who = "rule " + a.DueRule
	}
	on := ""
	if a.Calendar != "" && a.Calendar != packfile.Always24x7 {
		on = " of " + a.Calendar + " time"
	}
	if !a.Ticket.HasServiceFields() {
		return []string{fmt.Sprintf("due %s: %s responds within %s%s", a.Due.Format(time.RFC3339), who, FormatDuration(a.RespondWithin), on)}
	}
	var out []string
	if a.Breached == TargetFirstReply {
		out = append(out, fmt.Sprintf("first reply breached: answered %s, due %s", a.Ticket.FirstReplyAt.In(a.replyDue.Location()).Format(time.RFC3339), a.replyDue.Format(time.RFC3339)))
	}
	if a.Due.IsZero() {
		return append(out, fmt.Sprintf("no due time: answered, and neither level %s nor a matching rule promises a resolution time", a.Level))
	}
	what, verb := "first reply", "responds"
	if a.Target == TargetResolution {
		what, verb = "resolution", "resolves"
	}
	line := fmt.Sprintf("%s due %s: %s %s within %s%s", what, a.Due.Format(time.RFC3339), who, verb, FormatDuration(a.RespondWithin), on)
	if a.PausedTime > 0 {
		line += fmt.Sprintf(", %s paused", FormatDuration(a.PausedTime.Round(time.Second)))
	}
	out = append(out, line)
	if a.Paused {
		out = append(out, fmt.Sprintf("clock stopped: status %q is a pause status; %s left, due time counted from now", a.status, FormatDuration(a.DueIn.Round(time.Second))))
	}
	return out
}

// round2 rounds points for people to read; continuous scores have long
// fractions.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// FormatDuration writes d the way rule files do: 1h30m, 2d, 45m.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d >= u.unit {
			fmt.Fprintf(&b, "%d%s", d/u.unit, u.name)
			d %= u.unit
		}
	}
	if d > 0 {
		fmt.Fprintf(&b, "%dms", d/time.Millisecond)
	}
	return b.String()
}

// runWhen runs r's condition, and starts r's budget, which its score
// shares.
func (e *Engine) runWhen(ev *evaluator, r *rule) (bool, *Error) {
	ev.st.meter.startRule()
	out, err := ev.vm.Run(r.when, ev.facts(r))
	if err != nil {
		return false, runtimeError(r, r.whenSrc, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, &Error{Pos: r.whenSrc.Position(0), Rule: r.Name, Err: fmt.Errorf("when gave %s, not true or false", valueName(out))}
	}
	return b, nil
}

func (e *Engine) runScore(ev *evaluator, r *rule) (float64, *Error) {
	out, err := ev.vm.Run(r.score, ev.facts(r))
	if err != nil {
		return 0, runtimeError(r, r.scoreSrc, err)
	}
	var f float64
	switch v := out.(type) {
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case float64:
		f = v
	case int32:
		f = float64(v)
	case float32:
		f = float64(v)
	default:
		return 0, &Error{Pos: r.scoreSrc.Position(0), Rule: r.Name, Err: fmt.Errorf("score gave %s, not a number", valueName(out))}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &Error{Pos: r.scoreSrc.Position(0), Rule: r.Name, Err: fmt.Errorf("score gave %g, not a finite number", f)}
	}
	return f, nil
}

func runtimeError(r *rule, src exprSource, err error) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		pos := src.Position(fe.From)
		return packfile.NewError(pos, r.Name, errors.New(redact(cleanMessage(fe.Message))), src.Src.Line(pos.Line))
	}
	return &Error{Pos: src.Position(0), Rule: r.Name, Err: errors.New(redact(cleanMessage(err.Error())))}
}

// Run time messages of expr that quote the values they failed on, which
// may be the ticket's text, and what an assessment says instead.
var valueMessages = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?s)invalid operation: (int|float)\(.*\)`), "text that is not a number was used as one ($1() or an index)"},
	{regexp.MustCompile(`(?s)strconv\.\w+: parsing .*`), "the text is not a number"},
	{regexp.MustCompile(`(?s)invalid date .*`), "date() could not read the text as a date"},
	{regexp.MustCompile(`(?s)parsing time .*`), "date() could not read the text as a date"},
	{regexp.MustCompile(`(?s)time: (invalid|unknown unit|missing unit).*`), "duration() could not read the text as a duration"},
	{regexp.MustCompile(`(?s)cannot slice .*`), "this value cannot be sliced"},
	{regexp.MustCompile(`(?s)cannot (get|fetch) .* from (\S+)$`), "cannot $1 that from $2"},
	{regexp.MustCompile(`(?s)cannot (get|fetch) .* from .*`), "cannot $1 that from this value"},
	{regexp.MustCompile(`"(?:[^"\\]|\\.)*"`), `"…"`},
}

// maxMessage bounds a run time message: it names the failure, not the
// values.
const maxMessage = 200

// redact takes out of a run time message whatever it quotes of the
// values the rule ran on: an assessment's errors are read and logged by
// people who may not see the ticket.
func redact(msg string) string {
	for _, m := range valueMessages {
		msg = m.re.ReplaceAllString(msg, m.with)
	}
	if len(msg) > maxMessage {
		msg, _ = clip(msg, maxMessage)
		msg += "…"
	}
	return msg
}

// valueName names the kind of a value a rule gave, not the value, which
// may be the ticket's text.
func valueName(v any) string {
	if v == nil {
		return "nothing (a missing field?)"
	}
	return kindOfValue(v)
}
