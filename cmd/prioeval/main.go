// Command prioeval measures the judgement of the default rule pack against
// tickets labelled low, medium or high, and prints the figures as Markdown.
//
//	go run ./cmd/prioeval [-data DIR] [-pack DIR] [-resamples 1000] [-seed 1] [-rules]
//
// DIR holds tickets.jsonl (tickets, one JSON object a line) and labels.csv
// (id,priority,language). Each ticket is assessed alone at its creation,
// [urgency.Engine.Assess] with now = created_at: no clusters, no deadline
// points. Tickets are ordered by (level, score). The concordance is the
// probability that of two tickets with different labels the higher
// labelled one ranks above the other, ties counted half. It is reported
// overall and per language with the share of tied pairs, the concordance
// of the untied pairs and a bootstrap 95% interval (tickets resampled with
// replacement, fixed seed), followed by the mix of levels. -rules adds, for
// every rule, the share of tickets of each label it matched: a check that a
// family of signals fires where it should, not a target. -pack measures
// another pack (a directory of rule files) instead of the default one.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// grades are the labels, lowest first.
var grades = []string{"low", "medium", "high"}

// run is the whole command; it returns the exit code: 0 success, 1 missing
// or bad data, 2 a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prioeval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "../shared/data/priority", "`dir`ectory holding tickets.jsonl and labels.csv")
	resamples := fs.Int("resamples", 1000, "bootstrap resamples")
	seed := fs.Uint64("seed", 1, "bootstrap seed")
	perRule := fs.Bool("rules", false, "also show how often each rule matched, by label")
	packDir := fs.String("pack", "", "measure the rule pack in `dir` instead of the default pack")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "prioeval: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *resamples < 1 {
		fmt.Fprintln(stderr, "prioeval: -resamples must be positive")
		return 2
	}
	var eng *urgency.Engine
	var err error
	if *packDir != "" {
		eng, err = urgency.Load(*packDir)
	} else {
		eng, err = urgency.LoadFS(rules.Default())
	}
	if err != nil {
		fmt.Fprintf(stderr, "prioeval: rule pack: %v\n", err)
		return 1
	}
	set, err := readSet(*data)
	if err != nil {
		fmt.Fprintf(stderr, "prioeval: %v\n", err)
		return 1
	}
	report(stdout, eng, set, *resamples, *seed, *perRule)
	return 0
}

// labelled is a ticket with its label.
type labelled struct {
	ticket   urgency.Ticket
	grade    int // index in grades
	language string
}

func readSet(dir string) ([]labelled, error) {
	labels, err := readLabels(filepath.Join(dir, "labels.csv"))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "tickets.jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []labelled
	r := urgency.NewTicketReader(f)
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		l, ok := labels[t.ID]
		if !ok {
			return nil, fmt.Errorf("%s: line %d: ticket %q has no label", path, r.Line(), t.ID)
		}
		l.ticket = t
		out = append(out, l)
		delete(labels, t.ID)
	}
	if len(labels) > 0 {
		return nil, fmt.Errorf("%s: %d labelled tickets are missing", path, len(labels))
	}
	return out, nil
}

// readLabels reads id,priority,language lines after their header.
func readLabels(path string) (map[string]labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseLabels(f, path)
}

func parseLabels(r io.Reader, name string) (map[string]labelled, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Equal(header, []string{"id", "priority", "language"}) {
		return nil, fmt.Errorf("%s: header %q, want id,priority,language", name, strings.Join(header, ","))
	}
	out := make(map[string]labelled)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		g := slices.Index(grades, rec[1])
		if g < 0 {
			return nil, fmt.Errorf("%s:%d: priority %q, want low, medium or high", name, line, rec[1])
		}
		if _, dup := out[rec[0]]; dup {
			return nil, fmt.Errorf("%s:%d: ticket %q again", name, line, rec[0])
		}
		out[rec[0]] = labelled{grade: g, language: rec[2]}
	}
}

// scored is a labelled ticket after assessment.
type scored struct {
	labelled
	level string
	rank  rankable
	rules []string
}

