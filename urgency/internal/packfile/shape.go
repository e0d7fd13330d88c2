package packfile

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// shapeError looks, in a file yaml.v3 could not parse, for the line where
// the shape of the file goes wrong: a key or a list item indented unlike
// its siblings, a key without its colon, a quote or a bracket never
// closed. yaml.v3 reports these where its parser gives up, often lines
// earlier or later and in its own terms ("did not find expected key");
// a support lead needs the line of the mistake and what to do about it.
// It returns nil when it finds nothing it is sure of: the parser's own
// message is then the best there is.
func shapeError(src *Source) *Error {
	s := shapeScan{src: src}
	return s.scan()
}

// A block is an open mapping or sequence: the indentation of its keys or
// items, and what to call it in a message.
type block struct {
	indent int
	seq    bool
	line   int    // where it starts
	name   string // "rule `vip`", "`rules:`", "the top-level keys"
	key    string // for a mapping, the key that holds it; for a sequence, its key
}

// shapeLine is one line of content, read the way YAML block structure
// reads it.
type shapeLine struct {
	n      int    // line number
	indent int    // spaces before the content
	item   bool   // starts with "- "
	key    string // the key, when the content (after any "- ") is "key: ..."
	keyCol int    // the column of the key, 0-based
	value  string // what follows the key's colon, or the item, comments removed
	text   string // the content, trimmed
}

var plainKey = regexp.MustCompile(`^[\pL\pN_][\pL\pN_.\-/]*$`)

// splitKey reads "key: value" or "key:" at the start of s.
func splitKey(s string) (key, value string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ') {
		return "", "", false
	}
	k := s[:i]
	if len(k) >= 2 && (k[0] == '"' && k[len(k)-1] == '"' || k[0] == '\'' && k[len(k)-1] == '\'') {
		k = k[1 : len(k)-1]
	} else if !plainKey.MatchString(k) {
		return "", "", false
	}
	return k, strings.TrimSpace(s[i+1:]), true
}

// stripComment removes a " #" comment outside quotes.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return strings.TrimRight(s[:i], " ")
		}
	}
	return s
}

func readShapeLine(n int, raw string) (shapeLine, bool) {
	content := strings.TrimLeft(raw, " ")
	trimmed := strings.TrimSpace(content)
	if trimmed == "" || trimmed[0] == '#' || trimmed == "---" || trimmed == "..." {
		return shapeLine{}, false
	}
	l := shapeLine{n: n, indent: len(raw) - len(content), text: stripComment(trimmed)}
	rest, col := l.text, l.indent
	if rest == "-" || strings.HasPrefix(rest, "- ") {
		l.item = true
		after := strings.TrimLeft(rest[1:], " ")
		col += len(rest) - len(after)
		rest = after
	}
	if k, v, ok := splitKey(rest); ok {
		l.key, l.keyCol, l.value = k, col, v
	} else {
		l.value = rest
	}
	return l, true
}

// opener is a quote or a bracket a value opens and does not close on its
// line.
type opener struct {
	line, col int // where it opens, col 0-based in bytes
	owner     int // indentation of the key or item it belongs to
	ch        byte
	depth     int // for brackets
	quoteIn   byte
}

// scanOpen follows s, from the state o, and reports whether o is closed
// at its end.
func (o *opener) scan(s string) bool {
	// A quote opens a scalar only where one starts: after [, {, a comma
	// or a colon, or at the start of the text. Inside a plain scalar (a
	// customer's question) it is a letter like any other.
	prev := byte(',')
	for i := 0; i < len(s); i++ {
		c := s[i]
		start := strings.IndexByte("[{,:", prev) >= 0
		if c != ' ' && c != '\t' {
			prev = c
		}
		switch {
		case o.quoteIn == '"' && c == '\\':
			i++
		case o.quoteIn == '\'' && c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
		case o.quoteIn != 0:
			if c == o.quoteIn {
				o.quoteIn = 0
				if o.ch == c {
					return true
				}
			}
		case (c == '"' || c == '\'') && start:
			o.quoteIn = c
		case c == '[' || c == '{':
			o.depth++
		case c == ']' || c == '}':
			o.depth--
			if o.depth == 0 {
				return true
			}
		}
	}
	return false
}

