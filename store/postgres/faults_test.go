package postgres

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/triagekit/triage/urgency"
)

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
