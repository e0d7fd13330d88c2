package packfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Source is one rule file as read, kept for positions and caret lines.
type Source struct {
	Name  string
	Data  []byte
	Lines []string
}

func NewSource(name string, data []byte) *Source {
	// Line breaks as YAML counts them: \n, \r\n and a lone \r.
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return &Source{Name: name, Data: data, Lines: strings.Split(text, "\n")}
}

// Pos returns a position in the file, kept inside it: yaml.v3 places some
// nodes (an empty document, the end of the stream) past the last line.
func (s *Source) Pos(line, col int) Position {
	if line > len(s.Lines) {
		line, col = len(s.Lines), utf8.RuneCountInString(s.Lines[len(s.Lines)-1])+1
	}
	return Position{File: s.Name, Line: max(line, 1), Column: max(col, 1)}
}

func (s *Source) Line(n int) string {
	if s == nil || n < 1 || n > len(s.Lines) {
		return ""
	}
	return s.Lines[n-1]
}

// decoder walks the yaml.v3 node tree of one file by hand: every value
// keeps its node, so every problem gets a position, and all problems are
// collected in one pass.
type decoder struct {
	src  *Source
	errs *ErrorList
	opts Options
}

func (d *decoder) errorAt(n *yaml.Node, rule string, format string, args ...any) {
	d.errorAtPos(d.src.Pos(n.Line, n.Column), rule, format, args...)
}

func (d *decoder) errorAtPos(p Position, rule string, format string, args ...any) {
	*d.errs = append(*d.errs, &Error{Pos: p, Rule: rule, Err: fmt.Errorf(format, clipArgs(args)...), line: d.src.Line(p.Line)})
}

// resolve follows aliases. What they may expand to is bounded before
// the file is decoded (see aliasBudget).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// describe names the kind of a node the way a rule author sees it.
func describe(n *yaml.Node) Whole {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "true/false"
		case "!!int", "!!float":
			return "a number"
		}
		return Whole(fmt.Sprintf("the text %q", ClipValue(n.Value)))
	}
	return "an unexpected value"
}

type field struct {
	key *yaml.Node
	val *yaml.Node
}

// fields checks that n is a mapping whose keys are all in allowed, reports
// unknown and repeated keys, and returns the values by key.
func (d *decoder) fields(n *yaml.Node, what, rule string, allowed ...string) map[string]*field {
	out := make(map[string]*field)
	if n.Kind != yaml.MappingNode {
		noun := what
		if what == "top-level" {
			noun = "a rule file"
		}
		d.errorAt(n, rule, "%s must be a mapping of keys to values, not %s", noun, describe(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorAt(k, rule, "%s keys must be plain names, not %s", what, describe(k))
			continue
		}
		if prev, ok := out[k.Value]; ok {
			d.errorAt(k, rule, "%s key %q repeated (first at line %d)", what, k.Value, prev.key.Line)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			d.errorAt(k, rule, "unknown %s key %q%s", what, k.Value, Whole(Suggest(k.Value, allowed)))
			continue
		}
		out[k.Value] = &field{key: k, val: v}
	}
	return out
}

func (d *decoder) str(n *yaml.Node, what, rule string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorAt(n, rule, "%s must be text, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// name reads a name that rules and lists refer to: letters, digits, "-"
// and "_", starting with a letter.
func (d *decoder) name(n *yaml.Node, what, rule string, re *regexp.Regexp, form string) (string, bool) {
	s, ok := d.str(n, what, rule)
	if !ok {
		return "", false
	}
	if !re.MatchString(s) {
		d.errorAt(n, rule, "%s %q is not a valid name: %s", what, s, Whole(form))
		return s, false
	}
	return s, true
}

var (
	kebabName      = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	kebabForm      = "use lower-case words joined by '-', like payment-failure"
	identName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	identForm      = "use letters, digits and '_', starting with a letter, like payment_problem"
	labelName      = regexp.MustCompile(`^[\pL\pN][\pL\pN_.:/-]*$`)
	labelForm      = "use letters, digits and '-', '_', '.', ':' or '/', like billing or lang:de"
	yamlLineErr    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlErrPrefix  = regexp.MustCompile(`^yaml: `)
	durationPart   = regexp.MustCompile(`^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)`)
	durationFormat = "use forms like 30m, 4h, 1h30m or 2d"
)

func (d *decoder) number(n *yaml.Node, what, rule string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, true
		}
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i), true
		}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
		d.errorAt(n, rule, "%s must be a finite number, not %s", what, n.Value)
		return 0, false
	}
	d.errorAt(n, rule, "%s must be a number, not %s", what, describe(n))
	return 0, false
}

