package urgency_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

var reloadNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// reloadPack is a pack whose payment rule gives points; with german set,
// its lists know German terms too, so that German and English reports of
// one problem meet in one cluster.
func reloadPack(points int, german bool) string {
	payment, failure := `[payment]`, `["fail*"]`
	if german {
		payment, failure = `[payment, "zahlung*"]`, `["fail*", "fehlgeschlagen"]`
	}
	return fmt.Sprintf(`version: 1
name: support
levels:
  - {name: high, min_score: 50, respond_within: 4h}
  - {name: low, respond_within: 24h}
lists:
  payment: %s
  failure: %s
rules:
  - {name: payment, when: 'mentions(text, "payment")', score: %d}
clusters:
  window: 2h
  similarity: 0.3
`, payment, failure, points)
}

// badReloadPack misspells a list name on line 10.
const badReloadPack = `version: 1
name: support
levels:
  - {name: high, min_score: 50, respond_within: 4h}
  - {name: low, respond_within: 24h}
lists:
  payment: [payment]
  failure: ["fail*"]
rules:
  - {name: payment, when: 'mentions(text, "paymnt")', score: 60}
`

// writePack replaces the pack in dir at once (write, then rename), so
// that a reload never reads half a file.
func writePack(t *testing.T, dir, content string) {
	t.Helper()
	tmp := filepath.Join(dir, "p.yaml.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "p.yaml")))
}

// newDirPolicy writes content as the pack in a new directory and returns
// the directory and a policy loading from it.
func newDirPolicy(t *testing.T, content string) (string, *urgency.Policy) {
	t.Helper()
	dir := t.TempDir()
	writePack(t, dir, content)
	p, err := urgency.NewPolicy(func() (*urgency.Engine, error) { return urgency.Load(dir) })
	require.NoError(t, err)
	return dir, p
}

func versionOf(t *testing.T, content string) string {
	t.Helper()
	e, err := urgency.LoadFS(fstest.MapFS{"any.yaml": {Data: []byte(content)}})
	require.NoError(t, err)
	return e.Version()
}

// reloadTickets are a payment failure reported in English and German and
// an unrelated question.
func reloadTickets() []urgency.Ticket {
	return []urgency.Ticket{
		{ID: "EN", Subject: "Payment failed", CreatedAt: reloadNow.Add(-30 * time.Minute), Customer: urgency.Customer{ID: "c1"}},
		{ID: "DE", Subject: "Zahlung fehlgeschlagen", CreatedAt: reloadNow.Add(-20 * time.Minute), Customer: urgency.Customer{ID: "c2"}},
		{ID: "Q", Subject: "How do I export a report?", CreatedAt: reloadNow.Add(-10 * time.Minute), Customer: urgency.Customer{ID: "c3"}},
	}
}

func byID(as []urgency.Assessment) map[string]urgency.Assessment {
	out := make(map[string]urgency.Assessment)
	for _, a := range as {
		out[a.Ticket.ID] = a
	}
	return out
}

func TestPolicyReloadSwapsEngine(t *testing.T) {
	v1, v2 := reloadPack(60, false), reloadPack(10, true)
	dir, p := newDirPolicy(t, v1)
	old := p.Engine()
	require.Equal(t, versionOf(t, v1), old.Version())
	q := mustQueue(urgency.NewQueue(old))
	p.Bind(q)
	q.Add(reloadTickets()...)

	before := byID(q.Ranked(reloadNow))
	assert.Equal(t, old.Version(), before["EN"].Pack)
	assert.Equal(t, "high", before["EN"].Level)
	assert.Equal(t, 1, before["DE"].Cluster.Size, "the first pack knows no German")

	writePack(t, dir, v2)
	changed, err := p.Reload()
	require.NoError(t, err)
	assert.True(t, changed)
	eng := p.Engine()
	assert.Equal(t, versionOf(t, v2), eng.Version())
	assert.Equal(t, eng.Version(), p.Version())
	assert.Equal(t, eng.Version(), eng.Assess(reloadTickets()[0], reloadNow).Pack)
	assert.Equal(t, old.Version(), old.Assess(reloadTickets()[0], reloadNow).Pack, "an engine in use is not changed")

	after := byID(q.Ranked(reloadNow))
	for _, a := range after {
		assert.Equal(t, eng.Version(), a.Pack, a.Ticket.ID)
	}
	assert.Equal(t, "low", after["EN"].Level, "the payment rule gives 10 points now")
	assert.Equal(t, 2, after["DE"].Cluster.Size, "the new lists link the German report to the English one")
	assert.Equal(t, "EN", after["DE"].Cluster.ID)

	// The queue ranks as a queue made with the new engine does.
	fresh := mustQueue(urgency.NewQueue(eng))
	fresh.Add(reloadTickets()...)
	assert.Equal(t, fresh.Clusters(reloadNow), q.Clusters(reloadNow))
	assert.Equal(t, ids(fresh.Ranked(reloadNow)), ids(q.Ranked(reloadNow)))
	assert.Equal(t, matchIDs(fresh.Similar("DE", 5)), matchIDs(q.Similar("DE", 5)))
}

func ids(as []urgency.Assessment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Ticket.ID
	}
	return out
}

