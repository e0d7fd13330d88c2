package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/triagekit/triage/internal/termsafe"
	"github.com/triagekit/triage/urgency"
)

// tableView is how rank prints its table: the width to fit (0: no limit,
// for pipes and files) and whether levels are coloured (a terminal only,
// NO_COLOR unset).
type tableView struct {
	width   int
	color   bool
	explain bool
	now     time.Time
}

// levelColors are the ANSI colours of the levels, most urgent first: red,
// yellow, blue, then dim for the rest.
var levelColors = []string{"\x1b[1;31m", "\x1b[33m", "\x1b[34m", "\x1b[2m"}

const colorReset = "\x1b[0m"

// scoreDecimals is 1 when some rule of the pack gives a constant number
// of points with a fraction, 0 otherwise: a score is shown as an integer
// unless the pack's own points are fractional.
func scoreDecimals(eng *urgency.Engine) int {
	for _, r := range eng.Describe().Rules {
		if r.Score == "" && r.Points != math.Trunc(r.Points) {
			return 1
		}
	}
	return 0
}

func formatScore(f float64, decimals int) string {
	return strconv.FormatFloat(math.Round(f*math.Pow10(decimals))/math.Pow10(decimals), 'f', decimals, 64)
}

// queueHeader is the line above the table: when, with which pack, how
// many tickets at each level, overdue and in clusters.
func queueHeader(eng *urgency.Engine, ranked []urgency.Assessment, now time.Time) string {
	counts := map[string]int{}
	overdue, paused := 0, 0
	clusters := map[string]bool{}
	for i := range ranked {
		a := &ranked[i]
		counts[a.Level]++
		if !a.Due.IsZero() && a.DueIn < 0 {
			overdue++
		}
		if a.Paused {
			paused++
		}
		if a.Cluster.Size > 1 {
			clusters[a.Cluster.ID] = true
		}
	}
	var levels []string
	for _, l := range eng.Levels() {
		levels = append(levels, fmt.Sprintf("%d %s", counts[l.Name], l.Name))
	}
	s := fmt.Sprintf("ranked %s with %s: %d %s (%s), %d overdue",
		now.In(eng.Location()).Format("2006-01-02 15:04 MST"), eng.Version(),
		len(ranked), plural(len(ranked), "ticket", "tickets"), strings.Join(levels, ", "), overdue)
	if paused > 0 {
		s += fmt.Sprintf(", %d paused", paused)
	}
	return s + fmt.Sprintf(", %d %s", len(clusters), plural(len(clusters), "cluster", "clusters"))
}

