// Package postgres is an [urgency.Store] in PostgreSQL: the replicas of a
// helpdesk that give their queues the same database share one queue.
//
//	st, err := postgres.Open(ctx, dsn, postgres.WithKey(key))
//	...
//	defer st.Close()
//	q, err := urgency.NewQueue(eng, urgency.WithStore(st))
//	defer q.Close()
//
// # What is shared
//
// The database holds the open tickets and nothing derived from them. A
// queue's ranking, clusters, duplicates and similar tickets are a function
// of its open tickets and its engine, so every replica derives them from
// the set it reads and all replicas with the same pack agree; cluster
// assignments are not stored, since storing them would make the result
// depend on which replica grouped first and would need a lock across
// replicas around every regrouping. What must be one transaction is the
// change of the set: a Put or a Delete takes the next sequence numbers
// and writes its rows in one transaction, and writers hold the counter's
// row lock until they commit, so changes commit in the order of their
// sequence numbers and a reader that has read up to a number has every
// change up to it (a reader never skips a change that commits later with
// a lower number). Every read of a queue first reads the changes after
// the last number it saw, in one statement, so a read on one replica right
// after another replica's Put returned sees the ticket. Writers NOTIFY
// the channel urgency_changes when they commit; each store LISTENs on a
// connection of its own and tells its queues, which then apply the
// changes ahead of their next read. Notifications are not replayed: after
// the listening connection is lost the store tells its queues anyway, and
// they read the changes since their last number (or the whole set, when
// the deletions since then were forgotten).
//
// # Privacy
//
// Replicas rank each other's tickets, so the database holds the tickets,
// but never their text in the clear: each ticket's JSON is sealed with
// AES-256-GCM under a key derived (HKDF-SHA256) from the key given to
// [WithKey], with the ticket's ID as additional data, so a row moved to
// another ID does not open. The key is shared by the replicas through
// their configuration and never written to the database; the database
// holds a keyed check of it (HMAC-SHA256 under another key derived from
// it), so that a replica given another key is refused at Open rather than
// failing on every ticket. IDs, creation times and sequence numbers are
// in the clear. No detector hash is stored: each replica computes them.
//
// # Tables
//
// Open creates the tables and migrates them, in order, in one transaction
// under an advisory lock, so replicas starting at once do it once:
//
//	urgency_schema_version  version int: the schema's version (now 1)
//	urgency_meta            one row: epoch text (random, made with the
//	                        tables: a reader of another epoch reads the
//	                        whole set), seq bigint (the last sequence
//	                        number given), pruned bigint (deletions up to
//	                        it are forgotten), key_check bytea
//	urgency_tickets         id bytea primary key (the ticket ID's bytes),
//	                        seq bigint (of its last change, indexed),
//	                        created_at timestamptz (null when unknown),
//	                        sealed bytea (nonce and sealed JSON; null for
//	                        a deleted ticket)
//
// A deleted ticket's row stays, without its ticket, until 10,000 more
// changes have been made; then it is deleted, and a reader that had not
// read that far reads the whole set. So does a reader that had read
// further than the database's last sequence number (a database put back
// from a backup, or a standby promoted without the last changes); one
// whose database was put back and has since made as many changes again
// cannot tell, and holds what it read until the next whole read.
package postgres

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/triagekit/triage/internal/storeproc"
	"github.com/triagekit/triage/urgency"
)

// Store is an [urgency.Store] in a PostgreSQL database. Safe for
// concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	aead    cipher.AEAD
	timeout time.Duration
	keep    int64 // deletions kept for readers, in changes

	listenCfg *pgx.ConnConfig
	cancel    context.CancelFunc
	done      chan struct{}

	mu   sync.Mutex
	subs map[*chan<- struct{}]bool

	// beforeCommit, when set (by tests), runs in a writer's transaction
	// after its writes, before it commits.
	beforeCommit func(tx pgx.Tx)
}

// Option configures a Store.
type Option func(*config)

type config struct {
	key     []byte
	timeout time.Duration
}

// WithKey gives the key the tickets are sealed with: at least 32 bytes,
// the same for every replica, kept out of the database (in the host's
// secrets). Open needs it.
func WithKey(key []byte) Option {
	return func(c *config) { c.key = bytes.Clone(key) }
}