func (d *decoder) boolean(n *yaml.Node, what, rule string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	d.errorAt(n, rule, "%s must be true or false, not %s", what, describe(n))
	return false, false
}

func (d *decoder) duration(n *yaml.Node, what, rule string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorAt(n, rule, "%s must be a duration like 4h or 30m, not %s", what, describe(n))
		return 0, false
	}
	s := n.Value
	v, err := parseDuration(s)
	if err != nil {
		d.errorAt(n, rule, "%s: %v", what, err)
		return 0, false
	}
	return v, true
}

// parseDuration reads Go durations plus days (d = 24h) and weeks (w = 7d),
// which is how support leads write response times. Negative durations are
// refused: nobody promises an answer before the question.
func parseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "0" {
		return 0, nil
	}
	if in == "" {
		return 0, fmt.Errorf("empty duration: %s", durationFormat)
	}
	var total float64
	for rest := in; rest != ""; {
		m := durationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("invalid duration %q: %s", ClipValue(s), durationFormat)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{
			"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
			"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
		}[m[2]]
		total += v * float64(unit)
		rest = rest[len(m[0]):]
	}
	if total > float64(math.MaxInt64) {
		return 0, fmt.Errorf("duration %q is too long", ClipValue(s))
	}
	return time.Duration(total), nil
}

// Expr is an expression as written in a rule file, able to map an
// offset inside the expression back to the file.
type Expr struct {
	Text  string
	Src   *Source
	node  *yaml.Node
	key   *yaml.Node // the key the expression is the value of
	marks *posMarks  // for text, built on first use; shared by copies
}

// posMarks are the states of position's walk every posStride characters
// of an expression, so that each of many errors in a long expression is
// placed in a short walk.
type posMarks struct {
	once  sync.Once
	text  string // the expression they are for
	marks []posState
}

const posStride = 512

// posState is a step of position's walk.
type posState struct {
	k, i int // characters and bytes of the expression walked
	c    lineCursor
}

func (d *decoder) expr(key, n *yaml.Node, what, rule string) (Expr, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorAt(n, rule, "%s must be an expression, not %s", what, describe(n))
		return Expr{}, false
	}
	if strings.TrimSpace(n.Value) == "" {
		d.errorAt(n, rule, "%s is empty", what)
		return Expr{}, false
	}
	return Expr{Text: n.Value, Src: d.src, node: n, key: key, marks: &posMarks{text: n.Value}}, true
}

// Position maps a rune offset inside the expression to the file. Plain
// scalars start at the node; quoted ones one column later; block scalars
// ("|", ">") on the next line, after the indentation. Folded line breaks,
// quote escapes and doubled single quotes are followed step by step, each
// step at a known byte of the line, so that the cost is linear in the
// offset, however long the line.
func (e Expr) Position(offset int) Position {
	st, indent := e.start()
	if m := e.marks; m != nil && m.text == e.Text {
		m.once.Do(func() {
			e.walk(st, indent, -1, func(s posState) { m.marks = append(m.marks, s) })
		})
		if i := offset / posStride; i < len(m.marks) {
			st = m.marks[i]
		} else if len(m.marks) > 0 {
			st = m.marks[len(m.marks)-1]
		}
	}
	st = e.walk(st, indent, offset, nil)
	return e.Src.Pos(st.c.line, st.c.col)
}

