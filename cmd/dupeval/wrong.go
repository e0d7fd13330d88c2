package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// writeWrong writes, under the heading title, the predicted clusters
// that hold a link the gold clusters do not, the most such links first:
// each member with the first ticket of its gold cluster and its subject,
// so that what the wrong links share can be read.
func writeWrong(w io.Writer, title string, pred, gold [][]string, subject map[string]string) error {
	goldOf := make(map[string]string)
	for _, g := range gold {
		for _, id := range g {
			goldOf[id] = g[0]
		}
	}
	type wrongCluster struct {
		members      []string
		links, right int
	}
	var out []wrongCluster
	all, wrong := 0, 0
	for _, c := range pred {
		n := make(map[string]int)
		for _, id := range c {
			n[goldOf[id]]++
		}
		right := 0
		for _, k := range n {
			right += links(k)
		}
		all += links(len(c))
		if right < links(len(c)) {
			wrong += links(len(c)) - right
			out = append(out, wrongCluster{c, links(len(c)), right})
		}
	}
	slices.SortStableFunc(out, func(a, b wrongCluster) int {
		return cmp.Or(cmp.Compare(b.links-b.right, a.links-a.right), cmp.Compare(a.members[0], b.members[0]))
	})
	if _, err := fmt.Fprintf(w, "## %s: %d of %d links wrong, in %d clusters\n", title, wrong, all, len(out)); err != nil {
		return err
	}
	for _, c := range out {
		fmt.Fprintf(w, "\n%d tickets, %d of %d links right:\n\n", len(c.members), c.right, c.links)
		for _, id := range c.members {
			fmt.Fprintf(w, "- %s (gold %s): %s\n", id, goldOf[id], subject[id])
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}
