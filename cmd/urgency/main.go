// Command urgency checks rule packs and ranks support tickets with them.
//
//	urgency check [--rules FILE]... [--tests FILE]... [--strict] [--format text|json]
//	urgency rank [--rules FILE]... [--now RFC3339] [--format table|json] [--explain] [--skip-bad] [TICKETS.jsonl|-]
//	urgency diff [--old FILE]... [--new FILE]... [--now RFC3339] [--format table|json] [--moves N] [--exit-code] [--skip-bad] [TICKETS.jsonl|-]
//	urgency explain --id ID [--id ID]... [--rules FILE]... [--now RFC3339] [--format table|json] [--skip-bad] [TICKETS.jsonl|-]
//	urgency similar [--rules FILE]... [--k N] [--format table|json] [--skip-bad] [TICKETS.jsonl|-]
//	urgency test [-v] TESTFILE...
//	urgency gen [--n N] [--seed S] [--now RFC3339]
//	urgency queue add|remove|rank|clusters --store URL [--key-file FILE] [--rules FILE]... [--now RFC3339] [--format table|json] [TICKETS.jsonl|-|ID...]
//	urgency version
//	urgency completion bash|zsh|fish|powershell
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
// for the same seed; queue works on a live queue shared by replicas in a
// database, through a store driver program (see queue.go).
//
// Flags may come anywhere on the line and take one dash or two. Without
// --rules, the embedded default pack is used; for diff, a pack left out or
// named "default" is the embedded default pack. Tickets are JSON Lines, one
// ticket per line; "-" or no file reads standard input. Exit codes: 0 done,
// 1 problems found or a failure, 2 a usage error ("urgency help" lists
// them).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/internal/termsafe"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
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
func printLoadError(w io.Writer, cmd string, err error) {
	var list urgency.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintf(w, "urgency %s: %v\n", cmd, err)
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

func newRankCmd(s *streams) *cobra.Command {
	var paths []string
	var nowFlag, format string
	var explain, skipBad bool
	prof := new(profiles)
	c := &cobra.Command{
		Use:   "rank [TICKETS.jsonl|-]",
		Short: "Put tickets in priority order",
		Long: `rank assesses every ticket with the pack, groups the tickets about the
same problem into clusters, and prints them in priority order: level,
score, time left until the response is due, queue and tags.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Example: `  urgency rank --now 2026-11-22T10:00:00Z testdata/tickets.jsonl
  urgency rank --rules acme/ --explain tickets.jsonl
  urgency gen -n 1000 | urgency rank --format json`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			stdout, stderr := s.out, s.errOut
			if format != "table" && format != "json" && format != "csv" {
				return usagef("-format must be table, json or csv, not %q", format)
			}
			now, err := parseNow(nowFlag)
			if err != nil {
				return err
			}
			defer prof.start("rank", stderr)()
			eng, st, done, err := openInput("rank", paths, args, s, skipBad)
			if err != nil {
				return err
			}
			defer done()
			// The tickets are grouped into clusters as they are read.
			n := 0
			ranked := eng.RankSeq(func(yield func(urgency.Ticket) bool) {
				for t := range st.all {
					if n++; !yield(t) {
						return
					}
				}
				if n >= progressEvery && st.usable() {
					st.progress.show("urgency rank: ranking %d tickets", n)
				}
			}, now)
			st.progress.clear()
			if !st.ok() {
				return exitCode(exitFindings)
			}
			switch format {
			case "json":
				err = writeJSON(stdout, ranked, eng.Location(), explain)
			case "csv":
				err = writeCSV(stdout, eng, ranked)
			default:
				out := stdout
				if s.color {
					out = s.rawOut // every cell is terminal-safe; the colours are ours
				}
				err = writeQueueTable(out, eng, ranked, tableView{width: s.width, color: s.color, explain: explain, now: now})
			}
			if err != nil {
				fmt.Fprintf(stderr, "urgency rank: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	f := c.Flags()
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	f.StringVar(&nowFlag, "now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	formatFlag(c, &format, "table", "json", "csv")
	f.BoolVar(&explain, "explain", false, "show every matching rule with its points, and how level and due time were reached")
	f.BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	prof.addFlags(c.Flags())
	return c
}

// parseNow reads the -now flag, the current time when it is empty.
func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("-now %q is not an RFC 3339 time like 2026-11-22T10:00:00Z", s)
	}
	// The bounds of ticket times: every time written from it is then
	// one RFC 3339 can write.
	if y := t.UTC().Year(); y < urgency.MinYear || y > urgency.MaxYear {
		return time.Time{}, usagef("-now %s is outside the years %d to %d", s, urgency.MinYear, urgency.MaxYear)
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return time.Time{}, usagef("-now %s has a UTC offset outside -23:59 to +23:59", s)
	}
	return t, nil
}

// explain prints, for the tickets named by -id, their place in the ranked
// queue and what every rule of the pack made of them.
func newExplainCmd(s *streams) *cobra.Command {
	var paths, ids []string
	var nowFlag, format string
	var skipBad bool
	c := &cobra.Command{
		Use:   "explain --id ID [TICKETS.jsonl|-]",
		Short: "Say why a ticket is where it is in the queue",
		Long: `explain ranks the tickets as rank does and tells, for each ticket named
by --id, its place in the queue and what every rule of the pack made of
it: the rules that matched with their points, the ones that did not and
why, and how the level and the due time were reached.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Example: `  urgency explain --id A-4 --now 2026-11-22T10:00:00Z acme/tickets.jsonl
  urgency explain --rules acme/ --id A-4 --id A-7 --format json acme/tickets.jsonl`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			stdout, stderr := s.out, s.errOut
			if format != "table" && format != "json" {
				return usagef("-format must be table or json, not %q", format)
			}
			if len(ids) == 0 {
				return usagef("name the ticket to explain with -id ID")
			}
			now, err := parseNow(nowFlag)
			if err != nil {
				return err
			}
			eng, tickets, err := loadInput("explain", paths, args, s, skipBad)
			if err != nil {
				return err
			}
			// The ticket is explained among all the others, as rank ranks it:
			// its cluster and its place depend on them.
			q, err := urgency.NewQueue(eng)
			if err != nil {
				return err
			}
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
					return exitCode(exitFindings)
				}
				found = append(found, explained{Explanation: x, rank: ranks[id], of: len(tickets)})
			}
			if format == "json" {
				err = writeExplainJSON(stdout, found, eng.Location())
			} else {
				err = writeExplainText(stdout, found)
			}
			if err != nil {
				fmt.Fprintf(stderr, "urgency explain: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&ids, "id", nil, "`ID` of the ticket to explain (repeatable)")
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	f.StringVar(&nowFlag, "now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	formatFlag(c, &format, "table", "json")
	f.BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	return c
}

// loadInput loads the pack and reads the tickets of the one file named
// by fs's arguments, or of standard input for none or "-", reporting
// every problem on stderr.
func loadInput(cmd string, paths, args []string, s *streams, skipBad bool) (*urgency.Engine, []urgency.Ticket, error) {
	eng, st, done, err := openInput(cmd, paths, args, s, skipBad)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	tickets, ok := st.collect()
	if !ok {
		return nil, nil, exitCode(exitFindings)
	}
	return eng, tickets, nil
}

// openInput loads the pack and opens the tickets of the one file named
// by fs's arguments, or of standard input for none or "-", for reading
// one at a time; done closes the file.
func openInput(cmd string, paths, args []string, s *streams, skipBad bool) (eng *urgency.Engine, st *ticketStream, done func(), err error) {
	in, name, err := openTickets(cmd, args, s)
	if err != nil {
		return nil, nil, nil, err
	}
	done = func() {}
	if c, ok := in.(io.Closer); ok && in != s.in {
		done = func() { c.Close() }
	}
	// The tickets are read and decoded while the pack loads.
	st = newTicketStream(cmd, in, name, skipBad, s.progress(), s.errOut)
	st.readAhead()
	eng, err = loadEngine(paths)
	if err != nil {
		st.stop()
		done()
		printLoadError(s.errOut, cmd, err)
		return nil, nil, nil, exitCode(exitFindings)
	}
	return eng, st, done, nil
}

// openTickets opens the one tickets file of args, or standard input for
// none or "-". A directory or a rule file given where the tickets go is
// a usage error that says where it belongs; standard input on a terminal
// gets a line saying that tickets are awaited, rather than silence.
func openTickets(cmd string, args []string, s *streams) (io.Reader, string, error) {
	if len(args) == 0 || args[0] == "-" {
		if s.inTerminal {
			fmt.Fprintf(s.errOut, "urgency %s: reading tickets from the terminal, one JSON object per line; end with Ctrl-D, or give a tickets file\n", cmd)
		}
		return s.in, "stdin", nil
	}
	name := args[0]
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return nil, "", usagef("%s is a directory: give a tickets file (JSON Lines); a directory of rules goes with --rules %s", name, name)
	}
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".yaml" || ext == ".yml" {
		return nil, "", usagef("%s is a YAML file, not tickets (JSON Lines): to use its rules, give it with --rules %s", name, name)
	}
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintf(s.errOut, "urgency %s: %v\n", cmd, err)
		return nil, "", exitCode(exitFindings)
	}
	return f, name, nil
}

func newSimilarCmd(s *streams) *cobra.Command {
	var paths []string
	var format string
	var k int
	var skipBad bool
	prof := new(profiles)
	c := &cobra.Command{
		Use:   "similar [TICKETS.jsonl|-]",
		Short: "List, for each ticket, the earlier tickets most like it",
		Long: `similar lists, for each ticket, the tickets most like it created no later
than it, across languages: the pack's lists give the concepts words share.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Example: `  urgency similar --k 3 testdata/tickets.jsonl
  urgency similar --format json tickets.jsonl`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			stdout, stderr := s.out, s.errOut
			if format != "table" && format != "json" {
				return usagef("-format must be table or json, not %q", format)
			}
			if k < 1 {
				return usagef("-k must be at least 1, not %d", k)
			}
			eng, tickets, err := loadInput("similar", paths, args, s, skipBad)
			if err != nil {
				return err
			}
			defer prof.start("similar", stderr)()
			x := urgency.NewIndex(eng)
			x.Add(tickets...)
			results := make([][]urgency.Match, len(tickets))
			for i, t := range tickets {
				results[i] = x.Similar(t.ID, k)
			}
			if format == "json" {
				err = writeSimilarJSON(stdout, tickets, results)
			} else {
				err = writeSimilarTable(stdout, tickets, results)
			}
			if err != nil {
				fmt.Fprintf(stderr, "urgency similar: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	f := c.Flags()
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob whose lists give concepts (repeatable; default: the embedded default pack)")
	f.IntVarP(&k, "k", "k", 5, "how many similar tickets to list per ticket")
	formatFlag(c, &format, "table", "json")
	f.BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	prof.addFlags(f)
	return c
}

// readTickets reads the tickets of in, reporting on stderr every bad
// line and every ticket ID used twice (named after name); it returns
// false when the input cannot be used: a read error, or bad lines
// without skipBad.
func readTickets(cmd string, in io.Reader, name string, skipBad bool, progress *progressLine, stderr io.Writer) ([]urgency.Ticket, bool) {
	return newTicketStream(cmd, in, name, skipBad, progress, stderr).collect()
}

// ticketStream reads tickets one at a time, as readTickets does, for a
// command that works on them as they come.
type ticketStream struct {
	cmd, name string
	r         *urgency.TicketReader
	skipBad   bool
	progress  *progressLine
	stderr    io.Writer
	seen      map[string]int // the line of each ticket ID
	bad       int
	failed    bool // a read error ended the input
	// ahead, when not nil, brings what a goroutine of its own reads,
	// until halt is closed.
	ahead chan readResult
	halt  chan struct{}
}

// readResult is what TicketReader.Next returned, with the line.
type readResult struct {
	t    urgency.Ticket
	err  error
	line int
}

// aheadTickets is how many tickets readAhead reads before they are asked
// for.
const aheadTickets = 4096

// readAhead reads the tickets on a goroutine of its own, up to
// aheadTickets before all asks for them, until the end of the input or
// stop.
func (s *ticketStream) readAhead() {
	s.ahead, s.halt = make(chan readResult, aheadTickets), make(chan struct{})
	go func() {
		defer close(s.ahead)
		for {
			t, err := s.r.Next()
			select {
			case s.ahead <- readResult{t, err, s.r.Line()}:
			case <-s.halt:
				return
			}
			if err != nil && !errors.As(err, new(*urgency.LineError)) {
				return // io.EOF or a read error: the end
			}
		}
	}()
}

// stop ends the reading ahead.
func (s *ticketStream) stop() {
	if s.halt != nil {
		close(s.halt)
		s.halt = nil
	}
}

// next returns the next ticket read, or the error, with its line.
func (s *ticketStream) next() (urgency.Ticket, error, int) {
	if s.ahead == nil {
		t, err := s.r.Next()
		return t, err, s.r.Line()
	}
	r, ok := <-s.ahead
	if !ok {
		return urgency.Ticket{}, io.EOF, 0
	}
	return r.t, r.err, r.line
}

func newTicketStream(cmd string, in io.Reader, name string, skipBad bool, progress *progressLine, stderr io.Writer) *ticketStream {
	return &ticketStream{cmd: cmd, name: name, r: urgency.NewTicketReader(in), skipBad: skipBad,
		progress: progress, stderr: stderr, seen: make(map[string]int)}
}

// all yields the good tickets of the input, reporting the bad lines. Once
// a line is bad without skipBad, the command will fail: the rest of the
// input is still read, for its bad lines to be reported too, but no more
// tickets are yielded.
func (s *ticketStream) all(yield func(urgency.Ticket) bool) {
	defer s.progress.clear()
	defer s.stop()
	n := 0
	for {
		t, err, line := s.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			s.progress.clear()
		}
		var le *urgency.LineError
		if errors.As(err, &le) {
			fmt.Fprintf(s.stderr, "%s:%d: %v\n", s.name, le.Line, le.Err)
			s.bad++
			continue
		}
		if err != nil {
			fmt.Fprintf(s.stderr, "%s: %v\n", s.name, err)
			s.failed = true
			return
		}
		if first, ok := s.seen[t.ID]; ok {
			s.progress.clear()
			fmt.Fprintf(s.stderr, "%s:%d: ticket id %q already used on line %d\n", s.name, line, t.ID, first)
			s.bad++
			continue
		}
		s.seen[t.ID] = line
		if n++; n%progressEvery == 0 {
			s.progress.show("urgency %s: %d tickets read from %s", s.cmd, n, termsafe.String(s.name))
		}
		if !s.usable() {
			continue
		}
		if !yield(t) {
			return
		}
	}
}

// usable reports whether the tickets read so far can be used: no read
// error, and no bad line unless they are skipped.
func (s *ticketStream) usable() bool { return !s.failed && (s.bad == 0 || s.skipBad) }

// collect reads every good ticket and reports whether they can be used.
func (s *ticketStream) collect() ([]urgency.Ticket, bool) {
	var tickets []urgency.Ticket
	for t := range s.all {
		tickets = append(tickets, t)
	}
	return tickets, s.ok()
}

// ok reports whether the tickets read can be used, saying why not on
// stderr.
func (s *ticketStream) ok() bool {
	if s.failed {
		return false
	}
	if s.bad > 0 && !s.skipBad {
		fmt.Fprintf(s.stderr, "urgency %s: %d bad %s in %s (use -skip-bad to go on without them)\n", s.cmd, s.bad, plural(s.bad, "line", "lines"), s.name)
		return false
	}
	return true
}
