package main

import (
	"fmt"
	"io"

	"github.com/triagekit/triage/urgency/urgencytest"
)

// test runs rule-pack test files and reports each failed check with the
// ticket, what was expected, what came out and the hits that explain it.
func test(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test", stderr)
	verbose := fs.Bool("v", false, "list the checks that passed too")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "urgency test: give one or more test files, directories or globs")
		return 2
	}
	files, err := urgencytest.Files(fs.Args()...)
	if err != nil {
		fmt.Fprintf(stderr, "urgency test: %v\n", err)
		return 1
	}
	code, failed, checks := 0, 0, 0
	for _, file := range files {
		s, err := urgencytest.Load(file)
		if err != nil {
			printLoadError(stdout, err)
			fmt.Fprintf(stdout, "FAIL  %s: does not load\n", file)
			code = 1
			continue
		}
		res := s.Run()
		res.Report(stdout, *verbose)
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
