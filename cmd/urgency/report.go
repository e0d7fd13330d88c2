package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/urgency"
)

//go:embed report.html.tmpl
var reportTemplate string

// reportPage is the one HTML page report writes. Everything on it comes
// through html/template, which escapes ticket text for the place it goes.
type reportPage struct {
	Title     string
	Pack      string
	Now       string
	Generated string
	Tickets   int
	Overdue   int
	Levels    []reportLevel
	Chart     chart
	Queue     []reportRow
	Shown     int // rows of Queue
	Clusters  []reportCluster
	Diff      *reportDiff
}

type reportLevel struct {
	Name         string
	Count, Class int
}

type reportRow struct {
	Rank                                  int
	Level                                 string
	Class                                 int
	Score, Due, Left                      string
	Overdue                               bool
	ID, Customer, Queue, Subject, Cluster string
	Tags                                  []string
	Why                                   []string
}

type reportCluster struct {
	ID                string
	Size, Customers   int
	Tickets           []reportRow
	FirstRank         int
	HighestLevel      string
	HighestLevelClass int
}

type reportDiff struct {
	Old, New string
	Changed  int
	Changes  []reportChange
}

type reportChange struct {
	ID, Subject            string
	What                   string
	OldRank, NewRank       int
	OldLevel, NewLevel     string
	OldClass, NewClass     int
	OldScore, NewScore     string
	OldQueue, NewQueue     string
	Move                   string
	RulesGained, RulesLost []string
}

// chart is the level mix as bars: one per level, or two (before and
// after) for a diff.
type chart struct {
	Width, Height int
	Bars          []chartBar
	Labels        []chartLabel
}

type chartBar struct {
	X, Y, W, H int
	Class      int
	Title      string
	Count      int
	TextX      int
	TextY      int
}

type chartLabel struct {
	X, Y int
	Text string
}

