package postgres

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// The tests that need a server read its connection string from
// URGENCY_TEST_POSTGRES (a role that may create schemas) and are skipped
// without it; each test works in a schema of its own. The restart test
// also needs URGENCY_TEST_POSTGRES_RESTART, a shell command that restarts
// the server.
const (
	envDSN     = "URGENCY_TEST_POSTGRES"
	envRestart = "URGENCY_TEST_POSTGRES_RESTART"
)

var testKey = bytes.Repeat([]byte("k"), 32)

// testDSN returns the connection string of a new, empty schema, and the
// connection string of the server.
func testDSN(t testing.TB) (dsn, server string) {
	t.Helper()
	server = os.Getenv(envDSN)
	if server == "" {
		t.Skipf("%s is not set: no PostgreSQL to test with", envDSN)
	}
	b := make([]byte, 6)
	crand.Read(b)
	schema := "urgency_test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(context.Background(), server)
	require.NoError(t, err)
	_, err = conn.Exec(context.Background(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	conn.Close(context.Background())
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server)
		if err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(context.Background())
		}
	})
	return withParams(server, "search_path", schema), server
}

// withParams adds connection parameters to a connection string, a URL or
// key=value pairs.
func withParams(dsn string, kv ...string) string {
	for i := 0; i < len(kv); i += 2 {
		switch {
		case strings.Contains(dsn, "://") && strings.Contains(dsn, "?"):
			dsn += "&" + kv[i] + "=" + strings.ReplaceAll(kv[i+1], " ", "%20")
		case strings.Contains(dsn, "://"):
			dsn += "?" + kv[i] + "=" + strings.ReplaceAll(kv[i+1], " ", "%20")
		default:
			dsn += " " + kv[i] + "='" + kv[i+1] + "'"
		}
	}
	return dsn
}

func openStore(t testing.TB, dsn, name string) *Store {
	t.Helper()
	st, err := Open(context.Background(), withParams(dsn, "application_name", name), WithKey(testKey))
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st
}

func defaultEngine(t testing.TB) *urgency.Engine {
	t.Helper()
	e, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	return e
}

// sampleTickets returns n tickets made of the sample tickets again and
// again, each round three hours after the one before, as read from JSON
// Lines (as the store gives them back).
func sampleTickets(t testing.TB, n int) []urgency.Ticket {
	t.Helper()
	f, err := os.Open("../../testdata/tickets.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var base []urgency.Ticket
	r := urgency.NewTicketReader(f)
	for {
		tk, err := r.Next()
		if err != nil {
			break
		}
		base = append(base, tk)
	}
	require.NotEmpty(t, base)
	var buf bytes.Buffer
	for i := range n {
		tk := base[i%len(base)]
		round := i / len(base)
		tk.ID = fmt.Sprintf("%s-%d", tk.ID, round)
		tk.CreatedAt = tk.CreatedAt.Add(time.Duration(round) * 3 * time.Hour)
		b, err := json.Marshal(tk)
		require.NoError(t, err)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	var out []urgency.Ticket
	r = urgency.NewTicketReader(&buf)
	for {
		tk, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, tk)
	}
	require.Len(t, out, n)
	return out
}

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// state is what a queue's Ranked, Clusters and Similar (of every third
// ticket) say, as JSON.
func state(t testing.TB, q *urgency.Queue) string {
	t.Helper()
	ranked := q.Ranked(testNow)
	r, err := json.Marshal(ranked)
	require.NoError(t, err)
	c, err := json.Marshal(q.Clusters(testNow))
	require.NoError(t, err)
	similar := map[string][]urgency.Match{}
	for i := 0; i < len(ranked); i += 3 {
		id := ranked[i].Ticket.ID
		similar[id] = q.Similar(id, 3)
	}
	m, err := json.Marshal(similar)
	require.NoError(t, err)
	return string(r) + "\n" + string(c) + "\n" + string(m)
}

// requireAsOne requires that every replica says what one queue without a
// store says given the open tickets.
func requireAsOne(t *testing.T, e *urgency.Engine, open map[string]urgency.Ticket, replicas ...*urgency.Queue) {
	t.Helper()
	one := mustQueue(urgency.NewQueue(e))
	for _, tk := range open {
		one.Add(tk)
	}
	want := state(t, one)
	for i, q := range replicas {
		require.NoError(t, q.Refresh(context.Background()))
		require.Equal(t, len(open), q.Len(), "replica %d", i)
		require.Equal(t, want, state(t, q), "replica %d differs from one queue given the open tickets", i)
		require.NoError(t, q.Err(), "replica %d", i)
	}
}

func TestOpenNeedsAKey(t *testing.T) {
	_, err := Open(context.Background(), "postgres://127.0.0.1:1/x")
	require.ErrorContains(t, err, "key of at least 32 bytes")
}

// TestReplicasShareOneQueue: replicas on their own connections, adding,
// replacing and removing tickets in turn, each say what one queue given
// the open tickets says.
func TestReplicasShareOneQueue(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 300)
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	rng := rand.New(rand.NewPCG(15, 1))
	open := map[string]urgency.Ticket{}
	for round := range 6 {
		for range 40 {
			q := []*urgency.Queue{qa, qb}[rng.IntN(2)]
			tk := pool[rng.IntN(len(pool))]
			switch rng.IntN(4) {
			case 0:
				ok, err := q.RemoveContext(t.Context(), tk.ID)
				require.NoError(t, err)
				_, was := open[tk.ID]
				require.Equal(t, was, ok)
				delete(open, tk.ID)
			case 1:
				tk.Subject += " again"
				fallthrough
			default:
				require.NoError(t, q.AddContext(t.Context(), tk))
				open[tk.ID] = tk
			}
		}
		if round%2 == 0 {
			// A batch, with an ID twice: the last wins.
			batch := append([]urgency.Ticket(nil), pool[round*10:round*10+10]...)
			batch = append(batch, batch[0])
			batch[len(batch)-1].Body = "replaced in the batch"
			require.NoError(t, qa.AddContext(t.Context(), batch...))
			for _, tk := range batch {
				open[tk.ID] = tk
			}
		}
		requireAsOne(t, e, open, qa, qb)
	}
	// A replica started late reads the whole set.
	qc := replica(t, e, openStore(t, dsn, "c"))
	requireAsOne(t, e, open, qc)
}