func matchIDs(ms []urgency.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestPolicyRejectsBadPack(t *testing.T) {
	dir, p := newDirPolicy(t, reloadPack(60, false))
	old := p.Engine()
	q := mustQueue(urgency.NewQueue(old))
	p.Bind(q)
	q.Add(reloadTickets()...)

	writePack(t, dir, badReloadPack)
	changed, err := p.Reload()
	require.Error(t, err)
	assert.False(t, changed)
	var list urgency.ErrorList
	require.True(t, errors.As(err, &list), "the pack's errors are an ErrorList: %v", err)
	require.Len(t, list, 1)
	assert.Equal(t, filepath.ToSlash(filepath.Join(dir, "p.yaml"))+`:10:43: rule "payment": unknown list "paymnt" (did you mean "payment"?)`, list[0].Error())
	assert.Contains(t, err.Error(), old.Version()+" keeps serving")
	assert.Contains(t, err.Error(), list[0].Error())

	assert.Same(t, old, p.Engine())
	for _, a := range q.Ranked(reloadNow) {
		assert.Equal(t, old.Version(), a.Pack, a.Ticket.ID)
	}

	// A pack that cannot be read at all is rejected the same way.
	require.NoError(t, os.Remove(filepath.Join(dir, "p.yaml")))
	_, err = p.Reload()
	require.ErrorAs(t, err, &list)
	assert.Contains(t, err.Error(), "no rule files")
	assert.Same(t, old, p.Engine())
}

func TestPolicyUnchangedPackIsNotSwapped(t *testing.T) {
	content := reloadPack(60, false)
	dir, p := newDirPolicy(t, content)
	old := p.Engine()
	changed, err := p.Reload()
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Same(t, old, p.Engine())

	writePack(t, dir, content) // saved again, the same
	changed, err = p.Reload()
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Same(t, old, p.Engine())
}

func TestNewPolicyFails(t *testing.T) {
	_, err := urgency.NewPolicy(func() (*urgency.Engine, error) {
		return urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(badReloadPack)}})
	})
	var list urgency.ErrorList
	require.ErrorAs(t, err, &list)
	assert.Equal(t, `p.yaml:10:43: rule "payment": unknown list "paymnt" (did you mean "payment"?)`, err.Error())

	_, err = urgency.NewPolicy(nil)
	assert.Error(t, err)
	_, err = urgency.NewPolicy(func() (*urgency.Engine, error) { return nil, nil })
	assert.Error(t, err)
}