func newReportCmd(s *streams) *cobra.Command {
	var paths, oldPaths, newPaths []string
	var nowFlag, output string
	var moves, top int
	var skipBad bool
	c := &cobra.Command{
		Use:   "report [TICKETS.jsonl|-]",
		Short: "Write the ranked queue, or a diff, as one HTML page to share",
		Long: `report ranks the tickets and writes one self-contained HTML file: the
mix of levels as a chart, the queue with each ticket's reasons a click
away, and the clusters of tickets about the same problem. With --old or
--new it shows a rule change instead, as diff does: the level mix before
and after, and the tickets that move. The page loads nothing from the
network: styles and the chart are inside it, and it runs no script.

Arguments:
  TICKETS.jsonl  tickets, one JSON object per line; "-" or none: standard input`,
		Example: `  urgency report --now 2026-11-22T10:00:00Z -o queue.html testdata/tickets.jsonl
  urgency report --new acme/ -o change.html tickets.jsonl`,
		Args: maxArgs(1, "give one tickets file, or none to read standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			if moves < 1 {
				return usagef("-moves must be at least 1, not %d", moves)
			}
			if top < 0 {
				return usagef("-top must not be negative, not %d", top)
			}
			diffing := len(oldPaths) > 0 || len(newPaths) > 0
			if diffing && len(paths) > 0 {
				return usagef("give the packs of a change with -old and -new, or one pack with -rules, not both")
			}
			now, err := parseNow(nowFlag)
			if err != nil {
				return err
			}
			var page *reportPage
			if diffing {
				oldEng, newEng, err := loadSides("report", oldPaths, newPaths, s.errOut)
				if err != nil {
					return err
				}
				in, name, err := openTickets("report", args, s)
				if err != nil {
					return err
				}
				if c, ok := in.(io.Closer); ok && in != s.in {
					defer c.Close()
				}
				tickets, ok := readTickets("report", in, name, skipBad, s.progress(), s.errOut)
				if !ok {
					return exitCode(exitFindings)
				}
				rep := rankSides(oldEng, newEng, oldPaths, newPaths, tickets, now, moves)
				page = newReportPage(newEng, rep.New.ranked, now, top)
				page.addDiff(rep, oldEng, newEng)
			} else {
				eng, tickets, err := loadInput("report", paths, args, s, skipBad)
				if err != nil {
					return err
				}
				page = newReportPage(eng, rankQueue(eng, tickets, now), now, top)
			}
			var buf bytes.Buffer
			if err := template.Must(template.New("report").Parse(reportTemplate)).Execute(&buf, page); err != nil {
				fmt.Fprintf(s.errOut, "urgency report: %v\n", err)
				return exitCode(exitFindings)
			}
			if output == "" || output == "-" {
				_, err = s.out.Write(buf.Bytes())
			} else {
				err = os.WriteFile(output, buf.Bytes(), 0o644)
			}
			if err != nil {
				fmt.Fprintf(s.errOut, "urgency report: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	f := c.Flags()
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	rulesFlag(c, &oldPaths, "old", "for a change: rule `file`, directory or glob of the pack in use (repeatable; \"default\": the embedded default pack)")
	rulesFlag(c, &newPaths, "new", "for a change: rule `file`, directory or glob of the changed pack (repeatable; \"default\": the embedded default pack)")
	f.StringVar(&nowFlag, "now", "", "evaluation `time` in RFC 3339 (default: the current time)")
	f.StringVarP(&output, "output", "o", "", "write the page to `file` (default: standard output)")
	c.MarkFlagFilename("output", "html")
	f.IntVar(&moves, "moves", 5, "for a change: list a ticket that only moved when it moved at least `N` positions")
	f.IntVar(&top, "top", 1000, "show the first `N` tickets of the queue (0: all); the counts and the chart cover all")
	f.BoolVar(&skipBad, "skip-bad", false, "report malformed ticket lines on stderr and go on without them")
	return c
}

// levelClass is the colour class of a level: its place among the pack's
// levels, the first the most urgent.
func levelClasses(levels []urgency.Level) map[string]int {
	m := make(map[string]int, len(levels))
	for i, l := range levels {
		m[l.Name] = min(i, 3)
	}
	return m
}

func scoreText(f float64) string {
	r := math.Round(f*10) / 10
	if r == math.Trunc(r) {
		return fmt.Sprintf("%d", int64(r))
	}
	return fmt.Sprintf("%.1f", r)
}

func newReportPage(eng *urgency.Engine, ranked []urgency.Assessment, now time.Time, top int) *reportPage {
	loc := eng.Location()
	classes := levelClasses(eng.Levels())
	p := &reportPage{
		Title:   "Ticket queue",
		Pack:    eng.Version(),
		Now:     now.In(loc).Format("2006-01-02 15:04 MST"),
		Tickets: len(ranked),
	}
	counts := map[string]int{}
	for i := range ranked {
		a := &ranked[i]
		counts[a.Level]++
		if a.DueIn < 0 {
			p.Overdue++
		}
	}
	for _, l := range eng.Levels() {
		p.Levels = append(p.Levels, reportLevel{Name: l.Name, Count: counts[l.Name], Class: classes[l.Name]})
	}
	rows := make([]reportRow, len(ranked))
	for i := range ranked {
		a := &ranked[i]
		cl := ""
		if a.Cluster.Size > 1 {
			cl = fmt.Sprintf("%s ×%d", a.Cluster.ID, a.Cluster.Size)
		}
		rows[i] = reportRow{
			Rank: i + 1, Level: a.Level, Class: classes[a.Level], Score: scoreText(a.Score),
			Due: a.Due.In(loc).Format("2006-01-02 15:04"), Left: left(a.DueIn), Overdue: a.DueIn < 0,
			ID: a.Ticket.ID, Customer: a.Ticket.Customer.ID, Queue: a.Queue, Subject: a.Ticket.Subject,
			Cluster: cl, Tags: a.Tags, Why: a.Why(),
		}
	}
	p.Shown = len(rows)
	if top > 0 && top < len(rows) {
		p.Shown = top
	}
	p.Queue = rows[:p.Shown]
	byID := map[string]*reportCluster{}
	for i := range ranked {
		a := &ranked[i]
		if a.Cluster.Size <= 1 {
			continue
		}
		c := byID[a.Cluster.ID]
		if c == nil {
			c = &reportCluster{ID: a.Cluster.ID, Size: a.Cluster.Size, Customers: a.Cluster.Customers, FirstRank: i + 1,
				HighestLevel: a.Level, HighestLevelClass: classes[a.Level]}
			byID[a.Cluster.ID] = c
			p.Clusters = append(p.Clusters, *c)
		}
		c.Tickets = append(c.Tickets, rows[i])
	}
	for i := range p.Clusters {
		p.Clusters[i].Tickets = byID[p.Clusters[i].ID].Tickets
	}
	p.Chart = levelChart(p.Levels, nil)
	return p
}

// levelChart draws one bar per level, or with before a pair of bars per
// level: before (faded) and after.
func levelChart(after []reportLevel, before []reportLevel) chart {
	const barH, gap, labelW, width = 22, 10, 90, 640
	maxCount := 1
	for _, l := range append(slices.Clone(after), before...) {
		maxCount = max(maxCount, l.Count)
	}
	scale := float64(width-labelW-60) / float64(maxCount)
	var c chart
	y := 0
	for i, l := range after {
		c.Labels = append(c.Labels, chartLabel{X: 0, Y: y + barH - 6, Text: l.Name})
		if before != nil {
			b := before[i]
			w := int(math.Round(float64(b.Count) * scale))
			c.Bars = append(c.Bars, chartBar{X: labelW, Y: y, W: w, H: barH / 2, Class: -1, Count: b.Count,
				Title: fmt.Sprintf("%s before: %d", l.Name, b.Count), TextX: labelW + w + 6, TextY: y + barH/2 - 2})
			w = int(math.Round(float64(l.Count) * scale))
			c.Bars = append(c.Bars, chartBar{X: labelW, Y: y + barH/2, W: w, H: barH / 2, Class: l.Class, Count: l.Count,
				Title: fmt.Sprintf("%s after: %d", l.Name, l.Count), TextX: labelW + w + 6, TextY: y + barH - 1})
		} else {
			w := int(math.Round(float64(l.Count) * scale))
			c.Bars = append(c.Bars, chartBar{X: labelW, Y: y, W: w, H: barH, Class: l.Class, Count: l.Count,
				Title: fmt.Sprintf("%s: %d", l.Name, l.Count), TextX: labelW + w + 6, TextY: y + barH - 6})
		}
		y += barH + gap
	}
	c.Width, c.Height = width, max(y-gap, 1)
	return c
}

func (p *reportPage) addDiff(rep *diffReport, oldEng, newEng *urgency.Engine) {
	p.Title = "Rule change"
	classes := levelClasses(newEng.Levels())
	oldClasses := levelClasses(oldEng.Levels())
	d := &reportDiff{Old: rep.Old.Pack, New: rep.New.Pack, Changed: rep.Counts.Changed}
	var before, after []reportLevel
	for _, lc := range rep.Levels {
		class, ok := classes[lc.Level]
		if !ok {
			class = oldClasses[lc.Level]
		}
		before = append(before, reportLevel{Name: lc.Level, Count: lc.Old, Class: class})
		after = append(after, reportLevel{Name: lc.Level, Count: lc.New, Class: class})
	}
	p.Levels = after
	p.Chart = levelChart(after, before)
	for _, ch := range rep.Changes {
		d.Changes = append(d.Changes, reportChange{
			ID: ch.ID, Subject: ch.Subject, What: strings.Join(ch.Changed, ", "),
			OldRank: ch.Old.Rank, NewRank: ch.New.Rank,
			OldLevel: ch.Old.Level, NewLevel: ch.New.Level, OldClass: oldClasses[ch.Old.Level], NewClass: classes[ch.New.Level],
			OldScore: scoreText(ch.Old.Score), NewScore: scoreText(ch.New.Score),
			OldQueue: dash(ch.Old.Queue), NewQueue: dash(ch.New.Queue),
			Move: move(ch.Move), RulesGained: ch.Gained, RulesLost: ch.Lost,
		})
	}
	p.Diff = d
}