func assessAll(eng *urgency.Engine, set []labelled) []scored {
	levels := eng.Levels()
	out := make([]scored, len(set))
	for i, l := range set {
		a := eng.Assess(l.ticket, l.ticket.CreatedAt)
		lv := slices.IndexFunc(levels, func(x urgency.Level) bool { return x.Name == a.Level })
		out[i] = scored{labelled: l, level: a.Level, rank: rankable{len(levels) - 1 - lv, a.Score}, rules: a.Rules()}
	}
	return out
}

// measure returns the concordance of the subset and its bootstrap interval.
func measure(sub []scored, resamples int, seed uint64) (Concordance, float64, float64) {
	rs := make([]rankable, len(sub))
	for i, s := range sub {
		rs[i] = s.rank
	}
	keys, nKeys := rankKeys(rs)
	items := make([]item, len(sub))
	for i, s := range sub {
		items[i] = item{label: s.grade, key: keys[i]}
	}
	c := concordance(items, nil, nKeys, len(grades))
	lo, hi := bootstrap(items, nKeys, len(grades), resamples, seed)
	return c, lo, hi
}

func report(w io.Writer, eng *urgency.Engine, set []labelled, resamples int, seed uint64, perRule bool) {
	all := assessAll(eng, set)
	var langs []string
	for _, s := range all {
		if !slices.Contains(langs, s.language) {
			langs = append(langs, s.language)
		}
	}
	slices.Sort(langs)
	subsets := [][]scored{all}
	names := []string{"all"}
	for _, l := range langs {
		var sub []scored
		for _, s := range all {
			if s.language == l {
				sub = append(sub, s)
			}
		}
		subsets = append(subsets, sub)
		names = append(names, l)
	}

	fmt.Fprintf(w, "# Priority: the judgement of pack %s\n\n", eng.Version())
	fmt.Fprintf(w, "Each ticket assessed alone at its creation, ordered by (level, score); bootstrap: %d resamples, seed %d.\n\n", resamples, seed)
	fmt.Fprintln(w, "| tickets | n | concordance | 95% interval | tied pairs | untied concordance |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
	for i, sub := range subsets {
		c, lo, hi := measure(sub, resamples, seed)
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f–%.3f | %.1f%% | %.3f |\n",
			names[i], len(sub), c.Value(), lo, hi, 100*c.TiedShare(), c.Untied())
	}

	levels := eng.Levels()
	fmt.Fprintln(w, "\nLevels (share of tickets):")
	fmt.Fprintln(w)
	header := "| tickets |"
	rule := "|---|"
	for _, l := range levels {
		header += " " + l.Name + " |"
		rule += "--:|"
	}
	fmt.Fprintln(w, header+" score 0 |")
	fmt.Fprintln(w, rule+"--:|")
	for i, sub := range subsets {
		row := "| " + names[i] + " |"
		for _, l := range levels {
			n := 0
			for _, s := range sub {
				if s.level == l.Name {
					n++
				}
			}
			row += fmt.Sprintf(" %.1f%% |", 100*float64(n)/float64(len(sub)))
		}
		zero := 0
		for _, s := range sub {
			if s.rank.score == 0 {
				zero++
			}
		}
		fmt.Fprintf(w, "%s %.1f%% |\n", row, 100*float64(zero)/float64(len(sub)))
	}

	if perRule {
		ruleTable(w, eng, all)
	}
}

// ruleTable shows, for every rule that matched, the share of the tickets of
// each label it matched.
func ruleTable(w io.Writer, eng *urgency.Engine, all []scored) {
	total := make([]int, len(grades))
	for _, s := range all {
		total[s.grade]++
	}
	fmt.Fprintln(w, "\nRules (share of the tickets of each label they matched):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| rule | tickets | low | medium | high |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	for _, r := range eng.Rules() {
		n := make([]int, len(grades))
		sum := 0
		for _, s := range all {
			if slices.Contains(s.rules, r.Name) {
				n[s.grade]++
				sum++
			}
		}
		if sum == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d |", r.Name, sum)
		for g := range grades {
			fmt.Fprintf(w, " %.1f%% |", 100*float64(n[g])/float64(total[g]))
		}
		fmt.Fprintln(w)
	}
}