// TestReplicasAtOnce: four replicas, each on its own pool, adding and
// removing different tickets at the same time, end as one queue given the
// tickets left open.
func TestReplicasAtOnce(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 400)
	const n = 4
	replicas := make([]*urgency.Queue, n)
	for r := range n {
		replicas[r] = replica(t, e, openStore(t, dsn, fmt.Sprintf("r%d", r)))
	}
	var wg sync.WaitGroup
	for r := range n {
		wg.Go(func() {
			q := replicas[r]
			for i := r; i < len(pool); i += n {
				if err := q.AddContext(context.Background(), pool[i]); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if ok, err := q.RemoveContext(context.Background(), pool[i].ID); err != nil || !ok {
						t.Error("remove", pool[i].ID, ok, err)
						return
					}
				}
				if i%40 == 0 {
					q.Ranked(testNow)
				}
			}
		})
	}
	wg.Wait()
	open := map[string]urgency.Ticket{}
	for i, tk := range pool {
		if i%3 != 0 {
			open[tk.ID] = tk
		}
	}
	requireAsOne(t, e, open, replicas...)
}

// TestDatabaseHoldsNoText: no table holds a word of a ticket's text, nor
// the key; a replica given another key is refused.
func TestDatabaseHoldsNoText(t *testing.T) {
	dsn, _ := testDSN(t)
	st := openStore(t, dsn, "a")
	tk := urgency.Ticket{ID: "T-1", Subject: "Zahlungsausfall seit gestern", Body: "Kreditkarte abgelehnt, Bestellnummer geheim",
		CreatedAt: testNow, Customer: urgency.Customer{ID: "kunde-vertraulich", Tier: "premium"},
		Fields: map[string]any{"product": "Produktgeheimnis"}}
	require.NoError(t, st.Put(t.Context(), []urgency.Ticket{tk}))
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var dump strings.Builder
	for _, table := range []string{"urgency_schema_version", "urgency_meta", "urgency_tickets"} {
		rows, err := conn.Query(t.Context(), "SELECT t::text FROM "+table+" t")
		require.NoError(t, err)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			dump.WriteString(s + "\n")
		}
		require.NoError(t, rows.Err())
	}
	text := dump.String()
	require.Contains(t, text, `\x542d31`, "the ID is there (as bytes)")
	for _, word := range []string{"Zahlung", "Kreditkarte", "geheim", "kunde", "premium", "Produkt", "product", "subject"} {
		require.NotContains(t, strings.ToLower(text), strings.ToLower(word))
		require.NotContains(t, text, hex.EncodeToString([]byte(word)), "%s in hex", word)
	}
	require.NotContains(t, text, hex.EncodeToString(testKey))

	other := bytes.Repeat([]byte("o"), 32)
	_, err = Open(t.Context(), dsn, WithKey(other))
	require.ErrorContains(t, err, "the key is not the one")
}

