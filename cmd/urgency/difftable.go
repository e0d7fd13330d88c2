package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/triagekit/triage/urgency"
)

// writeDiffTable prints rep as a lead reads it: the counts per level
// before and after, what changed, the rules matching more or fewer
// tickets, and the changed tickets, most significant first.
func writeDiffTable(w io.Writer, rep *diffReport, loc *time.Location) error {
	fmt.Fprintf(w, "old  %s  %s\n", rep.Old.Pack, source(rep.Old.Rules))
	fmt.Fprintf(w, "new  %s  %s\n", rep.New.Pack, source(rep.New.Rules))
	fmt.Fprintf(w, "%d %s ranked at %s\n\n", rep.Tickets, plural(rep.Tickets, "ticket", "tickets"), rep.Now.In(loc).Format(time.RFC3339))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tOLD\tNEW\tCHANGE")
	for _, l := range rep.Levels {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Level, present(l.Status != added, l.Old), present(l.Status != removed, l.New), signed(l.New-l.Old))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)

	c := rep.Counts
	if c.Changed == 0 {
		fmt.Fprintln(w, "no ticket changed")
	} else {
		fmt.Fprintf(w, "%d %s changed:", c.Changed, plural(c.Changed, "ticket", "tickets"))
		for _, k := range []struct {
			name string
			n    int
		}{{changedLevel, c.Level}, {changedQueue, c.Queue}, {changedDue, c.Due}, {changedScore, c.Score}, {changedRules, c.Rules}, {changedTags, c.Tags}} {
			if k.n > 0 {
				fmt.Fprintf(w, " %s %d,", k.name, k.n)
			}
		}
		fmt.Fprintf(w, " rank %d (%d up, %d down)\n", c.Rank, c.Up, c.Down)
	}
	if rep.Failed.Old+rep.Failed.New > 0 {
		fmt.Fprintf(w, "rules failed at run time on %d tickets with the old pack, %d with the new (see urgency rank -explain)\n", rep.Failed.Old, rep.Failed.New)
	}

	if len(rep.Rules) > 0 {
		fmt.Fprintln(w)
		// Run-time failures get a column only when there are some.
		failed := slices.ContainsFunc(rep.Rules, func(r ruleCount) bool { return r.FailedOld+r.FailedNew > 0 })
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "RULE\tOLD\tNEW\tGAINED\tLOST")
		if failed {
			fmt.Fprint(tw, "\tFAILED")
		}
		fmt.Fprintln(tw)
		for _, r := range rep.Rules {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s", cell(r.Rule, 40), present(r.Status != added, r.Old),
				present(r.Status != removed, r.New), signed(r.Gained), signed(-r.Lost))
			if failed {
				fmt.Fprintf(tw, "\t%s", change(present(r.Status != added, r.FailedOld), present(r.Status != removed, r.FailedNew)))
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if len(rep.Changes) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RANK\tMOVE\tLEVEL\tQUEUE\tSCORE\tDUE\tID\tRULES\tSUBJECT")
		for i := range rep.Changes {
			d := &rep.Changes[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				change(fmt.Sprint(d.Old.Rank), fmt.Sprint(d.New.Rank)), move(d.Move),
				change(d.Old.Level, d.New.Level), change(cell(d.Old.Queue, 16), cell(d.New.Queue, 16)),
				change(fmt.Sprint(d.Old.Score), fmt.Sprint(d.New.Score)), dueChange(d.Old.Due, d.New.Due),
				cell(d.ID, 24), cell(ruleChanges(d), 64), cell(d.Subject, 40))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	// Why a deadline moved, for the tickets whose service fields say more
	// than the level's response time.
	header := false
	for i := range rep.Changes {
		d := &rep.Changes[i]
		if !d.has(changedDue) || d.New.Deadline == nil {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\ndeadlines:")
			header = true
		}
		fmt.Fprintf(w, "  %s\n", cell(d.ID, 24))
		for _, l := range d.Old.Deadline {
			fmt.Fprintf(w, "    old: %s\n", l)
		}
		for _, l := range d.New.Deadline {
			fmt.Fprintf(w, "    new: %s\n", l)
		}
	}
	if c.Hidden > 0 {
		fmt.Fprintf(w, "\n%d %s only moved by fewer than %d positions; -moves 1 lists them\n",
			c.Hidden, plural(c.Hidden, "ticket", "tickets"), rep.Moves)
	}
	return nil
}

// source says where a pack was loaded from.
func source(paths []string) string {
	if slices.Equal(paths, []string{defaultPack}) {
		return "(the embedded default pack)"
	}
	return strings.Join(paths, " ")
}

// present shows a count, or "-" for a level or rule the pack does not
// have.
func present(ok bool, n int) string {
	if !ok {
		return "-"
	}
	return fmt.Sprint(n)
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// change shows a value that stayed as it is, and one that changed as
// old→new.
func change(o, n string) string {
	if o == n {
		return o
	}
	return o + "→" + n
}

func move(m int) string {
	switch {
	case m > 0:
		return fmt.Sprintf("↑%d", m)
	case m < 0:
		return fmt.Sprintf("↓%d", -m)
	}
	return "-"
}

// dueChange shows how the due time moved; a ticket may have none.
func dueChange(o, n time.Time) string {
	switch {
	case o.IsZero() && n.IsZero():
		return "-"
	case o.IsZero():
		return "none→due"
	case n.IsZero():
		return "due→none"
	}
	return dueShift(n.Sub(o))
}

// dueShift shows how much earlier (negative) or later the ticket is due.
func dueShift(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d == 0:
		return "-"
	case d > 0:
		return "+" + urgency.FormatDuration(d)
	}
	return urgency.FormatDuration(d)
}

// ruleChanges shows the rules a ticket gained and lost, then the tags
// when they changed otherwise than with the rules.
func ruleChanges(d *ticketDiff) string {
	var parts []string
	for _, r := range d.Gained {
		parts = append(parts, "+"+r)
	}
	for _, r := range d.Lost {
		parts = append(parts, "-"+r)
	}
	if len(d.TagsIn)+len(d.TagsOut) > 0 && len(d.Gained)+len(d.Lost) == 0 {
		var tags []string
		for _, t := range d.TagsIn {
			tags = append(tags, "+"+t)
		}
		for _, t := range d.TagsOut {
			tags = append(tags, "-"+t)
		}
		parts = append(parts, "tags "+strings.Join(tags, " "))
	}
	return strings.Join(parts, " ")
}
