package packfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// OS reads the operating system's files by their own names: what
// urgency.Load reads from.
var OS fs.FS = osFS{}

// osFS reads the operating system's files by their own (relative or
// absolute) names, which os.DirFS cannot do.
type osFS struct{}

func (osFS) Open(name string) (fs.File, error) { return os.Open(filepath.FromSlash(name)) }

func (osFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return os.ReadDir(filepath.FromSlash(name))
}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(filepath.FromSlash(name)) }

func (osFS) Glob(pattern string) ([]string, error) { return filepath.Glob(filepath.FromSlash(pattern)) }

func isRuleFile(name string) bool {
	ext := path.Ext(name)
	return (ext == ".yaml" || ext == ".yml") && !isTestFile(name)
}

// isTestFile reports a rule-pack test file, *_test.yaml or *_test.yml.
func isTestFile(name string) bool {
	ext := path.Ext(name)
	return (ext == ".yaml" || ext == ".yml") && strings.HasSuffix(strings.TrimSuffix(name, ext), "_test")
}

// Expand returns the rule files path p names in fsys: a file, the rule
// files of a directory (*.yaml and *.yml but *_test.yaml), or the matches
// of a glob pattern but the test files; of the operating system's files,
// only regular files inside the directory are taken (see stayInside).
func Expand(fsys fs.FS, p string) ([]string, error) {
	if strings.ContainsAny(p, "*?[") {
		matches, err := fs.Glob(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("bad pattern: %v", err)
		}
		// Rule-pack test files beside the rules are not rules.
		matches = slices.DeleteFunc(matches, isTestFile)
		if len(matches) == 0 {
			return nil, fmt.Errorf("no rule files match %s", p)
		}
		for _, m := range matches {
			if err := stayInside(fsys, m); err != nil {
				return nil, err
			}
		}
		return matches, nil
	}
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, plainPathError(err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := fs.ReadDir(fsys, p)
	if err != nil {
		return nil, plainPathError(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && isRuleFile(e.Name()) {
			name := path.Join(p, e.Name())
			if err := stayInside(fsys, name); err != nil {
				return nil, err
			}
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rule files (*.yaml) in directory")
	}
	return out, nil
}

// stayInside refuses a rule file found by reading a directory or a
// pattern of the operating system's files that is not a regular file of
// that directory: a pack's directory, checked out from a shared
// repository, may hold a symbolic link to /etc/passwd or a pipe, and only
// the files named one by one are the host's own choice.
func stayInside(fsys fs.FS, name string) error {
	if _, ok := fsys.(osFS); !ok {
		return nil // the host's own file system decides
	}
	file := filepath.FromSlash(name)
	info, err := os.Lstat(file)
	if err != nil {
		return fmt.Errorf("%s: %v", name, plainPathError(err))
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		dir, err := filepath.EvalSymlinks(filepath.Dir(file))
		if err != nil {
			return fmt.Errorf("%s: %v", name, plainPathError(err))
		}
		target, err := filepath.EvalSymlinks(file)
		if err != nil {
			return fmt.Errorf("%s: a symbolic link to nothing", name)
		}
		if rel, err := filepath.Rel(dir, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s: a symbolic link out of the pack's directory is not read; name the file itself to load it", name)
		}
		if info, err = os.Stat(file); err != nil {
			return fmt.Errorf("%s: %v", name, plainPathError(err))
		}
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", name)
	}
	return nil
}

// plainPathError drops the operation and path from a *fs.PathError: the
// error's position already names the file.
func plainPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// Options are what reading a pack needs to know of the rule language.
type Options struct {
	// Reserved reports the names an expression already knows, which a
	// macro may not take.
	Reserved func(name string) bool
}

// Read reads the rule files named files from fsys, with the bases their
// extends name, into one pack with its overrides applied, and returns it
// with every problem found. Read goes on after errors in single values,
// so that one read reports as much as it can; the pack is Complete, fit
// to compile, only when every file was read and parsed as YAML, the pack
// is within MaxRules and MaxTerms, and the names its rules refer to
// across files were checked.
func Read(fsys fs.FS, files []string, opts Options) (*Pack, ErrorList) {
	var errs ErrorList
	l := &loader{p: newPack(), h: sha256.New(), srcs: make(map[string]*Source), errs: &errs, complete: true, opts: opts}
	top := tree{fsys: fsys, root: fsys}
	if _, ok := fsys.(osFS); ok {
		top.root = nil // bases are looked up in the extending file's directory
	}
	l.layer(top, files, nil)
	for _, r := range l.roots {
		r.Close()
	}
	p, srcs, complete := l.p, l.srcs, l.complete
	p.Sources = srcs
	p.Hash = hex.EncodeToString(l.h.Sum(nil))[:12]
	// Stop only where whole files are missing, whose names would be
	// reported as unknown everywhere.
	if len(p.Rules) > MaxRules {
		r := p.Rules[MaxRules]
		errs = append(errs, &Error{Pos: r.Pos, Rule: r.Name, Err: fmt.Errorf("more than %d rules in the pack", MaxRules), line: srcs[r.Pos.File].Line(r.Pos.Line)})
		complete = false
	}
	terms := 0
	for _, l := range p.Lists {
		terms += len(l.Terms)
		if terms > MaxTerms {
			errs = append(errs, &Error{Pos: l.Pos, Err: fmt.Errorf("list %q: more than %d list terms in the pack", l.Name, MaxTerms), line: srcs[l.Pos.File].Line(l.Pos.Line)})
			complete = false
			break
		}
	}
	if complete && len(files) > 0 {
		p.finish(&errs, srcs)
		p.Complete = true
	}
	return p, errs
}

// ReadFile reads the file name of fsys as a rule file is read: at most
// MaxFileSize bytes, whatever its Stat says.
func ReadFile(fsys fs.FS, name string) ([]byte, error) { return readFile(fsys, name, false) }

// readFile reads at most MaxFileSize bytes of a rule file, whatever its
// Stat says. A base (regular) must be a regular file: it is checked
// before it is opened, as opening a FIFO waits for a writer.
func readFile(fsys fs.FS, name string, regular bool) ([]byte, error) {
	notRegular := errors.New("not a regular file: a base is made of rule files")
	if regular {
		info, err := fs.Stat(fsys, name)
		if err != nil {
			return nil, plainPathError(err)
		}
		if !info.Mode().IsRegular() {
			return nil, notRegular
		}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, plainPathError(err)
	}
	defer f.Close()
	tooLarge := fmt.Errorf("file is larger than %d bytes", MaxFileSize)
	if info, err := f.Stat(); err == nil {
		if info.Size() > MaxFileSize {
			return nil, tooLarge
		}
		if regular && !info.Mode().IsRegular() {
			return nil, notRegular
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, plainPathError(err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge
	}
	return data, nil
}