func TestPolicyBindAndUnbind(t *testing.T) {
	dir, p := newDirPolicy(t, reloadPack(60, false))
	other, err := urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(reloadPack(5, false))}})
	require.NoError(t, err)

	bound := mustQueue(urgency.NewQueue(other))
	bound.Add(reloadTickets()...)
	p.Bind(bound)
	p.Bind(bound)
	assert.Equal(t, p.Version(), bound.Ranked(reloadNow)[0].Pack, "binding sets the policy's engine")

	// A queue with its own cluster settings keeps them across reloads.
	strict := mustQueue(urgency.NewQueue(p.Engine(), urgency.WithClusterSettings(urgency.ClusterSettings{Window: 2 * time.Hour, Similarity: 0.99, Horizon: 24 * time.Hour})))
	strict.Add(reloadTickets()...)
	p.Bind(strict)
	left := mustQueue(urgency.NewQueue(p.Engine()))
	left.Add(reloadTickets()...)
	p.Bind(left)
	p.Unbind(left)
	kept := left.Ranked(reloadNow)[0].Pack

	writePack(t, dir, reloadPack(60, true))
	changed, err := p.Reload()
	require.NoError(t, err)
	require.True(t, changed)
	assert.Equal(t, p.Version(), byID(bound.Ranked(reloadNow))["DE"].Pack)
	assert.Equal(t, 2, byID(bound.Ranked(reloadNow))["DE"].Cluster.Size)
	assert.Equal(t, p.Version(), byID(strict.Ranked(reloadNow))["DE"].Pack)
	assert.Equal(t, 1, byID(strict.Ranked(reloadNow))["DE"].Cluster.Size, "similarity 0.99 is the queue's own")
	assert.Equal(t, kept, left.Ranked(reloadNow)[0].Pack, "an unbound queue keeps its engine")
}

