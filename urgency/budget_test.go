package urgency

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadRules loads a pack of the given rules, failing the test if it does
// not load.
func loadRules(t *testing.T, rules string) *Engine {
	t.Helper()
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(rules))}})
	require.NoError(t, err)
	return e
}

// TestRefusedBuiltins: what reads the host or only builds large values is
// refused at load, with the place and the reason.
func TestRefusedBuiltins(t *testing.T) {
	tests := []struct{ when, want string }{
		{`len(repeat(body, 1000000)) > 0`, "repeat() is not available in rules"},
		{`timezone(subject) != nil`, "timezone() is not available in rules"},
		{`date(subject, "2006", subject) > now`, "a time zone argument is not available"},
		{`date(subject, "2006", "Asia/Tokyo") > now`, "a time zone argument is not available"},
		{`now.Local().Hour() > 3`, "Local() is not available in rules"},
		{`now.In(now.Location()).Hour() > 3`, "is not available in rules"},
		{`len(toJSON(fields)) > 3`, "toJSON() is not available"},
		{`len(fromJSON(body)) > 3`, "fromJSON() is not available"},
		{`len(concat(split(body, ""), split(body, ""))) > 3`, "concat() is not available"},
		{`len(sortBy(split(body, ""), #)) > 3`, "sortBy() is not available"},
		{`replace(body, "a", "b", 2) == ""`, "replace takes three arguments"},
		{`any(1..100000000, {# == 3})`, "a range of more than 1000000 numbers"},
		{`let f = now.Local; f().Hour() > 3`, "Local can only be called"},
		{`$env.Hooks != nil`, "$env is not available in rules"},
		{`fields.obj.String() == "x"`, "only times and durations have methods in rules"},
		{`customer.tier.Len() > 3`, "only times and durations have methods in rules"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			list := loadText(t, testPack("\n  - {name: r, when: '"+tt.when+"'}"))
			require.NotEmpty(t, list, "must not load")
			assert.Contains(t, list.Error(), tt.want)
			assert.Equal(t, 9, list[0].Pos.Line)
		})
	}
}

// TestRuleBudget: rules that would take the host's memory or minutes per
// ticket fail for that ticket, are reported, and the ticket is assessed
// with the other rules.
func TestRuleBudget(t *testing.T) {
	body10k := strings.Repeat("abcdefghi ", 1<<10)
	body64k := strings.Repeat("a", 64<<10)
	body256k := strings.Repeat("abcdefgh", 32<<10)
	tests := []struct {
		name, when, body string
		fields           map[string]any
		want             string
	}{
		{"replace grows text", `replace(body, "a", body) != ""`, body64k, nil, "replace would make text longer than"},
		{"nested loops over text", `any(split(body, ""), {any(split(body, ""), {# == "Q"})})`, body10k, nil, "more than its budget"},
		{"scan per iteration", `any(split(body, " "), {body contains (# + "Q")})`, body10k, nil, "more than its budget"},
		{"join of copies", `len(join(map(split(body, ""), {body}), "")) > 0`, body10k, nil, "join would make text longer than"},
		{"copies kept by map", `len(map(split(body, ""), {body + #})) > 0`, body10k, nil, "more than its budget"},
		{"long range", `any(1..999999, {body contains "Q"})`, body10k, nil, "more than its budget"},
		{"range too long for memory", `len(1..fields.n) > 0`, "", map[string]any{"n": 100000000}, "memory budget"},
		{"custom list in a loop", `any(fields.ids, {"nope" in fields.ids})`, "", map[string]any{"ids": manyIDs(50000)}, "more than its budget"},
		{"count without a predicate", `any(fields.ids, {count(fields.flags) > 0})`, "", map[string]any{"ids": manyIDs(50000), "flags": falses(50000)}, "more than its budget"},
		{"layout of Format", `len(map(1..3000, {now.Format(fields.s)})) > 0`, "", map[string]any{"s": strings.Repeat("x", 1<<20)}, "more than its budget"},
		{"non-ASCII cutset", `trim(subject, fields.c) == ""`, "", map[string]any{"c": strings.Repeat("é", 64<<10) + "ü"}, "more than its budget"},
		{"later arguments of max", `let r = 0..498000; any(1..2000, {max(0, r) < 0})`, "", nil, "more than its budget"},
		{"words of a copy of the body", `let b = body; any(1..5000, {words(b) < 0})`, body256k, nil, "more than its budget"},
		{"mentions in a copy of the body", `let b = body; any(1..2000, {mentionCount(b, "payment") < 0})`, body256k, nil, "more than its budget"},
		{"a large pattern", `body matches "[a-z]{500}0"`, body256k, nil, "more than its budget"},
		{"a layout of the ticket", `any(1..5000, {date("", body) == now})`, strings.Repeat(" ", 256<<10), nil, "more than its budget"},
		{"length of text in a loop", `any(1..20000, {len(body) < 0})`, body256k, nil, "more than its budget"},
		{"upper per iteration", `any(split(body, ""), {upper(body) == #})`, body10k, nil, "more than its budget"},
		{"unknown types added", `any(split(body, ""), {len(fields.s + fields.s) == 0})`, body10k, map[string]any{"s": body10k}, "more than its budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadRules(t, "\n  - {name: bomb, when: '"+tt.when+"', score: 50}\n  - {name: ok, when: 'subject == \"hello\" || len(subject) > 1000', score: 7}")
			tk := Ticket{ID: "x", Subject: "hello", Body: tt.body, Fields: tt.fields, CreatedAt: now}
			if tt.name == "non-ASCII cutset" {
				tk.Subject = strings.Repeat("ü", 16<<10)
			}
			a := e.Assess(tk, now)
			require.Len(t, a.Errors, 1, "the rule fails for this ticket")
			assert.Equal(t, "bomb", a.Errors[0].Rule)
			assert.Contains(t, a.Errors[0].Error(), tt.want)
			assert.Equal(t, []string{"ok"}, a.Rules(), "the other rules still run")
			assert.Equal(t, 7.0, a.Score)

			q := mustQueue(NewQueue(e))
			q.Add(tk)
			require.Len(t, q.Ranked(now), 1, "the ticket is still ranked")
		})
	}
}

