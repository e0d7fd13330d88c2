package urgency

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzProgram reads the bytes of a FuzzQueue program.
type fuzzProgram struct {
	data []byte
	log  strings.Builder
}

func (p *fuzzProgram) next() int {
	if len(p.data) == 0 {
		return 0
	}
	b := p.data[0]
	p.data = p.data[1:]
	return int(b)
}

// ticket reads the next ticket: its ID, text, minute and customer. The
// minutes span four hours and a quarter, more than two cluster windows of
// the default pack.
func (p *fuzzProgram) ticket() Ticket {
	k, v, m, c := p.next()%6, p.next()%len(fuzzTexts), p.next(), p.next()%4
	tk := Ticket{
		ID:        fmt.Sprintf("T%d", k),
		Subject:   fuzzTexts[v][0],
		Body:      fuzzTexts[v][1],
		CreatedAt: fuzzNow.Add(time.Duration(m) * time.Minute),
	}
	if c < 3 {
		tk.Customer.ID = fmt.Sprintf("C%d", c)
	}
	fmt.Fprintf(&p.log, "add(%s, text %d, +%dm, customer %q) ", tk.ID, v, m, tk.Customer.ID)
	return tk
}

// fuzzSettings are the cluster settings a FuzzQueue program picks from
// with its first byte: the pack's (a two-hour window), and windows short
// against the program's four hours, so that clusters, the frequencies
// that weigh words and lookups reach across windows.
var fuzzSettings = [][]QueueOption{
	nil,
	{WithClusterSettings(ClusterSettings{Window: 30 * time.Minute, Similarity: 0.5, Horizon: time.Hour})},
	{WithClusterSettings(ClusterSettings{Window: 10 * time.Minute, Similarity: 0.3, Horizon: 3 * time.Hour})},
}

var fuzzReloaded = sync.OnceValues(func() (*Engine, error) { return LoadFS(os.DirFS("../rules/default")) })

