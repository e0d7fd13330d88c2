package match

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// specialLetters spells out lower-case letters that have no decomposition.
var specialLetters = map[rune]string{
	'ł': "l", 'đ': "dj", 'ø': "o", 'æ': "ae", 'œ': "oe", 'þ': "th",
	'ı': "i", 'ð': "d", 'ħ': "h", 'ŧ': "t", 'ŋ': "ng", 'ƀ': "b",
	'ƒ': "f", 'ǥ': "g", 'ɨ': "i", 'ƶ': "z", 'ȼ': "c", 'ɇ': "e",
	'ɉ': "j", 'ɍ': "r", 'ɏ': "y", 'ƚ': "l", 'ɫ': "l", 'ȥ': "z",
	'ĸ': "k",
}

// cyrillicLetters transliterates lower-case Cyrillic letters. It is applied
// before decomposition, so that й and ї keep their own spelling, and again
// to the base letters of decomposed characters such as ѓ.
var cyrillicLetters = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'ђ': "dj",
	'е': "e", 'ж': "z", 'з': "z", 'и': "i", 'ј': "j", 'к': "k",
	'л': "l", 'љ': "lj", 'м': "m", 'н': "n", 'њ': "nj", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'ћ': "c", 'у': "u",
	'ф': "f", 'х': "h", 'ц': "c", 'ч': "c", 'џ': "dz", 'ш': "s",
	'ы': "y", 'э': "e", 'ю': "ju", 'я': "ja", 'й': "j", 'ь': "",
	'ъ': "", 'ё': "e", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz", 'є': "je",
	'і': "i", 'ї': "ji", 'ґ': "g", 'ў': "u", 'щ': "sc", 'ѐ': "e",
	'ѝ': "i",
}

// isApostrophe reports whether r is a modifier letter that is used as an
// apostrophe or quote and therefore separates words.
func isApostrophe(r rune) bool {
	switch r {
	case 'ʹ', 'ʺ', 'ʻ', 'ʼ', 'ʽ', 'ˮ':
		return true
	}
	return false
}

// isIgnorable reports whether r is dropped without separating words:
// combining marks and format characters other than ZERO WIDTH SPACE.
func isIgnorable(r rune) bool {
	return unicode.IsMark(r) || (r != '\u200b' && unicode.Is(unicode.Cf, r))
}

// isWordRune reports whether r is a word character in folded text.
func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsNumber(r)) && !isApostrophe(r)
}

// isHanOrHangul reports whether r is a CJK unified ideograph or a Hangul
// syllable; both are letters without case or decomposition worth applying.
func isHanOrHangul(r rune) bool {
	return (r >= 0x3400 && r <= 0x4dbf) || (r >= 0x4e00 && r <= 0x9fff) ||
		(r >= 0xac00 && r <= 0xd7a3)
}

// Ranges of runes whose folding is precomputed.
const (
	tabLow1, tabHigh1 = 0x80, 0x2500 // Latin-1 … Enclosed Alphanumerics
	tabLow2, tabHigh2 = 0xfb00, 0xfb50
	tabLow3, tabHigh3 = 0xff00, 0xfff0
	tabSize           = (tabHigh1 - tabLow1) + (tabHigh2 - tabLow2) + (tabHigh3 - tabLow3)
)

// tabIndex returns the index of r in the fold table, or -1.
func tabIndex(r rune) int {
	switch {
	case r < tabHigh1:
		if r < tabLow1 {
			return -1
		}
		return int(r - tabLow1)
	case r >= tabLow3 && r < tabHigh3:
		return int(r-tabLow3) + (tabHigh1 - tabLow1) + (tabHigh2 - tabLow2)
	case r >= tabLow2 && r < tabHigh2:
		return int(r-tabLow2) + (tabHigh1 - tabLow1)
	}
	return -1
}

// A fold table entry describes the folded form of one rune: bit 31 is set
// when the form contains a separator, bits 8–30 hold its offset in the pool
// and bits 0–7 its length in bytes. A zero entry drops the rune; the
// separator is a single space in the pool.
const entryComplex = 1 << 31

type foldTables struct {
	entries [tabSize]uint32
	pool    string
}

var tables = sync.OnceValue(buildTables)

func buildTables() *foldTables {
	t := new(foldTables)
	var pool strings.Builder
	offsets := make(map[string]uint32)
	add := func(r rune) {
		f := foldRuneSlow(r)
		if f == "" {
			return
		}
		off, ok := offsets[f]
		if !ok {
			off = uint32(pool.Len())
			offsets[f] = off
			pool.WriteString(f)
		}
		e := off<<8 | uint32(len(f))
		if strings.IndexByte(f, ' ') >= 0 {
			e |= entryComplex
		}
		t.entries[tabIndex(r)] = e
	}
	for _, rg := range [][2]rune{{tabLow1, tabHigh1}, {tabLow2, tabHigh2}, {tabLow3, tabHigh3}} {
		for r := rg[0]; r < rg[1]; r++ {
			if r >= 0xd800 && r < 0xe000 {
				continue
			}
			add(r)
		}
	}
	t.pool = pool.String()
	return t
}

// foldRuneSlow computes the folded form of r with golang.org/x/text: the
// fold step is repeated until it reaches a fixed point. A separator is a
// single space, kept at the start or end of the form where the rune
// decomposes into punctuation there ("⑴" is " 1 ").
func foldRuneSlow(r rune) string {
	s := string(r)
	for range 8 {
		t := foldStep(s)
		if t == s {
			break
		}
		s = t
	}
	return s
}

func foldStep(s string) string {
	var b strings.Builder
	sep := func() {
		if !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	for _, r := range cases.Fold().String(s) {
		if unicode.IsUpper(r) {
			r = unicode.ToLower(r)
		}
		if t, ok := cyrillicLetters[r]; ok {
			b.WriteString(t)
			continue
		}
		if isHanOrHangul(r) {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			if unicode.IsUpper(d) {
				d = unicode.ToLower(d)
			}
			if t, ok := specialLetters[d]; ok {
				b.WriteString(t)
			} else if t, ok := cyrillicLetters[d]; ok {
				b.WriteString(t)
			} else if isIgnorable(d) {
				continue
			} else if isWordRune(d) {
				b.WriteRune(d)
			} else {
				sep()
			}
		}
	}
	return b.String()
}
