package packfile

import (
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency/internal/match"
)

// A pack may build on another: one of its files says
//
//	extends: default          # the embedded default pack
//	extends: base/            # a file, directory or glob, relative to this file
//
// A base other than default is inside the pack's own tree: the fs.FS the
// pack is loaded from (LoadFS), or the directory of the extending file
// (Load), opened as an os.Root so that symbolic links cannot lead out of
// it either. Absolute paths and paths whose ".." leaves the tree are
// refused, and so is a base file that is not a regular file.
//
// The base is read first (and its own base before it), then the files of
// the pack on top, as one more layer. A layer adds lists, macros,
// calendars and rules; it changes what its base defines only through an
// overrides section, and every override must name something the base has.

// The keys of an overrides section and of its entries.
var (
	overrideKeys      = []string{"settings", "calendars", "levels", "lists", "macros", "rules", "clusters", "order"}
	levelOverrideKeys = []string{"min_score", "respond_within", "calendar", "resolve_within"}
	listOverrideKeys  = []string{"add", "remove", "replace"}
	// A rule override takes a rule's keys but its name, and replace.
	ruleOverrideKeys = append(slices.DeleteFunc(slices.Clone(ruleKeys), func(k string) bool { return k == "name" }), "replace")
)

// MaxExtends bounds a chain of packs extending each other; symbolic links
// can make an endless chain of distinct paths.
const MaxExtends = 8

// defaultBase names the embedded default pack in extends.
const defaultBase = "default"

// DefaultDir is the directory the default pack's files are named under in
// positions: default:/pack.yaml, a name that says the file is embedded
// (a user who ran go install has no rules/default/) and that "urgency show
// default:/pack.yaml" prints.
const DefaultDir = "default:"

// loader reads the layers of a pack into one pack, deepest base first.
type loader struct {
	p        *Pack
	h        hash.Hash
	srcs     map[string]*Source
	errs     *ErrorList
	complete bool       // every file read and parsed as YAML
	roots    []*os.Root // opened for bases of Load; closed when loaded
	opts     Options
}

// link is one layer of a chain of packs extending each other.
type link struct {
	files []string
	ref   string   // what the layer's extends names, "" for none
	at    Position // where its extends is written
	line  string   // the line of at, for the caret
}

// tree is where a layer's files are read and its bases looked up.
type tree struct {
	fsys fs.FS // reads the layer's files by their names in positions
	// root is the pack's own tree, which its bases must be inside, read
	// by names relative to prefix; nil for the files Load is given, whose
	// bases are inside the directory of the extending file.
	root   fs.FS
	prefix string // the name of root's top in positions, "" for none
	osDir  bool   // root is a directory of Load
}

// within says, for messages, what a base must be inside.
func (t tree) within() string {
	if !t.osDir {
		return "the file system the pack is loaded from"
	}
	if t.prefix == "" {
		return "the directory of this file"
	}
	return fmt.Sprintf("the directory of this file, %s", t.prefix)
}

type parsedFile struct {
	src  *Source
	root *yaml.Node // nil when the file is not valid YAML
}