// WithTimeout bounds each call to the database whose context has no
// deadline (a queue's reads have none); 30 seconds by default.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Channel is the channel writers NOTIFY when they commit.
const Channel = "urgency_changes"

// schemaLock is the advisory lock key under which the schema is migrated.
const schemaLock = 0x7572_6765_6e63_7901

// Open connects to the database of the connection string dsn (a URL or
// key=value pairs, as libpq reads them), creates or migrates its tables,
// and starts listening for other replicas' changes.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	c := config{timeout: 30 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	if len(c.key) < 32 {
		return nil, errors.New("postgres.Open: the store needs a key of at least 32 bytes (WithKey), the same for every replica")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	name := cfg.ConnConfig.RuntimeParams["application_name"]
	if name == "" {
		name = "urgency"
		cfg.ConnConfig.RuntimeParams["application_name"] = name
	}
	listenCfg := cfg.ConnConfig.Copy()
	listenCfg.RuntimeParams["application_name"] = name + " listen"

	sealKey, err := hkdf.Key(sha256.New, c.key, nil, "urgency store: tickets sealed, v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	checkKey, err := hkdf.Key(sha256.New, c.key, nil, "urgency store: key check, v1", 32)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	s := &Store{pool: pool, aead: aead, timeout: c.timeout, keep: 10000, listenCfg: listenCfg,
		subs: make(map[*chan<- struct{}]bool), done: make(chan struct{})}
	octx, cancel := s.bound(ctx)
	err = s.migrate(octx, checkKey)
	cancel()
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	lctx, lcancel := context.WithCancel(context.Background())
	s.cancel = lcancel
	go s.listen(lctx)
	return s, nil
}

// Close stops listening and closes the store's connections.
func (s *Store) Close() {
	s.cancel()
	<-s.done
	s.pool.Close()
}

// bound gives ctx the store's timeout when it has no deadline.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// migrations bring the schema from version i to i+1.
var migrations = []func(ctx context.Context, tx pgx.Tx) error{
	func(ctx context.Context, tx pgx.Tx) error {
		epoch := make([]byte, 16)
		rand.Read(epoch)
		_, err := tx.Exec(ctx, `
CREATE TABLE urgency_meta (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	epoch text NOT NULL,
	seq bigint NOT NULL DEFAULT 0,
	pruned bigint NOT NULL DEFAULT 0,
	key_check bytea
);
CREATE TABLE urgency_tickets (
	id bytea PRIMARY KEY,
	seq bigint NOT NULL,
	created_at timestamptz,
	sealed bytea
);
CREATE INDEX urgency_tickets_seq ON urgency_tickets (seq);
INSERT INTO urgency_meta (epoch) VALUES ('`+hex.EncodeToString(epoch)+`');`)
		return err
	},
}

// SchemaVersion is the version of the tables this package makes.
var SchemaVersion = len(migrations)

func (s *Store) migrate(ctx context.Context, checkKey []byte) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS urgency_schema_version (version int NOT NULL)`); err != nil {
			return err
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT version FROM urgency_schema_version`).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO urgency_schema_version VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("the database's tables are of schema version %d, newer than this program's %d", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if err := migrations[v](ctx, tx); err != nil {
				return fmt.Errorf("migrating the schema to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE urgency_schema_version SET version = $1`, v); err != nil {
			return err
		}
		var epoch string
		var check []byte
		if err := tx.QueryRow(ctx, `SELECT epoch, key_check FROM urgency_meta`).Scan(&epoch, &check); err != nil {
			return err
		}
		mac := hmac.New(sha256.New, checkKey)
		mac.Write([]byte(epoch))
		want := mac.Sum(nil)
		if check == nil {
			_, err := tx.Exec(ctx, `UPDATE urgency_meta SET key_check = $1`, want)
			return err
		}
		if !hmac.Equal(check, want) {
			return errors.New("the key is not the one this database's tickets are sealed with")
		}
		return nil
	})
}

// seal returns t's JSON sealed: the nonce, then the sealed text.
func (s *Store) seal(t *urgency.Ticket) ([]byte, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("ticket %q cannot be stored: %w", t.ID, err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(t.ID)), nil
}

