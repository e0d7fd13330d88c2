// Package urgencytest runs rule-pack test files: YAML files that give a
// pack, a moment, some tickets, and what the pack must decide for them.
// Support leads write them beside their rules; `urgency test` runs them
// from the command line and [Run] runs them as Go subtests, so a host's
// `go test` checks its pack:
//
//	func TestSupportPack(t *testing.T) {
//		urgencytest.Run(t, "rules/*_test.yaml")
//	}
//
// A test file looks like this:
//
//	name: Billing desk policy        # optional, names the suite
//	rules: [../support.yaml]         # relative to this file; "default" or omitted: the default pack
//	now: 2026-11-22T10:00:00Z        # when the tickets are ranked
//	tickets:                         # the fields of the JSON Lines ticket format
//	  - {id: A, subject: "Payment failed", body: "...", created_at: 2026-11-22T09:00:00Z}
//	tickets_from: [tickets.jsonl]    # and/or JSON Lines files, relative to this file
//	expect:
//	  - id: A
//	    name: card declined is critical   # optional, names the case
//	    level: critical
//	    score: {min: 40}                  # or an exact number
//	    rules: [payment-failure]          # must match (others may too)
//	    not_rules: [duplicate]            # must not match
//	    queue: billing                    # "" for no queue
//	    tags: [payments]
//	    not_tags: [refund]
//	    due: 2026-11-22T09:30:00Z
//	    cluster: {size: 3, customers: 3}
//	    duplicate: false
//	    target: resolution                # or first_reply
//	    paused: true                      # in a pause status now
//	    breached: first_reply             # the first reply came late; null for not
//	order: [A, C, B]                 # the ranked ids, in full
//	order_starts_with: [A, C]        # or only the first ones
//
// The tickets are ranked together in one [urgency.Queue], so cluster facts
// (trend, incident, duplicate rules) apply as they do in a live queue. A
// file that loads no rules, or gives no tickets or no expectations, is an
// error, not a pass; so is a rule failing at run time on a ticket.
package urgencytest

import (
	"time"

	"github.com/triagekit/triage/urgency"
)

// Suite is one loaded test file.
type Suite struct {
	// Name names the suite: the file's name key, or its path.
	Name string
	// File is the test file's path as given.
	File string
	// Now is the moment the tickets are ranked at.
	Now time.Time
	// Engine is the pack under test.
	Engine *urgency.Engine
	// Tickets are the tickets, inline ones first, then those of
	// tickets_from in file order.
	Tickets []urgency.Ticket
	// Cases are the expectations, in file order.
	Cases []Case
	// Order is the expected ranking in full, or nil.
	Order *OrderCheck
}

// OrderCheck is an expectation on the ranking.
type OrderCheck struct {
	Pos urgency.Position
	IDs []string
	// Prefix is true for order_starts_with: only the first len(IDs)
	// positions are checked.
	Prefix bool
}

// Case is one expectation on one ticket. Nil pointers and empty lists
// are not checked.
type Case struct {
	Pos  urgency.Position // where the case starts in the test file
	ID   string
	Name string

	Level     *string
	Score     *Range
	Rules     []string
	NotRules  []string
	Queue     *string
	Tags      []string
	NotTags   []string
	Due       *time.Time
	Size      *int // cluster.size
	Customers *int // cluster.customers
	Duplicate *bool
	Target    *string // first_reply or resolution
	Paused    *bool
	Breached  *string // first_reply, or "" for none
}

// Title names the case in output: its name, or its ticket's ID.
func (c *Case) Title() string {
	if c.Name != "" {
		return c.ID + " " + c.Name
	}
	return c.ID
}

// Range is an expected score: Min <= score <= Max. An exact score has
// Min == Max.
type Range struct {
	Min, Max *float64
}

func (r Range) contains(f float64) bool {
	const eps = 1e-9
	return (r.Min == nil || f >= *r.Min-eps) && (r.Max == nil || f <= *r.Max+eps)
}
