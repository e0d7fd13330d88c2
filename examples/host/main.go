// Host shows how a Go helpdesk embeds the urgency library.
//
// It loads the default rule pack embedded in the rules package, or the
// pack named on the command line, ranks a handful of open tickets written in
// several languages at a fixed time, and prints for each its rank, level,
// due time, queue and the reasons the engine gives. It then assesses one
// incoming ticket on its own, as a helpdesk does when a message arrives, and
// finally tries to reload a policy with mistakes in it: the host prints
// every problem with its position and keeps the engine it has.
//
//	go run ./examples/host
//	go run ./examples/host -rules rules/default
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing/fstest"
	"time"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

func main() {
	pack := flag.String("rules", "", "rule `file`, directory or glob to use instead of the default pack")
	flag.Parse()
	var paths []string
	if *pack != "" {
		paths = append(paths, *pack)
	}
	if err := run(os.Stdout, paths...); err != nil {
		printLoadError(os.Stderr, err)
		os.Exit(1)
	}
}

// now is fixed so that the output is the same on every run; a helpdesk
// passes time.Now().
var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// run loads the pack at paths (the default pack when there are none) and
// shows what a host does with it.
func run(w io.Writer, paths ...string) error {
	eng, err := load(paths...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "policy %s, levels %s\n\n", eng.Version(), levelNames(eng))

	fmt.Fprintf(w, "open tickets at %s:\n", now.Format(time.RFC3339))
	for i, a := range eng.Rank(openTickets(), now) {
		fmt.Fprintf(w, "%d. %s %-8s due %s  queue %-9s %s\n",
			i+1, a.Ticket.ID, a.Level, a.Due.Format("2006-01-02 15:04"), orDash(a.Queue), a.Ticket.Subject)
		for _, line := range a.Why() {
			fmt.Fprintf(w, "     %s\n", line)
		}
	}

	// A message arriving: assess it alone to route it at once.
	incoming := urgency.Ticket{
		ID:        "H-7",
		Subject:   "Site en panne",
		Body:      "Bonjour, notre espace client est en panne, plus rien ne fonctionne.",
		Channel:   "email",
		Language:  "fr",
		CreatedAt: now,
		Customer:  urgency.Customer{ID: "C-7", Tier: "premium"},
	}
	a := eng.Assess(incoming, now)
	fmt.Fprintf(w, "\nincoming %s %q: %s, queue %s, tags %s, answer by %s\n",
		a.Ticket.ID, a.Ticket.Subject, a.Level, orDash(a.Queue), strings.Join(a.Tags, ","), a.Due.Format("15:04"))
	for _, e := range a.Errors {
		fmt.Fprintf(w, "     rule failed: %v\n", e)
	}

	// A support lead saves a policy with mistakes: the reload fails, every
	// problem is shown, and the host goes on with the engine it has.
	if _, err := urgency.LoadFS(editedPolicy); err != nil {
		fmt.Fprintf(w, "\nreload rejected, still using %s:\n", eng.Version())
		printLoadError(w, err)
	}
	return nil
}

// load returns the engine for the rule files at paths, or for the default
// pack.
func load(paths ...string) (*urgency.Engine, error) {
	if len(paths) == 0 {
		return urgency.LoadFS(rules.Default())
	}
	return urgency.Load(paths...)
}

// printLoadError prints every problem of a pack with its position and the
// source line marked under the column, or the error as is when it is not
// about the pack's content.
func printLoadError(w io.Writer, err error) {
	var list urgency.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintln(w, err)
		return
	}
	for _, e := range list {
		fmt.Fprintln(w, e)
		if c := e.Caret(); c != "" {
			fmt.Fprintln(w, c)
		}
	}
}

// openTickets is what a helpdesk has in its inbox.
func openTickets() []urgency.Ticket {
	return []urgency.Ticket{
		{
			ID: "H-1", Subject: "Danke!", Body: "Vielen Dank, jetzt funktioniert alles wieder.",
			Channel: "email", Language: "de", CreatedAt: now.Add(-2 * time.Hour),
			Customer: urgency.Customer{ID: "C-1", Tier: "standard"},
		},
		{
			ID: "H-2", Subject: "Jak zacząć?", Body: "Dzień dobry, jestem nowy i nie wiem, jak dodać pracowników.",
			Channel: "web", Language: "pl", CreatedAt: now.Add(-90 * time.Minute),
			Customer: urgency.Customer{ID: "C-2", Since: now.AddDate(0, 0, -5)},
		},
		{
			ID: "H-3", Subject: "Payment failed", Body: "Our card was declined twice this morning and the subscription ends today.",
			Channel: "email", Language: "en", CreatedAt: now.Add(-20 * time.Minute),
			Customer: urgency.Customer{ID: "C-3", Tier: "premium", Since: now.AddDate(-3, 0, 0)},
		},
		{
			ID: "H-4", Subject: "Не могу да се пријавим", Body: "Од јутрос не могу да се пријавим, лозинка је погрешна.",
			Channel: "chat", Language: "sr", CreatedAt: now.Add(-15 * time.Minute),
			Customer: urgency.Customer{ID: "C-4", Tier: "standard"},
		},
		{
			ID: "H-5", Subject: "Laskutusosoite", Body: "Miten voin vaihtaa laskutusosoitteen seuraavaan laskuun?",
			Channel: "email", Language: "fi", CreatedAt: now.Add(-time.Hour),
			Customer: urgency.Customer{ID: "C-5", Tier: "standard"},
		},
		{
			ID: "H-6", Subject: "Plaćanje ne prolazi", Body: "Kartica je odbijena, plaćanje ne prolazi.",
			Channel: "chat", Language: "hr", CreatedAt: now.Add(-5 * time.Minute),
			Customer: urgency.Customer{ID: "C-6", Tier: "standard"},
		},
	}
}

// editedPolicy is a pack as a support lead might save it: a list name
// misspelled and a level that does not exist.
var editedPolicy = fstest.MapFS{"support.yaml": {Data: []byte(`version: 1
name: support
levels:
  - {name: critical, min_score: 80, respond_within: 1h}
  - {name: normal, respond_within: 24h}
lists:
  payment: [payment, "plać*", "Zahlung*"]
rules:
  - name: payment-problem
    when: mentions(text, "paymnt")
    score: 60
    level: critcal
`)}}

func levelNames(eng *urgency.Engine) string {
	var names []string
	for _, l := range eng.Levels() {
		names = append(names, l.Name)
	}
	return strings.Join(names, " > ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
