// Reload shows how a host serves a rule pack that support leads edit while
// it runs.
//
// It loads the pack in a directory, ranks a few open tickets with a queue
// bound to the policy, and reloads the pack on SIGHUP and every second.
// Each new version is printed with the new ranking; a pack with mistakes
// is rejected, every problem is printed with its file:line:col, and the
// version serving keeps serving.
//
//	go run ./examples/reload -rules rules/default
//	go run ./examples/reload        # edits a copy of the default pack
//
// Edit a file in the directory, or send SIGHUP, and watch the output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

func main() {
	dir := flag.String("rules", "", "`directory` of the rule pack; without it, a copy of the default pack")
	every := flag.Duration("every", time.Second, "how often to look for changes")
	flag.Parse()
	if err := serve(*dir, *every); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func serve(dir string, every time.Duration) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "rules-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := os.CopyFS(tmp, rules.Default()); err != nil {
			return err
		}
		dir = tmp
	}
	fmt.Printf("rules in %s: edit them, or send SIGHUP to pid %d\n", dir, os.Getpid())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-tick.C:
			}
			select {
			case reload <- struct{}{}:
			default: // a reload is pending already
			}
		}
	}()
	return run(ctx, os.Stdout, dir, reload)
}

// run serves the pack in dir until ctx is done, reloading it whenever
// reload receives, and prints what happens to w.
func run(ctx context.Context, w io.Writer, dir string, reload <-chan struct{}) error {
	p, err := urgency.NewPolicy(func() (*urgency.Engine, error) { return urgency.Load(dir) })
	if err != nil {
		fmt.Fprint(w, problems(err))
		return errors.New("no rules to serve")
	}
	q, err := urgency.NewQueue(p.Engine())
	if err != nil {
		return err
	}
	p.Bind(q)
	q.Add(openTickets()...)
	fmt.Fprintf(w, "serving %s\n", p.Version())
	printRanking(w, q)

	var failed string // the last failure printed: a broken file is shown once
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload:
		}
		changed, err := p.Reload()
		switch {
		case err != nil:
			if msg := problems(err); msg != failed {
				failed = msg
				fmt.Fprintf(w, "reload rejected, %s keeps serving:\n%s", p.Version(), msg)
			}
		case changed:
			failed = ""
			fmt.Fprintf(w, "serving %s\n", p.Version())
			printRanking(w, q)
		default:
			failed = ""
		}
	}
}

// problems lists every problem of a pack with its position, a line each,
// or gives the error as is when it is not about the pack's content.
func problems(err error) string {
	var list urgency.ErrorList
	if !errors.As(err, &list) {
		return fmt.Sprintf("  %v\n", err)
	}
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "  %v\n", e)
	}
	return b.String()
}

func printRanking(w io.Writer, q *urgency.Queue) {
	for i, a := range q.Ranked(now) {
		fmt.Fprintf(w, "  %d. %s %-8s score %3.0f  %s\n", i+1, a.Ticket.ID, a.Level, a.Score, a.Ticket.Subject)
	}
}

// now is fixed so that the ranking shows only what the rules change; a
// helpdesk passes time.Now().
var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func openTickets() []urgency.Ticket {
	return []urgency.Ticket{
		{ID: "R-1", Subject: "Thanks!", Body: "All good now, thank you.", CreatedAt: now.Add(-2 * time.Hour)},
		{ID: "R-2", Subject: "Payment failed", Body: "Our card was declined twice this morning.", CreatedAt: now.Add(-30 * time.Minute), Customer: urgency.Customer{ID: "C-2"}},
		{ID: "R-3", Subject: "How do I add a colleague?", Body: "I signed up last week and cannot find the team settings.", CreatedAt: now.Add(-time.Hour), Customer: urgency.Customer{ID: "C-3", Since: now.AddDate(0, 0, -6)}},
		{ID: "R-4", Subject: "Plaćanje ne prolazi", Body: "Kartica je odbijena.", CreatedAt: now.Add(-10 * time.Minute), Customer: urgency.Customer{ID: "C-4"}},
	}
}
