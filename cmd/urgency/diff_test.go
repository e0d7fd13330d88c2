package main

import (
	"bufio"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default pack as files, and the same with the rules of
// testdata/diff/extra.yaml added.
var (
	defaultFiles = []string{"-new", "../../rules/default/pack.yaml", "-new", "../../rules/default/lists.yaml"}
	extraFiles   = append(slices.Clone(defaultFiles), "-new", "testdata/diff/extra.yaml")
)

// asOld turns -new flags into -old flags.
func asOld(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if a == "-new" {
			out[i] = "-old"
		}
	}
	return out
}

func diffArgs(packs []string, extra ...string) []string {
	args := append([]string{"diff", "-now", fixedNow}, packs...)
	return append(append(args, extra...), ticketsFile)
}

// diffJSON mirrors diff -format json; decoding it with unknown fields
// disallowed keeps the field names stable.
type diffJSON struct {
	Old, New struct {
		Pack  string   `json:"pack"`
		Rules []string `json:"rules"`
	}
	Now     time.Time `json:"now"`
	Tickets int       `json:"tickets"`
	Levels  []struct {
		Level  string `json:"level"`
		Old    int    `json:"old"`
		New    int    `json:"new"`
		Status string `json:"status"`
	} `json:"levels"`
	Counts countsJSON `json:"counts"`
	Failed struct {
		Old int `json:"old"`
		New int `json:"new"`
	} `json:"failed"`
	Rules   []ruleCountJSON `json:"rules"`
	Changes []changeJSON    `json:"changes"`
	Moves   int             `json:"moves"`
}

type ruleCountJSON struct {
	Rule      string `json:"rule"`
	Old       int    `json:"old"`
	New       int    `json:"new"`
	Gained    int    `json:"gained"`
	Lost      int    `json:"lost"`
	FailedOld int    `json:"failed_old"`
	FailedNew int    `json:"failed_new"`
	Status    string `json:"status"`
}

type changeJSON struct {
	ID      string   `json:"id"`
	Subject string   `json:"subject"`
	Changed []string `json:"changed"`
	Move    int      `json:"move"`
	Old     sideJSON `json:"old"`
	New     sideJSON `json:"new"`
	Gained  []string `json:"rules_gained"`
	Lost    []string `json:"rules_lost"`
	TagsIn  []string `json:"tags_gained"`
	TagsOut []string `json:"tags_lost"`
}

type sideJSON struct {
	Rank  int       `json:"rank"`
	Level string    `json:"level"`
	Queue string    `json:"queue"`
	Score float64   `json:"score"`
	Due   time.Time `json:"due"`
	Rules []string  `json:"rules"`
	Tags  []string  `json:"tags"`
}

func parseDiff(t *testing.T, out string) diffJSON {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(out))
	d.DisallowUnknownFields()
	var got diffJSON
	require.NoError(t, d.Decode(&got), out)
	require.NotNil(t, got.Rules, "rules is a list, never null")
	require.NotNil(t, got.Changes, "changes is a list, never null")
	return got
}

func (d diffJSON) change(t *testing.T, id string) changeJSON {
	t.Helper()
	i := slices.IndexFunc(d.Changes, func(c changeJSON) bool { return c.ID == id })
	require.GreaterOrEqual(t, i, 0, "%s is not listed", id)
	return d.Changes[i]
}

func (d diffJSON) levelDelta() map[string]int {
	m := make(map[string]int)
	for _, l := range d.Levels {
		m[l.Level] = l.New - l.Old
	}
	return m
}

var packHash = regexp.MustCompile(`@[0-9a-f]{12}\b`)

func TestDiffGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		golden string
		extra  []string
	}{
		{"diff.golden", nil},
		{"diff.json.golden", []string{"-format", "json"}},
		{"diff_moves.golden", []string{"-moves", "1"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, "", diffArgs(extraFiles, tt.extra...)...)
			requireOK(t, r)
			// The hash changes with every edit of the default pack, even
			// of a comment; what the diff says does not.
			golden(t, tt.golden, packHash.ReplaceAllString(r.stdout, "@HASH"))
		})
	}
}

