package urgency

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// fuzzNow is the evaluation time of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// yamlQuoted writes s as a YAML double-quoted scalar on one line. Bytes
// that are not UTF-8 become \xNN, which YAML reads as the character
// U+00NN: a YAML file holds text, not bytes. Characters YAML may not hold
// or reads as line breaks are escaped.
func yamlQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02X`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= utf8.MaxRune:
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fuzzExprFile is a small valid pack with one rule, fuzzed, whose when (or
// score) is the quoted expression. It returns the file and the line the
// expression is on.
func fuzzExprFile(quoted string, asScore bool) ([]byte, int) {
	const head = `version: 1
name: fuzz
levels:
  - {name: high, min_score: 50, respond_within: 4h}
  - {name: low, respond_within: 24h}
lists:
  payment: [payment, "plać*", "плаћање"]
  failure: ["fail*", "ne radi"]
macros:
  paid: mentions(text, "payment")
rules:
  - name: fuzzed
`
	line := strings.Count(head, "\n") + 1
	if asScore {
		return []byte(head + "    when: flagged || true\n    score: " + quoted + "\n    queue: billing\n"), line + 1
	}
	return []byte(head + "    when: " + quoted + "\n    score: 10\n    queue: billing\n"), line
}

// checkPositions fails unless every error points into the file: a known
// line and a column at most one past its end. Errors on the expression's
// line must point into the quoted scalar: at the opening quote (the value
// as a whole), into the expression, or at the closing quote (its end).
func checkPositions(t *testing.T, list []*Error, src *packfile.Source, exprLine int) {
	t.Helper()
	for _, e := range list {
		_ = e.Error()
		_ = e.Caret()
		if e.Pos.File != "p.yaml" {
			t.Fatalf("error names file %q: %v", e.Pos.File, e)
		}
		if e.Pos.Line < 1 || e.Pos.Line > len(src.Lines) || e.Pos.Column < 1 {
			t.Fatalf("position %v outside the file (%d lines): %v", e.Pos, len(src.Lines), e)
		}
		l := src.Lines[e.Pos.Line-1]
		if n := utf8.RuneCountInString(l); e.Pos.Column > n+1 {
			t.Fatalf("position %v past the end of line %q (%d characters): %v", e.Pos, l, n, e)
		}
		if e.Pos.Line == exprLine && e.Rule == "fuzzed" {
			open := utf8.RuneCountInString(l[:strings.IndexByte(l, '"')]) + 1
			closing := utf8.RuneCountInString(l)
			if e.Pos.Column < open || e.Pos.Column > closing {
				t.Fatalf("position %v outside the expression (columns %d to %d of %q): %v", e.Pos, open, closing, l, e)
			}
		}
	}
}

// watchdog turns an input that runs for more than 10s into a crash, which
// the fuzzer records with the input: it sets no time limit of its own.
// Call the result when the input is done.
func watchdog(input any) (stop func()) {
	timer := time.AfterFunc(10*time.Second, func() {
		panic(fmt.Sprintf("input still running after 10s: %q", input))
	})
	return func() { timer.Stop() }
}

// FuzzCompileExpr puts an arbitrary expression into the when (or the
// score) of a valid pack: loading never panics and every error points
// into the expression; a pack that loads assesses tickets without panics,
// and its run time errors point into the expression too.
func FuzzCompileExpr(f *testing.F) {
	for _, s := range []string{
		`mentions(text, "payment") && flagged`,
		`paid && mentions(subject, "failure")`,
		`mentions(text, "paymnt")`,
		`fields.product == "shop" && fields.missing.x > 1`,
		`fields.missing + 1 > 0`,
		`fields.note matches "[0-9]{3}"`,
		`subject matches body`,
		`"ćevapi" + čorba == 1`,
		"a\tb\n\"c\" \\ \x00 \u2028 \xff\xfe",
		`let s = "плаћање"; mentions(s, "payment")`,
		`customer.teir == "premium"`,
		`now() > now`,
		`age > duration("1h") && cluster.span < duration("2h")`,
		`1 / 0 > 1`,
		`words(text) / 0`,
		`int("x") > 0`,
		`1..100000000 | count(# > 0) > 0`,
		`sla_used > 0.5 && due_in < duration("30m")`,
		`((((((((((`,
		`"`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	tickets := []Ticket{
		{
			ID: "T-1", Subject: "PAYMENT FAILED!!!", Body: "Plaćanje ne radi, kartica odbijena. Error 502.",
			Channel: "email", Language: "hr", CreatedAt: fuzzNow.Add(-90 * time.Minute), Flagged: true,
			Customer: Customer{ID: "C-1", Tier: "premium", Since: fuzzNow.Add(-48 * time.Hour)},
			Fields:   map[string]any{"product": "shop", "note": "payment", "count": json.Number("3"), "list": []any{"a", 1.5}},
		},
		{ID: "T-2"},
	}
	f.Fuzz(func(t *testing.T, expr string, asScore bool) {
		defer watchdog(expr)()
		data, line := fuzzExprFile(yamlQuoted(expr), asScore)
		src := packfile.NewSource("p.yaml", data)
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: data}})
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want an ErrorList, got %T: %v", err, err)
			}
			if len(list) == 0 {
				t.Fatal("an empty ErrorList as error")
			}
			checkPositions(t, list, src, line)
			return
		}
		for _, tk := range tickets {
			a := e.Assess(tk, fuzzNow)
			_ = a.Why()
			checkPositions(t, a.Errors, src, line)
			if a.Level != "high" && a.Level != "low" {
				t.Fatalf("level %q is not a level of the pack", a.Level)
			}
		}
	})
}

