package packfile

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestPositionMarks: positions found from the marks kept every posStride
// characters are those of a walk from the start, in every style of
// scalar, across folded lines and escapes.
func TestPositionMarks(t *testing.T) {
	var words []string
	for i := range 400 {
		words = append(words, fmt.Sprintf(`subject != "w\u00e9%d"`, i))
	}
	expr := strings.Join(words, " && ")
	for _, when := range []string{
		strconv.Quote(expr),
		"'" + strings.ReplaceAll(expr, " && ", " &&\n      ") + "'",
		"|\n      " + strings.ReplaceAll(expr, " && ", " &&\n      "),
		">\n      " + strings.ReplaceAll(expr, " && ", " &&\n      "),
	} {
		data := "version: 1\nname: t\nlevels:\n  - {name: low, respond_within: 24h}\nrules:\n  - name: long\n    when: " + when + "\n"
		p, errs := Read(fstest.MapFS{"p.yaml": {Data: []byte(data)}}, []string{"p.yaml"}, Options{})
		require.Empty(t, errs)
		src := p.Rules[0].When
		require.NotNil(t, src.marks)
		plain := src
		plain.marks = nil
		n := utf8.RuneCountInString(src.Text)
		require.Greater(t, n, 4*posStride)
		for k := 0; k <= n+1; k += 61 {
			require.Equal(t, plain.Position(k), src.Position(k), "offset %d of %s", k, when[:20])
		}
	}
}

// TestSuggest checks the suggestions rule files and test files share: a
// swap of neighbours is one edit ("scroe"), and a name with nothing in
// common with the candidates gets none.
func TestSuggest(t *testing.T) {
	tests := []struct {
		s          string
		candidates []string
		want       string
	}{
		{"scroe", []string{"score", "queue"}, ` (did you mean "score"?)`},
		{"levle", []string{"id", "level"}, ` (did you mean "level"?)`},
		{"Level", []string{"level"}, ` (did you mean "level"?)`},
		{"level", []string{"level"}, ""},
		{"di", []string{"id", "due"}, ` (did you mean "id"?)`},
		{"X", []string{"A", "B"}, ""},
		{"xy", []string{"ab"}, ""},
		{"payment-fail", []string{"payment-failure"}, ` (did you mean "payment-failure"?)`},
		{"zzzzzz", []string{"score"}, ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Suggest(tt.s, tt.candidates), "%q in %q", tt.s, tt.candidates)
	}
}
