package urgency

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestQueuesSharingAStore: replicas sharing a store, adding, replacing and
// removing tickets each on their own, all say what one queue given the
// store's open tickets says, whichever replica is read.
func TestQueuesSharingAStore(t *testing.T) {
	e := loadDefaultPack(t)
	rng := rand.New(rand.NewPCG(15, 2))
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	pool := burstyTickets(rng, "T", 600, now, 6*time.Hour)
	st := NewMemoryStore()
	replicas := []*Queue{mustQueue(NewQueue(e, WithStore(st))), mustQueue(NewQueue(e, WithStore(st))), mustQueue(NewQueue(e, WithStore(st)))}
	for _, q := range replicas {
		defer q.Close()
	}
	open := map[string]Ticket{}
	for step := range 40 {
		for range 20 {
			q := replicas[rng.IntN(len(replicas))]
			tk := pool[rng.IntN(len(pool))]
			switch rng.IntN(4) {
			case 0:
				ok := q.Remove(tk.ID)
				_, was := open[tk.ID]
				require.Equal(t, was, ok, "Remove(%s)", tk.ID)
				delete(open, tk.ID)
			case 1:
				tk.Body += " (edited)"
				fallthrough
			default:
				q.Add(tk)
				open[tk.ID] = tk
			}
		}
		for i, q := range replicas {
			if rng.IntN(2) == 0 {
				require.Equal(t, len(open), q.Len())
				requireFresh(t, e, nil, q, open, rng, now, fmt.Sprintf("step %d, replica %d", step, i))
			}
		}
	}
	for _, q := range replicas {
		require.NoError(t, q.Err())
	}
}