// FuzzTicketJSON reads arbitrary bytes as one line of JSON Lines: a ticket
// comes out with an ID and a creation time, or a *LineError for line 1. A
// ticket read encodes back (its times within what RFC 3339 writes).
func FuzzTicketJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"T-1","subject":"Payment failed","created_at":"2026-11-22T09:00:00Z"}`,
		`{"id":"T-2","created_at":"2026-11-22T09:00:00+01:00","customer":{"id":"C-1","tier":"premium","since":"2026-11-01T00:00:00Z"},"fields":{"n":1e400,"x":[1,{"a":null}]}}`,
		`{"id":"","created_at":"2026-11-22T09:00:00Z"}`,
		`{"id":"T-3"}`,
		`{"id":"T-4","created_at":"yesterday"}`,
		`{"id":"T-5","created_at":5}`,
		`{"id":"T-6","created_at":"2026-11-22T09:00:00Z","flagged":"yes"}`,
		`{"id":"T-7","created_at":"2026-11-22T09:00:00Z","customer":[]}`,
		`{"id":"T-8","created_at":"2026-11-22T09:00:00Z","colour":"red"}`,
		`{"id":"T-9","created_at":"2026-11-22T09:00:00Z"} {"id":"T-10"}`,
		`{"id":"T-11","created_at":"2026-11-22T09:00:00Z","body":"\u0000\ud800 \xff"}`,
		`{"id":1}`,
		`[1,2]`,
		`"ticket"`,
		`{"id":"T-12",`,
		`null`,
		"   \t ",
		"\xef\xbb\xbf{\"id\":\"T-13\",\"created_at\":\"2026-11-22T09:00:00Z\"}",
		`{"id":"T-14","created_at":"2026-11-22T09:00:00Z","status":"pending","history":[{"at":"2026-11-22T09:00:00Z","status":"open"},{"at":"2026-11-22T09:40:00Z","status":"pending"}],"first_reply_at":"2026-11-22T09:30:00Z"}`,
		`{"id":"T-15","created_at":"2026-11-22T09:00:00Z","history":[{"at":"2026-11-22T10:00:00Z","status":"pending"},{"at":"2026-11-22T09:00:00Z","status":"open"}]}`,
		`{"id":"T-16","created_at":"2026-11-22T09:00:00Z","history":[{"at":"9999-12-31T23:59:59Z","status":"on-hold"}],"first_reply_at":"0001-01-01T00:00:01Z"}`,
		`{"id":"T-17","created_at":"2026-11-22T09:00:00Z","history":{"at":"2026-11-22T10:00:00Z"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Skip("more than one line")
		}
		r := NewTicketReader(bytes.NewReader(line))
		tk, err := r.Next()
		switch {
		case err == nil:
			if tk.ID == "" {
				t.Fatalf("ticket without an ID from %q", line)
			}
			if tk.CreatedAt.IsZero() {
				t.Fatalf("ticket without a creation time from %q", line)
			}
			if !json.Valid(bytes.TrimPrefix(line, byteOrderMark)) {
				t.Fatalf("ticket %q accepted from %q, which is not one JSON value", tk.ID, line)
			}
			if r.Line() != 1 {
				t.Fatalf("Line() = %d after the first line", r.Line())
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the only line: %v, want io.EOF", err)
			}
			// What the reader accepts, the JSON form writes back and reads
			// again as the same ticket.
			out, err := json.Marshal(tk)
			if err != nil {
				t.Fatalf("ticket from %q does not encode: %v", line, err)
			}
			back, err := decodeTicket(out)
			if err != nil {
				t.Fatalf("ticket from %q encodes as %s, which does not decode: %v", line, out, err)
			}
			if back.ID != tk.ID || !back.CreatedAt.Equal(tk.CreatedAt) || !back.Customer.Since.Equal(tk.Customer.Since) ||
				back.Subject != tk.Subject || back.Body != tk.Body || back.Customer.ID != tk.Customer.ID ||
				back.Status != tk.Status || len(back.History) != len(tk.History) || !back.FirstReplyAt.Equal(tk.FirstReplyAt) {
				t.Fatalf("ticket from %q encodes as %s, which decodes differently", line, out)
			}
		case err == io.EOF:
			if len(bytes.TrimSpace(line)) != 0 {
				t.Fatalf("io.EOF for the non-blank line %q", line)
			}
		default:
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("want a *LineError, got %T: %v", err, err)
			}
			if le.Line != 1 {
				t.Fatalf("error on line %d of a one-line input: %v", le.Line, err)
			}
			if le.Err == nil || le.Err.Error() == "" {
				t.Fatalf("LineError without a message: %#v", le)
			}
			if !strings.HasPrefix(err.Error(), "line 1: ") {
				t.Fatalf("message %q does not name line 1", err)
			}
		}
	})
}

