package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// asciiFold maps an ASCII byte to its folded byte, or to 0 for a separator.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c] = c
		t[c-'a'+'A'] = c
	}
	return t
}()

// Fold returns the folded form of s: lower-case words made of letters and
// digits, separated by single spaces, with no leading or trailing space.
// See the package documentation for the exact rules. Fold returns s itself,
// without allocating, when s is already folded.
func Fold(s string) string {
	var buf [256]byte
	b := AppendFold(buf[:0], s)
	if string(b) == s {
		return s
	}
	return string(b)
}

// AppendFold appends the folded form of s (as returned by [Fold]) to dst and
// returns the extended buffer. Nothing is inserted between existing content
// of dst and the first folded word. AppendFold makes a single pass over s
// and does not allocate when dst has enough spare capacity. The folded form
// of text in the supported languages is never longer than the text; a few
// compatibility characters expand (such as "½", which folds to "1 2"), and
// then dst grows as with append.
func AppendFold(dst []byte, s string) []byte {
	start := len(dst)
	var tab *foldTables
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if f := asciiFold[c]; f == 0 {
				dst = appendSep(dst, start)
				i++
				continue
			}
			// Copy the run of ASCII word bytes.
			for ; i < len(s); i++ {
				c := s[i]
				if c >= utf8.RuneSelf || asciiFold[c] == 0 {
					break
				}
				dst = append(dst, asciiFold[c])
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case size == 1:
			dst = appendSep(dst, start) // invalid UTF-8
		case r < tabHigh1:
			if r >= 0x400 && r < 0x500 {
				r, size = composeCyrillic(r, size, s[i+size:])
			}
			if tab == nil {
				tab = tables()
			}
			dst = tab.appendEntry(dst, start, int(r-tabLow1))
		default:
			dst = appendSlow(dst, start, s[i:], r)
		}
		i += size
	}
	if n := len(dst); n > start && dst[n-1] == ' ' {
		dst = dst[:n-1]
	}
	return dst
}

// composeCyrillic composes и + U+0306 into й and і + U+0308 into ї, the
// only pairs of a Cyrillic letter and a combining mark whose composition
// is transliterated differently from the letter alone. It returns the rune
// to fold and the number of bytes it takes in the input.
func composeCyrillic(r rune, size int, rest string) (rune, int) {
	const breve, diaeresis = "\u0306", "\u0308"
	switch {
	case (r == 'и' || r == 'И') && strings.HasPrefix(rest, breve):
		return r + ('й' - 'и'), size + len(breve)
	case (r == 'і' || r == 'І') && strings.HasPrefix(rest, diaeresis):
		return r + ('ї' - 'і'), size + len(diaeresis)
	}
	return r, size
}

// appendSep records a word boundary: it appends a space unless the folded
// output (which starts at start) is empty or already ends with a space.
func appendSep(dst []byte, start int) []byte {
	if n := len(dst); n > start && dst[n-1] != ' ' {
		dst = append(dst, ' ')
	}
	return dst
}

// appendEntry appends the folded form stored at table index idx.
func (t *foldTables) appendEntry(dst []byte, start, idx int) []byte {
	e := t.entries[idx]
	n := e & 0xff
	if n == 0 {
		return dst
	}
	off := e >> 8 & 0x7fffff
	f := t.pool[off : off+n]
	if e&entryComplex == 0 {
		return append(dst, f...)
	}
	for j := 0; j < len(f); j++ {
		if f[j] == ' ' {
			dst = appendSep(dst, start)
		} else {
			dst = append(dst, f[j])
		}
	}
	return dst
}

// appendSlow folds a rune outside the main table; s starts with r.
func appendSlow(dst []byte, start int, s string, r rune) []byte {
	if isHanOrHangul(r) {
		return utf8.AppendRune(dst, r)
	}
	if idx := tabIndex(r); idx >= 0 {
		return tables().appendEntry(dst, start, idx)
	}
	d := norm.NFKD.PropertiesString(s).Decomposition()
	if len(d) == 0 {
		return appendRune(dst, start, r)
	}
	for len(d) > 0 {
		c, n := utf8.DecodeRune(d)
		d = d[n:]
		dst = appendRune(dst, start, c)
	}
	return dst
}

// appendRune folds a rune that needs no further decomposition.
func appendRune(dst []byte, start int, r rune) []byte {
	if r < utf8.RuneSelf {
		if f := asciiFold[r]; f != 0 {
			return append(dst, f)
		}
		return appendSep(dst, start)
	}
	if idx := tabIndex(r); idx >= 0 {
		return tables().appendEntry(dst, start, idx)
	}
	if isIgnorable(r) {
		return dst
	}
	if unicode.IsUpper(r) {
		r = unicode.ToLower(r)
		if idx := tabIndex(r); idx >= 0 {
			return tables().appendEntry(dst, start, idx)
		}
	}
	if !isWordRune(r) {
		return appendSep(dst, start)
	}
	return utf8.AppendRune(dst, r)
}