// polishTickets returns the IDs of the sample tickets in Polish.
func polishTickets(t *testing.T) []string {
	t.Helper()
	var ids []string
	s := bufio.NewScanner(strings.NewReader(readFile(t, ticketsFile)))
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		var v struct {
			ID       string `json:"id"`
			Language string `json:"language"`
		}
		require.NoError(t, json.Unmarshal(s.Bytes(), &v))
		if v.Language == "pl" {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

// TestDiffAddedRules checks the diff of the default pack against the same
// with the rules of testdata/diff/extra.yaml, whose comments say which
// tickets they must change.
func TestDiffAddedRules(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", diffArgs(extraFiles, "-format", "json")...)
	requireOK(t, r)
	d := parseDiff(t, r.stdout)

	assert.Equal(t, []string{"default"}, d.Old.Rules)
	assert.Equal(t, []string{"../../rules/default/pack.yaml", "../../rules/default/lists.yaml", "testdata/diff/extra.yaml"}, d.New.Rules)
	assert.NotEqual(t, d.Old.Pack, d.New.Pack)
	assert.Equal(t, len(inputIDs(t, ticketsFile)), d.Tickets)
	assert.Equal(t, map[string]int{"critical": 1, "high": 0, "normal": -1, "low": 0}, d.levelDelta())
	for _, l := range d.Levels {
		assert.Empty(t, l.Status, "both packs have level %s", l.Level)
	}

	// flagged-premium: T-1079 (flagged, premium) goes from normal to
	// critical, due 1h after creation instead of 24h; it gains no points.
	assert.Equal(t, 1, d.Counts.Level)
	c := d.Changes[0]
	assert.Equal(t, "T-1079", c.ID, "the level change comes first")
	assert.Equal(t, "normal", c.Old.Level)
	assert.Equal(t, "critical", c.New.Level)
	assert.Equal(t, []string{"flagged-premium"}, c.Gained)
	assert.Empty(t, c.Lost)
	assert.Equal(t, c.Old.Score, c.New.Score)
	assert.Equal(t, -23*time.Hour, c.New.Due.Sub(c.Old.Due))
	assert.Equal(t, []string{"level", "due", "rules", "rank"}, c.Changed)
	assert.Equal(t, c.Old.Rank-c.New.Rank, c.Move)
	assert.Greater(t, c.Move, 5)
	assert.LessOrEqual(t, c.New.Rank, 48, "among the criticals")

	// polish-queue: every Polish ticket matches it; it routes only those
	// without a queue of more points.
	queues := map[string][2]string{}
	for _, c := range d.Changes[1:] {
		assert.NotContains(t, c.Changed, "level", c.ID)
		assert.NotContains(t, c.Changed, "score", c.ID)
		if slices.Contains(c.Changed, "queue") {
			queues[c.ID] = [2]string{c.Old.Queue, c.New.Queue}
		}
	}
	assert.Equal(t, map[string][2]string{
		"T-1040": {"", "polish"},
		"T-1049": {"", "polish"},
		"T-1065": {"", "polish"},
		"T-1074": {"product", "polish"},
	}, queues)
	assert.Equal(t, 4, d.Counts.Queue)
	polish := polishTickets(t)
	require.Len(t, polish, 7)
	var gained []string
	for _, c := range d.Changes {
		if slices.Contains(c.Gained, "polish-queue") {
			gained = append(gained, c.ID)
		}
	}
	assert.ElementsMatch(t, polish, gained)
	assert.Equal(t, len(polish)+1, d.Counts.Rules)

	type rule struct {
		name           string
		old, new, gain int
		status         string
	}
	var rules []rule
	for _, r := range d.Rules {
		rules = append(rules, rule{r.Rule, r.Old, r.New, r.Gained, r.Status})
		assert.Zero(t, r.Lost, r.Rule)
	}
	assert.Equal(t, []rule{
		{"polish-queue", 0, 7, 7, "added"},
		{"flagged-premium", 0, 1, 1, "added"},
		{"fax", 0, 0, 0, "added"}, // listed although it matches nothing
	}, rules)

	// Most significant first: the level change, the queue changes, the
	// rest; in each, the biggest move first.
	class := func(c changeJSON) int {
		switch {
		case slices.Contains(c.Changed, "level"):
			return 0
		case slices.Contains(c.Changed, "queue"):
			return 1
		case slices.Equal(c.Changed, []string{"rank"}):
			return 3
		}
		return 2
	}
	for i := 1; i < len(d.Changes); i++ {
		a, b := d.Changes[i-1], d.Changes[i]
		require.LessOrEqual(t, class(a), class(b), "%s before %s", a.ID, b.ID)
		if class(a) == class(b) {
			assert.GreaterOrEqual(t, abs(a.Move), abs(b.Move), "%s before %s", a.ID, b.ID)
		}
	}

	// The tickets that only moved by a place or two because T-1079 moved
	// are counted, not listed.
	assert.Equal(t, 5, d.Moves)
	assert.Positive(t, d.Counts.Hidden)
	assert.Equal(t, d.Counts.Changed, d.Counts.Listed+d.Counts.Hidden)
	assert.Len(t, d.Changes, d.Counts.Listed)
	assert.Equal(t, d.Counts.Rank, d.Counts.Up+d.Counts.Down)
	assert.Equal(t, 1, d.Counts.Up, "only T-1079 moves up")

	all := runCmd(t, "", diffArgs(extraFiles, "-format", "json", "-moves", "1")...)
	requireOK(t, all)
	da := parseDiff(t, all.stdout)
	assert.Equal(t, d.Counts.Changed, da.Counts.Listed)
	assert.Zero(t, da.Counts.Hidden)
	var hidden int
	for _, c := range da.Changes {
		if !slices.ContainsFunc(d.Changes, func(l changeJSON) bool { return l.ID == c.ID }) {
			hidden++
			assert.Equal(t, []string{"rank"}, c.Changed, c.ID)
			assert.Less(t, abs(c.Move), 5, c.ID)
			assert.Equal(t, c.Old.Level, c.New.Level, c.ID)
		}
	}
	assert.Equal(t, d.Counts.Hidden, hidden)

	table := runCmd(t, "", diffArgs(extraFiles)...)
	requireOK(t, table)
	assert.Contains(t, table.stdout, "T-1079")
	assert.Contains(t, table.stdout, "normal→critical")
	assert.Contains(t, table.stdout, "product→polish")
	assert.Contains(t, table.stdout, "+flagged-premium")
	assert.Contains(t, table.stdout, "-moves 1 lists them")
}

// TestDiffReversed: the diff from B to A is the diff from A to B the
// other way round.
func TestDiffReversed(t *testing.T) {
	t.Parallel()
	fwd := runCmd(t, "", diffArgs(extraFiles, "-format", "json", "-moves", "1")...)
	requireOK(t, fwd)
	rev := runCmd(t, "", diffArgs(append(asOld(extraFiles), "-new", "default"), "-format", "json", "-moves", "1")...)
	requireOK(t, rev)
	f, b := parseDiff(t, fwd.stdout), parseDiff(t, rev.stdout)

	assert.Equal(t, f.Old.Pack, b.New.Pack)
	assert.Equal(t, f.New.Pack, b.Old.Pack)
	assert.Equal(t, f.Counts, b.Counts.swapped())
	require.Len(t, b.Levels, len(f.Levels))
	for i := range f.Levels {
		assert.Equal(t, f.Levels[i].Old, b.Levels[i].New)
		assert.Equal(t, f.Levels[i].New, b.Levels[i].Old)
	}
	require.Len(t, b.Rules, len(f.Rules))
	for i, r := range f.Rules {
		assert.Equal(t, r.Rule, b.Rules[i].Rule)
		assert.Equal(t, r.Gained, b.Rules[i].Lost)
		assert.Equal(t, "removed", b.Rules[i].Status)
	}
	require.Len(t, b.Changes, len(f.Changes))
	for _, c := range f.Changes {
		r := b.change(t, c.ID)
		assert.Equal(t, c.Old, r.New, c.ID)
		assert.Equal(t, c.New, r.Old, c.ID)
		assert.Equal(t, -c.Move, r.Move, c.ID)
		assert.Equal(t, c.Gained, r.Lost, c.ID)
		assert.Equal(t, c.Changed, r.Changed, c.ID)
	}
}

// countsJSON is the counts of diff -format json; the names match the
// JSON's, which are lower case.
type countsJSON struct {
	Changed, Level, Queue, Due, Score, Rules, Tags, Rank, Up, Down, Listed, Hidden int
}

// swapped is the counts of the reversed diff: up and down trade places.
func (c countsJSON) swapped() countsJSON {
	c.Up, c.Down = c.Down, c.Up
	return c
}

// TestDiffIdentical compares the embedded default pack with its files on
// disk: nothing changes, and -exit-code says so.
func TestDiffIdentical(t *testing.T) {
	t.Parallel()
	args := diffArgs(append(asOld(defaultFiles), "-new", "default"), "-exit-code")
	r := runCmd(t, "", args...)
	requireOK(t, r)
	assert.Contains(t, r.stdout, "\nno ticket changed\n")
	assert.NotContains(t, r.stdout, "RULE")
	assert.NotContains(t, r.stdout, "→")

	js := runCmd(t, "", append(args[:len(args)-1:len(args)-1], "-format", "json", ticketsFile)...)
	requireOK(t, js)
	d := parseDiff(t, js.stdout)
	assert.True(t, strings.HasPrefix(d.New.Pack, "default@"), d.New.Pack)
	assert.True(t, strings.HasPrefix(d.Old.Pack, "default@"), d.Old.Pack)
	assert.Zero(t, d.Counts)
	assert.Empty(t, d.Rules)
	assert.Empty(t, d.Changes)
	for _, l := range d.Levels {
		assert.Equal(t, l.Old, l.New, l.Level)
	}

	changed := runCmd(t, "", diffArgs(extraFiles, "-exit-code")...)
	assert.Equal(t, exitDiffers, changed.code, "stderr:\n%s", changed.stderr)
	assert.Empty(t, changed.stderr)
	assert.NotEmpty(t, changed.stdout)
}

// TestDiffOtherLevels compares packs with different levels: each level
// appears once, those of one pack only marked, in the order of both.
func TestDiffOtherLevels(t *testing.T) {
	t.Parallel()
	r := runCmd(t, "", diffArgs([]string{"-new", darkPack}, "-format", "json")...)
	requireOK(t, r)
	d := parseDiff(t, r.stdout)
	var got []string
	for _, l := range d.Levels {
		got = append(got, l.Level+":"+l.Status)
	}
	assert.Equal(t, []string{"urgent:added", "critical:removed", "high:removed", "normal:removed", "low:"}, got)
	assert.Equal(t, 2, d.Levels[0].New, "the two dark mode requests")
	assert.Equal(t, d.Tickets-2, d.Levels[4].New)
	for _, id := range []string{"T-1072", "T-1076"} {
		c := d.change(t, id)
		assert.Equal(t, "low", c.Old.Level, id)
		assert.Equal(t, "urgent", c.New.Level, id)
		assert.Equal(t, []string{"dark-mode"}, c.Gained, id)
	}

	table := runCmd(t, "", diffArgs([]string{"-new", darkPack})...)
	requireOK(t, table)
	assert.Regexp(t, `(?m)^urgent +- +2 +\+2$`, table.stdout)
	assert.Regexp(t, `(?m)^critical +\d+ +- +-\d+$`, table.stdout)
}

// TestDiffBadPack: a pack that does not load is reported as check reports
// it, naming the side; both sides are checked in one run.
func TestDiffBadPack(t *testing.T) {
	t.Parallel()
	check := runCmd(t, "", "check", "-rules", badRules)
	require.Equal(t, 1, check.code)

	r := runCmd(t, "", "diff", "-old", badRules, "-now", fixedNow, ticketsFile)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, check.stderr+"urgency diff: the -old pack does not load\n", r.stderr)

	const keys = badRules + "/keys.yaml"
	checkKeys := runCmd(t, "", "check", "-rules", keys)
	require.Equal(t, 1, checkKeys.code)
	assert.Contains(t, checkKeys.stderr, keys+`:6:5: rule "premium": unknown rule key "points"`)
	r = runCmd(t, "", "diff", "-old", badRules, "-new", keys, "-now", fixedNow, ticketsFile)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, check.stderr+"urgency diff: the -old pack does not load\n"+
		checkKeys.stderr+"urgency diff: the -new pack does not load\n", r.stderr)
}

