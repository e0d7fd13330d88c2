package packfile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/triagekit/triage/urgency/internal/calendar"
	"gopkg.in/yaml.v3"
)

// declare records a name, reporting a second definition with both places.
func (d *decoder) declare(p *Pack, kind, name string, n *yaml.Node, rule string) bool {
	key := kind + " " + name
	at := d.src.Pos(n.Line, n.Column)
	if prev, ok := p.names[key]; ok {
		if p.from[key] < p.Layer {
			d.errorAt(n, rule, "%s %q is already defined by the base at %s; to change it use overrides.%ss", kind, name, prev, kind)
		} else {
			d.errorAt(n, rule, "%s %q is defined twice: here and at %s", kind, name, prev)
		}
		return false
	}
	p.names[key] = at
	p.from[key] = p.Layer
	return true
}

func (d *decoder) section(p *Pack, key *yaml.Node) bool {
	at := d.src.Pos(key.Line, key.Column)
	if prev, ok := p.once[key.Value]; ok {
		if p.from[key.Value] < p.Layer {
			d.errorAt(key, "", "%s is already defined by the base at %s; to change it use overrides.%s", key.Value, prev, key.Value)
		} else {
			d.errorAt(key, "", "%s may appear in only one file of a pack: here and at %s", key.Value, prev)
		}
		return false
	}
	p.once[key.Value] = at
	p.from[key.Value] = p.Layer
	return true
}

func (d *decoder) file(root *yaml.Node, p *Pack) {
	root = d.resolve(root)
	if p.firstSrc == nil {
		p.firstSrc = d.src
	}
	f := d.fields(root, "top-level", "", fileKeys...)
	if root.Kind != yaml.MappingNode {
		return
	}
	if v, ok := f["version"]; !ok {
		d.errorAt(root, "", "missing version: start the file with version: 1")
	} else if n, ok := d.number(v.val, "version", ""); ok && n != 1 {
		d.errorAt(v.val, "", "unsupported version %s: this library reads version 1", v.val.Value)
	}
	if v, ok := f["name"]; ok {
		if s, ok := d.str(v.val, "name", ""); ok {
			at := d.src.Pos(v.val.Line, v.val.Column)
			switch {
			case p.Name == "" || p.nameLayer < p.Layer:
				// A pack that extends another may name itself anew.
				p.Name, p.NamePos, p.nameLayer = s, at, p.Layer
			case p.Name != s:
				d.errorAt(v.val, "", "pack name %q differs from %q at %s", s, p.Name, p.NamePos)
			}
		}
	}
	if v, ok := f["settings"]; ok && d.section(p, v.key) {
		d.settings(v.val, p)
	}
	if v, ok := f["calendars"]; ok {
		d.calendars(v.val, p)
	}
	if v, ok := f["levels"]; ok && d.section(p, v.key) {
		d.levels(v.val, p)
	}
	if v, ok := f["lists"]; ok {
		d.lists(v.val, p)
	}
	if v, ok := f["macros"]; ok {
		d.macros(v.val, p)
	}
	if v, ok := f["rules"]; ok {
		d.rules(v.val, p)
	}
	if v, ok := f["clusters"]; ok && d.section(p, v.key) {
		d.clusterSettings(v.val, p)
	}
	if v, ok := f["order"]; ok && d.section(p, v.key) {
		d.order(v.val, p)
	}
	if v, ok := f["overrides"]; ok {
		// Applied once every file of the layer is read (extend.go).
		p.overrides = append(p.overrides, overrideDef{d: d, key: v.key, val: v.val})
	}
}

func (d *decoder) settings(n *yaml.Node, p *Pack) {
	f := d.fields(n, "settings", "", settingsKeys...)
	if v, ok := f["calendar"]; ok {
		p.Settings.Calendar = d.calendarRef(v.val, "")
	}
	if v, ok := f["new_customer"]; ok {
		if dur, ok := d.duration(v.val, "new_customer", ""); ok {
			p.Settings.NewCustomer = dur
		}
	}
	if v, ok := f["timezone"]; ok {
		if loc, ok := d.location(v.val); ok {
			p.Settings.Timezone, p.Settings.Loc = v.val.Value, loc
		}
	}
	if v, ok := f["pause"]; ok {
		p.Settings.Pause = d.statuses(v.val)
	}
}

// statuses reads settings.pause: the host's status names during which
// service clocks stop.
func (d *decoder) statuses(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		d.errorAt(n, "", "pause must be a list of status names like [pending, on-hold], not %s", describe(n))
		return nil
	}
	var out []string
	for _, item := range n.Content {
		item = d.resolve(item)
		s, ok := d.str(item, "pause status", "")
		switch {
		case !ok:
		case s == "" || len(s) > MaxStatusBytes:
			d.errorAt(item, "", "a pause status must be 1 to %d bytes long", MaxStatusBytes)
		case slices.Contains(out, s):
			d.errorAt(item, "", "pause status %q repeated", s)
		default:
			out = append(out, s)
		}
	}
	return out
}

