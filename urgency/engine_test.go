package urgency

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func loadBasic(t testing.TB) *Engine {
	t.Helper()
	e, err := Load("testdata/basic.yaml")
	require.NoError(t, err)
	return e
}

func TestAssessScoringLevelsDueQueueTags(t *testing.T) {
	e := loadBasic(t)
	tests := []struct {
		name      string
		ticket    Ticket
		level     string
		score     float64
		rules     []string
		queue     string
		tags      []string
		due       time.Duration // after created_at
		why       string        // a line Why must contain
		levelRule string
	}{
		{
			name:   "croatian payment failure reaches critical by floor",
			ticket: Ticket{ID: "A", Subject: "PLAĆANJE ne radi", Body: "Kartica je odbijena."},
			level:  "critical", score: 60, rules: []string{"payment-failure"},
			queue: "billing", tags: []string{"payments"}, due: time.Hour,
			levelRule: "payment-failure",
		},
		{
			name:   "serbian cyrillic matches latin terms",
			ticket: Ticket{ID: "B", Subject: "Уплата", Body: "плаћање не ради"},
			level:  "critical", score: 60, rules: []string{"payment-failure"},
			queue: "billing", tags: []string{"payments"}, due: time.Hour,
			levelRule: "payment-failure",
		},
		{
			name:   "premium shortens the due time",
			ticket: Ticket{ID: "C", Subject: "Question", Body: "How do I export?", Customer: Customer{Tier: "premium"}},
			level:  "normal", score: 10, rules: []string{"premium"}, due: 30 * time.Minute,
			why: "rule premium responds within 30m",
		},
		{
			name:   "thanks only sinks to the catch-all",
			ticket: Ticket{ID: "D", Subject: "Hvala", Body: "Hvala puno!"},
			level:  "low", score: -30, rules: []string{"thanks-only"}, due: 72 * time.Hour,
		},
		{
			name:   "score expression gives points per distinct term",
			ticket: Ticket{ID: "E", Subject: "Error", Body: "It failed, declined, error again", Flagged: true},
			level:  "normal", score: 15 + 15, rules: []string{"flagged", "many-failures"},
			tags: []string{"flagged"}, due: 24 * time.Hour,
		},
		{
			name: "new customer routes to onboarding",
			ticket: Ticket{ID: "F", Subject: "How to start", Body: "Where do I begin?",
				Customer: Customer{Since: now.Add(-48 * time.Hour)}},
			level: "normal", score: 5, rules: []string{"new-customer"}, queue: "onboarding", due: 24 * time.Hour,
		},
		{
			name: "an old customer is not new",
			ticket: Ticket{ID: "G", Subject: "How to start", Body: "Where do I begin?",
				Customer: Customer{Since: now.Add(-800 * time.Hour)}},
			level: "normal", score: 0, due: 24 * time.Hour,
		},
		{
			name:   "high score without a floor",
			ticket: Ticket{ID: "H", Subject: "x", Body: "fail declined error", Flagged: true, Customer: Customer{Tier: "premium"}, Fields: map[string]any{"product": "Shop"}},
			level:  "normal", score: 15 + 10 + 15 + 1, rules: []string{"flagged", "premium", "many-failures", "product-shop"},
			tags: []string{"flagged"}, due: 30 * time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ticket.CreatedAt = now.Add(-2 * time.Hour)
			if tt.ticket.Fields == nil {
				tt.ticket.Fields = map[string]any{"product": "web"}
			}
			a := e.Assess(tt.ticket, now)
			assert.Empty(t, a.Errors)
			assert.Equal(t, tt.level, a.Level)
			assert.InDelta(t, tt.score, a.Score, 1e-9)
			if tt.rules == nil {
				tt.rules = []string{}
			}
			assert.Equal(t, tt.rules, a.Rules())
			assert.Equal(t, tt.queue, a.Queue)
			assert.Equal(t, tt.tags, nilIfEmpty(a.Tags))
			assert.True(t, tt.ticket.CreatedAt.Add(tt.due).Equal(a.Due), "due %v", a.Due)
			assert.Equal(t, "Europe/Zagreb", a.Due.Location().String(), "due times are in the pack's time zone")
			assert.Equal(t, tt.levelRule, a.LevelRule)
			if tt.why != "" {
				assert.Contains(t, a.Why(), "due "+a.Due.Format(time.RFC3339)+": "+tt.why)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestRuntimeErrorSkipsRuleKeepsTicket(t *testing.T) {
	e := loadBasic(t)
	a := e.Assess(Ticket{ID: "A", Subject: "payment failed", CreatedAt: now}, now)
	assert.Equal(t, "critical", a.Level, "the other rules still apply")
	require.Len(t, a.Errors, 1)
	err := a.Errors[0]
	assert.Equal(t, "product-shop", err.Rule)
	assert.Equal(t, Position{File: "testdata/basic.yaml", Line: 45, Column: 11}, err.Pos)
	assert.Equal(t, `testdata/basic.yaml:45:11: rule "product-shop": expected text, got nothing (is a custom field missing?)`, err.Error())
	assert.Equal(t, "    when: lower(fields.product) == \"shop\"\n          ^", err.Caret())
	assert.NotContains(t, a.Rules(), "product-shop")
}

func TestDisabledRuleIsCompiledButNeverRuns(t *testing.T) {
	e := loadBasic(t)
	a := e.Assess(Ticket{ID: "A", CreatedAt: now, Fields: map[string]any{"product": "x"}}, now)
	assert.NotContains(t, a.Rules(), "disabled")
	_, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - name: off
    when: nosuchname
    enabled: false`))}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:10:11: rule \"off\": unknown name nosuchname")
}

// testPack returns a small valid pack with the given rules section appended.
func testPack(rules string) string {
	return `version: 1
name: t
levels:
  - {name: high, min_score: 50, respond_within: 4h}
  - {name: low, respond_within: 24h}
lists:
  payment: [payment, "plać*"]
rules:` + rules + "\n"
}

func TestQueueGoesToHighestScoringRuleFirstOnTies(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: a, when: "true", score: 5, queue: first}
  - {name: b, when: "true", score: 10, queue: second}
  - {name: c, when: "true", score: 10, queue: third}
  - {name: d, when: "true", score: 20}`))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{ID: "x", CreatedAt: now}, now)
	assert.Equal(t, "second", a.Queue)
	assert.Equal(t, 45.0, a.Score)
	assert.Equal(t, "low", a.Level, "45 is below high's 50")
}

func TestRespondWithinShortestWins(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: slow, when: "true", respond_within: 2d}
  - {name: fast, when: "flagged", respond_within: 15m}
  - {name: faster, when: "flagged && channel == 'chat'", respond_within: 5m}`))}})
	require.NoError(t, err)
	created := now.Add(-time.Hour)
	a := e.Assess(Ticket{ID: "x", CreatedAt: created}, now)
	assert.Equal(t, created.Add(24*time.Hour), a.Due, "a rule cannot lengthen the level's promise")
	assert.Empty(t, a.DueRule)
	a = e.Assess(Ticket{ID: "x", CreatedAt: created, Flagged: true}, now)
	assert.Equal(t, created.Add(15*time.Minute), a.Due)
	assert.Equal(t, "fast", a.DueRule)
	a = e.Assess(Ticket{ID: "x", CreatedAt: created, Flagged: true, Channel: "chat"}, now)
	assert.Equal(t, created.Add(5*time.Minute), a.Due)
	assert.Equal(t, "faster", a.DueRule)
}

func TestEnvFacts(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: age, when: 'age == duration("90m")'}
  - {name: now, when: 'now == date("2026-11-22T10:00:00Z")'}
  - {name: customer-age, when: 'customer.age == duration("48h") && customer.new && customer.id == "C1"'}
  - {name: cluster-alone, when: "cluster.size == 1 && cluster.customers == 1 && !duplicate"}
  - {name: language, when: 'language == "sr" && channel == "chat"'}
  - {name: text, when: 'text == "Naslov\nTelo"'}
  - {name: subject-only, when: 'mentions(subject, "payment") && !mentions(body, "payment")'}
  - {name: count, when: 'mentionCount(text, "payment") == 2'}
  - {name: stats, when: 'words(text) == 5 && exclamations(subject) == 2 && shouting(subject) > 0.9'}
  - {name: dynamic, when: 'mentions(fields.note, "payment") && words(fields.note) == 1'}
  - {name: let, when: 'let s = "payment"; mentions(s, "payment")'}`))}})
	require.NoError(t, err)
	a := e.Assess(Ticket{
		ID: "x", Subject: "Naslov", Body: "Telo", Language: "sr", Channel: "chat",
		CreatedAt: now.Add(-90 * time.Minute),
		Customer:  Customer{ID: "C1", Since: now.Add(-48 * time.Hour)},
		Fields:    map[string]any{"note": "plaćanje"},
	}, now)
	assert.Empty(t, a.Errors)
	assert.Equal(t, []string{"age", "now", "customer-age", "cluster-alone", "language", "text", "dynamic", "let"}, a.Rules())

	a = e.Assess(Ticket{ID: "y", Subject: "PAYMENT BROKEN!!", Body: "plaćanja payment nothing", CreatedAt: now}, now)
	assert.Contains(t, a.Rules(), "count")
	assert.Contains(t, a.Rules(), "stats")
	assert.NotContains(t, a.Rules(), "subject-only")
	a = e.Assess(Ticket{ID: "z", Subject: "payment", Body: "other", CreatedAt: now}, now)
	assert.Contains(t, a.Rules(), "subject-only")
}

