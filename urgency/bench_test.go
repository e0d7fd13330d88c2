package urgency_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

var benchNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// raceEnabled is set when the tests run under the race detector.
var raceEnabled bool

// typical is a ~600-byte ticket in Croatian with a German quote: the
// non-ASCII text the default pack sees every day.
var typical = urgency.Ticket{
	ID:      "T-1",
	Subject: "Plaćanje karticom ne prolazi već treći put",
	Body: "Poštovani, pokušavam platiti mjesečnu pretplatu već od jutra, ali svaki put " +
		"dobijem poruku da je transakcija odbijena. Kartica je ispravna, u banci kažu da " +
		"s njihove strane nema problema. Račun broj 2026-11-0042 dospijeva danas i bojim se " +
		"da će nam servis biti isključen. Kolega iz Beča kaže da mu piše \"Zahlung " +
		"fehlgeschlagen\" na istoj stranici. Molim vas hitno javite što da radimo, " +
		"cijeli tim čeka. Hvala, Ivana Horvat, voditeljica nabave.",
	Channel:   "email",
	Language:  "hr",
	CreatedAt: benchNow.Add(-40 * time.Minute),
	Customer:  urgency.Customer{ID: "C-1", Tier: "standard", Since: benchNow.Add(-400 * 24 * time.Hour)},
}

// long is a ~8 KB ticket: a pasted log and a long description.
var long = func() urgency.Ticket {
	t := typical
	t.ID = "T-2"
	var b strings.Builder
	b.WriteString(typical.Body)
	for i := 0; b.Len() < 8<<10; i++ {
		fmt.Fprintf(&b, "\n[%02d:%02d] Gateway antwortet mit Fehler, Verbindung zurückgesetzt; "+
			"korisnik %d ponovo pokušava, zahtjev odbijen, šaljemo izvještaj podrške.", i/60, i%60, i)
	}
	t.Body = b.String()
	return t
}()

func loadDefault(b testing.TB) *urgency.Engine {
	b.Helper()
	eng, err := urgency.LoadFS(rules.Default())
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

// BenchmarkAssess scores one ticket with the whole default pack.
func BenchmarkAssess(b *testing.B) {
	eng := loadDefault(b)
	for _, tc := range []struct {
		name string
		t    urgency.Ticket
	}{{"typical-600B", typical}, {"long-8KB", long}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.t.Subject) + len(tc.t.Body)))
			for b.Loop() {
				eng.Assess(tc.t, benchNow)
			}
		})
	}
}

// BenchmarkAssessScaling shows that the cost of Assess grows with the
// number of rules plus the text length, not with their product: rules read
// the per-ticket matches, they do not scan the text again.
func BenchmarkAssessScaling(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		eng := syntheticPack(b, n, 200)
		for _, size := range []int{200, 2 << 10, 20 << 10} {
			t := ticketOfSize(size)
			b.Run(fmt.Sprintf("rules=%d/text=%s", n, sizeName(size)), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(t.Subject) + len(t.Body)))
				for b.Loop() {
					eng.Assess(t, benchNow)
				}
			})
		}
	}
}

// BenchmarkAssessTerms shows that the cost of Assess does not depend on
// the number of list terms: the text is matched against a trie of all
// terms in one pass.
func BenchmarkAssessTerms(b *testing.B) {
	t := ticketOfSize(2 << 10)
	for _, terms := range []int{100, 10_000} {
		eng := syntheticPack(b, 50, terms)
		b.Run(fmt.Sprintf("terms=%d", terms), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				eng.Assess(t, benchNow)
			}
		})
	}
}

// TestAssessAllocsIndependentOfRules checks that a pack of 200 rules
// allocates no more per ticket than one of 10: the rules read the
// ticket's facts, the list matches and the text statistics without
// allocating, and the assessment's hits are copied once.
func TestAssessAllocsIndependentOfRules(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted under the race detector")
	}
	small, large := syntheticPack(t, 10, 200), syntheticPack(t, 200, 200)
	for _, size := range []int{200, 2 << 10, 20 << 10} {
		tk := ticketOfSize(size)
		t.Run(sizeName(size), func(t *testing.T) {
			hits10, hits200 := len(small.Assess(tk, benchNow).Hits), len(large.Assess(tk, benchNow).Hits)
			require.Less(t, hits10, hits200, "more rules should match")
			allocs10 := testing.AllocsPerRun(200, func() { small.Assess(tk, benchNow) })
			allocs200 := testing.AllocsPerRun(200, func() { large.Assess(tk, benchNow) })
			assert.Equal(t, allocs10, allocs200, "allocations per ticket with 10 and with 200 rules")
			// The boxed facts, the joined text, the hits and the tags.
			assert.LessOrEqual(t, allocs200, 4.0)
		})
	}
}