// location reads an IANA time zone name. "Local" is refused: a pack must
// mean the same on every machine.
func (d *decoder) location(n *yaml.Node) (*time.Location, bool) {
	s, ok := d.str(n, "timezone", "")
	if !ok {
		return nil, false
	}
	loc, err := time.LoadLocation(s)
	if err != nil || s == "" || s == "Local" {
		d.errorAt(n, "", "unknown time zone %q: use an IANA name like Europe/Zagreb or UTC", s)
		return nil, false
	}
	return loc, true
}

func (d *decoder) levels(n *yaml.Node, p *Pack) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorAt(n, "", "levels must be a list of levels, highest first, not %s", describe(n))
		return
	}
	for _, item := range n.Content {
		item = d.resolve(item)
		f := d.fields(item, "level", "", levelKeys...)
		if item.Kind != yaml.MappingNode {
			continue
		}
		l := &LevelDef{Pos: d.src.Pos(item.Line, item.Column)}
		if v, ok := f["name"]; !ok {
			d.errorAt(item, "", "level has no name")
		} else if s, ok := d.name(v.val, "level name", "", labelName, labelForm); ok {
			l.Name = s
			l.Pos = d.src.Pos(v.val.Line, v.val.Column)
			d.declare(p, "level", s, v.val, "")
		}
		if v, ok := f["min_score"]; ok {
			var ok bool
			l.MinScore, ok = d.number(v.val, "min_score", "")
			l.MinPos = d.src.Pos(v.val.Line, v.val.Column)
			// A bad value is reported; it is neither missing nor compared.
			l.HasMin, l.MinBad, l.MinLayer = true, !ok, p.Layer
		}
		if v, ok := f["respond_within"]; !ok {
			d.errorAt(item, "", "level %q has no respond_within: every level promises a response time", l.Name)
		} else {
			l.Within, _ = d.duration(v.val, "respond_within", "")
		}
		if v, ok := f["calendar"]; ok {
			l.Calendar = d.calendarRef(v.val, "")
		}
		if v, ok := f["resolve_within"]; ok {
			l.Resolve, _ = d.duration(v.val, "resolve_within", "")
		}
		p.Levels = append(p.Levels, l)
	}
}