// TestRankOrderIsTotalAndIndependentOfInputOrder is the property test: the
// same tickets and now give the same order however they are shuffled.
func TestRankOrderIsTotalAndIndependentOfInputOrder(t *testing.T) {
	e := loadBasic(t)
	rng := rand.New(rand.NewPCG(1, 2))
	subjects := []string{"payment failed", "hvala", "question", "plaćanje ne radi", "error error", ""}
	for round := range 50 {
		n := 1 + rng.IntN(1500)
		tickets := make([]Ticket, n)
		for i := range tickets {
			tickets[i] = Ticket{
				ID:        fmt.Sprintf("T%05d", i),
				Subject:   subjects[rng.IntN(len(subjects))],
				Body:      subjects[rng.IntN(len(subjects))],
				Flagged:   rng.IntN(5) == 0,
				CreatedAt: now.Add(-time.Duration(rng.IntN(8)) * time.Hour), // many ties
				Customer:  Customer{Tier: []string{"", "premium"}[rng.IntN(2)]},
				Fields:    map[string]any{"product": "shop"},
			}
		}
		want := ids(e.Rank(tickets, now))
		for range 3 {
			rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
			require.Equal(t, want, ids(e.Rank(tickets, now)), "round %d", round)
		}
		ranked := e.Rank(tickets, now)
		for i := 1; i < len(ranked); i++ {
			require.Negative(t, e.Compare(&ranked[i-1], &ranked[i]), "order must be strict at %d", i)
		}
	}
}