// syntheticPack builds a pack of n rules over 20 lists sharing terms
// terms. Each rule reads something that used to cost an allocation per
// rule: the word count (256 or more on long texts), a duration, a string
// field, a fraction; the right side of || cannot be told from the list
// matches, so every rule runs on every ticket.
func syntheticPack(tb testing.TB, n, terms int) *urgency.Engine {
	tb.Helper()
	var p strings.Builder
	p.WriteString("version: 1\nname: synthetic\nlevels:\n  - {name: high, min_score: 50, respond_within: 4h}\n  - {name: low, respond_within: 24h}\nlists:\n")
	const lists = 20
	for l := range lists {
		fmt.Fprintf(&p, "  l%d: [", l)
		for t := range max(terms/lists, 1) {
			if t > 0 {
				p.WriteString(", ")
			}
			fmt.Fprintf(&p, "\"w%dx%d*\"", l, t)
		}
		p.WriteString("]\n")
	}
	p.WriteString("rules:\n")
	for r := range n {
		var when string
		switch r % 4 {
		case 0:
			when = fmt.Sprintf(`mentions(text, "l%d") || words(text) > %d`, r%lists, 100_000+r)
		case 1:
			when = fmt.Sprintf(`mentions(body, "l%d") || age > duration("%dh")`, r%lists, 1000+r)
		case 2:
			when = fmt.Sprintf(`mentions(subject, "l%d") || customer.tier startsWith "t%d"`, r%lists, r)
		case 3:
			// True on every ticket: the hits grow with the rules.
			when = fmt.Sprintf(`mentions(text, "l%d") || shouting(body) < 0.%d + 0.5`, r%lists, r%10)
		}
		fmt.Fprintf(&p, "  - {name: r%d, when: '%s', score: %d, tags: [t%d]}\n", r, when, r%7, r%5)
	}
	eng, err := urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(p.String())}})
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}

// ticketOfSize is the typical ticket with its body grown or cut to about
// size bytes of subject and body.
func ticketOfSize(size int) urgency.Ticket {
	t := typical
	t.ID = fmt.Sprintf("T-%d", size)
	var b strings.Builder
	b.WriteString(typical.Body)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "\n[%02d:%02d] Gateway antwortet mit Fehler, Verbindung zurückgesetzt; "+
			"korisnik %d ponovo pokušava, zahtjev odbijen, šaljemo izvještaj podrške.", i/60, i%60, i)
	}
	body := b.String()
	n := max(size-len(t.Subject), 0)
	for n > 0 && n < len(body) && !utf8.RuneStart(body[n]) {
		n--
	}
	t.Body = body[:min(n, len(body))]
	return t
}

func sizeName(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkLoad loads and compiles the default pack.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := urgency.LoadFS(rules.Default()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRank assesses and orders n tickets made from the sample
// tickets, with the default pack.
func BenchmarkRank(b *testing.B) {
	eng := loadDefault(b)
	samples := sampleTickets(b)
	for _, n := range []int{10_000, 100_000} {
		tickets := make([]urgency.Ticket, n)
		for i := range tickets {
			t := samples[i%len(samples)]
			t.ID = fmt.Sprintf("B-%07d", i)
			t.CreatedAt = benchNow.Add(-time.Duration(i%5000) * time.Second)
			tickets[i] = t
		}
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				eng.Rank(tickets, benchNow)
			}
		})
	}
}

