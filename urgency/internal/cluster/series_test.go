package cluster

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subjectDoc returns a doc of the words of subject, its subject; a word
// with a digit is a code.
func subjectDoc(seed maphash.Seed, subject string) *Doc {
	var hs []uint64
	for _, w := range strings.Fields(subject) {
		kind := KindWord
		if strings.ContainsAny(w, "0123456789") {
			kind = KindCode
		}
		hs = append(hs, WithKind(maphash.String(seed, w), kind))
	}
	d := doc(subject, 0, slices.Clone(hs)...)
	d.Subject = SubjectOf(d.Feats, hs)
	return d
}

func TestSeries(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		// A template's slot filled in differently, in the middle or at an
		// end, with one word or several.
		{"disallow tibetan unicode block from idn domains", "disallow thai unicode block from idn domains", true},
		{"should add the add on tour in the onboarding overlay", "should add the one off search tour in the onboarding overlay", true},
		{"remove or update probes expiring in firefox security doh", "remove or update probes expiring in firefox browser attribution errors", true},
		{"intermittent browser components customizableui test browser_widget_animation js test timed out",
			"intermittent browser components privatebrowsing test browser browser_privatebrowsing_crh js test timed out", true},
		// One text, or one with words added: the same report.
		{"disallow tibetan unicode block from idn domains", "disallow tibetan unicode block from idn domains", false},
		{"csv export fails for every report", "csv export fails for every report since monday", false},
		{"csv export fails for every report", "the csv export fails for every report", false},
		// Words added on one side only, inside: not a different slot.
		{"login page shows error after the update", "login page shows an error after the update", false},
		// Too few words in common, or too little of a subject.
		{"cannot open the dashboard", "cannot load the dashboard", false},
		{"checkout fails with 502 bad gateway", "checkout returns 502 bad gateway", false},
		{"export fails for the weekly sales report", "export fails for the weekly sales report and the invoices and the stock list and more", false},
		// A slot longer than seriesSlot words.
		{"add dark mode a b c d e f g to the reports page", "add dark mode h i j k l m n to the reports page", false},
		// The slot's words only reordered: each side lacks nothing.
		{"add automated test for top sites context menu pin unpin item", "add automated test for top sites context menu unpin pin item", false},
		// At the bounds: five common words, a slot of six, half of each
		// subject, the slot of each side.
		{"aa bb cc dd ee xa", "aa bb cc dd ee ya", true},
		{"aa bb cc dd xa", "aa bb cc dd ya", false},
		{"aa bb cc xa xb xc xd xe xf dd ee ff", "aa bb cc ya yb yc yd ye yf dd ee ff", true},
		{"aa bb cc dd xa xb xc xd xe xf xg ee ff gg", "aa bb cc dd ya yb yc yd ye yf yg ee ff gg", false},
		{"aa bb cc xa xb xc xd xe dd ee", "aa bb cc ya yb yc yd ye dd ee", true},
		{"aa bb cc xa xb xc xd xe xf dd ee", "aa bb cc ya yb yc yd ye yf dd ee", false},
		{"aa bb cc dd xa ee ff gg", "aa bb cc dd ya yb yc yd ye yf ee ff gg", true},
		{"aa bb cc dd xa ee ff gg", "aa bb cc dd ya yb yc yd ye yf yg ee ff gg", false},
		// A slot that differs only in codes (a reference, a status, an
		// order number) is one problem; words beside the codes are not.
		{"error we could not process your payment reference a7f3c9", "error we could not process your payment reference b81e4d", false},
		{"checkout fails with error 502 on the web shop", "checkout fails with error 503 on the web shop", false},
		{"error 502 on the reports page of the web app", "error 502 on the billing page of the web app", true},
		{"error on the reports page e1234 of the web app", "error on the billing page e1234 of the web app", true},
		{"", "", false},
	} {
		a, b := subjectDoc(seed, c.a), subjectDoc(seed, c.b)
		assert.Equal(t, c.want, oneSeries(a, b), "%q / %q", c.a, c.b)
		assert.Equal(t, c.want, oneSeries(b, a), "%q / %q, the other way", c.b, c.a)
	}
}

