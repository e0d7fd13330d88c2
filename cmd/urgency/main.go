// Command urgency checks rule packs and ranks support tickets with them.
//
//	urgency check [-rules FILE]... [-tests FILE]... [-strict] [-format text|json]
//	urgency rank  [-rules FILE]... [-now RFC3339] [-format table|json] [-explain] [-skip-bad] [TICKETS.jsonl|-]
//	urgency diff  [-old FILE]... [-new FILE]... [-now RFC3339] [-format table|json] [-moves N] [-exit-code] [-skip-bad] [TICKETS.jsonl|-]
//	urgency explain -id ID [-id ID]... [-rules FILE]... [-now RFC3339] [-format table|json] [-skip-bad] [TICKETS.jsonl|-]
//	urgency similar [-rules FILE]... [-k N] [-format table|json] [-skip-bad] [TICKETS.jsonl|-]
//	urgency test [-v] TESTFILE...
//	urgency gen [-n N] [-seed S] [-now RFC3339]
//
// check lists every error and warning of a pack; rank puts tickets in
// priority order with the repeated-issue clusters among them applied; diff
// ranks the same tickets with two packs and shows what a rule change would
// do: the tickets per level before and after, the rules that match more or
// fewer tickets, and the tickets that change level, queue, due time, score,
// rules or position, the most significant first; explain tells, for one
// ranked ticket, what every rule of the pack made of it and why; similar
// lists, for each ticket, the tickets most like it created no later than
// it; test runs rule-pack test files (see package urgencytest) and exits 1
// when a check fails; gen writes made-up tickets for load tests, the same
// for the same seed.
//
// Without -rules, the embedded default pack is used; for diff, a pack left
// out or named "default" is the embedded default pack. Tickets are JSON
// Lines, one ticket per line; "-" or no file reads standard input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/triagekit/triage/internal/termsafe"
	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

