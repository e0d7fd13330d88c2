package termsafe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"T-1":                          "T-1",
		"Zahlung fehlgeschlagen ✓":     "Zahlung fehlgeschlagen ✓",
		"\x1b[2J\x1b]0;pwned\x07":      `\u001b[2J\u001b]0;pwned\u0007`,
		"a\tb\nc\rd\x00e\x7f\b\f":      `a\tb\nc\rd\u0000e\u007f\b\f`,
		"\u009b31m\u0085\u0080":        `\u009b31m\u0085\u0080`,
		"abc\u202edcba\u2066\u2069":    `abc\u202edcba\u2066\u2069`,
		"\u200e\u200f\u061c":           `\u200e\u200f\u061c`,
		"bad \xff\xc2 utf-8":           "bad \uFFFD\uFFFD utf-8",
		"👩‍💻 zero\u200bwidth ش\u200cی": "👩‍💻 zero\u200bwidth ش\u200cی", // joiners pass
		`a\u001b`:                      `a\u001b`,                      // a backslash is left as it is
	} {
		assert.Equal(t, want, String(in), "%q", in)
	}
}

// TestStringIsJSONEscape: within a JSON string, what String writes reads
// back as the original character.
func TestStringIsJSONEscape(t *testing.T) {
	in := "id \x1b[31m \u009b \u202e \x7f \n\t\r\b\f\x01 end"
	var back string
	require.NoError(t, json.Unmarshal([]byte(`"`+String(in)+`"`), &back))
	assert.Equal(t, in, back)
}

func TestWriter(t *testing.T) {
	in := "RANK\tID\n1\t\x1b[31mred\u009b\u202e ok ✓ 👩‍💻\n\xff\n"
	want := "RANK\tID\n1\t\\u001b[31mred\\u009b\\u202e ok ✓ 👩‍💻\n\uFFFD\n"
	var whole bytes.Buffer
	w := NewWriter(&whole)
	n, err := w.Write([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, len(in), n)
	require.NoError(t, w.Flush())
	assert.Equal(t, want, whole.String())

	// Written in pieces of every size, characters cut between writes.
	for size := 1; size <= 5; size++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		for p := in; p != ""; {
			k := min(size, len(p))
			n, err := w.Write([]byte(p[:k]))
			require.NoError(t, err)
			require.Equal(t, k, n)
			p = p[k:]
		}
		require.NoError(t, w.Flush())
		assert.Equal(t, want, out.String(), "pieces of %d bytes", size)
	}

	// A character cut by the last write is shown as U+FFFD on Flush.
	var out bytes.Buffer
	w = NewWriter(&out)
	_, err = w.Write([]byte("ok \xe2\x80"))
	require.NoError(t, err)
	assert.Equal(t, "ok ", out.String())
	require.NoError(t, w.Flush())
	assert.Equal(t, "ok \uFFFD", out.String())
}

// TestWriterOutputIsSafe: whatever goes in, nothing that acts on a
// terminal comes out but tab and newline, and the output is UTF-8.
func TestWriterOutputIsSafe(t *testing.T) {
	var in strings.Builder
	for r := rune(0); r < 0x2100; r++ {
		in.WriteRune(r)
	}
	in.WriteString("\xff\xfe\xc0\x80")
	var out bytes.Buffer
	w := NewWriter(&out)
	_, err := w.Write([]byte(in.String()))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	assert.True(t, utf8.Valid(out.Bytes()))
	for _, r := range out.String() {
		if r != '\n' && r != '\t' {
			assert.False(t, actsOnTerminal(r), "%U came out raw", r)
		}
	}
}
