// Package termsafe keeps text that came from tickets from acting on the
// terminal it is printed to.
//
// Ticket IDs, subjects, customer IDs and the like come from anyone on the
// internet; printed raw, an escape sequence among them can recolour or
// clear the screen, move the cursor over earlier lines, set the window
// title or, on some terminals, answer with input of its own, and a
// bidirectional override can make a line read otherwise than it is.
// termsafe writes every such character as an escape instead:
//
//   - the C0 controls U+0000 to U+001F (ESC among them), DEL U+007F and
//     the C1 controls U+0080 to U+009F (U+009B is a one-character CSI);
//   - the bidirectional controls U+061C, U+200E, U+200F, U+202A to U+202E
//     and U+2066 to U+2069;
//   - bytes that are not UTF-8, which become U+FFFD.
//
// The escape is the one encoding/json writes for the C0 controls, \n, \r,
// \t, \b, \f and otherwise \uXXXX in lower-case hex: an ID reads the same
// in a table as in JSON output, the escape is plain ASCII that every
// terminal shows, and two IDs that differ only in such a character still
// look different (U+FFFD for all of them would make them alike). (A backslash is
// left as it is, so an ID that spells out "\u001b" looks like one holding
// ESC; the JSON output tells them apart.) Within a JSON string the escape
// is the JSON escape of the same character, so a [Writer] may carry JSON
// too. Everything else, other scripts, emoji and their joiners included,
// passes unchanged.
package termsafe

import (
	"io"
	"unicode/utf8"
)

// actsOnTerminal reports whether r is written as an escape.
func actsOnTerminal(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

const hex = "0123456789abcdef"

func appendEscape(b []byte, r rune) []byte {
	switch r {
	case '\b':
		return append(b, `\b`...)
	case '\f':
		return append(b, `\f`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	return append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
}

// String returns s with every character that acts on a terminal written
// as an escape, tabs and line breaks included: s is shown on one line.
func String(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(appendSafe(make([]byte, 0, len(s)+16), []byte(s), false))
		}
	}
	return s // plain printable ASCII, the usual case
}

// appendSafe appends p to b with escapes; keepLayout passes tab and
// newline through. p must end on a character boundary or hold whole
// characters only: a cut character counts as bytes that are not UTF-8.
func appendSafe(b, p []byte, keepLayout bool) []byte {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f || keepLayout && (c == '\n' || c == '\t') {
				b = append(b, c)
			} else {
				b = appendEscape(b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, "\uFFFD"...)
		case actsOnTerminal(r):
			b = appendEscape(b, r)
		default:
			b = append(b, p[i:i+size]...)
		}
		i += size
	}
	return b
}

// Writer passes what is written to it on to another writer with every
// character that acts on a terminal written as an escape, except tab and
// newline, which lay out tables and lines. Text that may hold tabs or
// line breaks of its own (a ticket ID) should go through [String] first.
// A character cut between two writes is put together again; call Flush
// after the last write.
type Writer struct {
	w    io.Writer
	tail []byte // the start of a character cut by the end of the last write
	buf  []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p, escaped, to the underlying writer. It returns len(p)
// when that writer took all of it.
func (s *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.tail) > 0 {
		p = append(s.tail, p...)
		s.tail = nil
	}
	// A cut character at the end waits for the rest of it.
	cut := len(p)
	for k := 1; k <= utf8.UTFMax-1 && k <= len(p); k++ {
		if c := p[len(p)-k]; utf8.RuneStart(c) {
			if c >= utf8.RuneSelf && !utf8.FullRune(p[len(p)-k:]) {
				cut = len(p) - k
			}
			break
		}
	}
	s.tail = append(s.tail, p[cut:]...)
	s.buf = appendSafe(s.buf[:0], p[:cut], true)
	_, err := s.w.Write(s.buf)
	if cap(s.buf) > 64<<10 {
		s.buf = nil
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Flush writes a character left cut by the last write, as U+FFFD.
func (s *Writer) Flush() error {
	if len(s.tail) == 0 {
		return nil
	}
	s.tail = nil
	_, err := io.WriteString(s.w, "\uFFFD")
	return err
}