// layer reads files as one layer: their base first, then the files
// themselves, then their overrides.
func (l *loader) layer(t tree, files []string, chain []*link) {
	var docs []parsedFile
	for _, name := range files {
		data, err := readFile(t.fsys, name, len(chain) > 0)
		if err != nil {
			e := &Error{Pos: Position{File: name}, Err: err}
			if len(chain) > 0 {
				// A base that cannot be read is the extends' problem.
				up := chain[len(chain)-1]
				e = &Error{Pos: up.at, Err: fmt.Errorf("extends %q: %s: %w", ClipValue(up.ref), name, err), line: up.line}
			}
			*l.errs = append(*l.errs, e)
			l.complete = false
			continue
		}
		src := NewSource(name, data)
		l.srcs[name] = src
		root := parseYAML(src, l.errs)
		if root == nil {
			l.complete = false
		}
		docs = append(docs, parsedFile{src: src, root: root})
	}
	this := &link{files: files}
	var ext *yaml.Node
	for _, doc := range docs {
		k, v := extendsOf(doc.root)
		if k == nil {
			continue
		}
		if ext != nil {
			pos := doc.src.Pos(k.Line, k.Column)
			*l.errs = append(*l.errs, &Error{Pos: pos, Err: fmt.Errorf("extends may appear in only one file of a pack: here and at %s", this.at), line: doc.src.Line(pos.Line)})
			continue
		}
		ext = v
		this.at = doc.src.Pos(v.Line, v.Column)
		this.line = doc.src.Line(this.at.Line)
		d := &decoder{src: doc.src, errs: l.errs, opts: l.opts}
		l.extend(t, d, v, append(chain, this))
	}

	l.p.Layer++
	l.p.overrides = nil
	for _, doc := range docs {
		// The version hashes contents in load order, base first, not the
		// paths they were read from.
		fmt.Fprintf(l.h, "%d\x00", len(doc.src.Data))
		l.h.Write(doc.src.Data)
		if doc.root == nil {
			continue
		}
		d := &decoder{src: doc.src, errs: l.errs, opts: l.opts}
		d.file(doc.root, l.p)
	}
	if len(l.p.overrides) == 0 {
		return
	}
	if ext == nil {
		for _, o := range l.p.overrides {
			o.d.errorAt(o.key, "", "overrides change a base pack, but this pack extends none: add extends: default, or the path of the base")
		}
		return
	}
	if !l.complete {
		// Targets in files that could not be read would all be missing.
		return
	}
	seen := make(map[string]Position)
	for _, o := range l.p.overrides {
		ov := &overrider{d: o.d, p: l.p, base: this, seen: seen}
		ov.apply(o.val)
	}
}

// extendsOf returns the extends key and value of a file's top level.
func extendsOf(root *yaml.Node) (key, val *yaml.Node) {
	for root != nil && root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "extends" {
			v := root.Content[i+1]
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return k, v
		}
	}
	return nil, nil
}

// extend reads the base that n, the extends of the last layer of chain,
// names, inside t's tree.
func (l *loader) extend(t tree, d *decoder, n *yaml.Node, chain []*link) {
	this := chain[len(chain)-1]
	ref, ok := d.str(n, "extends", "")
	if ok && strings.TrimSpace(ref) == "" {
		d.errorAt(n, "", "extends is empty: name the base pack, default or a path")
		ok = false
	}
	if !ok {
		l.complete = false
		return
	}
	this.ref = ref
	if len(chain) > MaxExtends {
		d.errorAt(n, "", "extends %q: more than %d packs extend each other", ref, MaxExtends)
		l.complete = false
		return
	}
	base, files, ok := l.base(t, d, n, ref)
	if !ok {
		l.complete = false
		return
	}
	for _, f := range files {
		for i, up := range chain {
			if !slices.ContainsFunc(up.files, func(g string) bool { return path.Clean(g) == path.Clean(f) }) {
				continue
			}
			if i == len(chain)-1 {
				d.errorAt(n, "", "extends %q loads %s, a file of this pack: a pack cannot extend itself", ref, Whole(f))
			} else {
				var steps []string
				for _, c := range chain[i:] {
					steps = append(steps, fmt.Sprintf("%s extends %s", c.at, ClipValue(c.ref)))
				}
				d.errorAt(n, "", "extends %q makes a cycle: %s, which loads %s again", ref, Whole(strings.Join(steps, ", ")), Whole(f))
			}
			l.complete = false
			return
		}
	}
	l.layer(base, files, chain)
}

