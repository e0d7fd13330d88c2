package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rune classes for the statistics on raw text.
const (
	classSep     = iota // ends a word
	classLower          // lower-case letter
	classUpper          // upper-case or title-case letter
	classUncased        // letter without case
	classDigit          // number
	classIgnore         // mark or format character: neither starts nor ends a word
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLower
		t[c-'a'+'A'] = classUpper
	}
	return t
}()

func runeClass(r rune) uint8 {
	switch {
	case r < utf8.RuneSelf:
		return asciiClass[r]
	case r == utf8.RuneError || isApostrophe(r):
		return classSep
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		return classUpper
	case unicode.IsLower(r):
		return classLower
	case unicode.IsLetter(r):
		return classUncased
	case unicode.IsNumber(r):
		return classDigit
	case isIgnorable(r):
		return classIgnore
	}
	return classSep
}

// wordStats walks the words of raw text: maximal runs of letters and
// numbers, where combining marks and format characters (except ZERO WIDTH
// SPACE) continue a word and apostrophes, like all other characters and
// invalid UTF-8, separate words. fn receives each word's number of letters,
// of cased letters and of upper-case letters.
func wordStats(s string, fn func(letters, cased, upper int)) (words int) {
	inWord := false
	letters, cased, upper := 0, 0, 0
	for i := 0; i < len(s); {
		var class uint8
		if c := s[i]; c < utf8.RuneSelf {
			class = asciiClass[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			class = runeClass(r)
			i += size
		}
		switch class {
		case classSep:
			if inWord {
				if fn != nil {
					fn(letters, cased, upper)
				}
				inWord, letters, cased, upper = false, 0, 0, 0
			}
			continue
		case classIgnore:
			continue
		case classUpper:
			letters, cased, upper = letters+1, cased+1, upper+1
		case classLower:
			letters, cased = letters+1, cased+1
		case classUncased:
			letters++
		}
		if !inWord {
			inWord, words = true, words+1
		}
	}
	if inWord && fn != nil {
		fn(letters, cased, upper)
	}
	return words
}

// Words returns the number of words in raw text s: maximal runs of letters
// and numbers. Combining marks and format characters inside a word do not
// split it; apostrophes do, so "don't" is two words.
func Words(s string) int { return wordStats(s, nil) }

// Shouting returns the share, from 0 to 1, of upper-case letters among the
// cased letters of the words of s (as counted by [Words]) that have at
// least three letters. Shorter words such as "OK", "EU" or "I" are ignored,
// as are letters without case (such as CJK). Title-case letters count as
// upper case. Shouting returns 0 when there is no such letter.
func Shouting(s string) float64 {
	total, upper := 0, 0
	wordStats(s, func(l, c, u int) {
		if l >= 3 {
			total += c
			upper += u
		}
	})
	if total == 0 {
		return 0
	}
	return float64(upper) / float64(total)
}

// WordCounts returns, in one walk over s, what [Words] and [Shouting]
// count: the words, and the cased and upper-case letters of the words of
// at least three letters. Every count is additive: the counts of two texts
// joined by a separator are the sums of theirs, so Shouting of the joined
// text is float64(upper)/float64(cased) of the sums (0 when cased is 0).
func WordCounts(s string) (words, cased, upper int) {
	words = wordStats(s, func(l, c, u int) {
		if l >= 3 {
			cased += c
			upper += u
		}
	})
	return words, cased, upper
}

// Exclamations returns the number of exclamation marks in s: '!' and
// U+FF01 FULLWIDTH EXCLAMATION MARK count one each and U+203C DOUBLE
// EXCLAMATION MARK counts two.
func Exclamations(s string) int {
	n := strings.Count(s, "!")
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n += strings.Count(s[i:], "！") + 2*strings.Count(s[i:], "‼")
			break
		}
	}
	return n
}