// FuzzQueue runs a program of adds, removes, re-adds, reads at any time
// and engine changes on a queue over the default pack, and checks every
// read against the open tickets: each ranked exactly once, in order, and
// ranked, clustered and looked up in as by a new queue given the same
// tickets at once, or one by one, in any order. This is the queue's
// invariant: its results depend on its open tickets, never on its
// history.
func FuzzQueue(f *testing.F) {
	for _, p := range [][]byte{
		{0, 0, 0, 0, 0, 0, 1, 5, 1, 2, 0, 2, 2, 9, 2},
		{0, 0, 6, 0, 0, 0, 1, 4, 10, 1, 1, 0, 0, 2, 5, 20, 2, 2},
		{3, 0, 0, 30, 0, 1, 1, 20, 0, 3, 2, 0, 10, 1, 0, 0, 3, 0, 2},
		{0, 0, 3, 0, 0, 0, 1, 3, 0, 1, 0, 2, 3, 0, 0, 2, 1, 1, 2, 1, 0, 2},
		{0, 3, 8, 59, 3, 0, 4, 8, 59, 3, 0, 5, 7, 0, 0, 2, 1, 4, 2},
		// Across windows: a burst, its leader answered, a late report,
		// reads far ahead, a re-add, an engine change.
		{1, 0, 0, 0, 10, 0, 0, 1, 2, 40, 1, 0, 2, 2, 80, 2, 5, 250, 2, 1, 0, 4, 3, 0, 3, 0, 5, 9, 1, 2, 6, 2},
		{2, 0, 0, 0, 100, 0, 0, 1, 1, 105, 1, 0, 2, 2, 112, 2, 7, 0, 3, 3, 50, 3, 4, 4, 0, 9, 1, 2, 5, 200, 2},
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := fuzzDefaultPack(t)
		reloaded, err := fuzzReloaded()
		require.NoError(t, err)
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(data))))
		p := &fuzzProgram{data: data}
		opts := fuzzSettings[p.next()%len(fuzzSettings)]
		q := mustQueue(NewQueue(e, opts...))
		eng := e
		open := make(map[string]Ticket)
		var order []string // open IDs, first added first
		added := func(tks ...Ticket) {
			for _, tk := range tks {
				if _, ok := open[tk.ID]; !ok {
					order = append(order, tk.ID)
				}
				open[tk.ID] = tk
			}
		}
		removed := func(id string) {
			delete(open, id)
			if i := slices.Index(order, id); i >= 0 {
				order = slices.Delete(order, i, i+1)
			}
		}
		for step := 0; len(p.data) > 0 && step < 64; step++ {
			switch p.next() % 8 {
			case 0:
				tk := p.ticket()
				q.Add(tk)
				added(tk)
			case 1:
				id := fmt.Sprintf("T%d", p.next()%6)
				fmt.Fprintf(&p.log, "remove(%s) ", id)
				_, want := open[id]
				if got := q.Remove(id); got != want {
					t.Fatalf("%s: Remove(%s) = %v, want %v", p.log.String(), id, got, want)
				}
				removed(id)
			case 2:
				at := fuzzNow.Add(time.Duration(p.next()*2) * time.Minute)
				fmt.Fprintf(&p.log, "check(+%v) ", at.Sub(fuzzNow))
				checkQueue(t, eng, opts, q, open, rng, at, p.log.String())
			case 3:
				a, b := p.ticket(), p.ticket()
				p.log.WriteString("(one Add) ")
				q.Add(a, b)
				added(a, b)
			case 4:
				if len(order) > 0 {
					id := order[p.next()%len(order)]
					fmt.Fprintf(&p.log, "re-add(%s) ", id)
					q.Add(open[id])
				}
			case 5:
				// A read at any time, days ahead or before: it once made
				// the queue forget words, and later changes regroup
				// differently from a new queue.
				at := fuzzNow.Add(time.Duration(p.next()-64) * time.Hour)
				fmt.Fprintf(&p.log, "read(+%v) ", at.Sub(fuzzNow))
				q.Ranked(at)
				q.Clusters(at)
				if len(order) > 0 {
					q.Similar(order[0], 2)
				}
			case 6:
				if eng == e {
					eng = reloaded
				} else {
					eng = e
				}
				p.log.WriteString("set-engine ")
				q.SetEngine(eng)
			case 7:
				if len(order) > 0 {
					fmt.Fprintf(&p.log, "answer-first(%s) ", order[0])
					if !q.Remove(order[0]) {
						t.Fatalf("%s: Remove(%s) = false", p.log.String(), order[0])
					}
					removed(order[0])
				}
			}
			if q.Len() != len(open) {
				t.Fatalf("%s: Len() = %d, want %d", p.log.String(), q.Len(), len(open))
			}
		}
		p.log.WriteString("check")
		checkQueue(t, eng, opts, q, open, rng, fuzzNow.Add(5*time.Hour), p.log.String())
	})
}

