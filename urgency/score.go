package urgency

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
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
	// Due is when the ticket must be answered: RespondWithin of working
	// time on Calendar after created_at, in the pack's time zone.
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
	// RespondWithin is the response time that set Due.
	RespondWithin time.Duration
	// DueRule is the rule whose respond_within or calendar gave an
	// earlier deadline than the level's; "" when the level's applies.
	DueRule string
	// Calendar names the calendar RespondWithin counts on.
	Calendar string
	// DueIn is the working time left at the time of assessment until Due,
	// by Calendar; negative when the ticket is overdue.
	DueIn time.Duration
	// SLAUsed is the share of RespondWithin already used (working time
	// since creation over RespondWithin); above 1 when overdue.
	SLAUsed float64
	// Pack is the version of the pack that assessed the ticket, see
	// [Engine.Version].
	Pack string
	// Truncated is true when the subject or the body was longer than
	// MaxTextBytes: the rules read only the beginning.
	Truncated bool

	level int // index into the engine's levels, 0 = highest
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
	who := a.Level
	if a.DueRule != "" {
		who = "rule " + a.DueRule
	}
	on := ""
	if a.Calendar != "" && a.Calendar != always24x7 {
		on = " of " + a.Calendar + " time"
	}
	out = append(out, fmt.Sprintf("due %s: %s responds within %s%s", a.Due.Format(time.RFC3339), who, FormatDuration(a.RespondWithin), on))
	if a.Truncated {
		out = append(out, fmt.Sprintf("text beyond %d KiB of the subject or body was not read", MaxTextBytes>>10))
	}
	for _, err := range a.Errors {
		out = append(out, "error: "+err.Error())
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
		return false, &Error{Pos: r.whenSrc.position(0), Rule: r.Name, Err: fmt.Errorf("when gave %s, not true or false", valueName(out))}
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
		return 0, &Error{Pos: r.scoreSrc.position(0), Rule: r.Name, Err: fmt.Errorf("score gave %s, not a number", valueName(out))}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &Error{Pos: r.scoreSrc.position(0), Rule: r.Name, Err: fmt.Errorf("score gave %g, not a finite number", f)}
	}
	return f, nil
}

func runtimeError(r *rule, src exprSource, err error) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &Error{Pos: src.position(fe.From), Rule: r.Name, Err: errors.New(redact(cleanMessage(fe.Message))), line: src.src.line(src.position(fe.From).Line)}
	}
	return &Error{Pos: src.position(0), Rule: r.Name, Err: errors.New(redact(cleanMessage(err.Error())))}
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