const usage = `urgency ranks support tickets by the policy in a rule pack.

Usage:
  urgency check [-rules FILE]... [-tests FILE]... [-strict] [-format text|json]
  urgency rank  [-rules FILE]... [-now RFC3339] [-format table|json] [-explain] [-skip-bad] [TICKETS.jsonl|-]
  urgency diff  [-old FILE]... [-new FILE]... [-now RFC3339] [-format table|json] [-moves N] [-exit-code] [-skip-bad] [TICKETS.jsonl|-]
  urgency explain -id ID [-id ID]... [-rules FILE]... [-now RFC3339] [-format table|json] [-skip-bad] [TICKETS.jsonl|-]
  urgency similar [-rules FILE]... [-k N] [-format table|json] [-skip-bad] [TICKETS.jsonl|-]
  urgency test [-v] TESTFILE...
  urgency gen [-n N] [-seed S] [-now RFC3339]

Without -rules, the embedded default pack is used. -rules may be given
several times, and may name a file, a directory or a glob pattern.
diff ranks the tickets with the -old and the -new pack (each given like
-rules; left out or "default": the embedded default pack) and shows the
tickets that change level, queue, due time, score, rules or position.
Run "urgency COMMAND -h" for the flags of one command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code: 0 success, 1 a
// problem with the input or the rules, 2 a usage error. What it prints
// goes through termsafe: a ticket's ID or subject cannot send escape
// sequences or bidirectional controls to the terminal, in any format (in
// JSON, the escape termsafe writes is the JSON escape of the character).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out, errs := termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	defer errs.Flush()
	defer out.Flush()
	return command(args, stdin, out, errs)
}

func command(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout, stderr)
	case "rank":
		return rank(args[1:], stdin, stdout, stderr)
	case "diff":
		return diff(args[1:], stdin, stdout, stderr)
	case "explain":
		return explain(args[1:], stdin, stdout, stderr)
	case "similar":
		return similar(args[1:], stdin, stdout, stderr)
	case "test":
		return test(args[1:], stdout, stderr)
	case "gen":
		return gen(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "urgency: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// parseExit is the exit code for a flag parsing error: -h asked for help
// and gets it with success.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// files is a flag that may be repeated.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("urgency "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// loadEngine loads the given rule files, or the default pack.
func loadEngine(paths []string) (*urgency.Engine, error) {
	if len(paths) == 0 {
		return urgency.LoadFS(rules.Default())
	}
	return urgency.Load(paths...)
}

// printLoadError prints every problem of a pack, each on its own line with
// its position, and the source line with a caret under the column.
func printLoadError(w io.Writer, err error) {
	var list urgency.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintf(w, "urgency: %v\n", err)
		return
	}
	for _, e := range list {
		fmt.Fprintln(w, e.Error())
		if c := e.Caret(); c != "" {
			for _, l := range strings.Split(c, "\n") {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	n := len(list)
	fmt.Fprintf(w, "%d %s\n", n, plural(n, "problem", "problems"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func rank(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("rank", stderr)
	var paths files
	fs.Var(&paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	nowFlag := fs.String("now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	format := fs.String("format", "table", "output `format`: table or json")
	explain := fs.Bool("explain", false, "show every matching rule with its points, and how level and due time were reached")
	skipBad := fs.Bool("skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	prof := addProfileFlags(fs)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	defer prof.start("rank", stderr)()
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "urgency rank: -format must be table or json, not %q\n", *format)
		return 2
	}
	now, ok := parseNow("rank", *nowFlag, stderr)
	if !ok {
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "urgency rank: give one tickets file, or none to read standard input")
		return 2
	}
	eng, tickets, ok := loadInput("rank", paths, fs, stdin, *skipBad, stderr)
	if !ok {
		return 1
	}
	q := urgency.NewQueue(eng)
	q.Add(tickets...)
	ranked := q.Ranked(now)
	var err error
	if *format == "json" {
		err = writeJSON(stdout, ranked, eng.Location(), *explain)
	} else {
		err = writeTable(stdout, ranked, eng.Location(), *explain)
	}
	if err != nil {
		fmt.Fprintf(stderr, "urgency rank: %v\n", err)
		return 1
	}
	return 0
}

// parseNow reads the -now flag, the current time when it is empty.
func parseNow(cmd, s string, stderr io.Writer) (time.Time, bool) {
	if s == "" {
		return time.Now(), true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		fmt.Fprintf(stderr, "urgency %s: -now %q is not an RFC 3339 time like 2026-11-22T10:00:00Z\n", cmd, s)
		return time.Time{}, false
	}
	// The bounds of ticket times: every time written from it is then
	// one RFC 3339 can write.
	if y := t.UTC().Year(); y < urgency.MinYear || y > urgency.MaxYear {
		fmt.Fprintf(stderr, "urgency %s: -now %s is outside the years %d to %d\n", cmd, s, urgency.MinYear, urgency.MaxYear)
		return time.Time{}, false
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		fmt.Fprintf(stderr, "urgency %s: -now %s has a UTC offset outside -23:59 to +23:59\n", cmd, s)
		return time.Time{}, false
	}
	return t, true
}

// explain prints, for the tickets named by -id, their place in the ranked
// queue and what every rule of the pack made of them.
func explain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("explain", stderr)
	var paths, ids files
	fs.Var(&ids, "id", "`ID` of the ticket to explain (repeatable)")
	fs.Var(&paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	nowFlag := fs.String("now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	format := fs.String("format", "table", "output `format`: table or json")
	skipBad := fs.Bool("skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "urgency explain: -format must be table or json, not %q\n", *format)
		return 2
	}
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "urgency explain: name the ticket to explain with -id ID")
		return 2
	}
	now, ok := parseNow("explain", *nowFlag, stderr)
	if !ok {
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "urgency explain: give one tickets file, or none to read standard input")
		return 2
	}
	eng, tickets, ok := loadInput("explain", paths, fs, stdin, *skipBad, stderr)
	if !ok {
		return 1
	}
	// The ticket is explained among all the others, as rank ranks it:
	// its cluster and its place depend on them.
	q := urgency.NewQueue(eng)
	q.Add(tickets...)
	ranks := make(map[string]int)
	for i, a := range q.Ranked(now) {
		ranks[a.Ticket.ID] = i + 1
	}
	var found []explained
	for _, id := range ids {
		x, ok := q.Explain(id, now)
		if !ok {
			fmt.Fprintf(stderr, "urgency explain: no ticket with id %q\n", id)
			return 1
		}
		found = append(found, explained{Explanation: x, rank: ranks[id], of: len(tickets)})
	}
	var err error
	if *format == "json" {
		err = writeExplainJSON(stdout, found, eng.Location())
	} else {
		err = writeExplainText(stdout, found)
	}
	if err != nil {
		fmt.Fprintf(stderr, "urgency explain: %v\n", err)
		return 1
	}
	return 0
}

// loadInput loads the pack and reads the tickets of the one file named
// by fs's arguments, or of standard input for none or "-", reporting
// every problem on stderr.
func loadInput(cmd string, paths []string, fs *flag.FlagSet, stdin io.Reader, skipBad bool, stderr io.Writer) (*urgency.Engine, []urgency.Ticket, bool) {
	eng, err := loadEngine(paths)
	if err != nil {
		printLoadError(stderr, err)
		return nil, nil, false
	}
	in, name := stdin, "stdin"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "urgency %s: %v\n", cmd, err)
			return nil, nil, false
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	tickets, ok := readTickets(in, name, skipBad, stderr)
	return eng, tickets, ok
}

func similar(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("similar", stderr)
	var paths files
	fs.Var(&paths, "rules", "rule `file`, directory or glob whose lists give concepts (repeatable; default: the embedded default pack)")
	k := fs.Int("k", 5, "how many similar tickets to list per ticket")
	format := fs.String("format", "table", "output `format`: table or json")
	skipBad := fs.Bool("skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "urgency similar: -format must be table or json, not %q\n", *format)
		return 2
	}
	if *k < 1 {
		fmt.Fprintf(stderr, "urgency similar: -k must be at least 1, not %d\n", *k)
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "urgency similar: give one tickets file, or none to read standard input")
		return 2
	}
	eng, tickets, ok := loadInput("similar", paths, fs, stdin, *skipBad, stderr)
	if !ok {
		return 1
	}
	x := urgency.NewIndex(eng)
	x.Add(tickets...)
	var err error
	results := make([][]urgency.Match, len(tickets))
	for i, t := range tickets {
		results[i] = x.Similar(t.ID, *k)
	}
	if *format == "json" {
		err = writeSimilarJSON(stdout, tickets, results)
	} else {
		err = writeSimilarTable(stdout, tickets, results)
	}
	if err != nil {
		fmt.Fprintf(stderr, "urgency similar: %v\n", err)
		return 1
	}
	return 0
}

// readTickets reads every ticket, reporting each bad line with its
// number. Without skipBad, any bad line fails the whole run: no ticket is
// silently lost.
func readTickets(in io.Reader, name string, skipBad bool, stderr io.Writer) ([]urgency.Ticket, bool) {
	r := urgency.NewTicketReader(in)
	var tickets []urgency.Ticket
	seen := make(map[string]int)
	bad := 0
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		var le *urgency.LineError
		if errors.As(err, &le) {
			fmt.Fprintf(stderr, "%s:%d: %v\n", name, le.Line, le.Err)
			bad++
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return nil, false
		}
		if first, ok := seen[t.ID]; ok {
			fmt.Fprintf(stderr, "%s:%d: ticket id %q already used on line %d\n", name, r.Line(), t.ID, first)
			bad++
			continue
		}
		seen[t.ID] = r.Line()
		tickets = append(tickets, t)
	}
	if bad > 0 && !skipBad {
		fmt.Fprintf(stderr, "urgency: %d bad %s in %s (use -skip-bad to go on without them)\n", bad, plural(bad, "line", "lines"), name)
		return nil, false
	}
	return tickets, true
}