func (o *opener) message() string {
	switch o.ch {
	case '[':
		return "the list opened here with [ is never closed: end it with ]"
	case '{':
		return "the mapping opened here with { is never closed: end it with }"
	}
	return fmt.Sprintf("the quote %c opened here is never closed: end the value with %c", o.ch, o.ch)
}

// openValue returns the opener of a value that starts a quote or a
// bracket it does not close, or nil; block reports a | or > block scalar.
func openValue(v string, line, col, owner int) (o *opener, blockScalar bool) {
	if v == "" {
		return nil, false
	}
	switch v[0] {
	case '|', '>':
		return nil, true
	case '"', '\'':
		o = &opener{line: line, col: col, owner: owner, ch: v[0], quoteIn: v[0]}
		if o.scan(v[1:]) {
			return nil, false
		}
		return o, false
	case '[', '{':
		o = &opener{line: line, col: col, owner: owner, ch: v[0], depth: 1}
		if o.scan(v[1:]) {
			return nil, false
		}
		return o, false
	}
	return nil, false
}

type shapeScan struct {
	src    *Source
	stack  []block
	prev   *shapeLine // the last line of content
	opened bool       // prev ends with "key:" or "-" and nothing after: a block may start
}

func (s *shapeScan) errAt(l shapeLine, col int, format string, args ...any) *Error {
	raw := s.src.Line(l.n)
	c := utf8.RuneCountInString(raw[:min(col, len(raw))]) + 1
	return &Error{Pos: s.src.Pos(l.n, c), Err: fmt.Errorf(format, args...), line: raw}
}

func indentBy(n int) string {
	if n == 0 {
		return "start it at the beginning of the line"
	}
	return fmt.Sprintf("indent it by %d %s", n, plural(n, "space", "spaces"))
}

// itemName is what a list item's mapping is called: "rule `vip`" under
// rules:, "the item on line 9" elsewhere.
func itemName(seqKey, name string, line int) string {
	kind := map[string]string{"rules": "rule", "levels": "level", "tests": "test", "cases": "test case", "calendars": "calendar"}[seqKey]
	if kind != "" && name != "" {
		return fmt.Sprintf("%s `%s`", kind, name)
	}
	return fmt.Sprintf("the list item on line %d", line)
}

func (s *shapeScan) top() *block { return &s.stack[len(s.stack)-1] }

func (s *shapeScan) scan() *Error {
	lines := s.src.Lines
	var open *opener
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		if open != nil {
			l, ok := readShapeLine(i+1, raw)
			if ok && l.indent <= open.owner && (l.item || l.key != "") {
				return s.errAt(shapeLine{n: open.line}, open.col, "%s", open.message())
			}
			if open.scan(raw) {
				open = nil
			}
			continue
		}
		l, ok := readShapeLine(i+1, raw)
		if !ok {
			continue
		}
		if e := s.place(l); e != nil {
			return e
		}
		// What the line's value opens: a block scalar's lines are
		// skipped, an unclosed quote or bracket followed.
		col := strings.LastIndex(raw, l.value)
		o, blockScalar := openValue(l.value, l.n, max(col, 0), l.indent)
		switch {
		case blockScalar:
			owner := l.indent
			if l.key != "" {
				owner = l.keyCol
			}
			for i+1 < len(lines) {
				next := lines[i+1]
				if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= owner {
					break
				}
				i++
			}
			s.opened = false
		case o != nil:
			open = o
			s.opened = false
		}
		ll := l
		s.prev = &ll
	}
	if open != nil {
		return s.errAt(shapeLine{n: open.line}, open.col, "%s", open.message())
	}
	return nil
}