// base finds the files of the base ref names, inside t's tree, and the
// tree they are read from.
func (l *loader) base(t tree, d *decoder, n *yaml.Node, ref string) (tree, []string, bool) {
	if ref == defaultBase {
		base := tree{fsys: prefixFS{dir: DefaultDir, fsys: rules.Default()}, root: rules.Default(), prefix: DefaultDir}
		files, err := Expand(base.fsys, DefaultDir)
		if err != nil {
			d.errorAt(n, "", "extends %q: %v", ref, err)
			return tree{}, nil, false
		}
		return base, files, true
	}
	rel := d.src.Name // the extending file, inside the tree
	if t.root == nil {
		dir := filepath.Dir(filepath.FromSlash(d.src.Name))
		root, err := os.OpenRoot(dir)
		if err != nil {
			d.errorAt(n, "", "extends %q: cannot open the directory of this file: %v", ref, plainPathError(err))
			return tree{}, nil, false
		}
		l.roots = append(l.roots, root)
		t = tree{root: root.FS(), prefix: filepath.ToSlash(dir), osDir: true}
		if t.prefix == "." {
			t.prefix = ""
		}
		rel = path.Base(filepath.ToSlash(d.src.Name))
	} else if t.prefix != "" {
		rel = strings.TrimPrefix(rel, t.prefix+"/")
	}
	t.fsys = t.root
	if t.prefix != "" {
		t.fsys = prefixFS{dir: t.prefix, fsys: t.root}
	}
	if path.IsAbs(ref) || filepath.IsAbs(ref) || filepath.VolumeName(ref) != "" {
		d.errorAt(n, "", "extends %q: a base is named by a path relative to this file, inside %s, not by an absolute path", ref, Whole(t.within()))
		return tree{}, nil, false
	}
	target := path.Join(path.Dir(rel), ref)
	if !fs.ValidPath(target) {
		d.errorAt(n, "", "extends %q: the base would be outside %s, and a base must be inside it", ref, Whole(t.within()))
		return tree{}, nil, false
	}
	shown := Whole(path.Join(t.prefix, ClipValue(target)))
	found, err := Expand(t.root, target)
	if err != nil {
		if strings.Contains(err.Error(), "path escapes from parent") {
			d.errorAt(n, "", "extends %q: %s: a symbolic link leads outside %s, and a base must be inside it", ref, shown, Whole(t.within()))
		} else if Suggest(ref, []string{defaultBase}) != "" && errors.Is(err, fs.ErrNotExist) {
			d.errorAt(n, "", "extends %q: there is no file or directory %s (did you mean %q, the embedded default pack?)", ref, shown, defaultBase)
		} else {
			d.errorAt(n, "", "extends %q: %s: %v", ref, shown, err)
		}
		return tree{}, nil, false
	}
	files := make([]string, len(found))
	for i, f := range found {
		files[i] = path.Join(t.prefix, f)
	}
	return t, files, true
}

// prefixFS serves fsys under dir, so that the default pack's files are
// named default:/pack.yaml in positions, not pack.yaml.
type prefixFS struct {
	dir  string
	fsys fs.FS
}

