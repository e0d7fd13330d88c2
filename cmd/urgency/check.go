package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/urgency"
	"github.com/triagekit/triage/urgency/urgencytest"
)

// newCheckCmd loads a pack and reports its errors (exit 1) and warnings
// (exit 1 only with --strict).
func newCheckCmd(s *streams) *cobra.Command {
	var paths, tests []string
	var strict bool
	var format string
	c := &cobra.Command{
		Use:   "check [RULES...]",
		Short: "Load a pack and report its errors and warnings",
		Long: `check loads a rule pack and lists every error, each with its file, line
and column and the source line with a caret, and every warning: lists
nothing uses, conditions that can never be true, terms written twice.
It exits 1 on errors, and on warnings too with --strict.

Arguments:
  RULES  rule files, directories or globs, as --rules takes them
         (none and no --rules: the embedded default pack)`,
		Example: `  urgency check --rules acme/
  urgency check acme/ --tests acme/ --strict
  urgency check --format json acme/`,
		RunE: func(_ *cobra.Command, args []string) error {
			stdout, stderr := s.out, s.errOut
			if format != "text" && format != "json" {
				return usagef("-format must be text or json, not %q", format)
			}
			paths := append(paths, args...)
			eng, err := loadEngine(paths)
			if err != nil {
				if format == "json" {
					return done(writeCheckJSON(stdout, stderr, nil, err, nil, strict))
				}
				printLoadError(stderr, "check", err)
				return exitCode(exitFindings)
			}
			warnings := eng.Warnings()
			if len(tests) > 0 {
				untested, ok := untestedRules(eng, tests, stderr)
				if !ok {
					return exitCode(exitFindings)
				}
				warnings = append(warnings, untested...)
			}
			if format == "json" {
				return done(writeCheckJSON(stdout, stderr, eng, nil, warnings, strict))
			}
			printWarnings(stdout, warnings)
			status := "ok"
			if strict && len(warnings) > 0 {
				status = "failed (-strict)"
			}
			fmt.Fprintf(stdout, "%s: %s\n", status, summary(eng, warnings))
			return done(checkExit(warnings, strict))
		},
	}
	f := c.Flags()
	rulesFlag(c, &paths, "rules", "rule `file`, directory or glob (repeatable; default: the embedded default pack)")
	f.BoolVar(&strict, "strict", false, "fail (exit 1) on warnings too")
	formatFlag(c, &format, "text", "json")
	rulesFlag(c, &tests, "tests", "test `file`, directory or glob of the pack (repeatable): warn about rules no test case makes match")
	return c
}

// untestedRules runs the test files and returns an untested-rule warning
// for every enabled rule of eng that no test case made match. Test files
// of another pack are reported and not counted; a test file that does not
// load is an error.
func untestedRules(eng *urgency.Engine, paths []string, stderr io.Writer) ([]urgency.Warning, bool) {
	files, err := urgencytest.Files(paths...)
	if err != nil {
		fmt.Fprintf(stderr, "urgency check: %v\n", err)
		return nil, false
	}
	var exercised []string
	counted := 0
	for _, file := range files {
		s, err := urgencytest.Load(file)
		if err != nil {
			printLoadError(stderr, "check", err)
			return nil, false
		}
		if s.Engine.Version() != eng.Version() {
			fmt.Fprintf(stderr, "urgency check: %s tests %s, not %s: not counted\n", file, s.Engine.Version(), eng.Version())
			continue
		}
		counted++
		for rule := range s.Run().Exercised {
			exercised = append(exercised, rule)
		}
	}
	if counted == 0 {
		fmt.Fprintf(stderr, "urgency check: no test file tests %s\n", eng.Version())
		return nil, false
	}
	return eng.UntestedRules(exercised), true
}

func checkExit(warnings []urgency.Warning, strict bool) int {
	if strict && len(warnings) > 0 {
		return 1
	}
	return 0
}

// summary counts a pack's rules, lists, levels and warnings:
// "default@3f2a9c0d11e4: 38 rules, 27 lists, 4 levels, 2 warnings".
func summary(eng *urgency.Engine, warnings []urgency.Warning) string {
	r, l, v := len(eng.Rules()), len(eng.Lists()), len(eng.Levels())
	s := fmt.Sprintf("%s: %d %s, %d %s, %d %s", eng.Version(),
		r, plural(r, "rule", "rules"), l, plural(l, "list", "lists"), v, plural(v, "level", "levels"))
	if n := len(warnings); n > 0 {
		s += fmt.Sprintf(", %d %s", n, plural(n, "warning", "warnings"))
	}
	return s
}

// printWarnings prints each warning on its own line with its position,
// then the source line with a caret under the column, as errors are
// printed.
func printWarnings(w io.Writer, warnings []urgency.Warning) {
	for _, wn := range warnings {
		fmt.Fprintln(w, wn.String())
		if c := wn.Caret(); c != "" {
			for _, l := range strings.Split(c, "\n") {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
}

// checkJSON is the one object check -format json prints.
type checkJSON struct {
	OK       bool          `json:"ok"`
	Pack     string        `json:"pack,omitempty"`
	Rules    int           `json:"rules"`
	Lists    int           `json:"lists"`
	Levels   int           `json:"levels"`
	Errors   []problemJSON `json:"errors"`
	Warnings []problemJSON `json:"warnings"`
}

// problemJSON is one error or warning.
type problemJSON struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Code    string `json:"code,omitempty"`
	Rule    string `json:"rule,omitempty"`
	List    string `json:"list,omitempty"`
	Macro   string `json:"macro,omitempty"`
	Message string `json:"message"`
}

func writeCheckJSON(stdout, stderr io.Writer, eng *urgency.Engine, loadErr error, warnings []urgency.Warning, strict bool) int {
	out := checkJSON{Errors: []problemJSON{}, Warnings: []problemJSON{}}
	code := checkExit(warnings, strict)
	if loadErr != nil {
		code = 1
		var list urgency.ErrorList
		if !errors.As(loadErr, &list) {
			list = urgency.ErrorList{{Err: loadErr}}
		}
		for _, e := range list {
			out.Errors = append(out.Errors, problemJSON{File: e.Pos.File, Line: e.Pos.Line, Column: e.Pos.Column, Rule: e.Rule, Message: e.Err.Error()})
		}
	}
	if eng != nil {
		out.Pack = eng.Version()
		out.Rules, out.Lists, out.Levels = len(eng.Rules()), len(eng.Lists()), len(eng.Levels())
	}
	for _, w := range warnings {
		out.Warnings = append(out.Warnings, problemJSON{File: w.Pos.File, Line: w.Pos.Line, Column: w.Pos.Column,
			Code: w.Code, Rule: w.Rule, List: w.List, Macro: w.Macro, Message: w.Msg})
	}
	out.OK = code == 0
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "urgency check: %v\n", err)
		return 1
	}
	return code
}
