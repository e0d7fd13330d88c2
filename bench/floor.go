package bench

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The floors: the least work any implementation of the policy must do,
// which is to fold the ticket text once and read it once, word by word.
// Each word is hashed (the least a matcher must do with it); no term is
// looked up. They return the number of words and the sum of the word
// hashes, so that the work cannot be optimized away.

// LowerScan lower-cases subject and body with strings.ToLower and reads
// the result once. It folds case only, not diacritics or script, so it is
// less work than folding the text as the engine does. This is the floor
// the comparison is measured against.
func LowerScan(subject, body string) (words int, sum uint32) {
	return ScanBytes(strings.ToLower(subject), strings.ToLower(body))
}

// NFKD folds like the engine with golang.org/x/text instead of its own
// tables: the text in NFKD, lower-cased, combining marks dropped (no
// transliteration of Cyrillic or of letters such as ł), in one pass over
// the normalized text.
type NFKD struct {
	buf []byte
}

// Scan folds subject and body and reads them once. An NFKD is not safe for
// concurrent use: it reuses its buffer.
func (f *NFKD) Scan(subject, body string) (words int, sum uint32) {
	b := norm.NFKD.AppendString(f.buf[:0], subject)
	b = append(b, '\n')
	b = norm.NFKD.AppendString(b, body)
	f.buf = b
	const prime = 16777619
	h := uint32(2166136261)
	in := false
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			default:
				if in {
					sum += h
					h, in = 2166136261, false
				}
				continue
			}
			h = (h ^ uint32(c)) * prime
			if !in {
				words, in = words+1, true
			}
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		switch {
		case unicode.IsMark(r):
			continue
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			h = (h ^ uint32(unicode.ToLower(r))) * prime
			if !in {
				words, in = words+1, true
			}
		case in:
			sum += h
			h, in = 2166136261, false
		}
	}
	if in {
		sum += h
	}
	return words, sum
}

// ScanBytes reads the raw bytes once, folding ASCII case only (bytes of
// multi-byte runes are word characters). It is not a fold of non-ASCII
// text; it shows what merely reading the text costs.
func ScanBytes(subject, body string) (words int, sum uint32) {
	const prime = 16777619
	h := uint32(2166136261)
	in := false
	for _, s := range [2]string{subject, body} {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf:
			default:
				if in {
					sum += h
					h, in = 2166136261, false
				}
				continue
			}
			h = (h ^ uint32(c)) * prime
			if !in {
				words, in = words+1, true
			}
		}
		if in {
			sum += h
			h, in = 2166136261, false
		}
	}
	return words, sum
}