// TestSeriesComparesWholeHashes: two words whose hashes agree in their
// last 16 bits are two words, whatever the key makes of them.
func TestSeriesComparesWholeHashes(t *testing.T) {
	words := []uint64{1, 2, 3, 4, 0x10000 + 5, 6, 7}
	other := slices.Clone(words)
	other[4] = 0x20000 + 5
	a, b := doc("a", 0, slices.Clone(words)...), doc("b", 0, slices.Clone(other)...)
	a.Subject, b.Subject = SubjectOf(a.Feats, words), SubjectOf(b.Feats, other)
	assert.True(t, oneSeries(a, b))
	// A subject keeps its first MaxSubjectWords words, up to one not
	// among the doc's features.
	long := make([]uint64, MaxSubjectWords+3)
	for i := range long {
		long[i] = uint64(100 + i)
	}
	d := doc("long", 0, slices.Clone(long)...)
	var buf [MaxSubjectWords]uint64
	d.Subject = SubjectOf(d.Feats, long)
	assert.Equal(t, long[:MaxSubjectWords], d.subject(&buf))
	d.Subject = SubjectOf(d.Feats, append([]uint64{100, 101, 7}, long...))
	assert.Equal(t, long[:2], d.subject(&buf))
}

// TestGrouperKeepsASeriesApart: tickets of one template, alike in all
// but its slot, are not grouped; the same text again is.
func TestGrouperKeepsASeriesApart(t *testing.T) {
	seed := maphash.MakeSeed()
	text := func(id, subject string, created int64) *Doc {
		d := subjectDoc(seed, subject)
		d.ID, d.Created = id, created
		return d
	}
	s := NewSet(Params{Window: 100, Similarity: 0.5})
	slots := []string{"reports", "billing", "settings", "invoices", "users", "projects"}
	for i, slot := range slots {
		s.Add(text(slot, "add dark mode to the "+slot+" page of the web app", int64(i)))
	}
	s.Add(text("reports-again", "add dark mode to the reports page of the web app", 10))
	s.Sync()
	leaders := map[string]string{}
	for d := range s.All() {
		leaders[d.ID] = d.Leader().ID
	}
	for _, slot := range slots {
		assert.Equal(t, slot, leaders[slot], "%s leads its own cluster", slot)
	}
	assert.Equal(t, "reports", leaders["reports-again"])
}

// TestGrouperKeepsASeriesOutOfAClusterThroughItsMembers: d is not alike
// to the cluster's leader but alike, at the members' share of the
// threshold, to five of its other docs, which would take it in; they are
// all one series with d, so it leads its own cluster.
func TestGrouperKeepsASeriesOutOfAClusterThroughItsMembers(t *testing.T) {
	seed := maphash.MakeSeed()
	group := func(series bool) *Doc {
		g := NewGrouper(Params{Window: 100, Similarity: 0.5})
		l := subjectDoc(seed, "aa bb cc dd ee yy ff za zb")
		l.ID, l.Subject = "leader", Subject{} // worded otherwise: no series
		g.Assign(l)
		for i := range memberLinks {
			m := subjectDoc(seed, "aa bb cc dd ee yy ff")
			m.ID, m.Created = fmt.Sprint("member", i), int64(1+i)
			g.Assign(m)
			require.Equal(t, "leader", m.Leader().ID)
		}
		d := subjectDoc(seed, "aa bb cc dd ee xx ff")
		d.ID, d.Created = "d", 10
		if !series {
			d.Subject = Subject{}
		}
		require.Less(t, g.df.similarity(d, l), 0.5, "not alike to the leader")
		require.GreaterOrEqual(t, g.df.similarity(d, g.window[1]), 0.5*memberShare, "alike to its members")
		g.Assign(d)
		return d
	}
	assert.Equal(t, "d", group(true).Leader().ID)
	assert.Equal(t, "leader", group(false).Leader().ID, "without a series, the members take it in")
}

// TestDocSize: a Doc stays in the allocator's 192-byte class with its
// subject; one more word of it would take every open ticket 16 bytes
// further.
func TestDocSize(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Doc{}), uintptr(192))
}
