package urgency

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadDefaultPack(t testing.TB) *Engine {
	t.Helper()
	e, err := LoadFS(os.DirFS("../rules/default"))
	require.NoError(t, err)
	return e
}

func clusterOf(cs []Cluster, id string) Cluster {
	for _, c := range cs {
		if slices.Contains(c.Members, id) {
			return c
		}
	}
	return Cluster{}
}

func byTicket(as []Assessment) map[string]Assessment {
	out := make(map[string]Assessment)
	for _, a := range as {
		out[a.Ticket.ID] = a
	}
	return out
}

// The sample tickets hold a burst of "502 Bad Gateway" reports in five
// languages within an hour, one customer writing twice (chat, then
// e-mail).
func TestQueueFindsTheBurstAcrossLanguages(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	q.Add(readSampleTickets(t)...)
	cs := q.Clusters(now)
	burst := clusterOf(cs, "T-1032")
	assert.Equal(t, "T-1032", burst.ID, "the cluster is named after its first ticket")
	assert.Subset(t, burst.Members, []string{"T-1032", "T-1033", "T-1034", "T-1035", "T-1036", "T-1038"})
	assert.Equal(t, burst.Size-1, burst.Customers, "C-232 wrote twice")
	assert.True(t, slices.IsSortedFunc(cs, func(a, b Cluster) int { return a.FirstSeen.Compare(b.FirstSeen) }))

	ranked := byTicket(q.Ranked(now))
	dup := ranked["T-1038"]
	assert.True(t, dup.Duplicate, "the same customer's second message is a duplicate")
	assert.Contains(t, dup.Tags, "duplicate")
	first := ranked["T-1032"]
	assert.False(t, first.Duplicate)
	assert.Equal(t, burst.Size, first.Cluster.Size)
	assert.Equal(t, burst.Customers, first.Cluster.Customers)
	assert.Contains(t, first.Tags, "trend")
	assert.Contains(t, first.Tags, "incident", "five customers within two hours")
	assert.Equal(t, 1, ranked["T-1001"].Cluster.Size, "a payment failure stays alone")
}

func TestQueueAssessmentChangesWhenClusterGrows(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	report := func(id, customer string, minutes int) Ticket {
		return Ticket{ID: id, Subject: "Export to PDF produces empty file", Body: "The exported PDF report is empty since this morning.",
			CreatedAt: now.Add(time.Duration(minutes-60) * time.Minute), Customer: Customer{ID: customer}}
	}
	q.Add(report("A", "c1", 0))
	a := byTicket(q.Ranked(now))["A"]
	assert.Equal(t, 1, a.Cluster.Size)
	assert.NotContains(t, a.Tags, "trend")

	q.Add(report("B", "c2", 5), report("C", "c3", 9))
	a = byTicket(q.Ranked(now))["A"]
	assert.Equal(t, 3, a.Cluster.Size)
	assert.Equal(t, 3, a.Cluster.Customers)
	assert.Equal(t, "A", a.Cluster.ID)
	assert.Contains(t, a.Tags, "trend", "three customers with the same problem")

	assert.True(t, q.Remove("A"))
	assert.False(t, q.Remove("A"))
	rest := byTicket(q.Ranked(now))
	require.Len(t, rest, 2)
	assert.Equal(t, "B", rest["C"].Cluster.ID, "without its leader the cluster is led by the next ticket")
	assert.Equal(t, 2, q.Len())
}

// TestQueueLeadersDoNotChain: B is like A and C is like B, but C is not
// like A: C must not join A's cluster through B.
func TestQueueLeadersDoNotChain(t *testing.T) {
	e := loadDefaultPack(t)
	q := mustQueue(NewQueue(e, WithClusterSettings(ClusterSettings{Window: 2 * time.Hour, Similarity: 0.5, Horizon: time.Hour})))
	q.Add(
		Ticket{ID: "A", Subject: "alpha bravo charlie delta", CreatedAt: now.Add(-30 * time.Minute)},
		Ticket{ID: "B", Subject: "alpha bravo charlie delta echo foxtrot golf hotel", CreatedAt: now.Add(-20 * time.Minute)},
		Ticket{ID: "C", Subject: "echo foxtrot golf hotel", CreatedAt: now.Add(-10 * time.Minute)},
	)
	cs := q.Clusters(now)
	assert.Equal(t, "A", clusterOf(cs, "B").ID)
	assert.Equal(t, "C", clusterOf(cs, "C").ID)
}

