package urgency

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// burstyTickets makes n tickets over the span before end, in the manner
// of urgency gen: mostly lone tickets about one of many things, now and
// then a burst of one problem from many customers within an hour, in
// several languages, some customers writing twice. IDs start with prefix.
func burstyTickets(rng *rand.Rand, prefix string, n int, end time.Time, span time.Duration) []Ticket {
	bursts := [][][2]string{
		{
			{"502 Bad Gateway on dashboard", "Getting 502 Bad Gateway on the dashboard for a few minutes now."},
			{"Fehler 502 Bad Gateway", "Seit kurzem bekommen wir nur noch 502 Bad Gateway, die Seite ist nicht erreichbar."},
			{"Błąd 502 Bad Gateway", "Panel pokazuje błąd 502 Bad Gateway. Nic nie działa."},
			{"502 Bad Gateway", "Stranica ne radi, dobivamo 502 Bad Gateway na svim stranicama."},
		},
		{
			{"Payment failed at checkout", "Our card payment fails at the last step of checkout and the order is not placed."},
			{"Zahlung fehlgeschlagen", "Die Zahlung mit Kreditkarte wird beim letzten Schritt abgelehnt."},
			{"Plaćanje karticom ne prolazi", "Plaćanje karticom ne prolazi, javlja se greška kod zadnjeg koraka."},
		},
		{
			{"Cannot log in", "Nobody on our team can log in since this morning, the login page says the password is wrong."},
			{"Login nicht möglich", "Seit heute früh kann sich niemand mehr anmelden, das Passwort wird abgelehnt."},
			{"Nie mogę się zalogować", "Od rana nikt z zespołu nie może się zalogować."},
		},
		{
			{"Export to PDF produces empty file", "The exported PDF report is empty since this morning."},
			{"PDF export leer", "Der PDF-Export liefert seit heute Morgen eine leere Datei."},
		},
	}
	topics := []string{"invoice", "dashboard", "mobile app", "webhooks", "CSV import", "single sign-on", "API keys",
		"user roles", "calendar sync", "reports", "tax settings", "discount codes", "shipping labels", "timesheets",
		"attachments", "notifications", "password reset", "custom domain", "backup", "rate limits"}
	syllables := []string{"nor", "vik", "tes", "sa", "line", "bra", "do", "kor", "an", "mel", "ta", "quin", "ro", "sel"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		return b.String()
	}
	gap := span / time.Duration(n)
	t := end.Add(-span)
	out := make([]Ticket, 0, n)
	var burst [][2]string
	left := 0
	for i := range n {
		if left == 0 && rng.IntN(25) == 0 {
			burst, left = bursts[rng.IntN(len(bursts))], 5+rng.IntN(25)
		}
		step := gap
		if left > 0 {
			step = gap / 3
		}
		t = t.Add(time.Duration(rng.ExpFloat64() * float64(step)).Round(time.Second))
		tk := Ticket{ID: fmt.Sprintf("%s-%05d", prefix, i), CreatedAt: t, Customer: Customer{ID: fmt.Sprintf("C-%d", rng.IntN(n/3+5))}}
		if left > 0 && rng.IntN(4) > 0 {
			left--
			text := burst[rng.IntN(len(burst))]
			tk.Subject, tk.Body = text[0], text[1]+" ("+word()+")"
		} else {
			topic := topics[rng.IntN(len(topics))]
			tk.Subject = fmt.Sprintf("Question about %s %s", topic, word())
			tk.Body = fmt.Sprintf("Hello, the %s of %s %s does not do what we expect. %s", topic, word(), word(), word())
		}
		out = append(out, tk)
	}
	return out
}

// queueState is what Ranked, Clusters and Similar say of a queue.
type queueState struct {
	ranked   []Assessment
	clusters []Cluster
	similar  map[string][]Match
}

func stateOf(q *Queue, now time.Time, lookups []string) queueState {
	s := queueState{ranked: q.Ranked(now), clusters: q.Clusters(now), similar: make(map[string][]Match)}
	for _, id := range lookups {
		s.similar[id] = q.Similar(id, 3)
	}
	return s
}

// requireFresh requires that q says what a new queue given its open
// tickets at once (in shuffled order) says.
func requireFresh(t *testing.T, e *Engine, opts []QueueOption, q *Queue, open map[string]Ticket, rng *rand.Rand, now time.Time, what string) {
	t.Helper()
	tickets := make([]Ticket, 0, len(open))
	for _, tk := range open {
		tickets = append(tickets, tk)
	}
	slices.SortFunc(tickets, func(a, b Ticket) int { return strings.Compare(a.ID, b.ID) })
	var lookups []string
	for range 3 {
		if len(tickets) > 0 {
			lookups = append(lookups, tickets[rng.IntN(len(tickets))].ID)
		}
	}
	rng.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
	fresh := mustQueue(NewQueue(e, opts...))
	fresh.Add(tickets...)
	want, got := stateOf(fresh, now, lookups), stateOf(q, now, lookups)
	if !slices.EqualFunc(want.ranked, got.ranked, func(a, b Assessment) bool { return assessmentsEqual(a, b) }) {
		differ := 0
		for i := range want.ranked {
			if i >= len(got.ranked) || !assessmentsEqual(want.ranked[i], got.ranked[i]) {
				differ++
			}
		}
		require.Equal(t, want.ranked, got.ranked, "%s: Ranked differs from a new queue's at %d of %d places", what, differ, len(want.ranked))
	}
	require.Equal(t, want.clusters, got.clusters, "%s: Clusters differs from a new queue's", what)
	require.Equal(t, want.similar, got.similar, "%s: Similar differs from a new queue's", what)
}

