package urgencytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
	"github.com/triagekit/triage/urgency/internal/packfile"
)

// Keys of a test file and of one case, in the order they are documented.
var (
	fileKeys    = []string{"name", "rules", "now", "tickets", "tickets_from", "expect", "order", "order_starts_with"}
	caseKeys    = []string{"id", "name", "level", "score", "rules", "not_rules", "queue", "tags", "not_tags", "due", "cluster", "duplicate", "target", "paused", "breached"}
	scoreKeys   = []string{"min", "max"}
	clusterKeys = []string{"size", "customers"}
)

// Load reads a test file and loads the pack it names. Every problem found,
// in the test file or in the pack, is reported in an [urgency.ErrorList]
// with file:line:col positions.
func Load(path string) (*Suite, error) {
	data, err := packfile.ReadFile(packfile.OS, path)
	if err != nil {
		return nil, urgency.ErrorList{{Pos: urgency.Position{File: path}, Err: err}}
	}
	p := &parser{file: path, dir: filepath.Dir(path), src: packfile.NewSource(path, data)}
	s := p.parse()
	if len(p.errs) > 0 {
		p.errs.Sort()
		return nil, p.errs
	}
	return s, nil
}

// parser decodes a test file with the rule files' YAML reader and
// suggestions, so that a problem in either is placed and worded alike,
// with the source line under it (urgency.Error.Caret).
type parser struct {
	file string
	dir  string
	src  *packfile.Source
	errs urgency.ErrorList
}

func (p *parser) pos(n *yaml.Node) urgency.Position {
	if n == nil {
		return urgency.Position{File: p.file}
	}
	return urgency.Position{File: p.file, Line: n.Line, Column: n.Column}
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := ""
	if n != nil {
		line = p.src.Line(n.Line)
	}
	p.errs = append(p.errs, packfile.NewError(p.pos(n), "", fmt.Errorf(format, args...), line))
}

func (p *parser) parse() *Suite {
	s := &Suite{Name: p.file, File: p.file}
	root, empty := packfile.ParseYAML(p.src, "a test file", &p.errs)
	if empty {
		p.errorf(nil, "the test file is empty: it needs now, tickets and expect")
		return nil
	}
	if root == nil {
		return nil
	}
	f := p.fields(root, "test file", fileKeys)
	if f == nil {
		return nil
	}
	if n := f["name"]; n != nil {
		s.Name = p.str(n, "name")
	}
	if n := f["now"]; n != nil {
		s.Now = p.time(n, "now")
	} else {
		p.errorf(root, "the test file needs now: the moment the tickets are ranked at, e.g. now: 2026-11-22T10:00:00Z")
	}
	s.Engine = p.pack(f["rules"])

	ids := make(map[string]urgency.Position)
	if n := f["tickets"]; n != nil {
		if n.Kind != yaml.SequenceNode {
			p.errorf(n, "tickets must be a list of tickets, not %s", describe(n))
		} else {
			for _, item := range n.Content {
				if t, ok := p.ticket(item); ok {
					p.addTicket(s, ids, t, p.pos(item))
				}
			}
		}
	}
	if n := f["tickets_from"]; n != nil {
		for _, item := range p.strs(n, "tickets_from") {
			p.ticketsFrom(s, ids, item)
		}
	}
	if len(s.Tickets) == 0 && f["tickets"] == nil && f["tickets_from"] == nil {
		p.errorf(root, "the test file gives no tickets: add tickets or tickets_from")
	} else if len(s.Tickets) == 0 && len(p.errs) == 0 {
		p.errorf(root, "the test file gives no tickets")
	}

	if n := f["expect"]; n == nil {
		p.errorf(root, "the test file has no expect: a test without expectations proves nothing")
	} else if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errorf(n, "expect must be a list of cases like {id: A, level: critical}, not %s", describe(n))
	} else {
		for _, item := range n.Content {
			if c, ok := p.expectation(item, ids, s.Engine); ok {
				s.Cases = append(s.Cases, c)
			}
		}
	}
	full, prefix := f["order"], f["order_starts_with"]
	switch {
	case full != nil && prefix != nil:
		p.errorf(prefix, "give order or order_starts_with, not both")
	case full != nil:
		s.Order = p.order(full, "order", ids, false)
	case prefix != nil:
		s.Order = p.order(prefix, "order_starts_with", ids, true)
	}
	return s
}

