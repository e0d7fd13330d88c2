package main

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// timing records how long each step took, in order.
type timing struct {
	steps []step
}

type step struct {
	name  string
	took  time.Duration
	items int // how many tickets or queries the step handled; 0: not counted
}

func (t *timing) measure(name string, f func()) { t.measureN(name, 0, f) }

// measureN measures a step that handles n items, for a time per item.
func (t *timing) measureN(name string, n int, f func()) {
	start := time.Now()
	f()
	t.steps = append(t.steps, step{name, time.Since(start), n})
}

// write writes the steps' table; depth is the lookups' depth.
func (t *timing) write(w io.Writer, depth int) {
	fmt.Fprintf(w, "\n### Timing\n\n")
	tt := newTable("step", "time", "items", "per item")
	for _, s := range t.steps {
		if s.items == 0 {
			tt.add(s.name, fmtDuration(s.took))
			continue
		}
		tt.add(s.name, fmtDuration(s.took), strconv.Itoa(s.items), fmtDuration(s.took/time.Duration(s.items)))
	}
	tt.write(w)
	fmt.Fprintf(w, "\nA queue's Add computes each ticket's features; the grouping itself (in canonical order: "+
		"created, then ID) is done by the first read, Clusters here. Lookups: distinct queries at depth %d.\n", depth)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Microsecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}