func TestDiffInput(t *testing.T) {
	t.Parallel()
	want := runCmd(t, "", diffArgs(extraFiles)...)
	requireOK(t, want)
	input := readFile(t, ticketsFile)
	for _, args := range [][]string{
		append(append([]string{"diff", "-now", fixedNow}, extraFiles...), "-"),
		append([]string{"diff", "-now", fixedNow}, extraFiles...),
	} {
		got := runCmd(t, input, args...)
		requireOK(t, got)
		assert.Equal(t, want.stdout, got.stdout)
	}

	const name = "testdata/bad_tickets.jsonl"
	bad := runCmd(t, "", "diff", "-new", darkPack, "-now", fixedNow, name)
	assert.Equal(t, 1, bad.code)
	assert.Empty(t, bad.stdout)
	assert.Contains(t, bad.stderr, name+":3: ")

	skipped := runCmd(t, "", "diff", "-new", darkPack, "-now", fixedNow, "-skip-bad", name)
	require.Equal(t, 0, skipped.code, "stderr:\n%s", skipped.stderr)
	assert.Contains(t, skipped.stderr, name+":3: ")
	assert.Contains(t, skipped.stdout, "4 tickets ranked at")
}

func TestDiffUsage(t *testing.T) {
	t.Parallel()
	tests := []usageCase{
		{"no pack", []string{"diff", ticketsFile}, 2, "-new"},
		{"format xml", []string{"diff", "-new", darkPack, "-format", "xml", ticketsFile}, 2, "-format must be table or json"},
		{"moves 0", []string{"diff", "-new", darkPack, "-moves", "0", ticketsFile}, 2, "-moves must be at least 1"},
		{"default with files", []string{"diff", "-new", darkPack, "-old", "default", "-old", darkPack, ticketsFile}, 2, "-old default"},
		{"bad now", []string{"diff", "-new", darkPack, "-now", "noon", ticketsFile}, 2, "RFC 3339"},
		{"two files", []string{"diff", "-new", darkPack, ticketsFile, ticketsFile}, 2, "one tickets file"},
		{"unknown flag", []string{"diff", "-rules", darkPack, ticketsFile}, 2, "-rules"},
		{"missing tickets file", []string{"diff", "-new", darkPack, "testdata/no_such.jsonl"}, 1, "no_such.jsonl"},
		{"missing pack", []string{"diff", "-new", "testdata/no_such.yaml", ticketsFile}, 1, "testdata/no_such.yaml"},
	}
	runUsageCases(t, tests)
}

