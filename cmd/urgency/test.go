package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/urgency/urgencytest"
)

// newTestCmd runs rule-pack test files and reports each failed check
// with the ticket, what was expected, what came out and the hits that
// explain it.
func newTestCmd(s *streams) *cobra.Command {
	var verbose bool
	c := &cobra.Command{
		Use:   "test TESTFILE...",
		Short: "Run a pack's test files",
		Long: `test runs rule-pack test files: each names a pack and sample tickets with
what must come out for them (level, queue, tags, rules). A failed check
is shown with the ticket, what was expected, what came out and the rules
that explain it; test exits 1 when any check fails.

Arguments:
  TESTFILE  a test file (*_test.yaml), or a directory or glob of them`,
		Example: `  urgency test acme/
  urgency test -v acme/critical_test.yaml`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give one or more test files, directories or globs")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return done(runTests(args, verbose, s.out, s.errOut))
		},
	}
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the checks that passed too")
	return c
}

func runTests(args []string, verbose bool, stdout, stderr io.Writer) int {
	files, err := urgencytest.Files(args...)
	if err != nil {
		fmt.Fprintf(stderr, "urgency test: %v\n", err)
		return 1
	}
	code, failed, checks := 0, 0, 0
	for _, file := range files {
		if isRuleFile(file) {
			fmt.Fprintf(stdout, "FAIL  %s: a rule file, not a test file: check it with \"urgency check --rules %s\"; a test file names its pack with rules: and gives tickets: and expect:\n", file, file)
			code = 1
			continue
		}
		s, err := urgencytest.Load(file)
		if err != nil {
			printLoadError(stdout, "test", err)
			fmt.Fprintf(stdout, "FAIL  %s: does not load\n", file)
			code = 1
			continue
		}
		res := s.Run()
		if verbose {
			res.ReportAll(stdout)
		} else {
			res.Report(stdout)
		}
		failed += res.Failed()
		checks += len(res.Cases)
		if res.Failed() > 0 {
			code = 1
		}
	}
	if len(files) > 1 {
		status := "ok"
		if code != 0 {
			status = "FAIL"
		}
		fmt.Fprintf(stdout, "%s: %d %s, %d of %d checks failed\n", status, len(files), plural(len(files), "file", "files"), failed, checks)
	}
	return code
}

// isRuleFile reports whether a file given to test is a rule file: it has
// keys only a rule file has and none a test file must have. Its loading
// as a test file would list each of its keys as unknown.
func isRuleFile(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	for _, k := range []string{"tickets", "tickets_from", "expect"} {
		if _, ok := top[k]; ok {
			return false
		}
	}
	for _, k := range []string{"version", "levels", "lists", "macros", "settings", "extends", "overrides"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}