func falses(n int) []any {
	f := make([]any, n)
	for i := range f {
		f[i] = false
	}
	return f
}

func manyIDs(n int) []any {
	ids := make([]any, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%d", i)
	}
	return ids
}

// TestTicketBudget: a pack of many expensive rules is stopped by the
// ticket's budget, however many rules it has.
func TestTicketBudget(t *testing.T) {
	var rules strings.Builder
	for i := range 100 {
		fmt.Fprintf(&rules, "\n  - {name: r%d, when: 'any(split(body, \"\"), {# == \"Q\"})'}", i)
	}
	rules.WriteString("\n  - {name: ok, when: 'subject == \"hello\" || len(subject) > 1000', score: 7}")
	e := loadRules(t, rules.String())
	body := strings.Repeat("ab", 60<<10) // about 500,000 units a rule
	a := e.Assess(Ticket{ID: "x", Subject: "hello", Body: body, CreatedAt: now}, now)
	require.NotEmpty(t, a.Errors)
	assert.Less(t, len(a.Errors), 100, "the first rules run within the ticket's budget")
	assert.Contains(t, a.Errors[len(a.Errors)-1].Error(), "the pack's rules used the budget")
	assert.Equal(t, []string{"ok"}, a.Rules())

	// The next ticket has its budget again.
	b := e.Assess(Ticket{ID: "y", Subject: "hello", Body: "short", CreatedAt: now}, now)
	assert.Empty(t, b.Errors)
}

// TestMeteredRulesStillWork: the charges change no result of rules within
// their budget, and types are kept, so wrong rules still fail at load.
func TestMeteredRulesStillWork(t *testing.T) {
	e := loadRules(t, `
  - {name: words, when: 'any(split(subject, " "), {# == "urgent"})', score: 1}
  - {name: count, when: 'count(split(body, " "), {len(#) > 3}) == 2', score: 2}
  - {name: replace, when: 'replace(subject, "Re: ", "") == "urgent help"', score: 4}
  - {name: join, when: 'join(["a", "b"], "-") == "a-b" && join(split(subject, " ")) == "Re:urgenthelp"', score: 8}
  - {name: plus, when: '"x" + subject + "y" == "xRe: urgent helpy"', score: 16}
  - {name: fields, when: 'fields.seats + 1 > 100 && fields.name + "!" == "acme!"', score: 32}
  - {name: in, when: 'channel in ["email", "web"] && "b" in fields.tags', score: 64}
  - {name: contains, when: 'body contains "disk" && body startsWith subject[0:0]', score: 128}
  - {name: time, when: 'now.Hour() == 11 && now.Weekday().String() == "Sunday"', score: 256}
  - {name: map, when: 'sum(map(split(body, " "), {len(#)})) == 11', score: 512}`)
	tk := Ticket{ID: "x", Subject: "Re: urgent help", Body: "disk full now", Channel: "email", CreatedAt: now,
		Fields: map[string]any{"seats": 120, "name": "acme", "tags": []any{"a", "b"}}}
	a := e.Assess(tk, time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC))
	require.Empty(t, a.Errors)
	assert.Equal(t, 1023.0, a.Score, "every rule matched: %v", a.Rules())

	list := loadText(t, testPack("\n  - {name: r, when: 'len(split(subject, \" \")) + \"x\" > 3'}"))
	require.NotEmpty(t, list, "a type error inside a charged value is still found at load")
}

