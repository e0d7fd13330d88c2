package urgency

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
)

// TestQueueScanIsTheRulesScan: a queue's assessments read the list
// matches its features' scan found instead of scanning the text again;
// they must be what assessing the ticket with the same cluster facts
// and scanning finds, for texts the features read masked (addresses,
// URLs) or clipped, and for a pack whose rules read subject, body, text
// and the statistics of each.
func TestQueueScanIsTheRulesScan(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tickets := readSampleTickets(t)
	long := strings.Repeat("plaćanje ne radi, payment failed! ", MaxTextBytes/30)
	for i, tk := range []Ticket{
		{Subject: "Payment failed for anna@example.com", Body: "see https://pay.example.com/plaćanje — payment declined"},
		{Subject: "PAYMENT FAILED!!!", Body: long},
		{Subject: long, Body: "www.example.com payment"},
		{Subject: "", Body: "nie działa płatność"},
		{Subject: "Zahlung fehlgeschlagen", Body: ""},
	} {
		tk.ID = "X-" + string(rune('a'+i))
		tk.CreatedAt = now.Add(-time.Duration(i) * time.Minute)
		tickets = append(tickets, tk)
	}
	reads := `
  - {name: s, when: 'mentions(subject, "payment")', score: 1}
  - {name: b, when: 'mentionCount(body, "payment") >= 1', score: 2}
  - {name: x, when: 'mentionCount(text, "payment") >= 2', score: 4}
  - {name: w, when: 'words(text) > 3 && words(subject) < 4 && words(body) > 2', score: 8}
  - {name: h, when: 'shouting(subject) > 0.5 || shouting(text) > 0.3 || shouting(body) > 0.9', score: 16}
  - {name: e, when: 'exclamations(text) + exclamations(subject) + exclamations(body) > 2', score: 32}`
	for _, e := range []*Engine{loadDefaultPack(t), mustLoadFS(t, fstest.MapFS{"p.yaml": {Data: []byte(testPack(reads))}})} {
		q := mustQueue(NewQueue(e))
		q.Add(tickets...)
		ranked := q.Ranked(now)
		require.Len(t, ranked, len(tickets))
		for _, a := range ranked {
			tk := a.Ticket
			want := e.assess(&tk, now, a.Cluster, a.Duplicate, nil)
			require.Equal(t, want, a, tk.ID)
		}
	}
}

// TestRankIsAFreshQueue: Engine.Rank, which lets go of the clusters and
// the features before assessing, gives what a new queue given the
// tickets ranks, cluster facts included.
func TestRankIsAFreshQueue(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tickets := readSampleTickets(t)
	q := mustQueue(NewQueue(e))
	q.Add(tickets...)
	want := q.Ranked(now)
	got := e.Rank(tickets, now)
	require.Equal(t, want, got)
	sizes := 0
	for _, a := range got {
		sizes += a.Cluster.Size - 1
	}
	require.NotZero(t, sizes, "the sample tickets have clusters")
}

// TestRankRepeatedIDReplaces: as in a queue, a ticket given to Rank with
// the ID of an earlier one replaces it; RankAlone keeps both.
func TestRankRepeatedIDReplaces(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tickets := []Ticket{
		{ID: "A", Subject: "first", CreatedAt: now.Add(-time.Hour)},
		{ID: "A", Subject: "edited", CreatedAt: now.Add(-time.Hour)},
	}
	got := e.Rank(tickets, now)
	require.Len(t, got, 1)
	require.Equal(t, "edited", got[0].Ticket.Subject)
	require.Len(t, e.RankAlone(tickets, now), 2)
}
