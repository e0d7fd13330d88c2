// Package match normalizes ticket text and finds the terms of named word
// lists in it.
//
// # Folding
//
// [Fold] and [AppendFold] turn raw text into a canonical sequence of words.
// The folded form is built rune by rune, so folding is context free:
//
//   - Compatibility characters are decomposed (NFKD): fullwidth "Ｐａｙ" is
//     "pay", the ligature "ﬁ" is "fi", "½" is "1 2", "㎏" is "kg".
//   - Letters are fully case folded ("ß" and "ẞ" are "ss", "ς" is "σ") and
//     then lower-cased where folding leaves an upper-case letter (Cherokee).
//   - Every combining mark (categories Mn, Mc and Me) is dropped, both the
//     ones produced by decomposition ("é" is "e", "ą" is "a") and the ones in
//     the input ("c\u0301" is "c").
//   - Format characters (category Cf, such as the soft hyphen, zero width
//     joiners and bidirectional marks) are dropped without splitting the
//     word, except U+200B ZERO WIDTH SPACE, which separates words.
//   - Letters that do not decompose are spelled out: ł→l, đ→dj, ø→o, æ→ae,
//     œ→oe, þ→th, ı→i, ð→d, ħ→h, ŧ→t, ŋ→ng and a few more (see foldtable.go).
//   - Cyrillic is transliterated to Latin with Serbian and Croatian
//     conventions: а б в г д ђ е ж з и ј к л љ м н њ о п р с т ћ у ф х ц ч џ
//     ш become a b v g d dj e z z i j k l lj m n nj o p r s t c u f h c c dz
//     s, matching the folded Latin spelling (ć, č → c; ž → z; š → s;
//     đ → dj). Other Cyrillic letters: ы→y, э→e, ю→ju, я→ja, й→j, ё→e,
//     ѓ→g, ќ→k, ѕ→dz, є→je, і→i, ї→ji, ґ→g, ў→u, щ→sc; ь and ъ are dropped.
//   - Greek and all other scripts keep their letters (case folded, marks
//     dropped, which loses vowel signs and kana voicing marks but treats
//     terms and text alike). Hangul syllables and CJK ideographs are kept
//     as they are.
//   - Input does not need to be normalized: precomposed and decomposed
//     characters fold alike. The one composition that matters, a Cyrillic
//     и or і followed by a combining breve or diaeresis (й, ї), is
//     recognized. Conjoining Hangul jamo are not composed into syllables.
//   - Letters (category L) and numbers (category N, after decomposition) are
//     word characters. Everything else is a word separator: spaces,
//     punctuation, symbols, apostrophes of every kind ("l'application" and
//     "l’application" are the words "l" and "application"), hyphens
//     ("e-mail" is "e mail"), unassigned and private use code points, and
//     every byte of invalid UTF-8.
//
// The result consists of non-empty words separated by exactly one ASCII
// space, with no leading or trailing space. Every word is made of letters
// and digits that fold to themselves, so Fold is idempotent, and any text
// in the supported Latin-script languages folds to lower-case ASCII.
//
// # Matching
//
// A [Builder] collects terms into named lists and builds an immutable
// [Matcher]. A term is one or more words; "*" at the end of a word makes
// that word match as a prefix ("charg*" matches "charge" and "charging",
// but "pay*" does not match "repayment"); "*" at the start of a word makes
// it match the end of a longer word ("*ausfall" matches "serverausfall"),
// and "*" at both ends anywhere inside one ("*ausfall*" also matches
// "ausfallzeiten"), for languages that compound. A term of several words matches
// those words consecutively in the folded text. Because punctuation is only
// a separator, "ne radi" also matches "Ne, radi" and a line break between
// the two words.
//
// [Matcher.Scan] folds a text once and walks its words once through a
// double-array trie that holds every word of every term, so the cost of a
// scan depends on the length of the text, not on the number of terms. Words
// starting with "*" sit in a second trie that the same pass walks from each
// byte of each word, so they cost in proportion to the length of the words
// (a walk stops at the first byte no such word continues with).
// Results go into a reusable [Hits], which counts the distinct terms found
// per list.
//
// # Statistics
//
// [Words], [Shouting] and [Exclamations] measure raw, unfolded text.
package match
