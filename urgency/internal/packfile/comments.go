package packfile

import (
	"regexp"
	"strings"
)

// commentText is a YAML comment without its # marks, lines joined.
func commentText(c string) string {
	var words []string
	for _, l := range strings.Split(c, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#"))
		if l != "" {
			words = append(words, l)
		}
	}
	return strings.Join(words, " ")
}

var languageName = regexp.MustCompile(`^\p{Lu}\p{Ll}+$`)

// languageComment reads a comment that names the languages of the terms
// below it ("# Croatian, Bosnian, Serbian", "# German (konto* also
// covers the Polish konto)"): the names, joined by ", "; "" when the
// comment is about something else.
func languageComment(c string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(c), "\n")
	first = strings.TrimSpace(strings.TrimPrefix(first, "#"))
	first, _, _ = strings.Cut(first, "(")
	var names []string
	for _, n := range strings.Split(first, ",") {
		n = strings.TrimSpace(n)
		if !languageName.MatchString(n) {
			return ""
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}