// TestQueueSettingsRefusedOrKept: settings no queue can group with make
// NewQueue fail; a field left zero keeps the pack's value, where a zero
// horizon made Similar find nothing, and follows the pack on SetEngine.
func TestQueueSettingsRefusedOrKept(t *testing.T) {
	e := loadDefaultPack(t)
	for _, s := range []ClusterSettings{
		{Window: -time.Minute}, {Horizon: -time.Hour}, {Similarity: 1.5}, {Similarity: -0.2}, {Similarity: math.NaN()},
	} {
		q, err := NewQueue(e, WithClusterSettings(s))
		assert.Nil(t, q)
		assert.ErrorContains(t, err, "urgency: clusters ", "%+v", s)
	}
	q := mustQueue(NewQueue(e, WithClusterSettings(ClusterSettings{Similarity: 0.9})))
	q.Add(Ticket{ID: "A", Subject: "export to pdf broken", CreatedAt: now.Add(-3 * time.Hour)},
		Ticket{ID: "B", Subject: "export to pdf broken again", CreatedAt: now})
	require.Equal(t, []string{"A"}, matchIDs(q.Similar("B", 5)), "the pack's horizon of a week, not zero")
	assert.Equal(t, ClusterSettings{Window: 2 * time.Hour, Similarity: 0.9, Horizon: 7 * 24 * time.Hour}, q.settings)

	other := mustLoadFS(t, fstest.MapFS{"p.yaml": {Data: []byte("version: 1\nname: o\nlevels: [{name: all, respond_within: 1h}]\nclusters: {window: 30m, similarity: 0.4, horizon: 1h}\n")}})
	q.SetEngine(other)
	assert.Equal(t, ClusterSettings{Window: 30 * time.Minute, Similarity: 0.9, Horizon: time.Hour}, q.settings)
	assert.Empty(t, q.Similar("B", 5), "A is beyond the new pack's horizon")
}

func matchIDs(ms []Match) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestQueueMasksIDsKeepsCodes: reports that differ only in order numbers,
// e-mail addresses, URLs and dates are one issue; a different short code
// (502 against 504) keeps two reports apart.
func TestQueueMasksIDsKeepsCodes(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	q.Add(
		Ticket{ID: "A", Subject: "Order 20261122001 stuck", Body: "Contact ana@example.com, see https://shop.example.com/o/20261122001 on 2026-11-22", CreatedAt: now.Add(-3 * time.Minute)},
		Ticket{ID: "B", Subject: "Order 99887766 stuck", Body: "Contact ivo@example.org, see https://shop.example.com/o/99887766 on 21.11.2026", CreatedAt: now.Add(-2 * time.Minute)},
		Ticket{ID: "C", Subject: "Gateway error 502", Body: "The dashboard shows error 502", CreatedAt: now.Add(-time.Minute)},
		Ticket{ID: "D", Subject: "Gateway error 504", Body: "The dashboard shows error 504", CreatedAt: now},
	)
	sim := q.Similar("B", 3)
	require.NotEmpty(t, sim)
	assert.Equal(t, "A", sim[0].ID)
	assert.InDelta(t, 1.0, sim[0].Score, 1e-9)
	cs := q.Clusters(now)
	assert.Equal(t, "A", clusterOf(cs, "B").ID)
	d := q.Similar("D", 1)
	require.Len(t, d, 1)
	assert.Equal(t, "C", d[0].ID)
	assert.Less(t, d[0].Score, 1.0, "the codes differ")
}

