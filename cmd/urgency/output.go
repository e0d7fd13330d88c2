package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/triagekit/triage/internal/termsafe"
	"github.com/triagekit/triage/urgency"
)

// jsonAssessment is one line of rank -format json.
type jsonAssessment struct {
	Rank      int                  `json:"rank"`
	ID        string               `json:"id"`
	Level     string               `json:"level"`
	Score     float64              `json:"score"`
	Due       time.Time            `json:"due,omitzero"`     // absent when nothing is due
	DueIn     string               `json:"due_in,omitempty"` // working time left, negative when overdue
	Calendar  string               `json:"calendar"`         // what the response time counts on
	Queue     string               `json:"queue"`
	Tags      []string             `json:"tags"`
	Rules     []string             `json:"rules"`
	Cluster   urgency.ClusterFacts `json:"cluster"`
	Duplicate bool                 `json:"duplicate"`
	service
	Hits   []urgency.Hit `json:"hits,omitempty"`
	Why    []string      `json:"why,omitempty"`
	Errors []string      `json:"errors,omitempty"`
}

// service is what the output says of a ticket's service level, for
// tickets that carry status, history or first_reply_at: without them a
// ticket is due for its first reply, as before, and the output is as
// before.
type service struct {
	Target   string   `json:"target,omitempty"` // first_reply or resolution
	Paused   bool     `json:"paused,omitempty"` // the clock is stopped
	Breached string   `json:"breached,omitempty"`
	Notes    []string `json:"notes,omitempty"` // service fields not used as given
}

func serviceOf(a *urgency.Assessment) service {
	s := service{Paused: a.Paused, Breached: a.Breached, Notes: a.Notes}
	if a.Ticket.HasServiceFields() {
		s.Target = a.Target
	}
	return s
}

// dueIn formats the working time left, "" when nothing is due.
func dueIn(a *urgency.Assessment) string {
	if a.Due.IsZero() {
		return ""
	}
	return urgency.FormatDuration(a.DueIn.Round(time.Second))
}

// jsonLines writes one JSON value a line. A value that does not encode is
// left out and reported at the end, and the lines after it are still
// written: one ticket never stops the output halfway. (Nothing the engine
// gives should fail: ticket times are bounded when read, deadlines by the
// calendars, scores saturate.)
type jsonLines struct {
	enc    *json.Encoder
	failed []error
}

func newJSONLines(w io.Writer) *jsonLines {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonLines{enc: enc}
}

// write writes v, the line of the ticket id; it returns only the errors
// of writing.
func (j *jsonLines) write(id string, v any) error {
	err := j.enc.Encode(v)
	var marshaler *json.MarshalerError
	var value *json.UnsupportedValueError
	var typ *json.UnsupportedTypeError
	if errors.As(err, &marshaler) || errors.As(err, &value) || errors.As(err, &typ) {
		// Encode writes nothing of a value it cannot encode.
		j.failed = append(j.failed, fmt.Errorf("ticket %q is left out of the output: %w", id, err))
		return nil
	}
	return err
}

// err reports the values left out.
func (j *jsonLines) err() error { return errors.Join(j.failed...) }

func writeJSON(w io.Writer, ranked []urgency.Assessment, loc *time.Location, explain bool) error {
	return writeLinesParallel(w, len(ranked), func(i int) (string, any) {
		a := &ranked[i]
		j := jsonAssessment{
			Rank: i + 1, ID: a.Ticket.ID, Level: a.Level, Score: a.Score, Due: a.Due.In(loc),
			DueIn: dueIn(a), Calendar: a.Calendar,
			Queue: a.Queue, Tags: nonNil(a.Tags), Rules: nonNil(a.Rules()),
			Cluster: a.Cluster, Duplicate: a.Duplicate, service: serviceOf(a),
		}
		for _, err := range a.Errors {
			j.Errors = append(j.Errors, err.Error())
		}
		if explain {
			j.Hits = a.Hits
			j.Why = a.Why()
		}
		return a.Ticket.ID, j
	})
}

// linesChunk is how many lines one goroutine of writeLinesParallel
// encodes at a time.
const linesChunk = 512

// writeLinesParallel writes the n values line gives (with the ID of each
// one's ticket) as jsonLines does, one a line, in order: the lines are
// encoded a chunk at a time on up to GOMAXPROCS goroutines, at most a few
// chunks ahead of the writing, so the output is the same and the memory
// it takes does not grow with n. The chunks' buffers are used again, and
// written in pieces no larger than a termsafe.Writer keeps.
func writeLinesParallel(w io.Writer, n int, line func(i int) (id string, v any)) error {
	type encoded struct {
		b      bytes.Buffer
		failed []error
	}
	workers := runtime.GOMAXPROCS(0)
	pending := make(chan chan *encoded, workers)
	free := make(chan *encoded, 2*workers+1)
	var stop atomic.Bool // a write failed: no more chunks are encoded
	go func() {
		defer close(pending)
		sem := make(chan struct{}, workers)
		for lo := 0; lo < n && !stop.Load(); lo += linesChunk {
			c := make(chan *encoded, 1)
			pending <- c
			sem <- struct{}{}
			go func(lo, hi int) {
				defer func() { <-sem }()
				var e *encoded
				select {
				case e = <-free:
					e.b.Reset()
					e.failed = nil
				default:
					e = new(encoded)
				}
				lines := newJSONLines(&e.b)
				for i := lo; i < hi; i++ {
					id, v := line(i)
					lines.write(id, v) // a bytes.Buffer does not fail
				}
				e.failed = lines.failed
				c <- e
			}(lo, min(lo+linesChunk, n))
		}
	}()
	var werr error
	var failed []error
	for c := range pending {
		e := <-c
		for b := e.b.Bytes(); len(b) > 0 && werr == nil; {
			k := min(len(b), writePiece)
			_, werr = w.Write(b[:k])
			b = b[k:]
		}
		if werr != nil {
			stop.Store(true)
			continue // the chunks under way are let go
		}
		failed = append(failed, e.failed...)
		select {
		case free <- e:
		default:
		}
	}
	return errors.Join(append([]error{werr}, failed...)...)
}

