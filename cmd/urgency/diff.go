package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// defaultPack is the name -old and -new take for the embedded default
// pack; a file or directory called default is written ./default.
const defaultPack = "default"

// exitDiffers is the exit code of diff -exit-code when some ticket came
// out differently: 1 and 2 already mean an error and a usage error.
const exitDiffers = 3

func newDiffCmd(s *streams) *cobra.Command {
	var oldPaths, newPaths []string
	var nowFlag, format string
	var moves int
	var exitCodeFlag, skipBad bool
	c := &cobra.Command{
		Use:   "diff [--old FILE]... [--new FILE]... [TICKETS.jsonl|-]",
		Short: "Show which tickets a rule change moves",
		Long: `diff ranks the same tickets with the pack in use (--old) and the changed
pack (--new) and shows what the change would do: the tickets per level
before and after, the rules that match more or fewer tickets, and the
tickets that change level, queue, due time, score, rules or position,
the most significant first. Each pack is given like --rules; left out or
"default": the embedded default pack.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Example: `  urgency diff --old default --new acme/ --now 2026-11-22T10:00:00Z acme/tickets.jsonl
  urgency diff --new acme/ --exit-code tickets.jsonl`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			stdin, stdout, stderr := s.in, s.out, s.errOut
			if format != "table" && format != "json" {
				return usagef("-format must be table or json, not %q", format)
			}
			if moves < 1 {
				return usagef("-moves must be at least 1, not %d", moves)
			}
			if len(oldPaths) == 0 && len(newPaths) == 0 {
				return usagef("give the changed pack with -new, the pack in use with -old, or both (the one left out is the embedded default pack)")
			}
			for _, side := range []struct {
				flag  string
				paths []string
			}{{"-old", oldPaths}, {"-new", newPaths}} {
				if len(side.paths) > 1 && slices.Contains(side.paths, defaultPack) {
					return usagef("%s %s names the embedded default pack, which cannot be loaded with other files; copy rules/default and name the copy", side.flag, defaultPack)
				}
			}
			now, err := parseNow(nowFlag)
			if err != nil {
				return err
			}

			oldEng, newEng, err := loadSides("diff", oldPaths, newPaths, stderr)
			if err != nil {
				return err
			}

			in, name, err := openTickets("diff", args, s)
			if err != nil {
				return err
			}
			if c, ok := in.(io.Closer); ok && in != stdin {
				defer c.Close()
			}
			tickets, ok := readTickets("diff", in, name, skipBad, s.progress(), stderr)
			if !ok {
				return exitCode(exitFindings)
			}

			rep := rankSides(oldEng, newEng, oldPaths, newPaths, tickets, now, moves)
			if format == "json" {
				err = writeDiffJSON(stdout, rep)
			} else {
				err = writeDiffTable(stdout, rep, newEng.Location())
			}
			if err != nil {
				fmt.Fprintf(stderr, "urgency diff: %v\n", err)
				return exitCode(exitFindings)
			}
			if exitCodeFlag && rep.Counts.Changed > 0 {
				return exitCode(exitDiffers)
			}
			return nil
		},
	}
	f := c.Flags()
	rulesFlag(c, &oldPaths, "old", `rule `+"`file`"+`, directory or glob of the pack in use (repeatable; "default" or none: the embedded default pack)`)
	rulesFlag(c, &newPaths, "new", `rule `+"`file`"+`, directory or glob of the changed pack (repeatable; "default" or none: the embedded default pack)`)
	f.StringVar(&nowFlag, "now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	formatFlag(c, &format, "table", "json")
	f.IntVar(&moves, "moves", 5, "list a ticket that only moved in the order when it moved at least `N` positions (1: every move)")
	f.BoolVar(&exitCodeFlag, "exit-code", false, "exit with 3 when some ticket comes out differently, 0 when none does")
	f.BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	return c
}

// loadPack loads the named rule files; none, or the one name "default",
// is the embedded default pack.
// loadSides loads the packs of a change, -old and -new, both before
// anything is read, so that one run reports the problems of both.
func loadSides(cmd string, oldPaths, newPaths []string, stderr io.Writer) (oldEng, newEng *urgency.Engine, err error) {
	oldEng, oldErr := loadPack(oldPaths)
	newEng, newErr := loadPack(newPaths)
	for _, side := range []struct {
		flag string
		err  error
	}{{"-old", oldErr}, {"-new", newErr}} {
		if side.err != nil {
			printLoadError(stderr, cmd, side.err)
			fmt.Fprintf(stderr, "urgency %s: the %s pack does not load\n", cmd, side.flag)
		}
	}
	if oldErr != nil || newErr != nil {
		return nil, nil, exitCode(exitFindings)
	}
	return oldEng, newEng, nil
}

// rankSides ranks the tickets with the packs of a change, each in a live
// queue as rank does, and compares the two rankings.
func rankSides(oldEng, newEng *urgency.Engine, oldPaths, newPaths []string, tickets []urgency.Ticket, now time.Time, moves int) *diffReport {
	return compare(
		side{Pack: oldEng.Version(), Rules: packNames(oldPaths), eng: oldEng, ranked: rankQueue(oldEng, tickets, now)},
		side{Pack: newEng.Version(), Rules: packNames(newPaths), eng: newEng, ranked: rankQueue(newEng, tickets, now)},
		now, moves)
}

func loadPack(paths []string) (*urgency.Engine, error) {
	if len(paths) == 0 || len(paths) == 1 && paths[0] == defaultPack {
		return urgency.LoadFS(rules.Default())
	}
	return urgency.Load(paths...)
}

// packNames is what the report says a pack was loaded from.
func packNames(paths []string) []string {
	if len(paths) == 0 {
		return []string{defaultPack}
	}
	return slices.Clone(paths)
}

// rankQueue ranks the tickets as urgency rank does: with their clusters,
// so that the cluster facts apply alike on both sides.
func rankQueue(eng *urgency.Engine, tickets []urgency.Ticket, now time.Time) []urgency.Assessment {
	return eng.Rank(tickets, now)
}

// side is one pack of a diff with the tickets as it ranks them.
type side struct {
	Pack  string   `json:"pack"`  // name@hash, see urgency.Engine.Version
	Rules []string `json:"rules"` // what it was loaded from, as given

	eng    *urgency.Engine
	ranked []urgency.Assessment
}

// diffReport is the whole outcome of a diff, and the JSON it prints.
type diffReport struct {
	Old     side         `json:"old"`
	New     side         `json:"new"`
	Now     time.Time    `json:"now"`
	Tickets int          `json:"tickets"`
	Levels  []levelCount `json:"levels"`
	Counts  diffCounts   `json:"counts"`
	Failed  struct {
		Old int `json:"old"`
		New int `json:"new"`
	} `json:"failed"` // tickets on which some rule failed at run time
	Rules   []ruleCount  `json:"rules"`
	Changes []ticketDiff `json:"changes"`
	Moves   int          `json:"moves"` // the -moves threshold the changes were listed with
}

// levelCount is how many tickets a level holds under each pack.
type levelCount struct {
	Level  string `json:"level"`
	Old    int    `json:"old"`
	New    int    `json:"new"`
	Status string `json:"status,omitempty"` // added or removed: only one pack has the level
}

// diffCounts counts the tickets that changed, by what changed; a ticket
// may count under several.
type diffCounts struct {
	Changed int `json:"changed"` // changed in any way, rank included
	Level   int `json:"level"`
	Queue   int `json:"queue"`
	Due     int `json:"due"`
	Score   int `json:"score"` // as shown: to one decimal
	Rules   int `json:"rules"` // matched another set of rules
	Tags    int `json:"tags"`
	Rank    int `json:"rank"`
	Up      int `json:"up"`
	Down    int `json:"down"`
	Listed  int `json:"listed"` // in changes
	Hidden  int `json:"hidden"` // moved fewer than -moves positions, nothing else changed
}

// ruleCount is a rule that matched another set of tickets under the new
// pack, that failed on another number of tickets, or that only one of the
// packs has.
type ruleCount struct {
	Rule      string `json:"rule"`
	Old       int    `json:"old"`
	New       int    `json:"new"`
	Gained    int    `json:"gained"`     // tickets it matches only under the new pack
	Lost      int    `json:"lost"`       // tickets it matches only under the old pack
	FailedOld int    `json:"failed_old"` // tickets it failed on at run time
	FailedNew int    `json:"failed_new"`
	Status    string `json:"status,omitempty"`
}

// The statuses of a level or rule only one pack has.
const (
	added   = "added"   // only in the new pack
	removed = "removed" // only in the old pack
)

// ticketDiff is one ticket that came out differently.
type ticketDiff struct {
	ID      string     `json:"id"`
	Subject string     `json:"subject"`
	Changed []string   `json:"changed"` // of level, queue, due, score, rules, tags, rank
	Move    int        `json:"move"`    // positions up (negative: down)
	Old     ticketSide `json:"old"`
	New     ticketSide `json:"new"`
	Gained  []string   `json:"rules_gained"`
	Lost    []string   `json:"rules_lost"`
	TagsIn  []string   `json:"tags_gained"`
	TagsOut []string   `json:"tags_lost"`
}

// ticketSide is a ticket as one pack ranks it.
type ticketSide struct {
	Rank  int       `json:"rank"`
	Level string    `json:"level"`
	Queue string    `json:"queue"`
	Score float64   `json:"score"`
	Due   time.Time `json:"due,omitzero"` // absent when nothing is due
	Rules []string  `json:"rules"`
	Tags  []string  `json:"tags"`
	// Target and Deadline say, for a ticket with service fields, what it
	// is due for and why then.
	Target   string   `json:"target,omitempty"`
	Deadline []string `json:"deadline,omitempty"`
}

func newTicketSide(a *urgency.Assessment, rank int, loc *time.Location) ticketSide {
	s := ticketSide{Rank: rank, Level: a.Level, Queue: a.Queue, Score: round1(a.Score),
		Due: a.Due.In(loc), Rules: nonNil(a.Rules()), Tags: nonNil(a.Tags)}
	if a.Ticket.HasServiceFields() {
		s.Target, s.Deadline = a.Target, a.Deadline()
	}
	return s
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// Change kinds in ticketDiff.Changed, in the order they are listed.
const (
	changedLevel = "level"
	changedQueue = "queue"
	changedDue   = "due"
	changedScore = "score"
	changedRules = "rules"
	changedTags  = "tags"
	changedRank  = "rank"
)

func (d *ticketDiff) has(kind string) bool { return slices.Contains(d.Changed, kind) }

// class orders the listed changes by significance: a new level first,
// then a new queue, then anything else the rules changed, then plain
// moves in the order.
func (d *ticketDiff) class() int {
	switch {
	case d.has(changedLevel):
		return 0
	case d.has(changedQueue):
		return 1
	case len(d.Changed) > 1 || !d.has(changedRank):
		return 2
	}
	return 3
}

// compare works out what changed between the old and the new ranking of
// the same tickets. A ticket whose only change is a move of fewer than
// minMove positions is counted but not listed.
func compare(o, n side, now time.Time, minMove int) *diffReport {
	rep := &diffReport{Old: o, New: n, Now: now, Tickets: len(n.ranked), Moves: minMove}
	rep.Levels = levelCounts(o, n)

	oldAt := make(map[string]int, len(o.ranked))
	for i := range o.ranked {
		oldAt[o.ranked[i].Ticket.ID] = i
	}
	oldLoc, newLoc := o.eng.Location(), n.eng.Location()
	rules := newRuleCounts(o.eng, n.eng)
	for i := range n.ranked {
		na := &n.ranked[i]
		j, ok := oldAt[na.Ticket.ID]
		if !ok {
			continue // both sides rank the same tickets
		}
		oa := &o.ranked[j]
		if len(oa.Errors) > 0 {
			rep.Failed.Old++
		}
		if len(na.Errors) > 0 {
			rep.Failed.New++
		}
		rules.add(oa, na)

		d := ticketDiff{ID: na.Ticket.ID, Subject: na.Ticket.Subject, Move: j - i,
			Old: newTicketSide(oa, j+1, oldLoc), New: newTicketSide(na, i+1, newLoc)}
		d.Gained, d.Lost = setDiff(d.Old.Rules, d.New.Rules)
		d.TagsIn, d.TagsOut = setDiff(d.Old.Tags, d.New.Tags)
		for _, c := range []struct {
			kind    string
			changed bool
		}{
			{changedLevel, oa.Level != na.Level},
			{changedQueue, oa.Queue != na.Queue},
			{changedDue, !oa.Due.Equal(na.Due)},
			{changedScore, d.Old.Score != d.New.Score},
			{changedRules, len(d.Gained)+len(d.Lost) > 0},
			{changedTags, len(d.TagsIn)+len(d.TagsOut) > 0},
			{changedRank, d.Move != 0},
		} {
			if c.changed {
				d.Changed = append(d.Changed, c.kind)
			}
		}
		if len(d.Changed) == 0 {
			continue
		}
		c := &rep.Counts
		c.Changed++
		for _, k := range d.Changed {
			switch k {
			case changedLevel:
				c.Level++
			case changedQueue:
				c.Queue++
			case changedDue:
				c.Due++
			case changedScore:
				c.Score++
			case changedRules:
				c.Rules++
			case changedTags:
				c.Tags++
			case changedRank:
				c.Rank++
				if d.Move > 0 {
					c.Up++
				} else {
					c.Down++
				}
			}
		}
		if d.class() == 3 && abs(d.Move) < minMove {
			c.Hidden++
			continue
		}
		rep.Changes = append(rep.Changes, d)
	}
	rep.Counts.Listed = len(rep.Changes)
	slices.SortFunc(rep.Changes, func(a, b ticketDiff) int {
		return cmp.Or(
			cmp.Compare(a.class(), b.class()),
			cmp.Compare(abs(b.Move), abs(a.Move)),
			cmp.Compare(a.New.Rank, b.New.Rank))
	})
	rep.Rules = rules.changed()
	return rep
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// setDiff returns the elements of b not in a, and those of a not in b,
// each in the order of its slice.
func setDiff(a, b []string) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, s := range b {
		if !slices.Contains(a, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// levelCounts counts the tickets per level on both sides. The levels are
// the old pack's, highest first, with those only the new pack has
// placed after the level they follow there.
func levelCounts(o, n side) []levelCount {
	var out []levelCount
	at := make(map[string]int)
	for _, l := range o.eng.Levels() {
		at[l.Name] = len(out)
		out = append(out, levelCount{Level: l.Name, Status: removed})
	}
	prev := -1
	for _, l := range n.eng.Levels() {
		if i, ok := at[l.Name]; ok {
			out[i].Status = ""
			prev = i
			continue
		}
		prev++
		out = slices.Insert(out, prev, levelCount{Level: l.Name, Status: added})
		for k := range out {
			at[out[k].Level] = k
		}
	}
	for _, a := range o.ranked {
		out[at[a.Level]].Old++
	}
	for _, a := range n.ranked {
		out[at[a.Level]].New++
	}
	return out
}

// ruleTally counts, per rule, the tickets it matches on each side.
type ruleTally struct {
	names []string // the old pack's rules in file order, then the new ones
	rules map[string]*ruleCount
	inOld map[string]bool
	inNew map[string]bool
}

func newRuleCounts(o, n *urgency.Engine) *ruleTally {
	t := &ruleTally{rules: make(map[string]*ruleCount), inOld: make(map[string]bool), inNew: make(map[string]bool)}
	for _, r := range o.Rules() {
		t.inOld[r.Name] = true
		t.names = append(t.names, r.Name)
		t.rules[r.Name] = &ruleCount{Rule: r.Name}
	}
	for _, r := range n.Rules() {
		t.inNew[r.Name] = true
		if _, ok := t.rules[r.Name]; !ok {
			t.names = append(t.names, r.Name)
			t.rules[r.Name] = &ruleCount{Rule: r.Name}
		}
	}
	return t
}

func (t *ruleTally) add(oa, na *urgency.Assessment) {
	or, nr := oa.Rules(), na.Rules()
	for _, r := range or {
		c := t.rules[r]
		c.Old++
		if !slices.Contains(nr, r) {
			c.Lost++
		}
	}
	for _, r := range nr {
		c := t.rules[r]
		c.New++
		if !slices.Contains(or, r) {
			c.Gained++
		}
	}
	for _, e := range oa.Errors {
		if c, ok := t.rules[e.Rule]; ok {
			c.FailedOld++
		}
	}
	for _, e := range na.Errors {
		if c, ok := t.rules[e.Rule]; ok {
			c.FailedNew++
		}
	}
}

// changed returns the rules that matched other tickets, or that only
// one pack has: the largest change in count first.
func (t *ruleTally) changed() []ruleCount {
	out := []ruleCount{}
	for _, name := range t.names {
		c := *t.rules[name]
		switch {
		case !t.inOld[name]:
			c.Status = added
		case !t.inNew[name]:
			c.Status = removed
		case c.Gained+c.Lost == 0 && c.FailedOld == c.FailedNew:
			continue
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b ruleCount) int {
		return cmp.Or(
			cmp.Compare(abs(b.New-b.Old), abs(a.New-a.Old)),
			cmp.Compare(b.Gained+b.Lost, a.Gained+a.Lost),
			strings.Compare(a.Rule, b.Rule))
	})
	return out
}

func writeDiffJSON(w io.Writer, rep *diffReport) error {
	if rep.Changes == nil {
		rep.Changes = []ticketDiff{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
