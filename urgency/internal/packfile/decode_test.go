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