// writeQueueTable prints the ranked queue as a table that fits the view:
// the columns every row needs are kept whole, the subject is cut to what
// is left of the width, then the tags; never the ID. Every cell is made
// terminal-safe here, so the table may be written with its colours to
// the terminal as it is.
func writeQueueTable(w io.Writer, eng *urgency.Engine, ranked []urgency.Assessment, v tableView) error {
	loc := eng.Location()
	decimals := scoreDecimals(eng)
	levelIndex := map[string]int{}
	for i, l := range eng.Levels() {
		levelIndex[l.Name] = min(i, len(levelColors)-1)
	}
	targets := slices.ContainsFunc(ranked, func(a urgency.Assessment) bool { return a.Ticket.HasServiceFields() })
	head := []string{"RANK", "LEVEL", "SCORE", "LEFT", "DUE(" + zoneName(loc) + ")"}
	if targets {
		head = append(head, "TARGET")
	}
	head = append(head, "QUEUE", "ID", "CUSTOMER", "CLUSTER", "DUP", "SUBJECT", "TAGS")
	rows := make([][]string, len(ranked))
	for i := range ranked {
		a := &ranked[i]
		due, leftCell := "-", "-"
		if !a.Due.IsZero() {
			due, leftCell = a.Due.In(loc).Format("2006-01-02 15:04"), left(a.DueIn)
		}
		row := []string{strconv.Itoa(i + 1), cell(a.Level, 24), formatScore(a.Score, decimals), leftCell, due}
		if targets {
			row = append(row, targetCell(a))
		}
		row = append(row, cell(a.Queue, 24), cell(a.Ticket.ID, 64), cell(a.Ticket.Customer.ID, 24),
			clusterCell(a.Cluster), dupCell(a.Duplicate),
			cell(a.Ticket.Subject, 200), cell(strings.Join(a.Tags, ","), 200))
		rows[i] = row
	}
	widths := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for c, s := range r {
			widths[c] = max(widths[c], utf8.RuneCountInString(s))
		}
	}
	// Without a width the subject and tags keep bounds of their own.
	subjectMax, tagsMax := 60, 64
	if v.width > 0 {
		// On a narrow terminal the columns the queue can do without go
		// first, until the subject has room to be read: the due time
		// (LEFT says it), duplicates, customers, tags, clusters.
		room := func() int {
			n := v.width
			for c := range head {
				if head[c] != "SUBJECT" && head[c] != "TAGS" {
					n -= widths[c] + 2
				}
			}
			return n
		}
		for _, drop := range []string{head[4], "DUP", "CUSTOMER", "TAGS", "CLUSTER"} {
			if room() >= 40 {
				break
			}
			c := slices.Index(head, drop)
			head, widths = slices.Delete(head, c, c+1), slices.Delete(widths, c, c+1)
			for i := range rows {
				rows[i] = slices.Delete(rows[i], c, c+1)
			}
		}
		if tags := slices.Index(head, "TAGS"); tags >= 0 {
			tagsMax = min(widths[tags], max(8, room()/3))
			subjectMax = max(12, room()-tagsMax-2)
		} else {
			subjectMax = max(12, room())
		}
	}
	subjectCol, tagsCol := slices.Index(head, "SUBJECT"), slices.Index(head, "TAGS")
	widths[subjectCol] = min(widths[subjectCol], subjectMax)
	if tagsCol >= 0 {
		widths[tagsCol] = min(widths[tagsCol], tagsMax)
	}

	var b bytes.Buffer
	line := func(r []string, level string) {
		for c, s := range r {
			if c == subjectCol || c == tagsCol {
				s = fit(s, widths[c])
			}
			pad := widths[c] - utf8.RuneCountInString(s)
			if c == len(r)-1 {
				pad = 0
			}
			if c == 1 && v.color && level != "" {
				s = levelColors[levelIndex[level]] + s + colorReset
			}
			b.WriteString(s)
			if c < len(r)-1 {
				b.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		b.WriteByte('\n')
	}
	writeWrapped(&b, termsafe.String(queueHeader(eng, ranked, v.now)), "", v.width)
	line(head, "")
	const indent = "    "
	for i, r := range rows {
		a := &ranked[i]
		line(r, a.Level)
		switch {
		case v.explain:
			for _, why := range a.Why() {
				writeWrapped(&b, termsafe.String(why), indent, v.width)
			}
		case len(a.Errors) > 0:
			fmt.Fprintf(&b, "%s%d %s failed on this ticket (see -explain)\n", indent, len(a.Errors), plural(len(a.Errors), "rule", "rules"))
		}
		if !v.explain {
			// What of the service fields could not be used as given
			// changes the deadline: it is said without -explain too.
			for _, n := range a.Notes {
				writeWrapped(&b, termsafe.String("note: "+n), indent, v.width)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// fit cuts s to n characters, marking the cut with "…".
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}

// writeWrapped writes s indented, broken at spaces to fit width (0: one
// line); a word longer than the width stays whole.
func writeWrapped(b *bytes.Buffer, s, indent string, width int) {
	if width <= 0 {
		b.WriteString(indent + s + "\n")
		return
	}
	cur := indent
	for _, word := range strings.Fields(s) {
		if cur != indent && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > width {
			b.WriteString(cur + "\n")
			cur = indent + "  "
		}
		if cur != indent && cur != indent+"  " {
			cur += " "
		}
		cur += word
	}
	b.WriteString(cur + "\n")
}

// writeCSV prints the ranked queue for a spreadsheet: one header row, one
// row per ticket. A cell a spreadsheet would read as a formula (=, +, -,
// @ first) is written with a leading ' so that ticket text cannot run as
// one.
func writeCSV(w io.Writer, eng *urgency.Engine, ranked []urgency.Assessment) error {
	loc := eng.Location()
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "level", "score", "due", "left_minutes", "target", "paused", "queue", "id", "customer", "cluster", "cluster_size", "cluster_customers", "duplicate", "subject", "tags", "rules"})
	for i := range ranked {
		a := &ranked[i]
		due, leftCell := "", ""
		if !a.Due.IsZero() {
			due, leftCell = a.Due.In(loc).Format(time.RFC3339), strconv.FormatInt(int64(a.DueIn/time.Minute), 10)
		}
		target := "first_reply"
		if a.Target == urgency.TargetResolution {
			target = "resolution"
		}
		var rules []string
		for _, h := range a.Hits {
			rules = append(rules, h.Rule)
		}
		cluster := ""
		if a.Cluster.Size > 1 {
			cluster = a.Cluster.ID
		}
		row := []string{strconv.Itoa(i + 1), a.Level, strconv.FormatFloat(a.Score, 'f', -1, 64), due, leftCell, target,
			strconv.FormatBool(a.Paused), a.Queue, a.Ticket.ID, a.Ticket.Customer.ID, cluster,
			strconv.Itoa(a.Cluster.Size), strconv.Itoa(a.Cluster.Customers), strconv.FormatBool(a.Duplicate),
			a.Ticket.Subject, strings.Join(a.Tags, ","), strings.Join(rules, ",")}
		for c, s := range row {
			row[c] = noFormula(s)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// noFormula keeps a spreadsheet from reading text as a formula; a number,
// negative ones included, stays a number.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s // a number, as a spreadsheet should read it
		}
		return "'" + s
	}
	return s
}