// checkQueue checks q's Ranked, Clusters and Similar at now against the
// open tickets and against new queues given them all at once and one by
// one, shuffled.
func checkQueue(t *testing.T, e *Engine, opts []QueueOption, q *Queue, open map[string]Ticket, rng *rand.Rand, now time.Time, prog string) {
	t.Helper()
	var tickets []Ticket
	for _, tk := range open {
		tickets = append(tickets, tk)
	}
	slices.SortFunc(tickets, func(a, b Ticket) int { return strings.Compare(a.ID, b.ID) })

	ranked := q.Ranked(now)
	if len(ranked) != len(open) {
		t.Fatalf("%s: %d ranked, %d open", prog, len(ranked), len(open))
	}
	seen := make(map[string]bool)
	for i := range ranked {
		a := &ranked[i]
		if seen[a.Ticket.ID] {
			t.Fatalf("%s: %s ranked twice", prog, a.Ticket.ID)
		}
		seen[a.Ticket.ID] = true
		if want, ok := open[a.Ticket.ID]; !ok || !reflect.DeepEqual(want, a.Ticket) {
			t.Fatalf("%s: ranked %+v, open %+v", prog, a.Ticket, want)
		}
		if len(a.Errors) > 0 {
			t.Fatalf("%s: the default pack fails on %s: %v", prog, a.Ticket.ID, a.Errors[0])
		}
		if i > 0 && e.Compare(&ranked[i-1], a) >= 0 {
			t.Fatalf("%s: %s ranked before %s, out of order", prog, ranked[i-1].Ticket.ID, a.Ticket.ID)
		}
	}
	clusters := q.Clusters(now)
	checkClusters(t, clusters, ranked, prog)
	similar := make(map[string][]Match)
	for _, tk := range tickets {
		similar[tk.ID] = q.Similar(tk.ID, 3)
	}

	rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
	batch := mustQueue(NewQueue(e, opts...))
	batch.Add(tickets...)
	require.Equal(t, ranked, batch.Ranked(now), "%s: Ranked differs from a queue given the open tickets at once", prog)
	require.Equal(t, clusters, batch.Clusters(now), "%s: Clusters differs from a queue given the open tickets at once", prog)
	for _, tk := range tickets {
		require.Equal(t, similar[tk.ID], batch.Similar(tk.ID, 3), "%s: Similar(%s) differs from a queue given the open tickets at once", prog, tk.ID)
	}

	rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
	single := mustQueue(NewQueue(e, opts...))
	for _, tk := range tickets {
		single.Add(tk)
	}
	require.Equal(t, ranked, single.Ranked(now), "%s: Ranked differs from a queue given the open tickets one by one", prog)
	require.Equal(t, clusters, single.Clusters(now), "%s: Clusters differs from a queue given the open tickets one by one", prog)
}

// checkClusters checks that cs partitions the ranked tickets and agrees
// with the cluster facts of their assessments.
func checkClusters(t *testing.T, cs []Cluster, ranked []Assessment, prog string) {
	t.Helper()
	of := make(map[string]*Cluster)
	total := 0
	for i := range cs {
		c := &cs[i]
		if c.Size != len(c.Members) || c.Size == 0 {
			t.Fatalf("%s: cluster %s has size %d and members %v", prog, c.ID, c.Size, c.Members)
		}
		if c.ID != c.Members[0] {
			t.Fatalf("%s: cluster %s is led by %s", prog, c.ID, c.Members[0])
		}
		if c.Customers < 1 || c.Customers > c.Size {
			t.Fatalf("%s: cluster %s of %d has %d customers", prog, c.ID, c.Size, c.Customers)
		}
		if c.LastSeen.Before(c.FirstSeen) || i > 0 && c.FirstSeen.Before(cs[i-1].FirstSeen) {
			t.Fatalf("%s: cluster times out of order: %+v", prog, cs)
		}
		for _, id := range c.Members {
			if of[id] != nil {
				t.Fatalf("%s: %s in clusters %s and %s", prog, id, of[id].ID, c.ID)
			}
			of[id] = c
		}
		total += c.Size
	}
	if total != len(ranked) {
		t.Fatalf("%s: clusters hold %d tickets, the queue %d", prog, total, len(ranked))
	}
	for _, a := range ranked {
		c := of[a.Ticket.ID]
		if c == nil {
			t.Fatalf("%s: %s in no cluster", prog, a.Ticket.ID)
		}
		if a.Cluster.ID != c.ID || a.Cluster.Size != c.Size || a.Cluster.Customers != c.Customers {
			t.Fatalf("%s: %s assessed with cluster %+v, Clusters gives %+v", prog, a.Ticket.ID, a.Cluster, *c)
		}
		if a.Cluster.Span != c.LastSeen.Sub(c.FirstSeen) {
			t.Fatalf("%s: %s assessed with span %v, Clusters gives %v", prog, a.Ticket.ID, a.Cluster.Span, c.LastSeen.Sub(c.FirstSeen))
		}
	}
}
