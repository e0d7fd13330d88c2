package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/triagekit/triage/urgency"
)

// dataset is one set of tickets with its duplicate pairs.
type dataset struct {
	tickets []urgency.Ticket
	ids     []string
	pairs   []Pair
	// unknown is the number of pairs naming a ticket not in the set; they
	// are left out of pairs.
	unknown int
}

func readTickets(path string) ([]urgency.Ticket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []urgency.Ticket
	seen := make(map[string]bool)
	r := urgency.NewTicketReader(f)
	for {
		t, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("%s: line %d: ticket %q again", path, r.Line(), t.ID)
		}
		seen[t.ID] = true
		out = append(out, t)
	}
}

// readPairs reads a,b,kind lines after an a,b,kind header.
func readPairs(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePairs(f, path)
}

func parsePairs(r io.Reader, name string) ([]Pair, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so that a short header gets its own message
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Equal(header, []string{"a", "b", "kind"}) {
		return nil, fmt.Errorf("%s: header %q, want a,b,kind", name, strings.Join(header, ","))
	}
	var out []Pair
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) != 3 {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%s:%d: %d fields, want 3", name, line, len(rec))
		}
		out = append(out, Pair{A: rec[0], B: rec[1], Kind: rec[2]})
	}
}

// mergeRepeats counts once a report listed twice, once as "eclipse-N"
// and once as "eclipse-N.0" with the same subject and body: the number
// written as a float in the data's conversion. As two tickets, the two
// copies were linked by the detector (they are the same text) but could
// be in two gold clusters, each with the duplicates named through one of
// them. The ".0" copy is dropped and its pairs name the other; it returns
// the tickets, the pairs and how many copies were dropped.
func mergeRepeats(tickets []urgency.Ticket, pairs []Pair) ([]urgency.Ticket, []Pair, int) {
	byID := make(map[string]*urgency.Ticket, len(tickets))
	for i := range tickets {
		byID[tickets[i].ID] = &tickets[i]
	}
	same := make(map[string]string)
	for _, t := range tickets {
		base, ok := strings.CutSuffix(t.ID, ".0")
		if !ok || base == "" || !isDigit(base[len(base)-1]) {
			continue
		}
		if o := byID[base]; o != nil && o.Subject == t.Subject && o.Body == t.Body {
			same[t.ID] = base
		}
	}
	if len(same) == 0 {
		return tickets, pairs, 0
	}
	kept := make([]urgency.Ticket, 0, len(tickets)-len(same))
	for _, t := range tickets {
		if _, ok := same[t.ID]; !ok {
			kept = append(kept, t)
		}
	}
	// A pair named through both copies is one pair; a pair of the two
	// copies themselves is left to evaluate, which counts it as a pair of
	// a ticket with itself.
	out := make([]Pair, 0, len(pairs))
	seen := make(map[[2]string]bool, len(pairs))
	for _, p := range pairs {
		if id, ok := same[p.A]; ok {
			p.A = id
		}
		if id, ok := same[p.B]; ok {
			p.B = id
		}
		key := [2]string{min(p.A, p.B), max(p.A, p.B)}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return kept, out, len(same)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
