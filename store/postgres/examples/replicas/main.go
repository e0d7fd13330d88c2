// Command replicas is a small host with two replicas of one queue in one
// database: each replica has its own connections and its own Queue, as
// two processes behind a load balancer would, and each adds half of the
// sample tickets; both then rank all of them alike.
//
//	go run ./examples/replicas -store postgres://postgres@127.0.0.1:5432/postgres -key-file key
//
// (from store/postgres; the key file holds at least 32 bytes, e.g.
// head -c 32 /dev/urandom | base64 > key).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/store/postgres"
	"github.com/triagekit/triage/urgency"
)

func main() {
	dsn := flag.String("store", os.Getenv("URGENCY_STORE"), "the database, a URL or key=value pairs")
	keyFile := flag.String("key-file", os.Getenv("URGENCY_STORE_KEY_FILE"), "file of the key the tickets are sealed with")
	tickets := flag.String("tickets", "../../testdata/tickets.jsonl", "tickets to add, JSON Lines")
	flag.Parse()
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		log.Fatalf("the key: %v", err)
	}
	key = []byte(strings.TrimSpace(string(key)))
	eng, err := urgency.LoadFS(rules.Default())
	if err != nil {
		log.Fatal(err)
	}
	all, err := readTickets(*tickets)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Two replicas: each its own store (its own connections) and queue.
	var queues []*urgency.Queue
	for range 2 {
		st, err := postgres.Open(ctx, *dsn, postgres.WithKey(key))
		if err != nil {
			log.Fatal(err)
		}
		defer st.Close()
		q, err := urgency.NewQueue(eng, urgency.WithStore(st))
		if err != nil {
			log.Fatal(err)
		}
		defer q.Close()
		queues = append(queues, q)
	}
	half := len(all) / 2
	if err := queues[0].AddContext(ctx, all[:half]...); err != nil {
		log.Fatal(err)
	}
	if err := queues[1].AddContext(ctx, all[half:]...); err != nil {
		log.Fatal(err)
	}

	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var tops [][]string
	for i, q := range queues {
		ranked := q.Ranked(now)
		if err := q.Err(); err != nil {
			log.Fatal(err)
		}
		var top []string
		for _, a := range ranked[:min(5, len(ranked))] {
			top = append(top, fmt.Sprintf("%s %s (cluster of %d)", a.Ticket.ID, a.Level, a.Cluster.Size))
		}
		fmt.Printf("replica %d: %d open tickets, %d clusters; first: %s\n", i+1, q.Len(), len(q.Clusters(now)), strings.Join(top, ", "))
		tops = append(tops, top)
	}
	if !slices.Equal(tops[0], tops[1]) {
		log.Fatal("the replicas disagree")
	}
	fmt.Println("both replicas rank alike")
}

func readTickets(path string) ([]urgency.Ticket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []urgency.Ticket
	r := urgency.NewTicketReader(f)
	for {
		t, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		out = append(out, t)
	}
}
