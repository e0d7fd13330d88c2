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

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

var benchNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

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

func loadDefault(b *testing.B) *urgency.Engine {
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
		eng := syntheticPack(b, n)
		for _, tc := range []struct {
			name string
			t    urgency.Ticket
		}{{"600B", typical}, {"8KB", long}} {
			b.Run(fmt.Sprintf("rules=%d/text=%s", n, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					eng.Assess(tc.t, benchNow)
				}
			})
		}
	}
}

// syntheticPack builds a pack of n rules over 20 lists of 10 terms.
func syntheticPack(b *testing.B, n int) *urgency.Engine {
	var p strings.Builder
	p.WriteString("version: 1\nname: synthetic\nlevels:\n  - {name: high, min_score: 50, respond_within: 4h}\n  - {name: low, respond_within: 24h}\nlists:\n")
	for l := range 20 {
		fmt.Fprintf(&p, "  l%d: [", l)
		for t := range 10 {
			if t > 0 {
				p.WriteString(", ")
			}
			fmt.Fprintf(&p, "\"w%dx%d*\"", l, t)
		}
		p.WriteString("]\n")
	}
	p.WriteString("rules:\n")
	for r := range n {
		// The right side of || cannot be told from the list matches, so
		// every rule runs on every ticket.
		fmt.Fprintf(&p, "  - {name: r%d, when: 'mentions(text, \"l%d\") || words(text) > %d', score: %d}\n", r, r%20, 1000+r, r%7)
	}
	eng, err := urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(p.String())}})
	if err != nil {
		b.Fatal(err)
	}
	return eng
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
				q = urgency.NewQueue(eng)
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
	q := urgency.NewQueue(eng)
	q.Add(tickets...)
	q.Clusters(benchNow)
	b.ReportAllocs()
	for b.Loop() {
		q.Ranked(benchNow)
	}
}
