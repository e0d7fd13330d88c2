package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// embeddedPrefix names the default pack's files in positions:
// default:/pack.yaml is pack.yaml of the embedded pack.
const embeddedPrefix = "default:"

func newShowCmd(s *streams) *cobra.Command {
	var paths []string
	var format string
	var verbose bool
	c := &cobra.Command{
		Use:   "show [default:/FILE]",
		Short: "Show what a pack is made of: levels, lists, macros and rules",
		Long: `show prints a pack's levels, its lists (how many terms, in which
languages; with -v the terms), its macros and its rules (description,
points, level floor, queue, tags), as text, JSON or Markdown.

Arguments:
  default:/FILE  print a file of the embedded default pack, as errors name
                 it (default:/pack.yaml, default:/lists.yaml)`,
		Example: `  urgency show
  urgency show --rules acme/ -v
  urgency show --format json
  urgency show default:/pack.yaml`,
		Args: maxArgs(1, "give at most one file of the embedded pack, like default:/pack.yaml"),
		RunE: func(_ *cobra.Command, args []string) error {
			if format != "text" && format != "json" && format != "markdown" {
				return usagef("-format must be text, json or markdown, not %q", format)
			}
			if len(args) == 1 {
				return showEmbedded(args[0], s)
			}
			eng, err := loadEngine(paths)
			if err != nil {
				printLoadError(s.errOut, "show", err)
				return exitCode(exitFindings)
			}
			info := eng.Describe()
			switch format {
			case "json":
				err = writeShowJSON(s.out, info)
			case "markdown":
				err = writeShowMarkdown(s.out, info)
			default:
				err = writeShowText(s.out, info, verbose)
			}
			if err != nil {
				fmt.Fprintf(s.errOut, "urgency show: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	formatFlag(c, &format, "text", "json", "markdown")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the terms of every list")
	return c
}

// showEmbedded prints one file of the embedded default pack.
func showEmbedded(name string, s *streams) error {
	rest, ok := strings.CutPrefix(name, embeddedPrefix)
	if !ok {
		return usagef("%s is not a file of the embedded pack: name one like default:/pack.yaml", name)
	}
	rest = strings.TrimPrefix(rest, "/")
	data, err := fs.ReadFile(rules.Default(), rest)
	if err != nil {
		var names []string
		entries, _ := fs.ReadDir(rules.Default(), ".")
		for _, e := range entries {
			names = append(names, embeddedPrefix+"/"+e.Name())
		}
		fmt.Fprintf(s.errOut, "urgency show: the embedded pack has no file %s (it has %s)\n", rest, strings.Join(names, ", "))
		return exitCode(exitFindings)
	}
	_, err = s.out.Write(data)
	return err
}

func number(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// points is a rule's contribution to the score: "+60", "-10", or the
// expression that computes it.
func points(r urgency.RuleInfo) string {
	if r.Score != "" {
		return "score " + oneSpace(r.Score)
	}
	if r.Points >= 0 {
		return "+" + number(r.Points)
	}
	return number(r.Points)
}

func oneSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func duration(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	return s
}

func minScore(l urgency.Level) string {
	if math.IsInf(l.MinScore, -1) {
		return "any score"
	}
	return "score " + number(l.MinScore) + " or more"
}

func countSummary(info urgency.PackInfo) string {
	return fmt.Sprintf("%s: %d %s, %d %s, %d %s, %d %s", info.Version,
		len(info.Levels), plural(len(info.Levels), "level", "levels"),
		len(info.Lists), plural(len(info.Lists), "list", "lists"),
		len(info.Macros), plural(len(info.Macros), "macro", "macros"),
		len(info.Rules), plural(len(info.Rules), "rule", "rules"))
}

func ruleFacts(r urgency.RuleInfo) []string {
	facts := []string{points(r)}
	if r.Level != "" {
		facts = append(facts, "floor "+r.Level)
	}
	if r.Queue != "" {
		facts = append(facts, "queue "+r.Queue)
	}
	if len(r.Tags) > 0 {
		facts = append(facts, "tags "+strings.Join(r.Tags, ","))
	}
	if r.RespondWithin > 0 {
		facts = append(facts, "respond within "+duration(r.RespondWithin))
	}
	if !r.Enabled {
		facts = append(facts, "disabled")
	}
	return facts
}

// wrap breaks s into lines of at most width columns, each indented.
func wrap(w io.Writer, s, indent string, width int) {
	line := indent
	for _, word := range strings.Fields(s) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}

// allLanguages are the languages any list of the pack names, in order of
// appearance.
func allLanguages(info urgency.PackInfo) []string {
	var all []string
	for _, l := range info.Lists {
		for _, lang := range l.Languages {
			if !slices.Contains(all, lang) {
				all = append(all, lang)
			}
		}
	}
	return all
}

// langCell is a list's languages, "all 11 languages" when it has every
// one of a pack of several, "-" when no comment names them.
func langCell(l urgency.ListInfo, all []string) string {
	switch {
	case len(l.Languages) == 0:
		return "-"
	case len(all) > 3 && len(l.Languages) == len(all):
		return fmt.Sprintf("all %d languages", len(all))
	}
	return strings.Join(l.Languages, ", ")
}

func writeShowText(w io.Writer, info urgency.PackInfo, verbose bool) error {
	fmt.Fprintln(w, countSummary(info))
	fmt.Fprintln(w, "\nLevels")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range info.Levels {
		fmt.Fprintf(tw, "  %s\t%s\trespond within %s\n", l.Name, minScore(l), duration(l.RespondWithin))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nLists")
	all := allLanguages(info)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range info.Lists {
		langs := langCell(l, all)
		fmt.Fprintf(tw, "  %s\t%d %s\t%s\n", l.Name, len(l.Terms), plural(len(l.Terms), "term", "terms"), langs)
	}
	tw.Flush()
	if verbose {
		for _, l := range info.Lists {
			fmt.Fprintf(w, "\n  %s\n", l.Name)
			if l.Doc != "" {
				wrap(w, l.Doc, "    # ", 80)
			}
			quoted := make([]string, len(l.Terms))
			for i, t := range l.Terms {
				quoted[i] = strconv.Quote(t) + ","
			}
			wrap(w, strings.TrimSuffix(strings.Join(quoted, " "), ","), "    ", 80)
		}
	}
	fmt.Fprintln(w, "\nMacros")
	if len(info.Macros) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, m := range info.Macros {
		fmt.Fprintf(w, "  %s\n", m.Name)
		if m.Doc != "" {
			wrap(w, m.Doc, "    # ", 80)
		}
		wrap(w, oneSpace(m.Expr), "    ", 80)
	}
	fmt.Fprintln(w, "\nRules")
	for _, r := range info.Rules {
		fmt.Fprintf(w, "  %s  %s\n", r.Name, strings.Join(ruleFacts(r), "  "))
		if r.Description != "" {
			wrap(w, r.Description, "    ", 80)
		}
		wrap(w, "when: "+oneSpace(r.When), "    ", 80)
	}
	return nil
}

type showJSON struct {
	Pack   string      `json:"pack"`
	Levels []levelJSON `json:"levels"`
	Lists  []listJSON  `json:"lists"`
	Macros []macroJSON `json:"macros"`
	Rules  []ruleJSON  `json:"rules"`
}

type levelJSON struct {
	Name          string   `json:"name"`
	MinScore      *float64 `json:"min_score"` // null for the catch-all
	RespondWithin string   `json:"respond_within"`
	Calendar      string   `json:"calendar,omitempty"`
}

type listJSON struct {
	Name      string   `json:"name"`
	Doc       string   `json:"doc,omitempty"`
	Languages []string `json:"languages"`
	Terms     []string `json:"terms"`
	Position  string   `json:"position,omitempty"`
}

type macroJSON struct {
	Name     string `json:"name"`
	Doc      string `json:"doc,omitempty"`
	Expr     string `json:"expr"`
	Position string `json:"position"`
}

type ruleJSON struct {
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	When          string   `json:"when"`
	Points        *float64 `json:"points,omitempty"`
	Score         string   `json:"score,omitempty"`
	Level         string   `json:"level,omitempty"`
	Queue         string   `json:"queue,omitempty"`
	Tags          []string `json:"tags"`
	RespondWithin string   `json:"respond_within,omitempty"`
	Enabled       bool     `json:"enabled"`
	Position      string   `json:"position"`
}

func writeShowJSON(w io.Writer, info urgency.PackInfo) error {
	out := showJSON{Pack: info.Version, Levels: []levelJSON{}, Lists: []listJSON{}, Macros: []macroJSON{}, Rules: []ruleJSON{}}
	for _, l := range info.Levels {
		lj := levelJSON{Name: l.Name, RespondWithin: duration(l.RespondWithin), Calendar: l.Calendar}
		if !math.IsInf(l.MinScore, -1) {
			m := l.MinScore
			lj.MinScore = &m
		}
		out.Levels = append(out.Levels, lj)
	}
	for _, l := range info.Lists {
		out.Lists = append(out.Lists, listJSON{Name: l.Name, Doc: l.Doc, Languages: nonNil(l.Languages), Terms: nonNil(l.Terms), Position: l.Pos.String()})
	}
	for _, m := range info.Macros {
		out.Macros = append(out.Macros, macroJSON{Name: m.Name, Doc: m.Doc, Expr: oneSpace(m.Expr), Position: m.Pos.String()})
	}
	for _, r := range info.Rules {
		rj := ruleJSON{Name: r.Name, Description: r.Description, When: oneSpace(r.When), Score: oneSpace(r.Score),
			Level: r.Level, Queue: r.Queue, Tags: nonNil(r.Tags), Enabled: r.Enabled, Position: r.Pos.String()}
		if r.RespondWithin > 0 {
			rj.RespondWithin = duration(r.RespondWithin)
		}
		if r.Score == "" {
			p := r.Points
			rj.Points = &p
		}
		out.Rules = append(out.Rules, rj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// mdCell escapes what would break a Markdown table cell.
func mdCell(s string) string {
	s = oneSpace(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	return s
}

// sampleTerms are the first terms of a list, for a reader to recognise
// it; the rest is counted.
func sampleTerms(terms []string, n int) string {
	var b strings.Builder
	for i, t := range terms {
		if i == n {
			fmt.Fprintf(&b, " … (%d more)", len(terms)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("`" + strings.ReplaceAll(t, "`", "'") + "`")
	}
	return b.String()
}

func writeShowMarkdown(w io.Writer, info urgency.PackInfo) error {
	fmt.Fprintf(w, `# The default pack

<!-- Generated by "go test ./cmd/urgency -run TestDefaultPackREADME -update"
     from the pack itself; edit pack.yaml and lists.yaml, not this file. -->

It has %s; its lists speak %s.

A pack of your own can build on it with `+"`extends: default`"+` and change it with
`+"`overrides`"+` (see the project's README); the names below are what it can refer to. Errors and warnings about these files name them `+"`default:/pack.yaml`"+` and
`+"`default:/lists.yaml`"+`; `+"`urgency show default:/pack.yaml`"+` prints them, and
`+"`urgency show -v`"+` lists every term.

## Levels

| level | reached at | respond within |
|---|---|---|
`, strings.TrimPrefix(countSummary(info), info.Version+": "), strings.Join(allLanguages(info), ", "))
	for _, l := range info.Levels {
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", l.Name, minScore(l), duration(l.RespondWithin))
	}
	all := allLanguages(info)
	fmt.Fprint(w, "\n## Lists\n\nUse them in a condition as `mentions(text, \"name\")` or `mentionCount(text, \"name\")`.\n\n| list | what it catches | terms | languages | first terms |\n|---|---|---|---|---|\n")
	for _, l := range info.Lists {
		fmt.Fprintf(w, "| `%s` | %s | %d | %s | %s |\n", l.Name, mdCell(l.Doc), len(l.Terms), mdCell(langCell(l, all)), mdCell(sampleTerms(l.Terms, 6)))
	}
	fmt.Fprint(w, "\n## Macros\n\nNamed conditions a rule's `when` can use by name.\n\n")
	for _, m := range info.Macros {
		fmt.Fprintf(w, "- **`%s`**", m.Name)
		if m.Doc != "" {
			fmt.Fprintf(w, ": %s", oneSpace(m.Doc))
		}
		fmt.Fprintf(w, "\n  ```\n  %s\n  ```\n", oneSpace(m.Expr))
	}
	fmt.Fprint(w, "\n## Rules\n\nOverride one by its name under `overrides: rules:`.\n\n| rule | points | level floor | queue | tags | when |\n|---|---|---|---|---|---|\n")
	for _, r := range info.Rules {
		name := "`" + r.Name + "`"
		if r.Description != "" {
			name += "<br>" + mdCell(r.Description)
		}
		pts := points(r)
		if r.Score != "" {
			pts = "`" + mdCell(oneSpace(r.Score)) + "`"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | `%s` |\n", name, pts, dash(r.Level), dash(r.Queue), dash(strings.Join(r.Tags, ", ")), mdCell(oneSpace(r.When)))
	}
	return nil
}