func assessmentsEqual(a, b Assessment) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestQueueDependsOnlyOnOpenTickets is the queue's invariant (issue 11,
// defect 6): after any history of Add, Remove, re-Add of unchanged
// tickets, replacements under the same ID, late tickets, batches, reads
// at any time and engine changes, Ranked, Clusters and Similar are those
// of a new queue given the open tickets. It runs on the sample tickets
// and on bursty made-up tickets spread over many cluster windows.
func TestQueueDependsOnlyOnOpenTickets(t *testing.T) {
	e := loadDefaultPack(t)
	reloaded := loadDefaultPack(t) // the same pack, another engine: SetEngine regroups
	samples := readSampleTickets(t)
	rng := rand.New(rand.NewPCG(11, 6))
	settings := [][]QueueOption{
		nil, // the pack's: a two-hour window
		{WithClusterSettings(ClusterSettings{Window: 20 * time.Minute, Similarity: 0.4, Horizon: time.Hour})},
		{WithClusterSettings(ClusterSettings{Window: 6 * time.Hour, Similarity: 0.3, Horizon: 3 * time.Hour})},
	}
	for round := range 12 {
		opts := settings[round%len(settings)]
		pool := samples
		if round%2 == 1 {
			pool = burstyTickets(rng, "B", 400, now, 18*time.Hour)
		}
		q := mustQueue(NewQueue(e, opts...))
		eng := e
		open := make(map[string]Ticket)
		var ids []string // open IDs, oldest added first
		removeAt := func(i int) {
			id := ids[i]
			require.True(t, q.Remove(id))
			delete(open, id)
			ids = slices.Delete(ids, i, i+1)
		}
		add := func(tks ...Ticket) {
			q.Add(tks...)
			for _, tk := range tks {
				if _, ok := open[tk.ID]; !ok {
					ids = append(ids, tk.ID)
				}
				open[tk.ID] = tk
			}
		}
		next := 0 // pool tickets come mostly in order, as a stream
		for step := range 300 {
			what := fmt.Sprintf("round %d step %d", round, step)
			switch x := rng.IntN(100); {
			case x < 40 && next < len(pool):
				k := 1 + rng.IntN(3)
				add(pool[next:min(next+k, len(pool))]...)
				next += k
			case x < 48:
				add(pool[rng.IntN(len(pool))]) // late, or again
			case x < 55 && len(ids) > 0:
				add(open[ids[rng.IntN(len(ids))]]) // re-added unchanged
			case x < 60 && len(ids) > 0:
				// Replaced under the same ID: another text, or another time.
				tk := open[ids[rng.IntN(len(ids))]]
				other := pool[rng.IntN(len(pool))]
				if rng.IntN(2) == 0 {
					tk.Subject, tk.Body = other.Subject, other.Body
				} else {
					tk.CreatedAt = other.CreatedAt
				}
				add(tk)
			case x < 75 && len(ids) > 0:
				removeAt(0) // the oldest answered
			case x < 85 && len(ids) > 0:
				removeAt(rng.IntN(len(ids)))
			case x < 92:
				// Reads at any time, which once made the queue forget.
				at := now.Add(time.Duration(rng.IntN(60*24*40)-60*24*4) * time.Minute)
				q.Ranked(at)
				q.Clusters(at)
				if len(ids) > 0 {
					q.Similar(ids[rng.IntN(len(ids))], 3)
				}
			case x < 94:
				if eng == e {
					eng = reloaded
				} else {
					eng = e
				}
				q.SetEngine(eng)
			default:
				requireFresh(t, eng, opts, q, open, rng, now.Add(time.Duration(rng.IntN(600))*time.Minute), what)
			}
			require.Equal(t, len(open), q.Len(), what)
		}
		requireFresh(t, eng, opts, q, open, rng, now, fmt.Sprintf("round %d, end", round))
	}
}

// TestQueueSlidingWindowIsFresh: a queue that has seen a stream of 3,000
// tickets go through it, 600 open at a time and read every 50 adds, says
// at the end what a new queue given the 600 open tickets says; and
// re-adding one unchanged ticket changes no assessment (it changed 232 of
// 3,000, and a long-lived queue disagreed with a new one on 1,473 of
// 1,496).
func TestQueueSlidingWindowIsFresh(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(12, 7))
	stream := burstyTickets(rng, "W", 3000, now, 3000*40*time.Second)
	q := mustQueue(NewQueue(e))
	open := make(map[string]Ticket)
	for i, tk := range stream {
		q.Add(tk)
		open[tk.ID] = tk
		if i >= 600 {
			require.True(t, q.Remove(stream[i-600].ID))
			delete(open, stream[i-600].ID)
		}
		if i%50 == 0 {
			q.Ranked(tk.CreatedAt)
		}
	}
	requireFresh(t, e, nil, q, open, rng, now, "after the stream")

	before := q.Ranked(now)
	for _, i := range []int{2400, 2700, 2999} {
		q.Add(stream[i])
		require.Equal(t, before, q.Ranked(now), "re-adding %s unchanged", stream[i].ID)
	}
}

// TestQueueReAddUnchangedChangesNothing: in a queue of 3,000 bursty
// tickets spread over a day and a half, re-adding any one unchanged
// changes nothing.
func TestQueueReAddUnchangedChangesNothing(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(13, 8))
	tickets := burstyTickets(rng, "R", 3000, now, 36*time.Hour)
	q := mustQueue(NewQueue(e))
	q.Add(tickets...)
	before := q.Ranked(now)
	clusters := q.Clusters(now)
	for range 5 {
		q.Add(tickets[rng.IntN(len(tickets))])
		require.Equal(t, before, q.Ranked(now))
		require.Equal(t, clusters, q.Clusters(now))
	}
}