// fields returns the values of mapping n by key, reporting keys not in
// allowed and repeated keys.
func (p *parser) fields(n *yaml.Node, what string, allowed []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping of keys to values, not %s", what, describe(n))
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			p.errorf(k, "unknown key %q in %s%s (known keys: %s)", k.Value, what, packfile.Suggest(k.Value, allowed), strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.errorf(k, "%s is given twice in %s", k.Value, what)
		default:
			out[k.Value] = v
		}
	}
	return out
}

func (p *parser) str(n *yaml.Node, key string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be text, not %s", key, describe(n))
		return ""
	}
	return n.Value
}

func (p *parser) strs(n *yaml.Node, key string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list of names, not %s", key, describe(n))
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			p.errorf(item, "%s must be a list of names, not a list holding %s", key, describe(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

func (p *parser) time(n *yaml.Node, key string) time.Time {
	if n.Kind == yaml.ScalarNode {
		if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
			// held to what a ticket line may hold, so that every due time
			// a test compares is one the engine can give
			if y := t.UTC().Year(); y < urgency.MinYear || y > urgency.MaxYear {
				p.errorf(n, "%s %s is outside the years %d to %d", key, n.Value, urgency.MinYear, urgency.MaxYear)
				return time.Time{}
			}
			if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
				p.errorf(n, "%s %s has a UTC offset outside -23:59 to +23:59", key, n.Value)
				return time.Time{}
			}
			return t
		}
	}
	p.errorf(n, "%s must be a time in RFC 3339 like 2026-11-22T10:00:00Z, not %s", key, describe(n))
	return time.Time{}
}

func (p *parser) number(n *yaml.Node, key string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, true
		}
	}
	p.errorf(n, "%s must be a number, not %s", key, describe(n))
	return 0, false
}

func (p *parser) integer(n *yaml.Node, key string) (int, bool) {
	var i int
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" && n.Decode(&i) == nil && i >= 0 {
		return i, true
	}
	p.errorf(n, "%s must be a whole number, not %s", key, describe(n))
	return 0, false
}

func (p *parser) boolean(n *yaml.Node, key string) (bool, bool) {
	var b bool
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" && n.Decode(&b) == nil {
		return b, true
	}
	p.errorf(n, "%s must be true or false, not %s", key, describe(n))
	return false, false
}

// pack loads the rules the test file names, relative to the file.
func (p *parser) pack(n *yaml.Node) *urgency.Engine {
	var names []string
	if n != nil {
		names = p.strs(n, "rules")
		if len(names) == 0 && len(p.errs) == 0 {
			p.errorf(n, "rules names no files: leave it out to test the default pack")
			return nil
		}
	}
	if len(names) == 0 || len(names) == 1 && names[0] == "default" {
		eng, err := urgency.LoadFS(rules.Default())
		if err != nil {
			p.packError(n, err)
		}
		return eng
	}
	paths := make([]string, len(names))
	for i, name := range names {
		if name == "default" {
			p.errorf(n, `"default" cannot be combined with other rule files; to build on it, give your pack extends: default`)
			return nil
		}
		paths[i] = p.rel(name)
	}
	eng, err := urgency.Load(paths...)
	if err != nil {
		p.packError(n, err)
		return nil
	}
	return eng
}

func (p *parser) packError(n *yaml.Node, err error) {
	var list urgency.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			if e.Pos.File == "" {
				// A problem with the pack as a whole: place it on rules.
				e = &urgency.Error{Pos: p.pos(n), Rule: e.Rule, Err: e.Err}
			}
			p.errs = append(p.errs, e)
		}
		return
	}
	p.errs = append(p.errs, &urgency.Error{Pos: p.pos(n), Err: err})
}

// rel resolves a path written in the test file against the file's
// directory.
func (p *parser) rel(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(p.dir, filepath.FromSlash(name))
}

