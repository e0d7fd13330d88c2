package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExplainGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		args   []string
	}{
		// A ticket of the 502 burst, and the same customer writing twice.
		{"explain.golden", []string{"explain", "-now", fixedNow, "-id", "T-1034", "-id", "T-1038", ticketsFile}},
		{"explain.json.golden", []string{"explain", "-now", fixedNow, "-format", "json", "-id", "T-1034", ticketsFile}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", tt.args...)
			requireOK(t, r)
			golden(t, tt.golden, r.stdout)
		})
	}
}

// explainLine is one line of explain -format json, as far as the test
// reads it.
type explainLine struct {
	Rank      int      `json:"rank"`
	Of        int      `json:"of"`
	ID        string   `json:"id"`
	Level     string   `json:"level"`
	Queue     string   `json:"queue"`
	QueueRule string   `json:"queue_rule"`
	Why       []string `json:"why"`
	Rules     []struct {
		Rule    string          `json:"rule"`
		Status  string          `json:"status"`
		Points  float64         `json:"points"`
		Missing []string        `json:"missing"`
		Error   string          `json:"error"`
		When    json.RawMessage `json:"when"`
	} `json:"rules"`
}

// TestExplainMatchesRank checks explain against rank for every ticket:
// the same place, level and queue, its matched rules are rank's rules,
// and every rule of the pack has a status with its reason.
func TestExplainMatchesRank(t *testing.T) {
	t.Parallel()
	rk := runCmd(t, "", "rank", "-now", fixedNow, "-format", "json", "-explain", ticketsFile)
	requireOK(t, rk)
	ranked := parseJSON(t, rk.stdout)
	args := []string{"explain", "-now", fixedNow, "-format", "json"}
	for _, l := range ranked {
		args = append(args, "-id", l.ID)
	}
	r := runCmd(t, "", append(args, ticketsFile)...)
	requireOK(t, r)
	out := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, out, len(ranked))
	for i, text := range out {
		var x explainLine
		require.NoError(t, json.Unmarshal([]byte(text), &x))
		want := ranked[i]
		assert.Equal(t, want.ID, x.ID)
		assert.Equal(t, want.Rank, x.Rank)
		assert.Equal(t, len(ranked), x.Of)
		assert.Equal(t, want.Level, x.Level)
		assert.Equal(t, want.Queue, x.Queue)
		assert.Equal(t, want.Why, x.Why)
		assert.Equal(t, want.Queue == "", x.QueueRule == "", "ticket %s", x.ID)
		var matched []string
		for _, rule := range x.Rules {
			switch rule.Status {
			case "matched":
				matched = append(matched, rule.Rule)
				assert.NotEmpty(t, rule.When, "ticket %s rule %s: why it matched", x.ID, rule.Rule)
			case "not matched":
				assert.NotEmpty(t, rule.When, "ticket %s rule %s: why not", x.ID, rule.Rule)
			case "skipped":
				assert.NotEmpty(t, rule.Missing, "ticket %s rule %s: what is missing", x.ID, rule.Rule)
			case "failed":
				assert.NotEmpty(t, rule.Error, "ticket %s rule %s", x.ID, rule.Rule)
			default:
				t.Errorf("ticket %s rule %s: status %q", x.ID, rule.Rule, rule.Status)
			}
		}
		assert.Equal(t, want.Rules, nonNil(matched), "ticket %s", x.ID)
		if want.Queue != "" {
			assert.Contains(t, matched, x.QueueRule, "ticket %s", x.ID)
		}
	}
}

func TestExplainUsage(t *testing.T) {
	t.Parallel()
	tests := []usageCase{
		{"no id", []string{"explain", "-now", fixedNow, ticketsFile}, 2, "-id ID"},
		{"unknown id", []string{"explain", "-now", fixedNow, "-id", "T-1", ticketsFile}, 1, `no ticket with id "T-1"`},
		{"format xml", []string{"explain", "-format", "xml", "-id", "T-1001", ticketsFile}, 2, "-format must be table or json"},
		{"bad now", []string{"explain", "-now", "tomorrow", "-id", "T-1001", ticketsFile}, 2, "urgency explain: -now"},
		{"two files", []string{"explain", "-id", "T-1001", ticketsFile, ticketsFile}, 2, "one tickets file"},
	}
	runUsageCases(t, tests)
}
