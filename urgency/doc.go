// Package urgency decides which support ticket to answer first.
//
// Support leads write the policy as YAML rule files; [Load] compiles them
// into an [Engine], which scores tickets and puts them in a stable priority
// order with the reason for every position:
//
//	eng, err := urgency.Load("rules/support.yaml")
//	if err != nil {
//		// every problem, each as file:line:col: message
//	}
//	a := eng.Assess(ticket, now)         // one ticket
//	ranked := eng.Rank(tickets, now)     // a batch with its clusters, in priority order
//
// # Rule files
//
// A pack is one or more YAML files (version 1):
//
//	version: 1
//	name: support
//	settings: {new_customer: 720h, timezone: Europe/Zagreb}
//	levels:                              # highest first; the last is the catch-all
//	  - {name: critical, min_score: 80, respond_within: 1h}
//	  - {name: normal, min_score: 0, respond_within: 24h}
//	  - {name: low, respond_within: 72h}
//	lists:                               # "*" at the end of a word: any ending
//	  payment: [payment, invoice, "plać*", "płatnoś*", "Zahlung*"]
//	  outage: ["*ausfall*", "*katko*"]   # "*" at the start: inside a compound
//	  failure: ["fail*", declined, "ne radi", "nie działa"]
//	macros:
//	  payment_problem: mentions(text, "payment") && mentions(text, "failure")
//	rules:
//	  - name: payment-failure
//	    when: payment_problem
//	    score: 60                        # or an expression giving a number
//	    level: critical                  # floor: at least this level
//	    queue: billing
//	    tags: [payments]
//
// Expressions are [expr] programs compiled once, at load, against [Env]:
// the names a rule can use (subject, body, text, customer.tier,
// cluster.size, ...) and the functions mentions, mentionCount, words,
// shouting and exclamations. List terms match on word boundaries after
// normalization: case, diacritics and script (Serbian Cyrillic or Latin)
// do not matter, so "placanje" matches "plaćanje", "PLAĆANJE" and
// "плаћање". A ticket's text is normalized and matched against every list
// once, however many rules ask.
//
// # Scoring and order
//
// The score is the sum of the points of the rules whose when is true. The
// level is the first level whose min_score the score reaches, raised to
// the highest level floor among those rules. The due time is the creation
// time plus the level's respond_within, or a matching rule's, whichever is
// shortest. The queue is that of the highest-scoring matching rule with
// one; tags are the union. Tickets are ordered by level, due time, score,
// creation time and ID (a pack may choose the keys); the order is total
// and does not depend on the order tickets arrive in.
//
// # Service levels
//
// A ticket may carry its status, its status history and the time of its
// first reply ([Ticket.Status], [Ticket.History], [Ticket.FirstReplyAt]).
// The clock stops while the ticket is in one of the pack's settings.pause
// statuses; until the first reply the ticket is due for it, after it for
// resolution (a level's or matching rule's resolve_within), pauses left
// out. The deadline is worked out from the history at every assessment,
// so a change of level or pack keeps every earlier pause. A paused ticket
// sorts after the running tickets of its level; see [Assessment.Target],
// [Assessment.Paused] and [Assessment.Deadline].
//
// # Errors
//
// Load reports every problem of a pack at once as an [ErrorList] of
// [Error] values, each positioned at the YAML node or at the column inside
// an expression. At run time a rule that fails on a ticket (a missing
// custom field, say) is skipped for that ticket and reported in
// [Assessment.Errors]; the ticket is still assessed and nothing panics.
//
// # Concurrency
//
// An [Engine] is immutable once loaded and safe for concurrent use by any
// number of goroutines. Per-assessment state is pooled, never shared. The
// package never reads the wall clock: the time is always a parameter.
// [Queue] and [Policy] are safe for concurrent use too; a Policy swaps a
// reloaded pack atomically for the queues bound to it.
//
// # How it is built
//
// Loading runs in three steps, each in its own files:
//
//  1. Reading (internal/packfile): the paths are expanded to rule files,
//     each read as a regular file of at most MaxFileSize bytes (a base of
//     extends only inside the pack's tree), parsed as YAML with tabs,
//     broken shapes and aliases caught, and decoded node by node into a
//     packfile.Pack of typed definitions (settings, levels, lists,
//     macros, rules, calendars, clusters, order), every one with its
//     position; the bases are read first, as layers, and the overrides
//     applied on top. Test files (urgencytest) are read by the same YAML
//     reader and get the same suggestions.
//  2. Compiling (load.go, compile.go, inline.go, hookpatch.go,
//     budget.go, meterpatch.go, prefilter.go): the lists become one
//     matcher (internal/match, which also gives a term its one canonical
//     key); each expression is parsed once with expr's parser and
//     compiled from a copy of that tree, its macros inlined, the text
//     functions bound to the per-ticket cache (hookpatch.go) and every
//     step metered; each rule learns which list matches its
//     condition needs, so that it is not run on a ticket without them.
//  3. Lint (lint*.go) walks the same parsed trees and the definitions;
//     explain (explain*.go) takes each condition's tree apart at &&, ||
//     and not, and compiles the parts the first time a ticket is
//     explained.
//
// Assessing a ticket (engine.go, score.go, sla.go, order.go) matches its
// text against every list once, runs the rules whose needs hold, and
// works out the level, the deadline on the level's calendar
// (internal/calendar) and the place in the order. A [Queue] (queue.go)
// keeps the open tickets and their clusters of repeated issues
// (internal/cluster), in memory or, for replicas, behind a [Store]
// (queue_store.go). A batch ([Engine.Rank], [Engine.RankSeq],
// rankbatch.go) goes through a queue of its own in three stages, a chunk
// of tickets at a time: reading (the caller's goroutine, decoding a
// file), featurizing (the ticket's text clipped, folded and scanned once,
// machinetext.go and features.go, on the other cores) and grouping (one
// core); then every ticket is assessed with its cluster's facts, in
// parallel, and the assessments are sorted.
//
// Replicas of a helpdesk in several processes share one queue through a
// [Store] ([WithStore]); the PostgreSQL store is the module
// github.com/triagekit/triage/store/postgres.
//
// [expr]: https://expr-lang.org
package urgency