func ids(as []Assessment) []string {
	out := make([]string, len(as))
	for i := range as {
		out[i] = as[i].Ticket.ID
	}
	return out
}

func TestRankDefaultOrderKeys(t *testing.T) {
	e := loadBasic(t)
	tickets := []Ticket{
		{ID: "low-old", Subject: "hvala", CreatedAt: now.Add(-10 * time.Hour)},
		{ID: "normal-new", Subject: "question", CreatedAt: now.Add(-1 * time.Hour)},
		{ID: "normal-old", Subject: "question", CreatedAt: now.Add(-5 * time.Hour)},
		{ID: "critical", Subject: "payment failed", CreatedAt: now},
		{ID: "normal-premium", Subject: "question", CreatedAt: now, Customer: Customer{Tier: "premium"}},
		{ID: "b-same", Subject: "question", CreatedAt: now.Add(-3 * time.Hour)},
		{ID: "a-same", Subject: "question", CreatedAt: now.Add(-3 * time.Hour)},
	}
	for i := range tickets {
		tickets[i].Fields = map[string]any{"product": "x"}
	}
	assert.Equal(t, []string{"critical", "normal-premium", "normal-old", "a-same", "b-same", "normal-new", "low-old"}, ids(e.Rank(tickets, now)))
}

func TestCustomOrder(t *testing.T) {
	e, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: flag, when: flagged, score: 10}