// open returns the JSON sealed in b under ID id.
func (s *Store) open(id string, b []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(b) < n {
		return nil, fmt.Errorf("ticket %q in the database is cut short", id)
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("ticket %q in the database does not open with the key (altered, or moved from another ID)", id)
	}
	return plain, nil
}

// write runs f in a writer's transaction: the counter's row is locked
// first, so writers commit in the order of the sequence numbers they
// take. f is given ctx bounded by the store's timeout, for its
// statements.
func (s *Store) write(ctx context.Context, f func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := f(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, Channel); err != nil {
			return err
		}
		if s.beforeCommit != nil {
			s.beforeCommit(tx)
		}
		return nil
	})
}

// batch is how many tickets one statement writes, and statementBytes
// about how many bytes of sealed tickets at most (one ticket more may
// pass it): a statement's message is refused over a gigabyte, and
// tickets of up to MaxLineSize each come from anyone.
const (
	batch          = 1000
	statementBytes = 64 << 20
)

// Put implements [urgency.Store]: the tickets are written in one
// transaction, all or none.
func (s *Store) Put(ctx context.Context, tickets []urgency.Ticket) error {
	// The last ticket of an ID wins, as in a queue.
	last := make(map[string]int, len(tickets))
	for i := range tickets {
		last[tickets[i].ID] = i
	}
	ids := make([][]byte, 0, len(last))
	created := make([]pgtype.Timestamptz, 0, len(last))
	sealed := make([][]byte, 0, len(last))
	for i := range tickets {
		t := &tickets[i]
		if last[t.ID] != i {
			continue
		}
		b, err := s.seal(t)
		if err != nil {
			return err
		}
		ids = append(ids, []byte(t.ID))
		created = append(created, pgtype.Timestamptz{Time: t.CreatedAt, Valid: !t.CreatedAt.IsZero()})
		sealed = append(sealed, b)
	}
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `UPDATE urgency_meta SET seq = seq + $1 RETURNING seq`, len(ids)).Scan(&seq); err != nil {
			return err
		}
		first := seq - int64(len(ids)) + 1
		for lo, hi := 0, 0; lo < len(ids); lo = hi {
			size := 0
			for hi = lo; hi < len(ids) && hi-lo < batch && (hi == lo || size+len(sealed[hi]) <= statementBytes); hi++ {
				size += len(sealed[hi])
			}
			seqs := make([]int64, hi-lo)
			for i := range seqs {
				seqs[i] = first + int64(lo+i)
			}
			if _, err := tx.Exec(ctx, `
INSERT INTO urgency_tickets (id, seq, created_at, sealed)
SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::timestamptz[], $4::bytea[])
ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, created_at = excluded.created_at, sealed = excluded.sealed`,
				ids[lo:hi], seqs, created[lo:hi], sealed[lo:hi]); err != nil {
				return err
			}
		}
		return nil
	})
}

// errAbsent rolls back a Delete of a ticket not there.
var errAbsent = errors.New("absent")

// Delete implements [urgency.Store].
func (s *Store) Delete(ctx context.Context, id string) (bool, error) {
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var seq, pruned int64
		if err := tx.QueryRow(ctx, `UPDATE urgency_meta SET seq = seq + 1 RETURNING seq, pruned`).Scan(&seq, &pruned); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE urgency_tickets SET seq = $1, created_at = NULL, sealed = NULL WHERE id = $2 AND sealed IS NOT NULL`, seq, []byte(id))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errAbsent
		}
		if cut := seq - s.keep; cut >= pruned+256 {
			// Forget deletions older than the last keep changes, 256
			// at a time: the rows of deleted tickets stay bounded.
			if _, err := tx.Exec(ctx, `DELETE FROM urgency_tickets WHERE sealed IS NULL AND seq <= $1`, cut); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE urgency_meta SET pruned = $1`, cut); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errAbsent) {
		return false, nil
	}
	return err == nil, err
}

