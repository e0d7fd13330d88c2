package urgency

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/triagekit/triage/urgency/internal/calendar"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// Load reads the rule files at paths (several files form one pack) and
// compiles them into an Engine. A path may be a file, a directory (its
// *.yaml and *.yml files, without *_test.yaml) or a glob pattern (whose
// *_test.yaml matches are skipped too). A file may say extends: to build
// on another pack; see the README's "Extending a pack".
//
// Every problem found is returned at once as an [ErrorList], each with its
// file:line:col.
func Load(paths ...string) (*Engine, error) {
	return load(packfile.OS, paths)
}

// LoadFS is like [Load] with the files read from fsys, the bases their
// extends name included (except extends: default, the embedded default
// pack). Without paths it loads every *.yaml file at the root of fsys
// except *_test.yaml, so
//
//	urgency.LoadFS(rules.Default())
//
// loads the embedded default pack.
func LoadFS(fsys fs.FS, paths ...string) (*Engine, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	return load(fsys, paths)
}

// load reads the pack at paths (see package packfile for the rule-file
// format), compiles it and lints it.
func load(fsys fs.FS, paths []string) (*Engine, error) {
	var files []string
	var errs ErrorList
	for _, p := range paths {
		found, err := packfile.Expand(fsys, p)
		if err != nil {
			errs = append(errs, &Error{Pos: Position{File: p}, Err: err})
			continue
		}
		files = append(files, found...)
	}
	if len(files) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{Err: fmt.Errorf("no rule files given")})
	}
	p, perrs := packfile.Read(fsys, files, packfile.Options{Reserved: func(name string) bool { return reserved[name] || builtinNames[name] }})
	errs = append(errs, perrs...)
	var e *Engine
	if p.Complete {
		e = compile(p, &errs, p.Sources)
	}
	errs.Sort()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	e.version = e.name + "@" + p.Hash
	e.warnings = lint(p, e, p.Sources)
	return e, nil
}

// reserved are the names an expression already knows (the rule
// language's, and expr's constants); a macro may not hide one.
var reserved = func() map[string]bool {
	m := map[string]bool{"true": true, "false": true, "nil": true}
	for _, n := range envNames {
		m[n] = true
	}
	return m
}()

// settings are the pack's settings as the engine uses them.
type settings struct {
	newCustomer time.Duration
	timezone    string
	loc         *time.Location
	cal         *calendar.Calendar
	pause       []string // statuses during which service clocks stop
}

// ClusterSettings are the clusters section of a pack: how alike and how
// close in time two tickets must be to be one repeated issue.
type ClusterSettings struct {
	// Window is the longest time between a cluster's first ticket and a
	// ticket that joins it.
	Window time.Duration
	// Similarity is how alike (0..1) a ticket must be to a cluster's first
	// ticket to join it.
	Similarity float64
	// Horizon is how far before a ticket a queue's similar-tickets lookup
	// ([Queue.Similar]) looks for earlier reports.
	Horizon time.Duration
}