order: [score, created]`))}})
	require.NoError(t, err)
	tickets := []Ticket{
		{ID: "old", CreatedAt: now.Add(-time.Hour)},
		{ID: "flagged", CreatedAt: now, Flagged: true},
		{ID: "b", CreatedAt: now},
		{ID: "a", CreatedAt: now},
	}
	assert.Equal(t, []string{"flagged", "old", "a", "b"}, ids(e.Rank(tickets, now)), "id is always the last key")
}

func TestEngineConcurrentUse(t *testing.T) {
	e := loadBasic(t)
	want := e.Assess(Ticket{ID: "A", Subject: "Plaćanje ne radi", Body: "error declined", CreatedAt: now, Fields: map[string]any{"product": "shop"}}, now)
	var wg sync.WaitGroup
	results := make([][]Assessment, 8)
	for g := range results {
		wg.Go(func() {
			for range 200 {
				results[g] = append(results[g], e.Assess(Ticket{ID: "A", Subject: "Plaćanje ne radi", Body: "error declined", CreatedAt: now, Fields: map[string]any{"product": "shop"}}, now))
			}
		})
	}
	wg.Wait()
	for _, rs := range results {
		for _, a := range rs {
			assert.Equal(t, want.Hits, a.Hits)
			assert.Equal(t, want.Score, a.Score)
		}
	}
}

func TestVersionNamesPackAndContent(t *testing.T) {
	a, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: x, when: "true"}`))}})
	require.NoError(t, err)
	b, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: x, when: "false"}`))}})
	require.NoError(t, err)
	assert.Regexp(t, `^t@[0-9a-f]{12}$`, a.Version())
	assert.NotEqual(t, a.Version(), b.Version())
	assert.Equal(t, a.Version(), a.Assess(Ticket{ID: "1", CreatedAt: now}, now).Pack)
}

func TestTextIsJoinedOnlyWhenReadDirectly(t *testing.T) {
	viaFunctions, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: a, when: 'mentions(text, "payment") && words(text) > 1'}`))}})
	require.NoError(t, err)
	assert.False(t, viaFunctions.usesText)
	direct, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(testPack(`
  - {name: a, when: 'text contains "x"'}`))}})
	require.NoError(t, err)
	assert.True(t, direct.usesText)
	assert.Equal(t, []string{"a"}, direct.Assess(Ticket{ID: "1", Subject: "s", Body: "x", CreatedAt: now}, now).Rules())
}

