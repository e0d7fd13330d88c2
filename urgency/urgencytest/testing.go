package urgencytest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/triagekit/triage/urgency"
)

// Run runs the test files named by paths (files, directories or glob
// patterns; a directory means its *_test.yaml files) as subtests of t:
// one subtest per file and, within it, one per case. A file that fails to
// load fails its subtest with every problem listed as file:line:col. A
// path that names no test file fails t.
func Run(t *testing.T, paths ...string) []*Result {
	t.Helper()
	files, err := Files(paths...)
	if err != nil {
		t.Fatal(err)
	}
	var results []*Result
	for _, file := range files {
		t.Run(filepath.ToSlash(file), func(t *testing.T) {
			s, err := Load(file)
			if err != nil {
				t.Fatalf("%s", loadErrors(err))
			}
			res := s.Run()
			results = append(results, res)
			for _, o := range res.Cases {
				t.Run(o.Title, func(t *testing.T) {
					if o.Passed() {
						return
					}
					var b strings.Builder
					one := &Result{Suite: s, Cases: []Outcome{o}}
					one.Report(&b)
					assert.Fail(t, fmt.Sprintf("%s: %s", o.Pos, o.Title), "%s", b.String())
				})
			}
		})
	}
	return results
}

// Files expands paths into test files: a file is taken as it is, a
// directory gives its *_test.yaml files, a pattern its matches. A path
// that gives no file is an error.
func Files(paths ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("no test files given")
	}
	var out []string
	for _, p := range paths {
		var found []string
		switch info, err := os.Stat(p); {
		case err == nil && info.IsDir():
			found, _ = filepath.Glob(filepath.Join(p, "*_test.yaml"))
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no test files (*_test.yaml) in directory", p)
			}
		case err == nil:
			found = []string{p}
		case strings.ContainsAny(p, "*?["):
			found, err = filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", p, err)
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no test files match", p)
			}
		default:
			return nil, fmt.Errorf("%s: %v", p, plain(err))
		}
		for _, f := range found {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// loadErrors lists every problem of a failed load, one per line.
func loadErrors(err error) string {
	var list urgency.ErrorList
	if !errors.As(err, &list) {
		return err.Error()
	}
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
