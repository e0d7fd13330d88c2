package bench

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Floor is the least work any implementation of the policy must do: fold
// the ticket text once (NFKD, lower case, combining marks dropped) and read
// the folded text once, word by word. Each word is hashed, the least a
// matcher must do with it; no term is looked up.
type Floor struct {
	buf []byte
}

// Scan folds subject and body and returns the number of words and a hash of
// them (so that the work cannot be optimized away). A Floor is not safe for
// concurrent use: it reuses its buffer.
func (f *Floor) Scan(subject, body string) (words int, sum uint32) {
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

// ScanBytes is a lower floor still: one pass over the raw bytes, folding
// ASCII case only and hashing words, with no Unicode normalization at all.
// It is not a correct fold of non-ASCII text; it shows what reading the
// text costs.
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