// TestPrefilterNeverChangesResults runs every rule of the default pack and
// of basic.yaml with and without the list prefilter on the sample tickets
// and on random mixtures of their words: the hits must be the same.
func TestPrefilterNeverChangesResults(t *testing.T) {
	samples := readSampleTickets(t)
	var words []string
	for _, tk := range samples {
		words = append(words, strings.Fields(tk.Subject+" "+tk.Body)...)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	tickets := append([]Ticket(nil), samples...)
	for i := range 500 {
		var b strings.Builder
		for range 3 + rng.IntN(30) {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		tickets = append(tickets, Ticket{
			ID: fmt.Sprintf("R%d", i), Subject: words[rng.IntN(len(words))], Body: b.String(),
			Flagged: rng.IntN(3) == 0, Language: []string{"", "de", "sr", "fi", "en"}[rng.IntN(5)],
			Channel: []string{"chat", "email"}[rng.IntN(2)], CreatedAt: now.Add(-time.Duration(rng.IntN(100)) * time.Hour),
			Customer: Customer{Tier: []string{"", "premium"}[rng.IntN(2)], Since: now.Add(-time.Duration(rng.IntN(2000)) * time.Hour)},
			Fields:   map[string]any{"product": "shop"},
			Status:   []string{"", "open", "pending", "on-hold"}[rng.IntN(4)],
		})
		if rng.IntN(3) == 0 {
			tickets[len(tickets)-1].FirstReplyAt = now.Add(-time.Duration(rng.IntN(100)) * time.Minute)
		}
	}
	for _, load := range []func() (*Engine, error){
		func() (*Engine, error) { return LoadFS(os.DirFS("../rules/default")) },
		func() (*Engine, error) { return Load("testdata/basic.yaml") },
		func() (*Engine, error) { return Load("testdata/sla.yaml") },
	} {
		filtered, err := load()
		require.NoError(t, err)
		plain, err := load()
		require.NoError(t, err)
		skippable := 0
		for _, r := range plain.rules {
			if r.need != nil {
				skippable++
			}
			r.need = nil
		}
		require.Positive(t, skippable, "the prefilter must apply to some rules")
		for _, tk := range tickets {
			a, b := filtered.Assess(tk, now), plain.Assess(tk, now)
			require.Equal(t, b.Hits, a.Hits, "ticket %s", tk.ID)
			require.Equal(t, b.Level, a.Level, "ticket %s", tk.ID)
		}
	}
}

func readSampleTickets(t testing.TB) []Ticket {
	t.Helper()
	f, err := os.Open("../testdata/tickets.jsonl")
	require.NoError(t, err)
	defer f.Close()
	r := NewTicketReader(f)
	var out []Ticket
	for {
		tk, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		out = append(out, tk)
	}
	require.NotEmpty(t, out)
	return out
}

// TestRankIsTheQueuesRank: Engine.Rank groups a batch chunk by chunk in
// canonical order while it featurizes the next; what it gives is what a
// queue given the same tickets in any order gives, a ticket of an ID
// given twice replaced by the later one.
// rankSummary is what the rank tests compare of a ranking: each ticket's
// place, level, score, text and cluster facts.
func rankSummary(as []Assessment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = fmt.Sprintf("%s %s %v %s %v %v", a.Ticket.ID, a.Level, a.Score, a.Ticket.Subject, a.Cluster, a.Duplicate)
	}
	return out
}

// TestRankSeqIsRank checks that ranking tickets as they come gives what
// ranking the batch gives, whether they come in canonical order (grouped
// chunk by chunk), shuffled, or in order but for a few late ones, with
// the last ticket of an ID replacing the earlier ones in each case.
func TestRankSeqIsRank(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(13, 14))
	end := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tickets := append(unrelatedTickets(rng, 2*batchChunk+300, end, 6*time.Hour), outageTickets(rng, 40, end)...)
	now := end.Add(time.Hour)
	canonical := slices.Clone(tickets)
	slices.SortFunc(canonical, func(a, b Ticket) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	late := slices.Clone(canonical)
	for i := range 5 {
		// A ticket of the first hours comes after the others of its chunk.
		j := len(late)/2 + i*batchChunk/4
		late[j].CreatedAt = late[rng.IntN(batchChunk)].CreatedAt
	}
	replaced := slices.Clone(canonical)
	for i := range 50 {
		// A ticket comes again, changed, after its first version was grouped.
		d := replaced[rng.IntN(batchChunk)]
		d.Subject = fmt.Sprintf("%s (again %d)", d.Subject, i)
		replaced = append(replaced, d)
	}
	shuffled := slices.Clone(replaced)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, ts := range map[string][]Ticket{"canonical": canonical, "late": late, "replaced": replaced, "shuffled": shuffled} {
		t.Run(name, func(t *testing.T) {
			want := rankSummary(e.Rank(ts, now))
			got := rankSummary(e.RankSeq(slices.Values(ts), now))
			require.Equal(t, len(want), len(got))
			require.Equal(t, want, got)
		})
	}
	clustered := 0
	for _, a := range e.RankSeq(slices.Values(canonical), now) {
		if a.Cluster.Size > 1 {
			clustered++
		}
	}
	require.Greater(t, clustered, 40, "tickets in clusters")
}

// TestRankSeqPassesOnAPanic checks that a sequence panicking halfway
// through reaches the caller as its panic, with the grouping stopped, not
// as a ranking that waits for ever.
func TestRankSeqPassesOnAPanic(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(15, 16))
	end := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tickets := unrelatedTickets(rng, batchChunk+10, end, 6*time.Hour)
	require.PanicsWithValue(t, "cursor lost", func() {
		e.RankSeq(func(yield func(Ticket) bool) {
			for i, tk := range tickets {
				if i == batchChunk+5 {
					panic("cursor lost")
				}
				if !yield(tk) {
					return
				}
			}
		}, end)
	})
}

func TestRankIsTheQueuesRank(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(11, 12))
	end := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tickets := append(unrelatedTickets(rng, 2*batchChunk+300, end, 6*time.Hour), outageTickets(rng, 40, end)...)
	for i := range 200 {
		// Another ticket of an ID already given, at another time.
		d := tickets[rng.IntN(len(tickets))]
		d.Subject = fmt.Sprintf("%s (again %d)", d.Subject, i)
		d.CreatedAt = end.Add(-time.Duration(rng.IntN(3600)) * time.Second)
		tickets = append(tickets, d)
	}
	rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
	now := end.Add(time.Hour)
	q := mustQueue(NewQueue(e))
	q.Add(tickets...)
	want := rankSummary(q.Ranked(now))
	got := rankSummary(e.Rank(tickets, now))
	require.Equal(t, len(want), len(got))
	require.Equal(t, want, got)
	clustered := 0
	for _, a := range e.Rank(tickets, now) {
		if a.Cluster.Size > 1 {
			clustered++
		}
	}
	require.Greater(t, clustered, 40, "tickets in clusters")
}