// TestQueueRankedIgnoresAddOrder is the property test: the same tickets
// and now give the same ranking and clusters whatever the order and
// grouping of the Add calls.
func TestQueueRankedIgnoresAddOrder(t *testing.T) {
	e := loadDefaultPack(t)
	samples := readSampleTickets(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for round := range 20 {
		var tickets []Ticket
		for _, tk := range samples {
			if rng.IntN(4) > 0 {
				tickets = append(tickets, tk)
			}
		}
		// Copies of burst reports at random times make clusters grow and
		// cross the window.
		for i := range 30 {
			tk := samples[31+rng.IntN(8)]
			tk.ID = fmt.Sprintf("X-%d-%d", round, i)
			tk.Customer.ID = fmt.Sprintf("X%d", rng.IntN(10))
			tk.CreatedAt = now.Add(-time.Duration(rng.IntN(6*60)) * time.Minute)
			tickets = append(tickets, tk)
		}
		want := rankedSummary(e, tickets, 1)
		for range 3 {
			rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
			require.Equal(t, want, rankedSummary(e, tickets, 1+rng.IntN(7)), "round %d", round)
		}
	}
}

// rankedSummary adds tickets to a new queue in batches and returns each
// ranked ticket with its cluster facts.
func rankedSummary(e *Engine, tickets []Ticket, batches int) []string {
	q := mustQueue(NewQueue(e))
	size := (len(tickets) + batches - 1) / batches
	for lo := 0; lo < len(tickets); lo += size {
		q.Add(tickets[lo:min(lo+size, len(tickets))]...)
	}
	var out []string
	for _, a := range q.Ranked(now) {
		out = append(out, fmt.Sprintf("%s %s %g %s/%d/%d %v", a.Ticket.ID, a.Level, a.Score, a.Cluster.ID, a.Cluster.Size, a.Cluster.Customers, a.Duplicate))
	}
	return out
}

// TestDetectorKeepsNoText walks everything the detector holds (the
// grouper, the index and each ticket's documents) and requires that no
// string in it is anything but a ticket ID.
func TestDetectorKeepsNoText(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	samples := readSampleTickets(t)
	q.Add(samples...)
	q.Ranked(now)
	ids := make(map[string]bool)
	for _, tk := range samples {
		ids[tk.ID] = true
	}
	var strs []string
	seen := make(map[uintptr]bool)
	q.Similar("T-1036", 3) // the lookup index too
	q.Remove("T-1032")     // and a leader waiting to be regrouped
	require.NotNil(t, q.index)
	collectStrings(reflect.ValueOf(q.set), seen, &strs)
	collectStrings(reflect.ValueOf(q.index), seen, &strs)
	for _, e := range q.byID {
		collectStrings(reflect.ValueOf(e.doc), seen, &strs)
	}
	require.NotEmpty(t, strs)
	for _, s := range strs {
		assert.True(t, ids[s], "the detector holds %q, which is not a ticket ID", s)
	}
}

func collectStrings(v reflect.Value, seen map[uintptr]bool, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		collectStrings(v.Elem(), seen, out)
	case reflect.Interface:
		if !v.IsNil() {
			collectStrings(v.Elem(), seen, out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			collectStrings(v.Field(i), seen, out)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectStrings(v.Index(i), seen, out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			collectStrings(iter.Key(), seen, out)
			collectStrings(iter.Value(), seen, out)
		}
	}
}

// TestQueueResultDoesNotDependOnNow: reading at a later time forgets
// nothing and changes no cluster (it used to freeze tickets a window
// before the time given, so that a later change regrouped them
// differently from a new queue); removing every ticket empties the
// detector.
func TestQueueResultDoesNotDependOnNow(t *testing.T) {
	e := loadDefaultPack(t)
	q := mustQueue(NewQueue(e))
	samples := readSampleTickets(t)
	q.Add(samples...)
	before := q.Clusters(now)
	similar := q.Similar("T-1036", 3)
	require.NotEmpty(t, similar)
	later := now.Add(30 * 24 * time.Hour)
	require.Len(t, q.Ranked(later), 87)
	assert.Equal(t, before, q.Clusters(later))
	assert.Equal(t, similar, q.Similar("T-1036", 3))
	// A late re-add of every ticket changes nothing either.
	q.Add(samples...)
	assert.Equal(t, before, q.Clusters(later))

	for _, tk := range samples {
		require.True(t, q.Remove(tk.ID))
	}
	assert.Empty(t, q.Clusters(later))
	assert.Zero(t, q.set.Len())
	assert.Zero(t, q.index.Len())
	assert.Empty(t, q.byID)
}

func TestQueueConcurrentUse(t *testing.T) {
	e := loadDefaultPack(t)
	q := mustQueue(NewQueue(e))
	samples := readSampleTickets(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				tk := samples[(g*100+i)%len(samples)]
				tk.ID = fmt.Sprintf("G%d-%d", g, i)
				q.Add(tk)
				if i%10 == 9 {
					q.Remove(fmt.Sprintf("G%d-%d", g, i-1))
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				q.Ranked(now)
				q.Clusters(now)
				q.Similar(fmt.Sprintf("G%d-5", g), 3)
			}
		})
	}
	wg.Wait()
	ranked := q.Ranked(now)
	assert.Len(t, ranked, 4*90)
	seen := make(map[string]bool)
	for _, a := range ranked {
		assert.False(t, seen[a.Ticket.ID], "ticket %s twice", a.Ticket.ID)
		seen[a.Ticket.ID] = true
		assert.False(t, strings.HasSuffix(a.Ticket.ID, "-8"), "removed ticket %s still ranked", a.Ticket.ID)
	}
}

func TestIndexSimilarOnlyEarlierTickets(t *testing.T) {
	x := NewIndex(loadDefaultPack(t))
	x.Add(
		Ticket{ID: "late", Subject: "Printer driver crashes on startup", CreatedAt: now},
		Ticket{ID: "early", Subject: "Printer driver crashes on startup again", CreatedAt: now.Add(-time.Hour)},
		Ticket{ID: "other", Subject: "Invoice address change", CreatedAt: now.Add(-2 * time.Hour)},
	)
	got := x.Similar("late", 5)
	require.Len(t, got, 1)
	assert.Equal(t, "early", got[0].ID)
	assert.Empty(t, x.Similar("early", 5), "a later ticket is never the earlier report")
	assert.Nil(t, x.Similar("missing", 5))
}