func sampleTickets(b *testing.B) []urgency.Ticket {
	f, err := os.Open("../testdata/tickets.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := urgency.NewTicketReader(f)
	var out []urgency.Ticket
	for {
		t, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		b.Fatal("no sample tickets")
	}
	return out
}

// streamTickets makes n short tickets, one every two seconds, 1% of them
// in 20 bursts of the same problem from different customers.
func streamTickets(n int) []urgency.Ticket {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	sentence := func(words int) string {
		var b strings.Builder
		for i := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		return b.String()
	}
	start := benchNow.Add(-time.Duration(n) * 2 * time.Second)
	bursts := make([]string, 20)
	for i := range bursts {
		bursts[i] = fmt.Sprintf("Checkout fails with error E%d on step %d", 700+i, i)
	}
	out := make([]urgency.Ticket, n)
	for i := range out {
		t := urgency.Ticket{
			ID:        fmt.Sprintf("S-%07d", i),
			Subject:   sentence(5),
			Body:      sentence(10),
			CreatedAt: start.Add(time.Duration(i) * 2 * time.Second),
			Customer:  urgency.Customer{ID: fmt.Sprintf("C-%d", rng.IntN(n))},
		}
		if i%100 == 50 { // 1%: the burst active at this time
			burst := (i * len(bursts) / n) % len(bursts)
			t.Subject = bursts[burst]
			t.Body = bursts[burst] + " since the last update. " + sentence(4)
		}
		out[i] = t
	}
	return out
}

// BenchmarkQueueAdd streams short tickets into a queue in batches of 100,
// as a helpdesk receives them, then brings the clusters up to date. It
// reports the cost per ticket and the memory per live ticket (the queue
// keeps every ticket open; the detector forgets words after the window).
func BenchmarkQueueAdd(b *testing.B) {
	eng := loadDefault(b)
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		tickets := streamTickets(n)
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			b.ReportAllocs()
			var q *urgency.Queue
			for b.Loop() {
				q = mustQueue(urgency.NewQueue(eng))
				for lo := 0; lo < n; lo += 100 {
					q.Add(tickets[lo:min(lo+100, n)]...)
				}
				q.Clusters(benchNow)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/ticket")
			b.ReportMetric(liveBytes(b, q)/float64(n), "B/live-ticket")
		})
	}
}

// liveBytes measures the heap that q keeps alive.
func liveBytes(b *testing.B, q *urgency.Queue) float64 {
	b.StopTimer()
	defer b.StartTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	q2 := q
	q = nil
	runtime.KeepAlive(q2)
	q2 = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkQueueRanked ranks 100k open tickets with their clusters.
func BenchmarkQueueRanked(b *testing.B) {
	eng := loadDefault(b)
	tickets := streamTickets(100_000)
	q := mustQueue(urgency.NewQueue(eng))
	q.Add(tickets...)
	q.Clusters(benchNow)
	b.ReportAllocs()
	for b.Loop() {
		q.Ranked(benchNow)
	}
}

// BenchmarkQueueSlidingWindow is a host's queue in its steady state:
// 10k open tickets, and for every new ticket the oldest is answered
// (remove-oldest), with the queue ranked every 100 adds. One op is one
// Add (and its Remove). no-removals is the same stream and reads without
// removals, its queue rebuilt (untimed) every 1,000 adds so that it too
// holds 10k–11k tickets. Run with -benchtime 100000x for the 100k adds
// of BENCHMARKS.md.
func BenchmarkQueueSlidingWindow(b *testing.B) {
	eng := loadDefault(b)
	const open, readEvery, rebuildEvery = 10_000, 100, 1_000
	for _, removals := range []bool{true, false} {
		name := "remove-oldest"
		if !removals {
			name = "no-removals"
		}
		b.Run(name, func(b *testing.B) {
			// The same stream whatever b.N, so that runs of different
			// lengths compare.
			tickets := streamTickets(max(open+b.N, open+100_000))
			fill := func(lo int) *urgency.Queue {
				q := mustQueue(urgency.NewQueue(eng))
				q.Add(tickets[lo : lo+open]...)
				q.Ranked(tickets[lo+open-1].CreatedAt)
				return q
			}
			q := fill(0)
			var ranked time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if !removals && i > 0 && i%rebuildEvery == 0 {
					b.StopTimer()
					q = fill(i)
					b.StartTimer()
				}
				t := tickets[open+i]
				q.Add(t)
				if removals {
					q.Remove(tickets[i].ID)
				}
				if (i+1)%readEvery == 0 {
					start := time.Now()
					q.Ranked(t.CreatedAt)
					ranked += time.Since(start)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(ranked.Nanoseconds())/float64(b.N), "ranked-ns/add")
			if removals && q.Len() != open {
				b.Fatalf("%d open, want %d", q.Len(), open)
			}
		})
	}
}
