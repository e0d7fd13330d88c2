package urgency

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// Store holds the open tickets of a queue that several replicas share: a
// helpdesk that runs more than one process gives each process's [Queue]
// the same store ([WithStore]), and every replica's Ranked, Clusters and
// Similar see every replica's tickets.
//
// A store holds the open tickets and nothing derived from them. A queue's
// results are a function of its open tickets (see [Queue]), so each
// replica derives the clusters, the duplicate marks and the similar-ticket
// index from the set it reads, and every replica given the same set
// computes the same: storing cluster assignments would make the result
// depend on which replica grouped first, and would need a lock across
// replicas on every read. Each change of the set (a ticket put or
// deleted) has a sequence number, and a replica applies the changes after
// the last one it saw.
//
// The package's own store is [NewMemoryStore]; the PostgreSQL store is the
// module github.com/triagekit/triage/store/postgres. A Store is safe for
// concurrent use.
type Store interface {
	// Put stores tickets, each replacing the one of its ID. When Put
	// returns nil the tickets are durable; on an error none or all of
	// them may be stored, and Put may be called again with the same
	// tickets.
	Put(ctx context.Context, tickets []Ticket) error
	// Delete removes the ticket with the given ID and reports whether it
	// was there.
	Delete(ctx context.Context, id string) (bool, error)
	// Changes returns the changes after version since in sequence
	// order, and the version they bring the reader to. When the store
	// cannot give the changes since that version (the zero Version, a
	// store made anew, or changes older than it keeps), it returns the
	// whole open set with Full set.
	Changes(ctx context.Context, since Version) (Changes, error)
	// Notify makes the store send to c, without blocking, when another
	// change may have been made, and whenever the store may have missed
	// telling of one (after a lost connection); stop ends it.
	Notify(c chan<- struct{}) (stop func())
}

// Version is how far a reader of a [Store] has read: the store's
// incarnation and the sequence number of the last change read.
type Version struct {
	Epoch string
	Seq   int64
}

// Changes are changes of a [Store]'s open set.
type Changes struct {
	// Full is set when Changes holds the whole open set (every ticket as
	// a put): a ticket the reader holds that is not among them is gone.
	Full bool
	// Changes are in sequence order, at most one per ticket ID.
	Changes []Change
	// Version is the reader's version after these changes.
	Version Version
}

// Change is a ticket put into a [Store] or deleted from it.
type Change struct {
	ID  string
	Seq int64
	// Ticket is the ticket put, nil for a deletion.
	Ticket *Ticket
}

// MemoryStore is a [Store] in the memory of one process: the queues of a
// process that share it see each other's tickets, as replicas sharing a
// database do. It keeps the open tickets and, for a deleted ticket, its
// ID and sequence number until deletions outnumber the open tickets (and
// 1,024 more); a reader behind that reads the whole set again.
type MemoryStore struct {
	mu      sync.Mutex
	seq     int64
	pruned  int64 // deletions up to this sequence number are forgotten
	rows    map[string]memRow
	deleted int
	subs    map[*chan<- struct{}]bool
}

type memRow struct {
	seq    int64
	ticket *Ticket // nil: deleted
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{rows: make(map[string]memRow), subs: make(map[*chan<- struct{}]bool)}
}

const memoryEpoch = "memory"

// Put implements [Store].
func (s *MemoryStore) Put(ctx context.Context, tickets []Ticket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	for i := range tickets {
		t := tickets[i]
		s.seq++
		if old, ok := s.rows[t.ID]; ok && old.ticket == nil {
			s.deleted--
		}
		s.rows[t.ID] = memRow{seq: s.seq, ticket: &t}
	}
	s.mu.Unlock()
	s.notify()
	return nil
}

// Delete implements [Store].
func (s *MemoryStore) Delete(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	old, ok := s.rows[id]
	if !ok || old.ticket == nil {
		s.mu.Unlock()
		return false, nil
	}
	s.seq++
	s.rows[id] = memRow{seq: s.seq}
	s.deleted++
	if s.deleted > 1024 && s.deleted > len(s.rows)-s.deleted {
		for id, r := range s.rows {
			if r.ticket == nil {
				delete(s.rows, id)
			}
		}
		s.pruned, s.deleted = s.seq, 0
	}
	s.mu.Unlock()
	s.notify()
	return true, nil
}

// Changes implements [Store].
func (s *MemoryStore) Changes(ctx context.Context, since Version) (Changes, error) {
	if err := ctx.Err(); err != nil {
		return Changes{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Changes{Version: Version{Epoch: memoryEpoch, Seq: s.seq}}
	out.Full = since.Epoch != memoryEpoch || since.Seq < s.pruned
	for id, r := range s.rows {
		if out.Full && r.ticket == nil || !out.Full && r.seq <= since.Seq {
			continue
		}
		c := Change{ID: id, Seq: r.seq}
		if r.ticket != nil {
			t := *r.ticket
			c.Ticket = &t
		}
		out.Changes = append(out.Changes, c)
	}
	slices.SortFunc(out.Changes, func(a, b Change) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// Notify implements [Store].
func (s *MemoryStore) Notify(c chan<- struct{}) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := &c
	s.subs[key] = true
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, key)
	}
}

func (s *MemoryStore) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.subs {
		select {
		case *c <- struct{}{}:
		default:
		}
	}
}