// TestSchemaMigratedOnce: replicas opening a new database at once make the
// tables once; a database of a newer schema is refused.
func TestSchemaMigratedOnce(t *testing.T) {
	dsn, _ := testDSN(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { openStore(t, dsn, fmt.Sprintf("m%d", i)) })
	}
	wg.Wait()
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var v, n int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT max(version), count(*) FROM urgency_schema_version").Scan(&v, &n))
	require.Equal(t, SchemaVersion, v)
	require.Equal(t, 1, n)
	_, err = conn.Exec(t.Context(), "UPDATE urgency_schema_version SET version = version + 1")
	require.NoError(t, err)
	_, err = Open(t.Context(), dsn, WithKey(testKey))
	require.ErrorContains(t, err, "newer than this program's")
}

// TestForgottenDeletions: a replica that had not read the deletions the
// store has since forgotten reads the whole set again.
func TestForgottenDeletions(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 700)
	a := openStore(t, dsn, "a")
	a.keep = 100
	qb := mustQueue(urgency.NewQueue(e, urgency.WithStore(openStore(t, dsn, "b"))))
	qb.Close() // it reads only when asked
	require.NoError(t, a.Put(t.Context(), pool))
	require.Equal(t, len(pool), qb.Len())
	since := urgency.Version{}
	ch, err := a.Changes(t.Context(), since)
	require.NoError(t, err)
	since = ch.Version
	for _, tk := range pool[:600] {
		ok, err := a.Delete(t.Context(), tk.ID)
		require.NoError(t, err)
		require.True(t, ok)
	}
	ch, err = a.Changes(t.Context(), since)
	require.NoError(t, err)
	require.True(t, ch.Full, "deletions were forgotten")
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var rows int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM urgency_tickets").Scan(&rows))
	require.Less(t, rows, 100+100+256+1, "deleted tickets' rows are bounded")
	open := byID(pool[600:])
	requireAsOne(t, e, open, qb)
}

// terminate ends the server processes of the connections named name.
func terminate(t *testing.T, server, name string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), server)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&n))
	return n
}

// TestConnectionKilledBeforeCommit: a writer whose connection is killed
// after its writes, before its commit, stores nothing; Put returns the
// error, and the same Put again stores the tickets once.
func TestConnectionKilledBeforeCommit(t *testing.T) {
	dsn, server := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 60)
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	require.NoError(t, qa.AddContext(t.Context(), pool[:20]...))
	a.beforeCommit = func(tx pgx.Tx) {
		var pid int
		require.NoError(t, tx.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid))
		conn, err := pgx.Connect(context.Background(), server)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		var ok bool
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT pg_terminate_backend($1)", pid).Scan(&ok))
		require.True(t, ok)
	}
	err := qa.AddContext(t.Context(), pool[20:40]...)
	require.Error(t, err)
	a.beforeCommit = nil
	open := byID(pool[:20])
	requireAsOne(t, e, open, qa, qb)

	require.NoError(t, qa.AddContext(t.Context(), pool[20:40]...)) // again
	for _, tk := range pool[20:40] {
		open[tk.ID] = tk
	}
	requireAsOne(t, e, open, qa, qb)
}