func (p prefixFS) Open(name string) (fs.File, error) {
	rest, ok := p.inner(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return p.fsys.Open(rest)
}

// Stat does not open the file: opening a FIFO waits for a writer.
func (p prefixFS) Stat(name string) (fs.FileInfo, error) {
	rest, ok := p.inner(name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(p.fsys, rest)
}

// inner returns the name in fsys of name.
func (p prefixFS) inner(name string) (string, bool) {
	if name == p.dir {
		return ".", true
	}
	return strings.CutPrefix(name, p.dir+"/")
}

// overrideDef is one overrides section, kept until its layer is read.
type overrideDef struct {
	d        *decoder
	key, val *yaml.Node
}

// overrider applies the overrides sections of one layer to the pack its
// base built.
type overrider struct {
	d    *decoder
	p    *Pack
	base *link
	seen map[string]Position // what the layer overrides, against doing it twice
}

func (o *overrider) apply(n *yaml.Node) {
	d := o.d
	f := d.fields(n, "overrides", "", overrideKeys...)
	if v, ok := f["settings"]; ok && o.once(v.key, "settings") {
		d.settings(v.val, o.p)
	}
	if v, ok := f["clusters"]; ok && o.once(v.key, "clusters") {
		d.clusterSettings(v.val, o.p)
	}
	if v, ok := f["order"]; ok && o.once(v.key, "order") {
		d.order(v.val, o.p)
	}
	if v, ok := f["levels"]; ok {
		o.each(v.val, "level", o.level)
	}
	if v, ok := f["lists"]; ok {
		o.each(v.val, "list", o.list)
	}
	if v, ok := f["macros"]; ok {
		o.each(v.val, "macro", o.macro)
	}
	if v, ok := f["calendars"]; ok {
		o.each(v.val, "calendar", o.calendar)
	}
	if v, ok := f["rules"]; ok {
		o.each(v.val, "rule", o.rule)
	}
}

// once reports a second override of the same thing in one layer.
func (o *overrider) once(n *yaml.Node, key string) bool {
	if prev, ok := o.seen[key]; ok {
		o.d.errorAt(n, "", "%s is overridden twice: here and at %s", key, prev)
		return false
	}
	o.seen[key] = o.d.src.Pos(n.Line, n.Column)
	return true
}

// each walks a mapping of names to overrides of one kind, handing each
// whose target the base defines to fn.
func (o *overrider) each(n *yaml.Node, kind string, fn func(name string, k, v *yaml.Node)) {
	d := o.d
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, "", "overrides.%ss must map %s names to their changes, not %s", kind, kind, describe(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.resolve(n.Content[i+1])
		name, ok := d.str(k, kind+" name", "")
		if !ok || !o.once(k, fmt.Sprintf("%s %q", kind, name)) {
			continue
		}
		if o.target(k, kind, name) {
			fn(name, k, v)
		}
	}
}

// target checks that the base defines kind name, and says where to look
// when it does not.
func (o *overrider) target(k *yaml.Node, kind, name string) bool {
	key := kind + " " + name
	at, ok := o.p.names[key]
	switch {
	case ok && o.p.from[key] < o.p.Layer:
		return true
	case ok:
		o.d.errorAt(k, "", "%s %q is defined by this pack at %s, not by its base: change it there", kind, name, at)
	default:
		var names []string
		for n := range o.p.names {
			if s, found := strings.CutPrefix(n, kind+" "); found && o.p.from[n] < o.p.Layer {
				names = append(names, s)
			}
		}
		slices.Sort(names)
		o.d.errorAt(k, "", "no %s %q to override: the base %q (extends at %s) has none%s", kind, name, o.base.ref, o.base.at, Whole(Suggest(name, names)))
	}
	return false
}

func (o *overrider) level(name string, k, v *yaml.Node) {
	d := o.d
	i := slices.IndexFunc(o.p.Levels, func(l *LevelDef) bool { return l.Name == name })
	if i < 0 {
		return // the base's definition was broken, and reported
	}
	f := d.fields(v, "level override", "", levelOverrideKeys...)
	l := *o.p.Levels[i]
	if v, ok := f["min_score"]; ok {
		var ok bool
		l.MinScore, ok = d.number(v.val, "min_score", "")
		l.MinPos = d.src.Pos(v.val.Line, v.val.Column)
		l.HasMin, l.MinBad, l.MinLayer = true, !ok, o.p.Layer
	}
	if v, ok := f["respond_within"]; ok {
		if dur, ok := d.duration(v.val, "respond_within", ""); ok {
			l.Within = dur
		}
	}
	if v, ok := f["calendar"]; ok {
		l.Calendar = d.calendarRef(v.val, "")
	}
	if v, ok := f["resolve_within"]; ok {
		if dur, ok := d.duration(v.val, "resolve_within", ""); ok {
			l.Resolve = dur
		}
	}
	o.p.Levels[i] = &l
}

func (o *overrider) list(name string, k, v *yaml.Node) {
	d := o.d
	i := slices.IndexFunc(o.p.Lists, func(l *ListDef) bool { return l.Name == name })
	if i < 0 {
		return
	}
	old := o.p.Lists[i]
	f := d.fields(v, "list override", "", listOverrideKeys...)
	l := &ListDef{Name: name, Pos: old.Pos, Terms: slices.Clone(old.Terms)}
	if r, ok := f["replace"]; ok {
		if _, add := f["add"]; add {
			d.errorAt(r.key, "", "list %q: replace gives the whole list: use it without add and remove", name)
		} else if _, remove := f["remove"]; remove {
			d.errorAt(r.key, "", "list %q: replace gives the whole list: use it without add and remove", name)
		}
		l.Terms = o.terms(r.val, name)
	}
	if r, ok := f["remove"]; ok {
		for _, t := range o.terms(r.val, name) {
			kept := slices.DeleteFunc(slices.Clone(l.Terms), func(b TermDef) bool { return match.SameTerm(b.Text, t.Text) })
			if len(kept) == len(l.Terms) {
				var have []string
				for _, b := range l.Terms {
					have = append(have, b.Text)
				}
				d.errorAtPos(t.Pos, "", "list %q has no term %q to remove%s; the list is defined at %s", name, t.Text, Whole(Suggest(t.Text, have)), old.Pos)
			}
			l.Terms = kept
		}
	}
	if a, ok := f["add"]; ok {
		l.Terms = append(l.Terms, o.terms(a.val, name)...)
	}
	if len(l.Terms) == 0 {
		d.errorAt(k, "", "list %q would have no terms left: disable the rules that mention it instead", name)
		return
	}
	o.p.Lists[i] = l
}

// terms reads a list of terms of an override of list name.
func (o *overrider) terms(n *yaml.Node, name string) []TermDef {
	d := o.d
	if n.Kind != yaml.SequenceNode {
		d.errorAt(n, "", "list %q: terms must be a list like [\"plać*\", invoice], not %s", name, describe(n))
		return nil
	}
	var out []TermDef
	for _, t := range n.Content {
		t = d.resolve(t)
		if t.Kind != yaml.ScalarNode || t.ShortTag() == "!!null" {
			d.errorAt(t, "", "list %q: a term must be text, not %s", name, describe(t))
			continue
		}
		out = append(out, TermDef{Text: t.Value, Pos: d.src.Pos(t.Line, t.Column), Line: d.src.Line(t.Line)})
	}
	return out
}

func (o *overrider) macro(name string, k, v *yaml.Node) {
	i := slices.IndexFunc(o.p.Macros, func(m *MacroDef) bool { return m.Name == name })
	if i < 0 {
		return
	}
	if e, ok := o.d.expr(k, v, fmt.Sprintf("macro %q", name), ""); ok {
		o.p.Macros[i] = &MacroDef{Name: name, Pos: o.d.src.Pos(k.Line, k.Column), Expr: e}
	}
}

func (o *overrider) calendar(name string, k, v *yaml.Node) {
	i := slices.IndexFunc(o.p.Calendars, func(c *CalendarDef) bool { return c.Name == name })
	if i < 0 {
		return
	}
	if c := o.d.calendar(v, name); c != nil {
		o.p.Calendars[i] = &CalendarDef{Name: name, Pos: o.d.src.Pos(k.Line, k.Column), Cal: c}
	}
}

// rule changes the fields of a base rule that the override gives, or
// with replace: true replaces the rule by the override.
func (o *overrider) rule(name string, k, v *yaml.Node) {
	d := o.d
	i := slices.IndexFunc(o.p.Rules, func(r *RuleDef) bool { return r.Name == name })
	if i < 0 {
		return
	}
	old := o.p.Rules[i]
	f := d.fields(v, "rule override", name, ruleOverrideKeys...)
	replace := false
	if rv, ok := f["replace"]; ok {
		replace, _ = d.boolean(rv.val, "replace", name)
	}
	r := *old
	if replace {
		r = RuleDef{Name: name, Pos: old.Pos, Enabled: true}
		if _, ok := f["when"]; !ok {
			d.errorAt(v, name, "a replaced rule has no when: say when the rule applies")
		}
	}
	if _, ok := f["score"]; ok {
		r.Points, r.Score = 0, Expr{}
	}
	d.ruleFields(f, &r)
	r.Layer = o.p.Layer
	o.p.Rules[i] = &r
}