// place puts one line into the open blocks, or says why it does not fit.
func (s *shapeScan) place(l shapeLine) *Error {
	if len(s.stack) == 0 {
		s.stack = append(s.stack, block{indent: l.indent, seq: l.item, line: l.n, name: "the top-level keys"})
		if l.item {
			s.stack[0].name = "the top-level items"
		}
		return s.enter(l)
	}
	var popped *block
	for len(s.stack) > 1 && s.top().indent > l.indent {
		b := *s.top()
		popped = &b
		s.stack = s.stack[:len(s.stack)-1]
	}
	top := s.top()
	wasOpened := s.opened
	s.opened = false
	switch {
	case l.indent == top.indent && !top.seq && l.item && wasOpened && s.prev != nil && s.prev.key != "" && !s.prev.item:
		// A sequence at the indentation of its key, as YAML allows.
		s.stack = append(s.stack, block{indent: l.indent, seq: true, line: s.prev.n, name: fmt.Sprintf("`%s:`", s.prev.key), key: s.prev.key})
		return s.enter(l)
	case l.indent == top.indent && top.seq == l.item && (l.item || l.key != ""):
		return s.enter(l)
	case l.indent == top.indent && !top.seq && !l.item:
		// No colon where a key is expected.
		word, rest, _ := strings.Cut(l.text, " ")
		if rest = strings.TrimSpace(rest); rest != "" {
			return s.errAt(l, l.indent, "`%s` has no colon after its key: write `%s: %s`", l.text, word, rest)
		}
		return s.errAt(l, l.indent, "`%s` has no colon after its key: write `%s:` and its value", l.text, word)
	case l.indent == top.indent && top.seq && l.key != "" && popped != nil && !popped.seq:
		return s.errAt(l, l.indent, "`%s:` is indented less than the other keys of %s (line %d); %s", l.key, popped.name, popped.line, indentBy(popped.indent))
	case l.indent == top.indent && top.seq && !l.item:
		return s.errAt(l, l.indent, "this line is indented like the items of %s (line %d) but is not a list item: start it with \"- \" or indent it under an item", top.name, top.line)
	case l.indent == top.indent:
		return s.errAt(l, l.indent, "a list item among the keys of %s (line %d): indent it under a key that holds a list", top.name, top.line)
	case l.indent > top.indent && wasOpened:
		// The first line of a block the previous line opened.
		p := s.prev
		b := block{indent: l.indent, seq: l.item, line: p.n}
		if p.key != "" {
			b.name, b.key = fmt.Sprintf("`%s:`", p.key), p.key
		} else {
			b.name = fmt.Sprintf("the list item on line %d", p.n)
		}
		if !l.item && l.key == "" {
			// A scalar value on the next line.
			return nil
		}
		s.stack = append(s.stack, b)
		return s.enter(l)
	}
	// Deeper than the open block, and nothing opened it.
	if popped != nil {
		// Between two levels: a sibling of the popped block's lines moved.
		if l.item && popped.seq {
			return s.errAt(l, l.indent, "this list item is indented less than the other items of %s (line %d); %s", popped.name, popped.line, indentBy(popped.indent))
		}
		if l.item && top.seq {
			return s.errAt(l, l.indent, "this list item is indented more than the other items of %s (line %d); %s", top.name, top.line, indentBy(top.indent))
		}
		if l.key != "" && !popped.seq {
			return s.errAt(l, l.indent, "`%s:` is indented less than the other keys of %s (line %d); %s", l.key, popped.name, popped.line, indentBy(popped.indent))
		}
		if l.key != "" {
			return s.errAt(l, l.indent, "`%s:` is indented more than the other keys of %s (line %d); %s", l.key, top.name, top.line, indentBy(top.indent))
		}
		return nil
	}
	if l.key != "" && s.prev != nil && s.prev.key != "" {
		p := s.prev
		return s.errAt(l, l.indent, "`%s:` is indented more than `%s:` on line %d, which already has a value; %s, like the other keys of %s", l.key, p.key, p.n, indentBy(top.indent), top.name)
	}
	if l.item && top.seq {
		return s.errAt(l, l.indent, "this list item is indented more than the other items of %s (line %d); %s", top.name, top.line, indentBy(top.indent))
	}
	// A plain value continued on the next line.
	return nil
}

// enter records a line that fits the block on top: a key with nothing
// after its colon or an item with nothing after its dash may open a
// block; an item that starts with a key opens its mapping.
func (s *shapeScan) enter(l shapeLine) *Error {
	top := s.top()
	if !top.seq && l.key == "name" && top.key == "" && len(s.stack) >= 2 {
		if parent := s.stack[len(s.stack)-2]; parent.seq {
			top.name = itemName(parent.key, strings.Trim(l.value, `"'`), top.line)
		}
	}
	if l.item && l.key != "" {
		b := block{indent: l.keyCol, line: l.n, name: itemName(top.key, "", l.n)}
		if l.key == "name" {
			b.name = itemName(top.key, strings.Trim(l.value, `"'`), l.n)
		}
		s.stack = append(s.stack, b)
	}
	s.opened = l.value == "" || strings.HasPrefix(l.value, "&") && !strings.Contains(l.value, " ")
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