// start returns where the expression starts in the file, and the
// indentation of a block scalar.
func (e Expr) start() (posState, int) {
	n := e.node
	lines := e.Src.Lines
	line, col := n.Line, n.Column // 1-based; col counts runes
	block := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	indent := 0
	switch {
	case block:
		line++
		if d := blockIndent(e.Src.Line(n.Line), n.Column); d > 0 && e.key != nil {
			// "|2": the content is indented d columns more than its key.
			indent = e.key.Column - 1 + d
		} else {
			for l := line; l <= len(lines); l++ {
				if t := strings.TrimLeft(lines[l-1], " "); t != "" {
					indent = utf8.RuneCountInString(lines[l-1]) - utf8.RuneCountInString(t)
					break
				}
			}
		}
		col = indent + 1
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		col++
	}
	st := posState{c: lineCursor{lines: lines}}
	st.c.moveTo(line, col)
	return st, indent
}

// walk follows the expression from st up to character offset (to its
// end for -1), calling mark, if given, at every posStride characters.
func (e Expr) walk(st posState, indent, offset int, mark func(posState)) posState {
	n := e.node
	lines := e.Src.Lines
	c := &st.c
	for st.i < len(e.Text) {
		if st.k == offset {
			break
		}
		if mark != nil && st.k%posStride == 0 {
			mark(st)
		}
		v, size := utf8.DecodeRuneInString(e.Text[st.i:])
		st.i += size
		st.k++
		if c.line > len(lines) {
			break
		}
		if n.Style&yaml.LiteralStyle != 0 {
			if v == '\n' {
				c.moveTo(c.line+1, indent+1)
			} else {
				c.skip(1)
			}
			continue
		}
		r, ok := c.at(0)
		switch {
		case (v == ' ' || v == '\n') && !ok:
			// A folded line break: go on at the first character of the
			// next line that has one.
			for c.line < len(lines) {
				c.moveTo(c.line+1, 1)
				for r, ok = c.at(0); ok && (r == ' ' || r == '\t'); r, ok = c.at(0) {
					c.skip(1)
				}
				if ok {
					break
				}
			}
		case r == '\\' && n.Style&yaml.DoubleQuotedStyle != 0:
			next, _ := c.at(1)
			switch next {
			case 'x':
				c.skip(4)
			case 'u':
				c.skip(6)
			case 'U':
				c.skip(10)
			default:
				c.skip(2)
			}
		case r == '\'' && v == '\'' && n.Style&yaml.SingleQuotedStyle != 0:
			c.skip(2)
		default:
			c.skip(1)
		}
	}
	return st
}

// lineCursor is a place in the lines of a file, as a line and a column,
// with the byte of the line the column starts at.
type lineCursor struct {
	lines     []string
	line, col int // 1-based; col counts runes and may pass the line's end
	b         int // the byte of lines[line-1] at col, len(line) past its end
}

func (c *lineCursor) text() string {
	if c.line < 1 || c.line > len(c.lines) {
		return ""
	}
	return c.lines[c.line-1]
}

// moveTo goes to column col of line.
func (c *lineCursor) moveTo(line, col int) {
	c.line, c.col, c.b = line, 1, 0
	c.skip(col - 1)
}

// skip moves n columns on in the line.
func (c *lineCursor) skip(n int) {
	l := c.text()
	for ; n > 0; n-- {
		c.col++
		if c.b < len(l) {
			_, size := utf8.DecodeRuneInString(l[c.b:])
			c.b += size
		}
	}
}

// at returns the rune ahead columns after the cursor, and whether the
// line has one there.
func (c *lineCursor) at(ahead int) (rune, bool) {
	l := c.text()
	if c.col < 1 || c.b >= len(l) {
		return 0, false
	}
	b := c.b
	for ; ahead > 0; ahead-- {
		_, size := utf8.DecodeRuneInString(l[b:])
		if b += size; b >= len(l) {
			return 0, false
		}
	}
	r, _ := utf8.DecodeRuneInString(l[b:])
	return r, true
}

// blockIndent returns the explicit indentation indicator of the block
// scalar header at column col of line ("|2-", ">+1"), or 0.
func blockIndent(line string, col int) int {
	r := []rune(line)
	for i := col; i < len(r) && i < col+3; i++ {
		if r[i] >= '1' && r[i] <= '9' {
			return int(r[i] - '0')
		}
	}
	return 0
}