// Many goroutines assess, add, remove, rank and reload at once; in the
// end the queue holds exactly the tickets added and not removed, and
// ranks them as a queue made with the last engine does.
func TestPolicyConcurrentReloads(t *testing.T) {
	// The packs are loaded beforehand, so that reloads are many.
	type loaded struct {
		eng *urgency.Engine
		err error
	}
	var packs []loaded
	versions := make(map[string]bool)
	for _, text := range []string{reloadPack(60, false), reloadPack(10, true), badReloadPack, reloadPack(30, true)} {
		e, err := urgency.LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(text)}})
		packs = append(packs, loaded{e, err})
		if err == nil {
			versions[e.Version()] = true
		}
	}
	var which atomic.Int64
	p, err := urgency.NewPolicy(func() (*urgency.Engine, error) {
		l := packs[which.Load()%int64(len(packs))]
		return l.eng, l.err
	})
	require.NoError(t, err)
	q := mustQueue(urgency.NewQueue(p.Engine()))
	p.Bind(q)

	subjects := []string{"Payment failed", "Zahlung fehlgeschlagen", "How do I export a report?", "Login does not work", "payment declined"}
	ticket := func(id string, n int) urgency.Ticket {
		return urgency.Ticket{
			ID: id, Subject: subjects[n%len(subjects)], Body: "Since this morning.",
			CreatedAt: reloadNow.Add(-time.Duration(n%90) * time.Minute), Customer: urgency.Customer{ID: fmt.Sprint("c", n%7)},
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Int64 // problems seen inside the goroutines
	var reloads, failures atomic.Int64
	const writers = 3
	models := make([]map[string]bool, writers)
	remove := func(w, n int) {
		id := fmt.Sprintf("w%d-%d", w, n)
		if !q.Remove(id) {
			bad.Add(1)
		}
		delete(models[w], id)
	}
	for w := range writers {
		models[w] = make(map[string]bool)
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, n)
				q.Add(ticket(id, n))
				models[w][id] = true
				// A third of the tickets are answered at once, the others
				// after 150 more came: each writer keeps a hundred open.
				if n%3 == 2 {
					remove(w, n-1)
				}
				if n >= 150 && models[w][fmt.Sprintf("w%d-%d", w, n-150)] {
					remove(w, n-150)
				}
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			ranked := q.Ranked(reloadNow)
			seen := make(map[string]bool)
			for _, a := range ranked {
				if seen[a.Ticket.ID] || !versions[a.Pack] || a.Pack != ranked[0].Pack {
					bad.Add(1)
				}
				seen[a.Ticket.ID] = true
			}
			q.Clusters(reloadNow)
			if len(ranked) > 0 {
				q.Similar(ranked[0].Ticket.ID, 3)
			}
		}
	})
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if a := p.Engine().Assess(ticket("x", n), reloadNow); !versions[a.Pack] {
				bad.Add(1)
			}
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
			which.Add(1)
			reloads.Add(1)
			if _, err := p.Reload(); err != nil {
				failures.Add(1)
			}
		}
	})
	time.Sleep(200 * time.Millisecond)
	// A slow machine still sees a few swaps under load.
	for deadline := time.Now().Add(10 * time.Second); reloads.Load() < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()

	assert.Zero(t, bad.Load(), "duplicate tickets, unknown versions or failed removals")
	assert.GreaterOrEqual(t, reloads.Load(), int64(5))
	assert.Positive(t, failures.Load(), "the bad pack was tried")
	want := make([]string, 0)
	for _, m := range models {
		for id := range m {
			want = append(want, id)
		}
	}
	got := ids(q.Ranked(reloadNow))
	assert.ElementsMatch(t, want, got, "no ticket lost or duplicated")

	// A bad pack may be the last one tried: the queue ranks with the
	// engine serving.
	eng := p.Engine()
	for _, a := range q.Ranked(reloadNow) {
		require.Equal(t, eng.Version(), a.Pack)
	}
	fresh := mustQueue(urgency.NewQueue(eng))
	for _, id := range got {
		var w, n int
		_, err := fmt.Sscanf(id, "w%d-%d", &w, &n)
		require.NoError(t, err)
		fresh.Add(ticket(id, n))
	}
	assert.Equal(t, fresh.Clusters(reloadNow), q.Clusters(reloadNow))
	assert.Equal(t, got, ids(fresh.Ranked(reloadNow)))
	slices.Sort(got)
	assert.Equal(t, len(got), len(slices.Compact(got)))
}

func TestPolicyWatch(t *testing.T) {
	v1, v2 := reloadPack(60, false), reloadPack(10, true)
	dir := t.TempDir()
	writePack(t, dir, v1)
	var loads atomic.Int64
	p, err := urgency.NewPolicy(func() (*urgency.Engine, error) {
		loads.Add(1)
		return urgency.Load(dir)
	})
	require.NoError(t, err)

	type report struct {
		version string
		err     error
	}
	reports := make(chan report, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Watch(ctx, 10*time.Millisecond, func(version string, err error) { reports <- report{version, err} })
	}()
	next := func() report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(10 * time.Second):
			require.FailNow(t, "no report from Watch")
			return report{}
		}
	}

	writePack(t, dir, badReloadPack)
	r := next()
	require.Error(t, r.err)
	assert.Equal(t, versionOf(t, v1), r.version, "the old version keeps serving")
	assert.ErrorAs(t, r.err, new(urgency.ErrorList))

	// The same failure is reported once, however many ticks see it.
	for seen := loads.Load(); loads.Load() < seen+3; {
		time.Sleep(time.Millisecond)
	}
	assert.Empty(t, reports)

	writePack(t, dir, v2)
	r = next()
	require.NoError(t, r.err)
	assert.Equal(t, versionOf(t, v2), r.version)
	assert.Equal(t, r.version, p.Version())

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context was done")
	}
}

// mustQueue is NewQueue's queue, for the tests whose options are valid.
func mustQueue[Q any](q Q, err error) Q {
	if err != nil {
		panic(err)
	}
	return q
}
