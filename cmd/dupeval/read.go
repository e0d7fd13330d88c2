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