// ticket converts an inline ticket to JSON and reads it as a ticket line,
// so inline tickets accept exactly what ticket files accept.
func (p *parser) ticket(n *yaml.Node) (urgency.Ticket, bool) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a ticket must be a mapping like {id: A, subject: ..., created_at: ...}, not %s", describe(n))
		return urgency.Ticket{}, false
	}
	var v any
	if err := n.Decode(&v); err != nil {
		p.errorf(n, "ticket: %v", err)
		return urgency.Ticket{}, false
	}
	line, err := json.Marshal(jsonable(v))
	if err != nil {
		p.errorf(n, "ticket: %v", err)
		return urgency.Ticket{}, false
	}
	t, err := urgency.NewTicketReader(bytes.NewReader(line)).Next()
	if err != nil {
		var le *urgency.LineError
		if errors.As(err, &le) {
			err = le.Err
		}
		p.errorf(n, "ticket: %v", err)
		return urgency.Ticket{}, false
	}
	return t, true
}

// jsonable turns what yaml.v3 decodes into values encoding/json accepts:
// maps with any keys become maps with string keys, times RFC 3339 text.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return v
}

func (p *parser) addTicket(s *Suite, ids map[string]urgency.Position, t urgency.Ticket, at urgency.Position) {
	if prev, ok := ids[t.ID]; ok {
		p.errs = append(p.errs, &urgency.Error{Pos: at, Err: fmt.Errorf("ticket %q is given twice (first at %s)", t.ID, prev)})
		return
	}
	ids[t.ID] = at
	s.Tickets = append(s.Tickets, t)
}

func (p *parser) ticketsFrom(s *Suite, ids map[string]urgency.Position, name string) {
	path := p.rel(name)
	f, err := os.Open(path)
	if err != nil {
		p.errs = append(p.errs, &urgency.Error{Pos: urgency.Position{File: path}, Err: plain(err)})
		return
	}
	defer f.Close()
	r := urgency.NewTicketReader(f)
	for {
		t, err := r.Next()
		if err == io.EOF {
			return
		}
		var le *urgency.LineError
		if errors.As(err, &le) {
			p.errs = append(p.errs, &urgency.Error{Pos: urgency.Position{File: path, Line: le.Line}, Err: le.Err})
			continue
		}
		if err != nil {
			p.errs = append(p.errs, &urgency.Error{Pos: urgency.Position{File: path}, Err: err})
			return
		}
		p.addTicket(s, ids, t, urgency.Position{File: path, Line: r.Line()})
	}
}

