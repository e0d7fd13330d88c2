package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/urgency"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunTiny(t *testing.T) {
	code, out, errs := runCmd("-data", "testdata", "-datasets", "tiny", "-thresholds", "0.3,0.6", "-k", "1,2")
	require.Equal(t, 0, code, errs)
	assert.Empty(t, errs)
	for _, want := range []string{
		"## tiny",
		"5 tickets, 2 pairs (1 dissimilar, 1 similar); 3 gold clusters, 1 of them of two or more tickets (largest 3), 3 gold links.",
		"| similarity | pred links | pair P |",
		"| 0.3 ", "| 0.6 ", "| each alone ",
		"| gold       |        3 |     2 |",
		"| urgency.Index, all ",
		"| TF-IDF cosine, similar ",
		"R@1 |   R@2 |",
		"REP 0.60–0.72",
		"| tf-idf lookups ",
	} {
		assert.Contains(t, out, want)
	}
	// TF-IDF finds D2 first from D1, D1 first from D2, D2 first from D3
	// but D3 only second from D2: recall@1 of all four queries is 3/4.
	assert.Regexp(t, `\| TF-IDF cosine, all +\| +2 \| +4 \| 0\.750 \| 1\.000 \| +0\.875 \|`, out)
	assert.NotContains(t, out, "**Problem:**")
}

func TestRunClusteringOnly(t *testing.T) {
	code, out, errs := runCmd("-data", "testdata", "-datasets", "tiny", "-thresholds", "0.5", "-lookup=false")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "| 0.5 ")
	assert.Contains(t, out, "| clusters, similarity 0.5 ")
	assert.NotContains(t, out, "Similar-ticket lookup")
	assert.NotContains(t, out, "| tf-idf lookups ")
}

// TestRunWrongLinks: -wrong lists the clusters holding a link the gold
// does not, with each member's gold cluster and subject; at 0.3 D4, of a
// gold cluster of its own, joins D1 and D2.
func TestRunWrongLinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wrong.md")
	code, _, errs := runCmd("-data", "testdata", "-datasets", "tiny", "-thresholds", "0.3,0.6", "-lookup=false", "-wrong", path)
	require.Equal(t, 0, code, errs)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `## tiny, similarity 0.3: 2 of 3 links wrong, in 1 clusters

3 tickets, 1 of 3 links right:

- D1 (gold D1): Alpha beta
- D2 (gold D1): alpha/beta gamma
- D4 (gold D4): alpha epsilon

## tiny, similarity 0.6: 0 of 1 links wrong, in 0 clusters

`, string(got))

	code, _, errs = runCmd("-data", "testdata", "-datasets", "tiny", "-lookup=false", "-wrong", filepath.Join(t.TempDir(), "no", "such", "dir", "w.md"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "dupeval: -wrong: ")
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no data directory", []string{"-data", "testdata/nosuch"}, 1, "data directory testdata/nosuch not found"},
		{"no dataset", []string{"-data", "testdata", "-datasets", "tiny,nosuch"}, 1, "dataset nosuch:"},
		{"bad threshold", []string{"-thresholds", "0.5,2"}, 2, `-thresholds: "2": out of 0..1`},
		{"bad k", []string{"-k", "0"}, 2, `-k: "0": below 1`},
		{"argument", []string{"extra"}, 2, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, errs, tt.stderr)
			assert.Empty(t, out)
		})
	}
}

func TestParsePairs(t *testing.T) {
	got, err := parsePairs(strings.NewReader("a,b,kind\nx,y,similar\n y , z ,dissimilar\n"), "p.csv")
	require.NoError(t, err)
	assert.Equal(t, []Pair{{"x", "y", "similar"}, {"y ", "z ", "dissimilar"}}, got)

	_, err = parsePairs(strings.NewReader("a,b\nx,y\n"), "p.csv")
	assert.EqualError(t, err, `p.csv: header "a,b", want a,b,kind`)
	_, err = parsePairs(strings.NewReader("a,b,kind\nx,y\n"), "p.csv")
	assert.EqualError(t, err, "p.csv:2: 2 fields, want 3")
}

// TestReadTicketsLongLine: a line over urgency.MaxLineSize looped for
// ever (issue 11); dupeval measures against every ticket of a dataset, so
// it stops on it, naming the line.
func TestReadTicketsLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.jsonl")
	lines := `{"id":"A","created_at":"2026-11-22T09:00:00Z"}` + "\n" +
		`{"id":"OVER","body":"` + strings.Repeat("y", urgency.MaxLineSize) + `"}` + "\n" +
		`{"id":"B","created_at":"2026-11-22T09:00:00Z"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(lines), 0o644))
	_, err := readTickets(path)
	require.Error(t, err)
	assert.Equal(t, path+": line 2: the line is longer than 32 MiB, the most a ticket line may hold", err.Error())
}