// TestRulesSeeNowInThePacksZone: the zone of the host, or of the time the
// host passes, never reaches a rule.
func TestRulesSeeNowInThePacksZone(t *testing.T) {
	pack := func(zone string) *Engine {
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte("version: 1\nname: z\nsettings: {timezone: " + zone + "}\n" +
			"levels:\n  - {name: high, min_score: 10, respond_within: 1h}\n  - {name: normal, respond_within: 8h}\n" +
			"rules:\n  - {name: morning, when: 'now.Hour() < 12', score: 10}\n")}})
		require.NoError(t, err)
		return e
	}
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) // 18:00 in Tokyo
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	tk := Ticket{ID: "x", CreatedAt: at}
	for _, passed := range []time.Time{at, at.In(tokyo), at.Local()} {
		assert.Equal(t, []string{"morning"}, pack("UTC").Assess(tk, passed).Rules(), "UTC pack, now in %v", passed.Location())
		assert.Empty(t, pack("Asia/Tokyo").Assess(tk, passed).Rules(), "Tokyo pack, now in %v", passed.Location())
	}
}

// TestRuntimeErrorsQuoteNoTicketText: a rule failing on a ticket says how,
// never with the ticket's words.
func TestRuntimeErrorsQuoteNoTicketText(t *testing.T) {
	const card = "4111111111111111x"
	rules := []string{
		`int(body) > 3`,
		`float(body) > 3`,
		`int(fields.card) > 3`,
		`date(body) > now`,
		`date(body, "2006-01-02") > now`,
		`duration(body) > duration("1h")`,
		`upper(fields[body]) == ""`,
		`fields.card.number == 3`,
		`fields.list[body] == 3`,
	}
	var b strings.Builder
	for i, r := range rules {
		fmt.Fprintf(&b, "\n  - {name: r%d, when: '%s'}", i, r)
	}
	b.WriteString("\n  - {name: text, when: 'true', score: 'fields.card'}")
	fmt.Fprintf(&b, "\n  - {name: when-text, when: 'fields.card'}")
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(b.String()))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{ID: "x", Body: card, CreatedAt: now, Fields: map[string]any{"card": card, "list": []any{1}}}, now)
	require.Len(t, a.Errors, len(rules)+2, "every rule fails: %v", a.Errors)
	for _, err := range a.Errors {
		assert.NotContains(t, err.Error(), "41111111", "rule %s", err.Rule)
		assert.NotContains(t, err.Caret(), "41111111")
		t.Log(err)
	}
}

// BenchmarkRuleBudget measures what a rule that spends its whole budget
// costs a ticket, against the whole default pack on the same ticket: the
// budget is the bound on what a hostile rule can take.
func BenchmarkRuleBudget(b *testing.B) {
	body := strings.Repeat("ab", 32<<10)
	tk := Ticket{ID: "x", Subject: "hello", Body: body, CreatedAt: now}
	for _, bc := range []struct{ name, when string }{
		{"loop", `any(split(body, ""), {any(split(body, ""), {# == "Q"})})`},
		{"scan", `any(split(body, ""), {body contains (# + "Q")})`},
		{"text", `len(map(split(body, ""), {upper(body)})) > 0`},
	} {
		e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack("\n  - {name: bomb, when: '" + bc.when + "'}"))}})
		require.NoError(b, err)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if a := e.Assess(tk, now); len(a.Errors) != 1 {
					b.Fatal("the rule did not reach its budget")
				}
			}
		})
	}
	e := loadDefaultPack(b)
	b.Run("default-pack", func(b *testing.B) {
		for b.Loop() {
			e.Assess(tk, now)
		}
	})
}

// TestDateIgnoresTheHostZone: date() reads times in the pack's zone,
// inside macros too; the zone of the host never reaches a rule.
func TestDateIgnoresTheHostZone(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(`version: 1
name: z
levels:
  - {name: normal, respond_within: 8h}
macros:
  jst: 'date("2020-06-01 12:00 JST", "2006-01-02 15:04 MST").Unix() - 1591012800'
rules:
  - {name: abbreviation, when: 'true', score: jst}
  - {name: layouts, when: 'date("01 Jun 20 12:00 JST").Unix() == 1591012800', score: 1000}
  - {name: method, when: 'date("2020-06-01").Year() == 2020 && date("2020-06-01", "2006-01-02").Day() == 1', score: 2000}
`)}})
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	saved := time.Local
	defer func() { time.Local = saved }()
	var scores []float64
	for _, local := range []*time.Location{time.UTC, tokyo} {
		time.Local = local
		a := e.Assess(Ticket{ID: "x", CreatedAt: now}, now)
		require.Empty(t, a.Errors)
		scores = append(scores, a.Score)
	}
	assert.Equal(t, scores[0], scores[1], "the host's zone changed a score")
	assert.Equal(t, 3000.0, scores[0])
}