func (p *parser) expectation(n *yaml.Node, ids map[string]urgency.Position, eng *urgency.Engine) (Case, bool) {
	c := Case{Pos: p.pos(n)}
	before := len(p.errs)
	f := p.fields(n, "case", caseKeys)
	if f == nil {
		return c, false
	}
	if v := f["id"]; v == nil {
		p.errorf(n, "a case needs the id of its ticket")
	} else if c.ID = p.str(v, "id"); c.ID != "" && !known(ids, c.ID) && len(ids) > 0 {
		p.errorf(v, "no ticket %q in this test file%s", c.ID, packfile.Suggest(c.ID, keys(ids)))
	}
	if v := f["name"]; v != nil {
		c.Name = p.str(v, "name")
	}
	var levels, ruleNames []string
	if eng != nil {
		for _, l := range eng.Levels() {
			levels = append(levels, l.Name)
		}
		for _, r := range eng.Rules() {
			ruleNames = append(ruleNames, r.Name)
		}
	}
	if v := f["level"]; v != nil {
		l := p.str(v, "level")
		if eng != nil && !slices.Contains(levels, l) {
			p.errorf(v, "the pack has no level %q%s (levels: %s)", l, packfile.Suggest(l, levels), strings.Join(levels, ", "))
		}
		c.Level = &l
	}
	if v := f["score"]; v != nil {
		c.Score = p.scoreRange(v)
	}
	checkRules := func(key string) []string {
		v := f[key]
		if v == nil {
			return nil
		}
		names := p.strs(v, key)
		if eng == nil {
			return names
		}
		for i, name := range names {
			if !slices.Contains(ruleNames, name) {
				at := v
				if v.Kind == yaml.SequenceNode {
					at = v.Content[i]
				}
				p.errorf(at, "the pack has no rule %q%s", name, packfile.Suggest(name, ruleNames))
			}
		}
		return names
	}
	c.Rules = checkRules("rules")
	c.NotRules = checkRules("not_rules")
	for _, r := range c.Rules {
		if slices.Contains(c.NotRules, r) {
			p.errorf(f["not_rules"], "rule %q is in both rules and not_rules", r)
		}
	}
	if v := f["queue"]; v != nil {
		q := ""
		if v.Tag != "!!null" {
			q = p.str(v, "queue")
		}
		c.Queue = &q
	}
	if v := f["tags"]; v != nil {
		c.Tags = p.strs(v, "tags")
	}
	if v := f["not_tags"]; v != nil {
		c.NotTags = p.strs(v, "not_tags")
	}
	if v := f["due"]; v != nil {
		t := p.time(v, "due")
		c.Due = &t
	}
	if v := f["cluster"]; v != nil {
		cf := p.fields(v, "cluster", clusterKeys)
		if n := cf["size"]; n != nil {
			if i, ok := p.integer(n, "cluster size"); ok {
				c.Size = &i
			}
		}
		if n := cf["customers"]; n != nil {
			if i, ok := p.integer(n, "cluster customers"); ok {
				c.Customers = &i
			}
		}
	}
	if v := f["duplicate"]; v != nil {
		if b, ok := p.boolean(v, "duplicate"); ok {
			c.Duplicate = &b
		}
	}
	if v := f["target"]; v != nil {
		s := p.str(v, "target")
		if s != "" && s != urgency.TargetFirstReply && s != urgency.TargetResolution {
			p.errorf(v, "target must be %s or %s, not %q", urgency.TargetFirstReply, urgency.TargetResolution, s)
		}
		c.Target = &s
	}
	if v := f["paused"]; v != nil {
		if b, ok := p.boolean(v, "paused"); ok {
			c.Paused = &b
		}
	}
	if v := f["breached"]; v != nil {
		s := ""
		if v.Tag != "!!null" {
			s = p.str(v, "breached")
		}
		if s != "" && s != urgency.TargetFirstReply {
			p.errorf(v, "breached must be %s, or null for none, not %q", urgency.TargetFirstReply, s)
		}
		c.Breached = &s
	}
	if len(p.errs) == before && (len(f) == 1 || len(f) == 2 && f["name"] != nil) {
		p.errorf(n, "case %q expects nothing: give level, score, rules, not_rules, queue, tags, not_tags, due, cluster, duplicate, target, paused or breached", c.ID)
	}
	return c, len(p.errs) == before
}

func (p *parser) scoreRange(n *yaml.Node) *Range {
	if n.Kind == yaml.ScalarNode {
		f, ok := p.number(n, "score")
		if !ok {
			return nil
		}
		return &Range{Min: &f, Max: &f}
	}
	rf := p.fields(n, "score", scoreKeys)
	if rf == nil {
		return nil
	}
	var r Range
	for key, dst := range map[string]**float64{"min": &r.Min, "max": &r.Max} {
		if v := rf[key]; v != nil {
			if f, ok := p.number(v, "score "+key); ok {
				*dst = &f
			}
		}
	}
	if r.Min == nil && r.Max == nil {
		p.errorf(n, "score needs min, max or both, e.g. score: {min: 40}")
		return nil
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		p.errorf(n, "score min %v is above max %v", *r.Min, *r.Max)
	}
	return &r
}

func (p *parser) order(n *yaml.Node, key string, ids map[string]urgency.Position, prefix bool) *OrderCheck {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errorf(n, "%s must be a list of ticket ids, not %s", key, describe(n))
		return nil
	}
	o := &OrderCheck{Pos: p.pos(n), Prefix: prefix}
	seen := make(map[string]bool)
	for _, item := range n.Content {
		id := p.str(item, key)
		switch {
		case id == "":
		case !known(ids, id):
			p.errorf(item, "%s: no ticket %q in this test file%s", key, id, packfile.Suggest(id, keys(ids)))
		case seen[id]:
			p.errorf(item, "%s names ticket %q twice", key, id)
		}
		seen[id] = true
		o.IDs = append(o.IDs, id)
	}
	if !prefix && len(o.IDs) != len(ids) && len(ids) > 0 {
		p.errorf(n, "order must list all %d tickets (it lists %d); use order_starts_with to check only the first ones", len(ids), len(o.IDs))
	}
	return o
}

func known(ids map[string]urgency.Position, id string) bool {
	_, ok := ids[id]
	return ok
}

func keys(m map[string]urgency.Position) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

// plain drops the operation and path of a *fs.PathError: the position
// names the file already.
func plain(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