// named reads a section mapping names to definitions (lists, macros,
// calendars): it checks each name's form and that it is defined once in
// the pack, and hands each well-named entry to fn.
func (d *decoder) named(n *yaml.Node, p *Pack, kind, shape string, re *regexp.Regexp, form string, fn func(name string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, "", "%s, not %s", shape, describe(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.resolve(n.Content[i+1])
		name, ok := d.name(k, kind+" name", "", re, form)
		if ok && d.declare(p, kind, name, k, "") {
			fn(name, k, v)
		}
	}
}

func (d *decoder) lists(n *yaml.Node, p *Pack) {
	d.named(n, p, "list", "lists must map list names to terms", identName, identForm, func(name string, k, v *yaml.Node) {
		l := &ListDef{Name: name, Pos: d.src.Pos(k.Line, k.Column), Doc: commentText(k.HeadComment)}
		if v.Kind != yaml.SequenceNode {
			d.errorAt(v, "", "list %q must be a list of terms, not %s", name, describe(v))
			return
		}
		if len(v.Content) == 0 {
			d.errorAt(v, "", "list %q has no terms", name)
		}
		lang := ""
		for _, t := range v.Content {
			if l := languageComment(t.HeadComment); l != "" {
				lang = l
			}
			t = d.resolve(t)
			if t.Kind != yaml.ScalarNode || t.ShortTag() == "!!null" {
				d.errorAt(t, "", "list %q: a term must be text, not %s", name, describe(t))
				continue
			}
			l.Terms = append(l.Terms, TermDef{Text: t.Value, Pos: d.src.Pos(t.Line, t.Column), Line: d.src.Line(t.Line), Lang: lang})
		}
		p.Lists = append(p.Lists, l)
	})
}

func (d *decoder) macros(n *yaml.Node, p *Pack) {
	d.named(n, p, "macro", "macros must map names to expressions", identName, identForm, func(name string, k, v *yaml.Node) {
		if d.opts.Reserved != nil && d.opts.Reserved(name) {
			d.errorAt(k, "", "macro name %q is already a name of the rule language", name)
			return
		}
		if e, ok := d.expr(k, v, fmt.Sprintf("macro %q", name), ""); ok {
			p.Macros = append(p.Macros, &MacroDef{Name: name, Pos: d.src.Pos(k.Line, k.Column), Expr: e, Doc: commentText(k.HeadComment)})
		}
	})
}

// OrderKeys are the keys an order section may list.
var OrderKeys = []string{"level", "due", "score", "created", "id"}

// The keys each part of a rule file may have. schema/rules.schema.json
// offers editors the same keys, and a test keeps the two in step.
var (
	fileKeys     = []string{"version", "name", "extends", "settings", "calendars", "levels", "lists", "macros", "rules", "clusters", "order", "overrides"}
	settingsKeys = []string{"new_customer", "timezone", "calendar", "pause"}
	levelKeys    = []string{"name", "min_score", "respond_within", "calendar", "resolve_within"}
	ruleKeys     = []string{"name", "description", "when", "score", "level", "queue", "tags", "respond_within", "calendar", "enabled", "resolve_within"}
	clusterKeys  = []string{"window", "similarity", "horizon"}
	calendarKeys = []string{"timezone", "hours", "holidays"}
)

func (d *decoder) rules(n *yaml.Node, p *Pack) {
	if n.Kind != yaml.SequenceNode {
		d.errorAt(n, "", "rules must be a list of rules, not %s", describe(n))
		return
	}
	for _, item := range n.Content {
		item = d.resolve(item)
		if item.Kind != yaml.MappingNode {
			d.errorAt(item, "", "a rule must be a mapping with name and when, not %s", describe(item))
			continue
		}
		// The name comes first so that every other error can carry it.
		var rname string
		r := &RuleDef{Pos: d.src.Pos(item.Line, item.Column), Enabled: true, Layer: p.Layer}
		dup := false
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k := item.Content[i]; k.Value == "name" {
				v := d.resolve(item.Content[i+1])
				if s, ok := d.name(v, "rule name", "", kebabName, kebabForm); ok {
					rname = s
					r.Pos = d.src.Pos(v.Line, v.Column)
					dup = !d.declare(p, "rule", s, v, "")
				}
				break
			}
		}
		f := d.fields(item, "rule", rname, ruleKeys...)
		if _, ok := f["name"]; !ok {
			d.errorAt(item, "", "rule has no name")
		}
		r.Name = rname
		if _, ok := f["when"]; !ok {
			d.errorAt(item, rname, "rule has no when: say when the rule applies")
		}
		d.ruleFields(f, r)
		switch {
		case dup:
			// Compiled for its own errors, never part of the engine.
			p.DupRules = append(p.DupRules, r)
		case rname != "":
			p.Rules = append(p.Rules, r)
		}
	}
}

// ruleFields reads the fields of a rule other than its name into r, for a
// rule and for an override of one.
func (d *decoder) ruleFields(f map[string]*field, r *RuleDef) {
	rname := r.Name
	if v, ok := f["description"]; ok {
		r.Description, _ = d.str(v.val, "description", rname)
	}
	if v, ok := f["when"]; ok {
		r.When, _ = d.expr(v.key, v.val, "when", rname)
	}
	if v, ok := f["score"]; ok {
		if t := v.val.ShortTag(); v.val.Kind == yaml.ScalarNode && (t == "!!int" || t == "!!float") {
			r.Points, _ = d.number(v.val, "score", rname)
		} else {
			r.Score, _ = d.expr(v.key, v.val, "score", rname)
		}
	}
	if v, ok := f["level"]; ok {
		if s, ok := d.str(v.val, "level", rname); ok {
			r.Level, r.LevelNode, r.LevelSrc = s, v.val, d.src
		}
	}
	if v, ok := f["queue"]; ok {
		r.Queue, _ = d.name(v.val, "queue", rname, labelName, labelForm)
	}
	if v, ok := f["tags"]; ok {
		r.Tags = d.tags(v.val, rname)
	}
	if v, ok := f["respond_within"]; ok {
		r.Within, _ = d.duration(v.val, "respond_within", rname)
	}
	if v, ok := f["calendar"]; ok {
		r.Calendar = d.calendarRef(v.val, rname)
	}
	if v, ok := f["resolve_within"]; ok {
		r.Resolve, _ = d.duration(v.val, "resolve_within", rname)
	}
	if v, ok := f["enabled"]; ok {
		r.Enabled, _ = d.boolean(v.val, "enabled", rname)
	}
}