var fuzzDefault = sync.OnceValues(func() (*Engine, error) { return LoadFS(os.DirFS("../rules/default")) })

func fuzzDefaultPack(t testing.TB) *Engine {
	t.Helper()
	e, err := fuzzDefault()
	require.NoError(t, err)
	return e
}

// fuzzOffset maps a fuzzed number of seconds into ±100 years, so that
// times stay within what any helpdesk stores.
func fuzzOffset(s int64) time.Duration {
	const span = 100 * 365 * 24 * 3600
	return time.Duration(s%span) * time.Second
}

// FuzzAssess assesses arbitrary tickets with the default pack: it never
// panics, no rule of the default pack fails on any text, and the
// assessment is consistent with itself and the pack.
func FuzzAssess(f *testing.F) {
	type seed struct {
		subject, body, language, channel string
		flagged                          bool
		tier                             string
		created, since                   int64
	}
	for _, s := range []seed{
		{"Payment failed - card declined", "Our monthly payment failed again.", "en", "email", false, "premium", 3 * 3600, 400 * 24 * 3600},
		{"Plaćanje ne radi", "Kartica odbijena!!! ПЛАЋАЊЕ НЕ РАДИ", "sr", "chat", true, "standard", 50 * 60, 3 * 24 * 3600},
		{"pla\xffćanje \xc3 ne radi", "\xed\xa0\x80 kartica odbijena \xf4\x90\x80\x80", "hr", "web", false, "", 0, 0},
		{"payment\x00failed", "\x00\x00\x00", "\x00", "\x00", true, "\x00", -3600, -1},
		{"\u202epayment failed\u202c", "\u200f\u200e card declined \u2067x\u2069 \u061c\ufeff", "ar", "phone", false, "vip", 61 * 60, 1},
		{"HELP!!! SITE DOWN", "502 Bad Gateway, nothing works, we cannot work", "en", "phone", true, "enterprise", 7200, 0},
		{"Thanks!", "All good now, thank you", "de", "email", false, "premium", 10, 10},
		{"How do I start?", "I just signed up, where do I find the settings?", "en", "web", false, "", 60, 3600},
		{"", "", "", "", false, "", 0, 0},
		{strings.Repeat("word ", 200), strings.Repeat("ne radi ", 1000) + "?", "pl", "chat", true, "vip", 1 << 62, -1 << 62},
		{"İSTANBUL ǅ ß ﬃ", "Straße STRASSE ΣΊΣΥΦΟΣ đ Đ ł Ł", "tr", "email", false, "standard", -1, 1},
	} {
		f.Add(s.subject, s.body, s.language, s.channel, s.flagged, s.tier, s.created, s.since)
	}
	f.Fuzz(func(t *testing.T, subject, body, language, channel string, flagged bool, tier string, created, since int64) {
		e := fuzzDefaultPack(t)
		tk := Ticket{
			ID: "T-1", Subject: subject, Body: body, Language: language, Channel: channel, Flagged: flagged,
			CreatedAt: fuzzNow.Add(-fuzzOffset(created)),
			Customer:  Customer{ID: "C-1", Tier: tier},
		}
		if since != 0 {
			tk.Customer.Since = tk.CreatedAt.Add(-fuzzOffset(since))
		}
		a := e.Assess(tk, fuzzNow)
		for _, err := range a.Errors {
			t.Fatalf("the default pack fails on %+v: %v", tk, err)
		}
		checkAssessment(t, e, a)
		// Pooled state from another ticket must not leak into the next.
		e.Assess(Ticket{ID: "T-2", Subject: "payment failed", Body: "ne radi", CreatedAt: fuzzNow}, fuzzNow)
		again := e.Assess(tk, fuzzNow)
		require.Equal(t, a, again, "the same ticket assessed twice")
		ranked := e.Rank([]Ticket{tk}, fuzzNow)
		require.Equal(t, []Assessment{a}, ranked, "Rank of one ticket is its Assess")
	})
}

