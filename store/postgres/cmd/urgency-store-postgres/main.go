// Command urgency-store-postgres is the store driver through which
// "urgency queue -store postgres://…" reaches a PostgreSQL database: the
// urgency command runs it and speaks to it on its standard input and
// output (package internal/storeproc of the main module). Install it next
// to urgency or on PATH, from the repository's directory store/postgres
// (its go.mod replaces the main module by the repository, which go
// install with a version refuses):
//
//	go install ./cmd/urgency-store-postgres
//
// It is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/triagekit/triage/internal/storeproc"
	"github.com/triagekit/triage/store/postgres"
	"github.com/triagekit/triage/urgency"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := storeproc.Serve(ctx, os.Stdin, os.Stdout, func(ctx context.Context, dsn string, key []byte) (urgency.Store, func(), error) {
		st, err := postgres.Open(ctx, dsn, postgres.WithKey(key))
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "urgency-store-postgres: %v\n", err)
		os.Exit(1)
	}
}
