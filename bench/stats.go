package bench

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The statistics the default pack reads from raw text, written the plain
// way for the alternatives: words are maximal runs of letters and digits,
// marks and format characters continue a word, everything else (apostrophes
// included) separates words. They agree with the engine's words(),
// shouting() and exclamations() on the sample tickets.

// Rune classes.
const (
	cSep    = iota // ends a word
	cLower         // lower-case letter
	cUpper         // upper-case or title-case letter
	cLetter        // letter without case, or number
	cIgnore        // mark or format character: neither starts nor ends a word
)

func class(r rune) int {
	switch {
	case r == utf8.RuneError:
		return cSep
	case r == 'ʹ' || r == 'ʺ' || r == 'ʻ' || r == 'ʼ' || r == 'ʽ' || r == 'ˮ':
		return cSep // modifier letters used as apostrophes
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		return cUpper
	case unicode.IsLower(r):
		return cLower
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		return cLetter
	case unicode.IsMark(r) || (r != '\u200b' && unicode.Is(unicode.Cf, r)):
		return cIgnore
	}
	return cSep
}

// wordStats calls fn with the letters, cased letters and upper-case letters
// of each word of s and returns the number of words.
func wordStats(s string, fn func(letters, cased, upper int)) int {
	words, letters, cased, upper := 0, 0, 0, 0
	inWord := false
	for _, r := range s {
		switch class(r) {
		case cSep:
			if inWord && fn != nil {
				fn(letters, cased, upper)
			}
			inWord, letters, cased, upper = false, 0, 0, 0
			continue
		case cIgnore:
			continue
		case cUpper:
			letters, cased, upper = letters+1, cased+1, upper+1
		case cLower:
			letters, cased = letters+1, cased+1
		default:
			if unicode.IsLetter(r) {
				letters++
			}
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

// Words returns the number of words in s.
func Words(s string) int { return wordStats(s, nil) }

// Shouting returns the share of upper-case letters among the cased letters
// of the words of s that have at least three letters, or 0.
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

// Exclamations returns the number of exclamation marks in s ("‼" counts
// two).
func Exclamations(s string) int {
	return strings.Count(s, "!") + strings.Count(s, "！") + 2*strings.Count(s, "‼")
}