// checkTabs reports tabs used for indentation, which YAML forbids and
// yaml.v3 reports obscurely.
func checkTabs(src *Source, errs *ErrorList) bool {
	found := false
	for i, l := range src.Lines {
		for j, r := range l {
			if r == ' ' {
				continue
			}
			if r == '\t' {
				col := utf8.RuneCountInString(l[:j]) + 1
				*errs = append(*errs, &Error{Pos: src.Pos(i+1, col), Err: errors.New("tab character in indentation: YAML indents with spaces"), line: l})
				found = true
			}
			break
		}
	}
	return found
}

// parseYAML reads one rule file into its document node, turning
// yaml.v3's syntax errors into positioned errors.
func parseYAML(src *Source, errs *ErrorList) *yaml.Node {
	root, empty := ParseYAML(src, "a rule file", errs)
	if empty {
		*errs = append(*errs, &Error{Pos: src.Pos(1, 1), Err: errors.New("the file is empty")})
	}
	return root
}

// ParseYAML reads one file of YAML (a rule file, a test file: what) into
// its document node, turning yaml.v3's syntax errors into positioned
// errors with their caret lines: tabs in the indentation, the line where
// the shape of the file goes wrong, a second document, aliases that
// expand past MaxAliasNodes. It reports a file without a document as
// empty, for the caller to say what the file should hold.
func ParseYAML(src *Source, what string, errs *ErrorList) (root *yaml.Node, empty bool) {
	if checkTabs(src, errs) {
		return nil, false
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		if e := shapeError(src); e != nil {
			*errs = append(*errs, e)
			return nil, false
		}
		msg := err.Error()
		line := 1
		if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		} else {
			msg = yamlErrPrefix.ReplaceAllString(msg, "")
		}
		line = max(1, min(line, len(src.Lines)))
		col := 1
		if l := src.Line(line); l != "" {
			col = utf8.RuneCountInString(l) - utf8.RuneCountInString(strings.TrimLeft(l, " ")) + 1
		}
		*errs = append(*errs, &Error{Pos: src.Pos(line, col), Err: fmt.Errorf("invalid YAML: %s", msg), line: src.Line(line)})
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		*errs = append(*errs, &Error{Pos: src.Pos(extra.Line, 1), Err: fmt.Errorf("more than one YAML document: %s holds one", what), line: src.Line(extra.Line)})
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		if at := aliasBudget(doc.Content[0]); at != nil {
			pos := src.Pos(at.Line, at.Column)
			*errs = append(*errs, &Error{Pos: pos, Err: fmt.Errorf("the file expands to more than %d values through YAML aliases", MaxAliasNodes), line: src.Line(pos.Line)})
			return nil, false
		}
		return doc.Content[0], false
	}
	return nil, true
}

// aliasBudget returns the alias at which the values reached through YAML
// aliases, counted as the decoder would visit them with every alias
// expanded, pass MaxAliasNodes; nil when they stay within it. Values
// written out, however many, cost nothing: only aliases multiply work
// ("billion laughs"). An anchor that contains an alias to itself expands
// without end and is always over.
func aliasBudget(root *yaml.Node) *yaml.Node {
	const over = MaxAliasNodes + 1
	size := make(map[*yaml.Node]int) // expanded sizes of alias targets; -1 while counting
	var expanded func(n *yaml.Node) int
	expanded = func(n *yaml.Node) int {
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 0
			}
			return expanded(n.Alias)
		}
		switch s, ok := size[n]; {
		case ok && s < 0:
			return over // the anchor contains itself
		case ok:
			return s
		}
		size[n] = -1
		total := 1
		for _, c := range n.Content {
			total = min(total+expanded(c), over)
		}
		size[n] = total
		return total
	}
	spent := 0
	var walk func(n *yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if n.Kind == yaml.AliasNode {
			if spent = min(spent+expanded(n), over); spent > MaxAliasNodes {
				return n
			}
			return nil
		}
		for _, c := range n.Content {
			if at := walk(c); at != nil {
				return at
			}
		}
		return nil
	}
	return walk(root)
}