// TestQueueTicketWithoutWords: a ticket with no words to compare is its
// own cluster, not a forgotten one (it once had no leader and Ranked
// panicked).
func TestQueueTicketWithoutWords(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	q.Add(Ticket{ID: "empty", CreatedAt: now}, Ticket{ID: "blank", Subject: "!!! ???", CreatedAt: now})
	ranked := q.Ranked(now)
	require.Len(t, ranked, 2)
	for _, a := range ranked {
		assert.Equal(t, a.Ticket.ID, a.Cluster.ID)
		assert.Equal(t, 1, a.Cluster.Size)
	}
	assert.Len(t, q.Clusters(now), 2)
}

// mustQueue is NewQueue's queue, for the tests whose options are valid.
func mustQueue[Q any](q Q, err error) Q {
	if err != nil {
		panic(err)
	}
	return q
}

// TestQueueKeepsASeriesApart: customers asking for one change on
// different pages write one template with a different page; each is its
// own request, and three of them are no trend. Three customers writing
// the same request are.
func TestQueueKeepsASeriesApart(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	body := "Our team works late and the bright screens are hard on the eyes. Could you add a dark theme there as well?"
	for i, page := range []string{"Reports", "Billing", "Settings", "Invoices"} {
		q.Add(Ticket{ID: page, Subject: "Please add a dark theme to the " + page + " page of the web app", Body: body,
			CreatedAt: now.Add(time.Duration(i-30) * time.Minute), Customer: Customer{ID: "c-" + page}})
	}
	for i := range 3 {
		q.Add(Ticket{ID: fmt.Sprint("same-", i), Subject: "Please add a dark theme to the Dashboard page of the web app", Body: body,
			CreatedAt: now.Add(time.Duration(i-20) * time.Minute), Customer: Customer{ID: fmt.Sprint("d-", i)}})
	}
	ranked := byTicket(q.Ranked(now))
	for _, page := range []string{"Reports", "Billing", "Settings", "Invoices"} {
		assert.Equal(t, 1, ranked[page].Cluster.Size, "%s stays alone", page)
		assert.NotContains(t, ranked[page].Tags, "trend")
	}
	assert.Equal(t, 3, ranked["same-0"].Cluster.Size, "the same request from three customers")
}

// TestQueueSeriesIgnoresItsKey: whether two subjects are one series
// depends on their words, not on the queue's random key: two page names
// whose keyed hashes agree in their last 16 bits under this queue's key
// are still two pages, and the two requests stay apart as they would in
// any other queue.
func TestQueueSeriesIgnoresItsKey(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	seed := q.feat.Load().seed
	var a, b string
	seen := make(map[uint16]string)
	for i := 0; a == ""; i++ {
		w := "page" + strings.Map(func(r rune) rune { return 'a' + (r - '0') }, fmt.Sprint(i))
		h := uint16(maphash.String(seed, w))
		if o, ok := seen[h]; ok {
			a, b = o, w
		}
		seen[h] = w
	}
	body := "Our team works late and the bright screens are hard on the eyes. Could you add a dark theme there as well?"
	for i, page := range []string{a, b} {
		q.Add(Ticket{ID: page, Subject: "Please add a dark theme to the " + page + " page of the web app", Body: body,
			CreatedAt: now.Add(time.Duration(i-30) * time.Minute), Customer: Customer{ID: "c-" + page}})
	}
	ranked := byTicket(q.Ranked(now))
	assert.Equal(t, 1, ranked[a].Cluster.Size, "%s stays alone", a)
	assert.Equal(t, 1, ranked[b].Cluster.Size, "%s stays alone", b)
}

// TestQueueSeriesOfReferencesIsOneOutage: five customers paste the same
// error banner, each with their own payment reference. A reference is a
// code, not a slot of a template: the reports are one outage.
func TestQueueSeriesOfReferencesIsOneOutage(t *testing.T) {
	q := mustQueue(NewQueue(loadDefaultPack(t)))
	for i, ref := range []string{"a7f3c9", "b81e4d", "c29a7f", "d4e81b", "e93c2a"} {
		q.Add(Ticket{ID: ref, Subject: "Error: We could not process your payment (reference " + ref + ")",
			Body: "This is what the checkout shows when we try to pay.", CreatedAt: now.Add(time.Duration(i-30) * time.Minute),
			Customer: Customer{ID: "c-" + ref}})
	}
	first := byTicket(q.Ranked(now))["a7f3c9"]
	assert.Equal(t, 5, first.Cluster.Size)
	assert.Contains(t, first.Tags, "incident", "five customers within the hour")
}
