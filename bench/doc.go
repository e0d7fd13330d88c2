// Package bench compares the cost of scoring a ticket with the urgency engine
// against the same policy written in the ways a team might write it instead:
// plain expr programs, CEL programs and hand-written Go, and against a floor
// that only folds the ticket text once and reads it once.
//
// It is a separate module so that its extra dependencies (cel-go) stay out of
// the library's import graph. The benchmarks are in bench_test.go; the test
// in agree_test.go checks that the implementations decide the same rule hits
// where their matching semantics allow it. BENCHMARKS.md at the repository
// root has the command and the results.
package bench