// Changes implements [urgency.Store]. The counter and the rows are read in
// one statement, so in one snapshot: every change up to the counter is in
// it.
func (s *Store) Changes(ctx context.Context, since urgency.Version) (urgency.Changes, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if since.Epoch != "" {
		out, ok, err := s.read(ctx, `SELECT NULL::bytea, seq, pruned, epoch, NULL::bytea FROM urgency_meta
UNION ALL SELECT id, seq, NULL, NULL, sealed FROM urgency_tickets WHERE seq > $1`, since, since.Seq)
		if err != nil || ok {
			return out, err
		}
	}
	out, _, err := s.read(ctx, `SELECT NULL::bytea, seq, pruned, epoch, NULL::bytea FROM urgency_meta
UNION ALL SELECT id, seq, NULL, NULL, sealed FROM urgency_tickets WHERE sealed IS NOT NULL`, urgency.Version{})
	out.Full = true
	return out, err
}

// read runs a query of Changes; ok is false when the changes since are
// not all there (another epoch, deletions forgotten, or a database behind
// the reader).
func (s *Store) read(ctx context.Context, query string, since urgency.Version, args ...any) (out urgency.Changes, ok bool, err error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return out, false, err
	}
	defer rows.Close()
	var pruned int64
	// The rows are read first and opened after: the store's timeout
	// bounds the query, not the opening of 100k tickets.
	var sealedOf [][]byte
	for rows.Next() {
		var id, sealed []byte
		var seq int64
		var p *int64
		var epoch *string
		if err := rows.Scan(&id, &seq, &p, &epoch, &sealed); err != nil {
			return out, false, err
		}
		if epoch != nil {
			out.Version = urgency.Version{Epoch: *epoch, Seq: seq}
			pruned = *p
			continue
		}
		out.Changes = append(out.Changes, urgency.Change{ID: string(id), Seq: seq})
		sealedOf = append(sealedOf, sealed)
	}
	if err := rows.Err(); err != nil {
		return out, false, err
	}
	rows.Close()
	var plains [][]byte
	var at []int
	for i, sealed := range sealedOf {
		if sealed != nil {
			plain, err := s.open(out.Changes[i].ID, sealed)
			if err != nil {
				return out, false, err
			}
			plains = append(plains, plain)
			at = append(at, i)
		}
	}
	tickets, err := storeproc.DecodeAll(plains)
	if err != nil {
		return out, false, fmt.Errorf("a ticket in the database: %w", err)
	}
	for j, i := range at {
		// The row's ID, which the seal authenticates: JSON holds an ID
		// that is not UTF-8 with its bad bytes replaced, which would
		// put the ticket under another ID.
		tickets[j].ID = out.Changes[i].ID
		out.Changes[i].Ticket = tickets[j]
	}
	if out.Version.Epoch == "" {
		return out, false, errors.New("the store's table urgency_meta is empty")
	}
	sortBySeq(out.Changes)
	// A database behind the reader (put back from a backup, or a standby
	// promoted without the last changes) no longer has the changes the
	// reader read past its last number.
	return out, out.Version.Epoch == since.Epoch && since.Seq >= pruned && since.Seq <= out.Version.Seq, nil
}

// Notify implements [urgency.Store].
func (s *Store) Notify(c chan<- struct{}) (stop func()) {
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

func (s *Store) signal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.subs {
		select {
		case *c <- struct{}{}:
		default:
		}
	}
}

// listen keeps a connection listening on Channel until ctx ends, and
// tells the subscribers of every notification and of every time the
// connection was lost.
func (s *Store) listen(ctx context.Context) {
	defer close(s.done)
	wait := 50 * time.Millisecond
	for ctx.Err() == nil {
		if s.listenOnce(ctx, &wait) {
			s.signal() // notifications may have been missed
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// listenOnce listens until the connection fails; it reports whether it
// had listened.
func (s *Store) listenOnce(ctx context.Context, wait *time.Duration) bool {
	conn, err := pgx.ConnectConfig(ctx, s.listenCfg)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return false
	}
	*wait = 50 * time.Millisecond
	// Changes made while no connection listened are read now.
	s.signal()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true
		}
		s.signal()
	}
}

func sortBySeq(cs []urgency.Change) {
	slices.SortFunc(cs, func(a, b urgency.Change) int { return cmp.Compare(a.Seq, b.Seq) })
}