// TestQueueStoreConcurrentReplicas: replicas adding and removing different
// tickets at once, each in its own goroutine, end as one queue given the
// tickets left open.
func TestQueueStoreConcurrentReplicas(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	pool := burstyTickets(rand.New(rand.NewPCG(15, 3)), "T", 800, now, 6*time.Hour)
	st := NewMemoryStore()
	const n = 4
	var wg sync.WaitGroup
	replicas := make([]*Queue, n)
	for r := range n {
		replicas[r] = mustQueue(NewQueue(e, WithStore(st)))
		defer replicas[r].Close()
	}
	for r := range n {
		wg.Go(func() {
			q := replicas[r]
			for i := r; i < len(pool); i += n {
				require.NoError(t, q.AddContext(t.Context(), pool[i]))
				if i%3 == 0 {
					ok, err := q.RemoveContext(t.Context(), pool[i].ID)
					require.NoError(t, err)
					require.True(t, ok)
				}
				if i%50 == 0 {
					q.Ranked(now)
				}
			}
		})
	}
	wg.Wait()
	open := map[string]Ticket{}
	for i, tk := range pool {
		if i%3 != 0 {
			open[tk.ID] = tk
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for r, q := range replicas {
		requireFresh(t, e, nil, q, open, rng, now, fmt.Sprintf("replica %d", r))
	}
}

// TestQueueStoreReadsWholeSetAfterPruning: a replica that was away while
// the store forgot its deletions reads the whole set again, and drops the
// tickets deleted meanwhile.
func TestQueueStoreReadsWholeSetAfterPruning(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	pool := burstyTickets(rand.New(rand.NewPCG(15, 4)), "T", 3000, now, 24*time.Hour)
	st := NewMemoryStore()
	a, b := mustQueue(NewQueue(e, WithStore(st))), mustQueue(NewQueue(e, WithStore(st)))
	a.Close()
	b.Close() // neither applies changes ahead of a read
	require.NoError(t, a.AddContext(t.Context(), pool...))
	require.Equal(t, len(pool), b.Len())
	for _, tk := range pool[:2500] {
		ok, err := a.RemoveContext(t.Context(), tk.ID)
		require.NoError(t, err)
		require.True(t, ok)
	}
	ch, err := st.Changes(t.Context(), b.version)
	require.NoError(t, err)
	require.True(t, ch.Full, "the store kept every deletion")
	open := map[string]Ticket{}
	for _, tk := range pool[2500:] {
		open[tk.ID] = tk
	}
	requireFresh(t, e, nil, b, open, rand.New(rand.NewPCG(1, 2)), now, "after pruning")
}

// failingStore fails every call while down is set.
type failingStore struct {
	*MemoryStore
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("store down")

func (f *failingStore) isDown() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.down }

func (f *failingStore) Put(ctx context.Context, tickets []Ticket) error {
	if f.isDown() {
		return errDown
	}
	return f.MemoryStore.Put(ctx, tickets)
}

func (f *failingStore) Delete(ctx context.Context, id string) (bool, error) {
	if f.isDown() {
		return false, errDown
	}
	return f.MemoryStore.Delete(ctx, id)
}

func (f *failingStore) Changes(ctx context.Context, since Version) (Changes, error) {
	if f.isDown() {
		return Changes{}, errDown
	}
	return f.MemoryStore.Changes(ctx, since)
}

// TestQueueStoreErrors: a store's errors reach the host (returned, or kept
// for Err), a read while the store is down says what the queue last read,
// and the queue catches up once the store is back.
func TestQueueStoreErrors(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	pool := burstyTickets(rand.New(rand.NewPCG(15, 5)), "T", 40, now, time.Hour)
	st := &failingStore{MemoryStore: NewMemoryStore()}
	q := mustQueue(NewQueue(e, WithStore(st)))
	defer q.Close()
	q.Add(pool[:20]...)
	require.NoError(t, q.Err())
	require.Equal(t, 20, q.Len())

	st.mu.Lock()
	st.down = true
	st.mu.Unlock()
	require.ErrorIs(t, q.AddContext(t.Context(), pool[20:]...), errDown)
	q.Add(pool[20])
	require.ErrorIs(t, q.Err(), errDown)
	require.NoError(t, q.Err(), "Err forgets the error it returned")
	require.False(t, q.Remove(pool[0].ID))
	require.ErrorIs(t, q.Err(), errDown)
	_, err := q.RemoveContext(t.Context(), pool[0].ID)
	require.ErrorIs(t, err, errDown)
	require.Equal(t, 20, q.Len(), "a read while the store is down says what the queue last read")
	require.ErrorIs(t, q.Err(), errDown)
	require.ErrorIs(t, q.Refresh(t.Context()), errDown)

	st.mu.Lock()
	st.down = false
	st.mu.Unlock()
	require.NoError(t, q.AddContext(t.Context(), pool[20:]...)) // retried
	open := map[string]Ticket{}
	for _, tk := range pool {
		open[tk.ID] = tk
	}
	requireFresh(t, e, nil, q, open, rand.New(rand.NewPCG(1, 2)), now, "after the store came back")
}

// TestQueueStoreNotifies: a queue applies another replica's change when the
// store tells of it, without being read.
func TestQueueStoreNotifies(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	pool := burstyTickets(rand.New(rand.NewPCG(15, 6)), "T", 5, now, time.Hour)
	st := NewMemoryStore()
	a, b := mustQueue(NewQueue(e, WithStore(st))), mustQueue(NewQueue(e, WithStore(st)))
	defer a.Close()
	defer b.Close()
	require.NoError(t, a.AddContext(t.Context(), pool...))
	for {
		b.mu.Lock()
		n := len(b.byID)
		b.mu.Unlock()
		if n == len(pool) {
			break
		}
		time.Sleep(time.Millisecond)
	}
}

// scriptedStore gives the changes it is told to, once each.
type scriptedStore struct {
	*MemoryStore
	script []Changes
}

func (s *scriptedStore) Changes(context.Context, Version) (Changes, error) {
	if len(s.script) == 0 {
		return Changes{Version: Version{Epoch: "s", Seq: 99}}, nil
	}
	c := s.script[0]
	s.script = s.script[1:]
	return c, nil
}

// TestQueueStoreGivingATicketTwice: a store that breaks its word and gives
// one ticket twice in one read (here deleted, then put as the queue holds
// it) does not take the queue down; the last change wins.
func TestQueueStoreGivingATicketTwice(t *testing.T) {
	e := loadDefaultPack(t)
	tk := Ticket{ID: "T-1", Subject: "login fails", CreatedAt: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	st := &scriptedStore{MemoryStore: NewMemoryStore(), script: []Changes{
		{Full: true, Changes: []Change{{ID: "T-1", Seq: 1, Ticket: &tk}}, Version: Version{Epoch: "s", Seq: 1}},
		{Changes: []Change{{ID: "T-1", Seq: 2}, {ID: "T-1", Seq: 1, Ticket: &tk}}, Version: Version{Epoch: "s", Seq: 2}},
	}}
	q := mustQueue(NewQueue(e, WithStore(st)))
	q.Close()
	require.Equal(t, 1, q.Len())
	require.NoError(t, q.Refresh(t.Context()))
	require.Equal(t, 1, q.Len())
	requireFresh(t, e, nil, q, map[string]Ticket{"T-1": tk}, rand.New(rand.NewPCG(1, 2)), tk.CreatedAt, "after the store gave T-1 twice")
}

// TestQueueStoreOfAnotherEpoch: a store made anew (its tables dropped and
// made again) numbers its changes from the start; a ticket of the new
// epoch with the ID and sequence number of one the queue holds from the
// old is read anew, not taken for the one held.
func TestQueueStoreOfAnotherEpoch(t *testing.T) {
	e := loadDefaultPack(t)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	old := Ticket{ID: "T-1", Subject: "login fails", CreatedAt: at}
	anew := Ticket{ID: "T-1", Subject: "payment failed, card declined", CreatedAt: at}
	st := &scriptedStore{MemoryStore: NewMemoryStore(), script: []Changes{
		{Full: true, Changes: []Change{{ID: "T-1", Seq: 1, Ticket: &old}}, Version: Version{Epoch: "a", Seq: 1}},
		{Full: true, Changes: []Change{{ID: "T-1", Seq: 1, Ticket: &anew}}, Version: Version{Epoch: "b", Seq: 1}},
	}}
	q := mustQueue(NewQueue(e, WithStore(st)))
	q.Close()
	require.Equal(t, 1, q.Len())
	require.NoError(t, q.Refresh(t.Context()))
	requireFresh(t, e, nil, q, map[string]Ticket{"T-1": anew}, rand.New(rand.NewPCG(1, 2)), at, "after the store was made anew")
}