// TestDiffRunTimeFailures: a rule that fails on tickets at run time is
// counted per pack and per rule, so a lead sees it before it goes live.
func TestDiffRunTimeFailures(t *testing.T) {
	t.Parallel()
	const fields = "testdata/diff/fields.yaml"
	r := runCmd(t, "", diffArgs([]string{"-old", darkPack, "-new", fields}, "-format", "json")...)
	requireOK(t, r)
	d := parseDiff(t, r.stdout)
	assert.Equal(t, 0, d.Failed.Old)
	assert.Equal(t, d.Tickets, d.Failed.New, "no sample ticket has fields.seats")
	i := slices.IndexFunc(d.Rules, func(r ruleCountJSON) bool { return r.Rule == "big-plan" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "added", d.Rules[i].Status)
	assert.Zero(t, d.Rules[i].New)
	assert.Equal(t, d.Tickets, d.Rules[i].FailedNew)
	// The two dark mode requests fall to low, and nothing rises: the
	// failing rule is skipped, the tickets are still there.
	assert.Equal(t, map[string]int{"urgent": -2, "low": 2}, d.levelDelta())

	table := runCmd(t, "", diffArgs([]string{"-old", darkPack, "-new", fields})...)
	requireOK(t, table)
	assert.Contains(t, table.stdout, "rules failed at run time on 0 tickets with the old pack, 87 with the new")
	assert.Regexp(t, `(?m)^RULE +OLD +NEW +GAINED +LOST +FAILED$`, table.stdout)
	assert.Regexp(t, `(?m)^big-plan +- +0 +0 +0 +-→87$`, table.stdout)
}
