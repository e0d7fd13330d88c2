package main

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// TestEngineRankIsTheCommandLinesOrder: the obvious way to rank a batch
// from Go, Engine.Rank, gives the order and the cluster facts urgency
// rank prints; RankAlone, each ticket a cluster of one, does not on the
// sample tickets, whose bursts change positions.
func TestEngineRankIsTheCommandLinesOrder(t *testing.T) {
	r := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", ticketsFile)
	requireOK(t, r)
	var cli []string
	clusters := make(map[string]int)
	for _, l := range parseJSON(t, r.stdout) {
		cli = append(cli, l.ID)
		clusters[l.ID] = l.Cluster.Size
	}

	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	f, err := os.Open(ticketsFile)
	require.NoError(t, err)
	defer f.Close()
	var tickets []urgency.Ticket
	for rd := urgency.NewTicketReader(f); ; {
		tk, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		tickets = append(tickets, tk)
	}
	now, err := time.Parse(time.RFC3339, fixedNow)
	require.NoError(t, err)

	ranked := eng.Rank(tickets, now)
	var api []string
	for _, a := range ranked {
		api = append(api, a.Ticket.ID)
		assert.Equal(t, clusters[a.Ticket.ID], a.Cluster.Size, a.Ticket.ID)
	}
	require.Equal(t, cli, api)

	differ := 0
	for i, a := range eng.RankAlone(tickets, now) {
		if a.Ticket.ID != cli[i] {
			differ++
		}
	}
	assert.NotZero(t, differ, "the sample tickets have clusters that move tickets")
}
