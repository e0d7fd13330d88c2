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