func (d *decoder) tags(n *yaml.Node, rule string) []string {
	if n.Kind != yaml.SequenceNode {
		d.errorAt(n, rule, "tags must be a list like [payments, angry], not %s", describe(n))
		return nil
	}
	var out []string
	for _, t := range n.Content {
		if s, ok := d.name(d.resolve(t), "tag", rule, labelName, labelForm); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) clusterSettings(n *yaml.Node, p *Pack) {
	f := d.fields(n, "clusters", "", clusterKeys...)
	if v, ok := f["window"]; ok {
		if dur, ok := d.duration(v.val, "window", ""); ok {
			p.Clusters.Window = dur
		}
	}
	if v, ok := f["horizon"]; ok {
		if dur, ok := d.duration(v.val, "horizon", ""); ok {
			p.Clusters.Horizon = dur
		}
	}
	if v, ok := f["similarity"]; ok {
		if s, ok := d.number(v.val, "similarity", ""); ok {
			if s <= 0 || s > 1 {
				d.errorAt(v.val, "", "similarity must be above 0 and at most 1, not %s", v.val.Value)
			} else {
				p.Clusters.Similarity = s
			}
		}
	}
}

func (d *decoder) order(n *yaml.Node, p *Pack) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorAt(n, "", "order must be a list of keys like [level, due, score, created, id], not %s", describe(n))
		return
	}
	var keys []string
	for _, item := range n.Content {
		item = d.resolve(item)
		s, ok := d.str(item, "order key", "")
		if !ok {
			continue
		}
		if !slices.Contains(OrderKeys, s) {
			d.errorAt(item, "", "unknown order key %q: use level, due, score, created or id%s", s, Whole(Suggest(s, OrderKeys)))
			continue
		}
		if slices.Contains(keys, s) {
			d.errorAt(item, "", "order key %q repeated", s)
			continue
		}
		keys = append(keys, s)
	}
	p.Order, p.orderNode, p.orderSrc = keys, n, d.src
}

// finish checks what only the whole pack can tell: the levels' shape and
// the names rules refer to across files.
func (p *Pack) finish(errs *ErrorList, srcs map[string]*Source) {
	at := func(pos Position, _ string, rule, format string, args ...any) {
		*errs = append(*errs, &Error{Pos: pos, Rule: rule, Err: fmt.Errorf(format, clipArgs(args)...), line: srcs[pos.File].Line(pos.Line)})
	}
	first := Position{File: p.firstSrc.Name, Line: 1, Column: 1}
	if p.firstSrc == nil {
		return
	}
	if len(p.Levels) == 0 {
		at(first, p.firstSrc.Line(1), "", "the pack defines no levels: add levels, highest first, each with min_score and respond_within")
	}
	for i, l := range p.Levels {
		last := i == len(p.Levels)-1
		switch {
		case last && l.HasMin:
			at(l.MinPos, "", "", "level %q is the last level, the catch-all for every lower score: remove its min_score", l.Name)
		case !last && !l.HasMin:
			at(l.Pos, "", "", "level %q needs a min_score: only the last level is the catch-all", l.Name)
		case !last && i > 0 && p.Levels[i-1].HasMin && !l.MinBad && !p.Levels[i-1].MinBad && l.MinScore >= p.Levels[i-1].MinScore:
			if up := p.Levels[i-1]; up.MinLayer > l.MinLayer {
				// An override moved the level above: point at the override.
				at(up.MinPos, "", "", "level %q: min_score %g must be above %g of level %q below it", up.Name, up.MinScore, l.MinScore, l.Name)
				break
			}
			at(l.MinPos, "", "", "level %q: min_score %g must be below %g of level %q above it", l.Name, l.MinScore, p.Levels[i-1].MinScore, p.Levels[i-1].Name)
		}
	}
	resolve := func(ref *CalendarRef, rule string) *calendar.Calendar {
		if ref == nil {
			return nil
		}
		c := p.resolveCalendar(ref)
		if c == nil {
			if _, declared := p.names["calendar "+ref.Name]; !declared {
				at(ref.Pos, "", rule, "unknown calendar %q%s", ref.Name, Whole(Suggest(ref.Name, p.calendarNames())))
			}
		}
		return c
	}
	p.Settings.Cal = resolve(p.Settings.Calendar, "")
	if p.Settings.Cal == nil {
		p.Settings.Cal = calendar.Always() // time without a calendar is 24/7
	}
	for _, l := range p.Levels {
		if l.Cal = resolve(l.Calendar, ""); l.Cal == nil {
			l.Cal = p.Settings.Cal
		}
	}
	for _, r := range p.Rules {
		r.Cal = resolve(r.Calendar, r.Name)
	}
	for _, r := range p.Rules {
		if r.Level == "" {
			continue
		}
		if _, ok := p.names["level "+r.Level]; !ok {
			pos := r.LevelSrc.Pos(r.LevelNode.Line, r.LevelNode.Column)
			hint := Suggest(r.Level, p.levelNames())
			if hint == "" {
				hint = " (the levels are " + strings.Join(p.levelNames(), ", ") + ")"
			}
			at(pos, r.LevelSrc.Line(pos.Line), r.Name, "unknown level %q%s", r.Level, Whole(hint))
		}
	}
}

func (p *Pack) levelNames() []string {
	var out []string
	for _, l := range p.Levels {
		out = append(out, l.Name)
	}
	return out
}