// TestConnectionKilledWhileWaiting: a writer killed while it waits for the
// counter's lock (another writer holds it) stores nothing and does not
// stop the other writers.
func TestConnectionKilledWhileWaiting(t *testing.T) {
	dsn, server := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 40)
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	require.NoError(t, qb.AddContext(t.Context(), pool[:10]...))

	holder, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer holder.Close(context.Background())
	tx, err := holder.Begin(t.Context())
	require.NoError(t, err)
	_, err = tx.Exec(t.Context(), "SELECT * FROM urgency_meta FOR UPDATE")
	require.NoError(t, err)
	done := make(chan error)
	go func() { done <- qa.AddContext(context.Background(), pool[10:20]...) }()
	// Wait until a's writer waits for the lock, then kill it.
	watcher, err := pgx.Connect(t.Context(), server)
	require.NoError(t, err)
	defer watcher.Close(context.Background())
	for {
		var n int
		require.NoError(t, watcher.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = 'a' AND wait_event_type = 'Lock'`).Scan(&n))
		if n > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	require.Error(t, <-done)
	require.NoError(t, tx.Rollback(t.Context()))
	require.NoError(t, qb.AddContext(t.Context(), pool[20:30]...))
	open := byID(append(pool[:10:10], pool[20:30]...))
	requireAsOne(t, e, open, qa, qb)
}

// TestListenConnectionDropped: a store whose listening connection is
// killed listens again and tells its queues, which may have missed
// notifications meanwhile, and they read what they missed.
func TestListenConnectionDropped(t *testing.T) {
	dsn, server := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 40)
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	told := make(chan struct{}, 1)
	defer b.Notify(told)()
	// Wait for b to listen: a's change reaches it.
	require.NoError(t, qa.AddContext(t.Context(), pool[:10]...))
	<-told
	for range 3 {
		for terminate(t, server, "b listen") == 0 {
			time.Sleep(5 * time.Millisecond) // not listening again yet
		}
		require.NoError(t, qa.AddContext(t.Context(), pool[10:20]...))
		<-told // a notification, or b listening again
	}
	since := urgency.Version{}
	ch, err := b.Changes(t.Context(), since)
	require.NoError(t, err)
	require.Len(t, ch.Changes, 20)
	for range 2 {
		select {
		case <-told:
		default:
		}
		for terminate(t, server, "b listen") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		<-told // told when it listens again, with no change made
	}
	open := byID(pool[:20])
	requireAsOne(t, e, open, qa, qb)
}

func runShell(command string) ([]byte, error) {
	return exec.Command("sh", "-c", command).CombinedOutput()
}

// TestServerRestart: replicas go on after the server restarts; what was
// stored before is there, and what was added after (retried while the
// server was away) is there once.
func TestServerRestart(t *testing.T) {
	restart := os.Getenv(envRestart)
	if restart == "" {
		t.Skipf("%s is not set: no way to restart the server", envRestart)
	}
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 100)
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	require.NoError(t, qa.AddContext(t.Context(), pool[:50]...))
	qb.Ranked(testNow)

	out, err := runShell(restart)
	require.NoError(t, err, "%s", out)

	retry := func(f func() error) {
		var err error
		for range 100 {
			if err = f(); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		require.NoError(t, err)
	}
	retry(func() error { return qb.AddContext(t.Context(), pool[50:75]...) })
	retry(func() error { return qa.AddContext(t.Context(), pool[75:]...) })
	retry(func() error { _, err := qa.RemoveContext(t.Context(), pool[0].ID); return err })
	open := byID(pool[1:])
	retry(func() error { return qa.Refresh(t.Context()) })
	retry(func() error { return qb.Refresh(t.Context()) })
	qa.Err()
	qb.Err()
	requireAsOne(t, e, open, qa, qb)
}

// TestDeletionsForgottenWhateverTheirNumbers: deletions are forgotten
// however the sequence numbers of the deletes fall (here never on a
// multiple of 256, where forgetting once waited).
func TestDeletionsForgottenWhateverTheirNumbers(t *testing.T) {
	dsn, _ := testDSN(t)
	pool := sampleTickets(t, 500)
	st := openStore(t, dsn, "a")
	st.keep = 100
	for i := 0; i < len(pool); i += 2 {
		require.NoError(t, st.Put(t.Context(), pool[i:i+2]))
		ok, err := st.Delete(t.Context(), pool[i].ID) // at 3, 6, 9 … 750
		require.NoError(t, err)
		require.True(t, ok)
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var deleted int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM urgency_tickets WHERE sealed IS NULL").Scan(&deleted))
	require.LessOrEqual(t, deleted, (100+256)/3+1, "rows of deleted tickets")
}

// TestReaderSkipsNoChange: a change that commits after another of a higher
// sequence number was made is not skipped by a reader that read in
// between: writers commit in the order of their numbers.
func TestReaderSkipsNoChange(t *testing.T) {
	dsn, server := testDSN(t)
	pool := sampleTickets(t, 2)
	a, b, reader := openStore(t, dsn, "a"), openStore(t, dsn, "b"), openStore(t, dsn, "reader")
	ch, err := reader.Changes(t.Context(), urgency.Version{})
	require.NoError(t, err)
	since := ch.Version

	// a takes its number and holds its transaction open.
	held, release := make(chan struct{}), make(chan struct{})
	a.beforeCommit = func(pgx.Tx) {
		close(held)
		<-release
	}
	aDone := make(chan error, 1)
	go func() { aDone <- a.Put(context.Background(), pool[:1]) }()
	<-held
	bDone := make(chan error, 1)
	go func() { bDone <- b.Put(context.Background(), pool[1:]) }()
	// Wait until b has committed or waits for a.
	watcher, err := pgx.Connect(t.Context(), server)
	require.NoError(t, err)
	defer watcher.Close(context.Background())
	for waiting := false; !waiting; {
		select {
		case err := <-bDone:
			bDone <- err
			waiting = true
		default:
			require.NoError(t, watcher.QueryRow(t.Context(), `SELECT count(*) > 0 FROM pg_stat_activity
WHERE application_name = 'b' AND wait_event_type = 'Lock'`).Scan(&waiting))
			time.Sleep(2 * time.Millisecond)
		}
	}
	ch, err = reader.Changes(t.Context(), since) // in between
	require.NoError(t, err)
	since = ch.Version
	seen := map[string]bool{}
	for _, c := range ch.Changes {
		seen[c.ID] = true
	}
	close(release)
	require.NoError(t, <-aDone)
	require.NoError(t, <-bDone)
	ch, err = reader.Changes(t.Context(), since)
	require.NoError(t, err)
	for _, c := range ch.Changes {
		seen[c.ID] = true
	}
	require.True(t, seen[pool[0].ID], "the change that committed last, with the lower number, was skipped")
	require.True(t, seen[pool[1].ID])
}

// TestTimeoutBoundsWrites: the store's timeout bounds a write whose
// context has none (as the command line's) also while it waits in its
// transaction for the counter's lock, which a stuck writer holds.
func TestTimeoutBoundsWrites(t *testing.T) {
	dsn, _ := testDSN(t)
	pool := sampleTickets(t, 2)
	st, err := Open(context.Background(), withParams(dsn, "application_name", "a"), WithKey(testKey), WithTimeout(300*time.Millisecond))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Put(t.Context(), pool[:1]))

	holder, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer holder.Close(context.Background())
	tx, err := holder.Begin(t.Context())
	require.NoError(t, err)
	defer tx.Rollback(context.Background())
	_, err = tx.Exec(t.Context(), "SELECT * FROM urgency_meta FOR UPDATE")
	require.NoError(t, err)

	for name, write := range map[string]func() error{
		"put": func() error { return st.Put(context.Background(), pool[1:]) },
		"delete": func() error {
			_, err := st.Delete(context.Background(), pool[0].ID)
			return err
		},
	} {
		done := make(chan error, 1)
		go func() { done <- write() }()
		select {
		case err := <-done:
			require.Error(t, err, name)
		case <-time.After(time.Minute): // far beyond the timeout: the write waits for ever
			t.Fatalf("%s waited past the store's timeout for the lock", name)
		}
	}
}

// TestIDNotUTF8: a Go host's ticket whose ID is not valid UTF-8 (which
// its JSON cannot hold) is held, ranked and removed under its own ID, as
// one queue holds it.
func TestIDNotUTF8(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 3)
	pool[0].ID, pool[1].ID = "T-\xff", "T-\xfe"
	a, b := openStore(t, dsn, "a"), openStore(t, dsn, "b")
	qa, qb := replica(t, e, a), replica(t, e, b)
	require.NoError(t, qa.AddContext(t.Context(), pool...))
	open := byID(pool)
	requireAsOne(t, e, open, qa, qb)
	ok, err := qb.RemoveContext(t.Context(), pool[0].ID)
	require.NoError(t, err)
	require.True(t, ok)
	delete(open, pool[0].ID)
	requireAsOne(t, e, open, qa, qb)
}

// TestTablesMadeAnew: after the tables are dropped and made anew (another
// epoch, whose sequence numbers start again), a replica that held tickets
// of the old ones holds those of the new ones, even a ticket of the same
// ID and sequence number.
func TestTablesMadeAnew(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 3)
	qb := mustQueue(urgency.NewQueue(e, urgency.WithStore(openStore(t, dsn, "b"))))
	qb.Close() // it reads only when asked
	a := openStore(t, dsn, "a")
	require.NoError(t, a.Put(t.Context(), pool))
	require.Equal(t, 3, qb.Len())

	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), "DROP TABLE urgency_schema_version, urgency_meta, urgency_tickets")
	require.NoError(t, err)
	c := openStore(t, dsn, "c")
	again := []urgency.Ticket{pool[0], pool[1], pool[2]}
	again[0].Subject = "another ticket of the same ID"
	again[2].Body = "another body"
	require.NoError(t, c.Put(t.Context(), again))
	open := byID(again)
	requireAsOne(t, e, open, qb)
}

// TestDatabaseRestored: a database put back to an earlier state (restored
// from a backup, or a standby promoted without the last changes) is behind
// its readers; a replica that had read further reads the whole set, and
// holds neither the tickets the database lost nor their old text.
func TestDatabaseRestored(t *testing.T) {
	dsn, _ := testDSN(t)
	e := defaultEngine(t)
	pool := sampleTickets(t, 4)
	qb := mustQueue(urgency.NewQueue(e, urgency.WithStore(openStore(t, dsn, "b"))))
	qb.Close() // it reads only when asked
	a := openStore(t, dsn, "a")
	for _, tk := range pool[:3] {
		require.NoError(t, a.Put(t.Context(), []urgency.Ticket{tk}))
	}
	require.Equal(t, 3, qb.Len())

	// The state after the first two changes, as a backup holds it.
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), "DELETE FROM urgency_tickets WHERE seq > 2; UPDATE urgency_meta SET seq = 2")
	require.NoError(t, err)
	open := map[string]urgency.Ticket{pool[0].ID: pool[0], pool[1].ID: pool[1]}
	requireAsOne(t, e, open, qb)
}

// TestPutLargeTickets: a batch of large tickets (here 40 of 28 MiB, over
// a gigabyte together, which PostgreSQL refuses in one statement) is
// stored whole. It moves more than a gigabyte, so it runs only when
// URGENCY_TEST_POSTGRES_LARGE is set.
func TestPutLargeTickets(t *testing.T) {
	if os.Getenv("URGENCY_TEST_POSTGRES_LARGE") == "" {
		t.Skip("URGENCY_TEST_POSTGRES_LARGE is not set: a test that moves more than a gigabyte")
	}
	dsn, _ := testDSN(t)
	st := openStore(t, dsn, "a")
	body := strings.Repeat("a long pasted log line ", 28<<20/23)
	tickets := make([]urgency.Ticket, 40)
	for i := range tickets {
		tickets[i] = urgency.Ticket{ID: fmt.Sprintf("T-%d", i), Subject: "log", Body: body, CreatedAt: testNow}
	}
	require.NoError(t, st.Put(t.Context(), tickets))
	tickets, body = nil, ""
	ch, err := st.Changes(t.Context(), urgency.Version{})
	require.NoError(t, err)
	require.Len(t, ch.Changes, 40)
}

// replica is a queue ranking with e on st, closed when the test ends
// (before st is).
func replica(t testing.TB, e *urgency.Engine, st *Store) *urgency.Queue {
	q := mustQueue(urgency.NewQueue(e, urgency.WithStore(st)))
	t.Cleanup(q.Close)
	return q
}

// byID is the open set of the tickets given, the later of one ID kept.
func byID(tickets []urgency.Ticket) map[string]urgency.Ticket {
	open := make(map[string]urgency.Ticket, len(tickets))
	for _, tk := range tickets {
		open[tk.ID] = tk
	}
	return open
}

// mustQueue is NewQueue's queue, for the tests whose options are valid.
func mustQueue(q *urgency.Queue, err error) *urgency.Queue {
	if err != nil {
		panic(err)
	}
	return q
}
