package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

func TestGenIsDeterministic(t *testing.T) {
	a := runCmd(t, "", "gen", "-n", "500", "-seed", "7")
	requireOK(t, a)
	b := runCmd(t, "", "gen", "-n", "500", "-seed", "7")
	requireOK(t, b)
	assert.Equal(t, a.stdout, b.stdout, "same seed, same tickets")
	c := runCmd(t, "", "gen", "-n", "500", "-seed", "8")
	requireOK(t, c)
	assert.NotEqual(t, a.stdout, c.stdout, "another seed, other tickets")
}

func TestGenWritesTicketsTheReaderAccepts(t *testing.T) {
	const n = 3000
	r := runCmd(t, "", "gen", "-n", "3000", "-seed", "1", "-now", fixedNow)
	requireOK(t, r)
	assert.Equal(t, n, strings.Count(r.stdout, "\n"), "one ticket per line")

	now, err := time.Parse(time.RFC3339, fixedNow)
	require.NoError(t, err)
	tr := urgency.NewTicketReader(strings.NewReader(r.stdout))
	var tickets []urgency.Ticket
	ids := make(map[string]bool)
	languages := make(map[string]int)
	customers := make(map[string]bool)
	var short, long int
	var last time.Time
	for {
		tk, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.False(t, ids[tk.ID], "id %s used twice", tk.ID)
		ids[tk.ID] = true
		require.False(t, tk.CreatedAt.Before(last), "%s: tickets come in order of creation", tk.ID)
		require.False(t, tk.CreatedAt.After(now), "%s: created after -now", tk.ID)
		last = tk.CreatedAt
		require.NotEmpty(t, tk.Subject)
		require.NotEmpty(t, tk.Customer.ID)
		languages[tk.Language]++
		customers[tk.Customer.ID] = true
		switch size := len(tk.Subject) + len(tk.Body); {
		case size < 300:
			short++
		case size > 5000:
			long++
		}
		tickets = append(tickets, tk)
	}
	require.Len(t, tickets, n)
	assert.GreaterOrEqual(t, len(languages), 8, "languages: %v", languages)
	assert.Greater(t, languages["en"], languages["de"])
	assert.Greater(t, len(customers), 100)
	assert.Greater(t, short, n/10, "chat lines and short messages")
	assert.Greater(t, long, 0, "pasted logs")
	assert.Less(t, long, n/10)

	// Bursts of one problem from many customers become clusters.
	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	q := mustQueue(urgency.NewQueue(eng))
	q.Add(tickets...)
	big, lone := 0, 0
	for _, c := range q.Clusters(now) {
		if c.Customers >= 5 {
			big++
		}
		if c.Size == 1 {
			lone++
		}
	}
	assert.GreaterOrEqual(t, big, 3, "clusters of five customers or more")
	assert.Greater(t, lone, n/5, "most problems are reported once")
}

func TestGenFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gen", "-n", "-1"}, "-n must not be negative"},
		{[]string{"gen", "-now", "yesterday"}, "is not an RFC 3339 time"},
		{[]string{"gen", "extra"}, "takes no arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCmd(t, "", tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
	r := runCmd(t, "", "gen", "-n", "0")
	assert.Equal(t, 0, r.code)
	assert.Empty(t, r.stdout)
}

// mustQueue is NewQueue's queue, for the tests whose options are valid.
func mustQueue[Q any](q Q, err error) Q {
	if err != nil {
		panic(err)
	}
	return q
}