// writePiece is the most writeLinesParallel writes at once.
const writePiece = 32 << 10

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// targetCell shows what a ticket is due for, "paused" when its clock is
// stopped and "reply late" when its first reply breached its due time:
// "resolution paused", "resolution, reply late".
func targetCell(a *urgency.Assessment) string {
	s := "first reply"
	if a.Target == urgency.TargetResolution {
		s = "resolution"
	}
	if a.Paused {
		s += " paused"
	}
	if a.Breached != "" {
		s += ", reply late"
	}
	return s
}

// explained is one ticket's explanation with its place in the queue.
type explained struct {
	urgency.Explanation
	rank, of int
}

func writeExplainText(w io.Writer, xs []explained) error {
	for i, x := range xs {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "rank %d of %d\n", x.rank, x.of); err != nil {
			return err
		}
		// Each line on its own: a line break in a ticket's ID is shown,
		// not obeyed.
		for _, line := range x.Lines() {
			if _, err := fmt.Fprintln(w, termsafe.String(line)); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonExplanation is one line of explain -format json.
type jsonExplanation struct {
	Rank      int                  `json:"rank"`
	Of        int                  `json:"of"`
	ID        string               `json:"id"`
	Level     string               `json:"level"`
	Score     float64              `json:"score"`
	Due       time.Time            `json:"due,omitzero"`
	DueIn     string               `json:"due_in,omitempty"`
	Calendar  string               `json:"calendar"`
	Queue     string               `json:"queue"`
	QueueRule string               `json:"queue_rule"` // the matching rule the queue comes from
	Tags      []string             `json:"tags"`
	Cluster   urgency.ClusterFacts `json:"cluster"`
	Duplicate bool                 `json:"duplicate"`
	service
	Why   []string        `json:"why"`
	Rules []jsonRuleTrace `json:"rules"` // every rule of the pack, in pack order
}

type jsonRuleTrace struct {
	urgency.RuleTrace
	Error string `json:"error,omitempty"`
}

func writeExplainJSON(w io.Writer, xs []explained, loc *time.Location) error {
	lines := newJSONLines(w)
	for _, x := range xs {
		a := &x.Assessment
		j := jsonExplanation{
			Rank: x.rank, Of: x.of, ID: a.Ticket.ID, Level: a.Level, Score: a.Score, Due: a.Due.In(loc),
			DueIn: dueIn(a), Calendar: a.Calendar,
			Queue: a.Queue, QueueRule: x.QueueRule, Tags: nonNil(a.Tags),
			Cluster: a.Cluster, Duplicate: a.Duplicate, service: serviceOf(a), Why: a.Why(),
		}
		for _, r := range x.Rules {
			jr := jsonRuleTrace{RuleTrace: r}
			if r.Err != nil {
				jr.Error = r.Err.Error()
			}
			j.Rules = append(j.Rules, jr)
		}
		if err := lines.write(a.Ticket.ID, j); err != nil {
			return err
		}
	}
	return lines.err()
}

// clusterCell shows a ticket's cluster as LEADER×SIZE/CUSTOMERS, or "-"
// for a ticket alone.
func clusterCell(c urgency.ClusterFacts) string {
	if c.Size <= 1 {
		return "-"
	}
	return fmt.Sprintf("%s×%d/%d", cell(c.ID, 24), c.Size, c.Customers)
}

func dupCell(dup bool) string {
	if dup {
		return "dup"
	}
	return "-"
}

// similarLine is one line of similar -format json.
type similarLine struct {
	ID      string          `json:"id"`
	Similar []urgency.Match `json:"similar"`
}

func writeSimilarJSON(w io.Writer, tickets []urgency.Ticket, results [][]urgency.Match) error {
	lines := newJSONLines(w)
	for i, t := range tickets {
		ms := results[i]
		if ms == nil {
			ms = []urgency.Match{}
		}
		for j := range ms {
			ms[j].Score = math.Round(ms[j].Score*1000) / 1000
		}
		if err := lines.write(t.ID, similarLine{ID: t.ID, Similar: ms}); err != nil {
			return err
		}
	}
	return lines.err()
}

func writeSimilarTable(w io.Writer, tickets []urgency.Ticket, results [][]urgency.Match) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSIMILAR (SCORE)\tSUBJECT")
	for i, t := range tickets {
		var parts []string
		for _, m := range results[i] {
			parts = append(parts, fmt.Sprintf("%s (%.2f)", cell(m.ID, 24), m.Score))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cell(t.ID, 24), dash(strings.Join(parts, ", ")), cell(t.Subject, 48))
	}
	return tw.Flush()
}

// zoneName names loc for a column heading: UTC, Europe/Zagreb.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// left formats the working time left until due to the minute; negative
// when overdue.
func left(d time.Duration) string {
	d = d.Truncate(time.Minute)
	if d == 0 {
		return "now"
	}
	return urgency.FormatDuration(d)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell makes s fit one table cell: white space collapsed (a tab or line
// break would break the columns), the other characters that act on a
// terminal escaped (see termsafe), at most n characters, "-" when empty.
func cell(s string, n int) string {
	s = termsafe.String(strings.Join(strings.Fields(s), " "))
	r := []rune(s)
	if len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return dash(s)
}