// checkAssessment checks a against the pack: a level of the pack, raised
// above the score's only by a rule's floor; a deadline no later than the
// level promises, after creation; hits in file order that add up to the
// score; tags and queue as the hit rules give them.
func checkAssessment(t *testing.T, e *Engine, a Assessment) {
	t.Helper()
	levels := e.Levels()
	var names []string
	for _, l := range levels {
		names = append(names, l.Name)
	}
	level, scoreLevel := slices.Index(names, a.Level), slices.Index(names, a.ScoreLevel)
	if level < 0 || scoreLevel < 0 {
		t.Fatalf("level %q (score level %q) is not one of %v", a.Level, a.ScoreLevel, names)
	}
	if level > scoreLevel || (level < scoreLevel) != (a.LevelRule != "") {
		t.Fatalf("level %q, score level %q, raised by rule %q", a.Level, a.ScoreLevel, a.LevelRule)
	}
	if a.Pack != e.Version() {
		t.Fatalf("assessed by %q, the engine is %q", a.Pack, e.Version())
	}
	created := a.Ticket.CreatedAt
	if created.IsZero() {
		created = fuzzNow
	}
	if a.Due.Before(created) {
		t.Fatalf("due %v before created %v", a.Due, created)
	}
	if a.RespondWithin <= 0 || a.RespondWithin > levels[level].RespondWithin {
		t.Fatalf("respond within %v, level %q promises %v", a.RespondWithin, a.Level, levels[level].RespondWithin)
	}
	if a.Calendar == packfile.Always24x7 && (!a.Due.Equal(created.Add(a.RespondWithin)) || a.DueIn != a.Due.Sub(fuzzNow)) {
		t.Fatalf("due %v in %v, but created %v plus %v of plain time", a.Due, a.DueIn, created, a.RespondWithin)
	}
	rules := e.Rules()
	index := make(map[string]int)
	for i, r := range rules {
		index[r.Name] = i
	}
	sum := 0.0
	var tags []string
	queue, queuePoints := "", 0.0
	for i, h := range a.Hits {
		k, ok := index[h.Rule]
		if !ok {
			t.Fatalf("hit of unknown rule %q", h.Rule)
		}
		if i > 0 && k <= index[a.Hits[i-1].Rule] {
			t.Fatalf("hits not in file order: %v", a.Rules())
		}
		sum += h.Points
		for _, tag := range rules[k].Tags {
			if !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
		if q := rules[k].Queue; q != "" && (queue == "" || h.Points > queuePoints) {
			queue, queuePoints = q, h.Points
		}
	}
	if d := sum - a.Score; d > 1e-9 || d < -1e-9 {
		t.Fatalf("score %g, but the hits add up to %g: %v", a.Score, sum, a.Hits)
	}
	if !slices.IsSorted(a.Tags) || len(slices.Compact(slices.Clone(a.Tags))) != len(a.Tags) {
		t.Fatalf("tags not sorted and unique: %q", a.Tags)
	}
	slices.Sort(tags)
	if !slices.Equal(tags, a.Tags) {
		t.Fatalf("tags %q, but the hit rules give %q", a.Tags, tags)
	}
	if queue != a.Queue {
		t.Fatalf("queue %q, but the hit rules give %q: %v", a.Queue, queue, a.Hits)
	}
}

// fuzzTexts are the ticket texts of FuzzQueue: reports of one outage in
// several languages, a payment failure, tickets that are alike in a
// chain (A~B, B~C, A≁C), thanks and an empty ticket.
var fuzzTexts = [][2]string{
	{"Site down", "502 Bad Gateway on the dashboard since 10:00"},
	{"Dashboard 502", "Bad Gateway 502 again, nothing works"},
	{"Strona nie działa", "502 Bad Gateway na panelu"},
	{"Payment failed", "My card was declined twice"},
	{"alpha bravo charlie delta", ""},
	{"echo foxtrot golf hotel", ""},
	{"alpha bravo charlie delta echo foxtrot golf hotel", ""},
	{"Thanks!", "All good now, thank you"},
	{"", ""},
	{"Plaćanje ne radi", "Kartica odbijena, greška 502"},
}
