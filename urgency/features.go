package urgency

import (
	"bytes"
	"hash/maphash"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/triagekit/triage/urgency/internal/cluster"
	"github.com/triagekit/triage/urgency/internal/match"
)

// Words in the subject weigh more than words in the body: in studies of
// duplicate reports the title carries about three times the weight of the
// description.
const (
	subjectWeight = 3
	bodyWeight    = 1
	maxWeight     = 9 // a word repeated all over a long body stays one word
)

// maxFeatureWords is how many words of a ticket, the subject's first and
// then the body's, make its features: what a ticket is about is in its
// first lines, and a pasted log or a quoted thread of tens of thousands
// of distinct words would make every comparison and lookup of the
// ticket that much dearer. The duplicate reports of cmd/dupeval have at
// most 784 words.
const maxFeatureWords = 1000

// masked finds e-mail addresses, URLs and UUIDs, which would otherwise
// keep identical reports apart (or link unrelated ones from one sender).
var masked = regexp.MustCompile(`(?i)(?:https?://|www\.)\S+|[\pL\pN._%+-]+@[\pL\pN-]+(?:\.[\pL\pN-]+)+|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)

func mask(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(s, "://") && !strings.Contains(s, "www.") && strings.Count(s, "-") < 4 {
		return s
	}
	// No match of masked spans a space of the regexp's \s, so the text is
	// masked word by word, and only words that can hold a match go
	// through the regexp: on a pasted log, whose timestamps carry the
	// hyphens that let it through above, the regexp over the whole text
	// was most of the cost of adding a ticket to a queue.
	var out []byte // nil while nothing was masked
	done := 0      // s[:done] is in out
	for i := 0; i < len(s); {
		for i < len(s) && isRegexpSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isRegexpSpace(s[j]) {
			j++
		}
		if w := s[i:j]; mayMask(w) {
			if m := masked.ReplaceAllString(w, " "); m != w {
				out = append(append(out, s[done:i]...), m...)
				done = j
			}
		}
		i = j
	}
	if out == nil {
		return s
	}
	return string(append(out, s[done:]...))
}

// isRegexpSpace tells whether b is a space for \s in package regexp.
func isRegexpSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r'
}

// mayMask tells whether a word without spaces can hold a match of
// masked: an e-mail address has an @, a URL :// or www. in any case, a
// UUID four hyphens.
func mayMask(w string) bool {
	if strings.Contains(w, "@") || strings.Contains(w, "://") || strings.Count(w, "-") >= 4 {
		return true
	}
	for i := strings.IndexByte(w, '.'); i >= 0; i = nextIndexByte(w, '.', i) {
		if i >= 3 && strings.EqualFold(w[i-3:i], "www") {
			return true
		}
	}
	return false
}

// nextIndexByte is the index of the next c in s after i, or -1.
func nextIndexByte(s string, c byte, i int) int {
	if k := strings.IndexByte(s[i+1:], c); k >= 0 {
		return i + 1 + k
	}
	return -1
}

// keepToken decides which folded words are features: numbers of three
// digits (HTTP statuses, error codes) are kept, other numbers are dates,
// times, amounts and IDs; codes mixing letters and digits (E1234) are kept
// unless they carry many digits, as order and invoice numbers do.
func keepToken(tok []byte) bool {
	if len(tok) < 2 {
		return false
	}
	digits := 0
	for i := 0; i < len(tok); i++ {
		if tok[i] >= '0' && tok[i] <= '9' {
			digits++
		}
	}
	switch {
	case digits == len(tok):
		return digits == 3
	case digits >= 5:
		return false
	}
	return true
}

// tokenKind tells a code (a kept word with a digit: 502, E1234) from a
// plain word, for the burst join of the grouping.
func tokenKind(tok []byte) uint64 {
	for _, b := range tok {
		if b >= '0' && b <= '9' {
			return cluster.KindCode
		}
	}
	return cluster.KindWord
}

// featurizer turns tickets into keyed hashes of their words and of the
// pack's list concepts. The key is random per queue or index, so the
// hashes mean nothing outside it.
type featurizer struct {
	seed     maphash.Seed
	matcher  *match.Matcher
	concepts []uint64  // hash of each list's concept token
	scratch  sync.Pool // *featureScratch
}

type featureScratch struct {
	hits   match.Hits
	hashes [2][]uint64 // of the subject's and of the body's features
	out    []cluster.Feature
	found  []int32
	mt     machineScratch
}

func newFeaturizer(m *match.Matcher) *featurizer {
	f := &featurizer{seed: maphash.MakeSeed(), matcher: m}
	f.scratch.New = func() any { return new(featureScratch) }
	for _, name := range m.Lists() {
		// A NUL cannot occur in a folded word, so concepts never collide
		// with words.
		f.concepts = append(f.concepts, cluster.WithKind(maphash.String(f.seed, "\x00"+name), cluster.KindConcept))
	}
	return f
}

// features returns the ticket's features sorted by hash, its subject's
// words in order (see [cluster.Subject]), and what the list scan of its
// text found, which its assessments use instead of scanning it again.
// Terms of the pack's lists add a concept feature per list, so that
// "plaćanje", "płatność" and "Zahlung" meet as the payment concept. Each
// of subject and body is clipped, folded and scanned once: the words are
// read from the scan's folded text.
func (f *featurizer) features(t *Ticket) ([]cluster.Feature, cluster.Subject, scanned) {
	sc := f.scratch.Get().(*featureScratch)
	defer f.scratch.Put(sc)
	hits, found := &sc.hits, sc.found[:0]
	var pre scanned
	words := 0
	var subj [cluster.MaxSubjectWords]uint64 // the subject's first words
	nsubj := 0
	subject, body, _ := textOf(t)
	for i, text := range [2]string{subject, body} {
		raw := sc.hashes[i][:0]
		masked := mask(text)
		hits.Reset()
		f.matcher.Scan(hits, masked)
		if masked == text {
			// What rules would find in the text: no address or URL
			// was masked out of it.
			found = append(found, hits.Found()...)
			pre.known |= knownSubject << i
		}
		if i == 0 {
			pre.subject = int32(len(found))
		}
		for rest := hits.Folded(); len(rest) > 0; {
			tok := rest
			if i := bytes.IndexByte(rest, ' '); i >= 0 {
				tok, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			if keepToken(tok) {
				if words++; words > maxFeatureWords {
					break
				}
				h := cluster.WithKind(maphash.Bytes(f.seed, tok), tokenKind(tok))
				raw = append(raw, h)
				if i == 0 && nsubj < len(subj) {
					subj[nsubj] = h
					nsubj++
				}
			}
		}
		if i == 1 {
			raw = sc.mt.splitMachineText(raw)
		}
		for l, h := range f.concepts {
			if hits.Has(l) {
				raw = append(raw, h)
			}
		}
		slices.Sort(raw)
		sc.hashes[i] = raw
	}
	sc.found = found
	pre.found = cloneOrNil(found) // compact: the queue keeps it
	sc.out = mergeFeatures(sc.out[:0], sc.hashes[0], sc.hashes[1])
	sc.out = addMachineText(sc.out, sc.mt.trace)
	feats := slices.Clone(sc.out) // compact: the queue keeps it
	return feats, cluster.SubjectOf(feats, subj[:nsubj]), pre
}

// mergeFeatures appends to out the features of the sorted hashes of the
// subject's and the body's words and concepts, sorted by hash: each hash
// once, weighing subjectWeight for each time in the subject and
// bodyWeight for each time in the body, up to maxWeight. The weights are
// whole numbers, which float32 sums exactly in any order.
func mergeFeatures(out []cluster.Feature, subject, body []uint64) []cluster.Feature {
	add := func(h uint64, w float32) {
		if n := len(out); n > 0 && out[n-1].Hash == h {
			out[n-1].Weight = min(out[n-1].Weight+w, maxWeight)
			return
		}
		out = append(out, cluster.Feature{Hash: h, Weight: w})
	}
	i, j := 0, 0
	for i < len(subject) || j < len(body) {
		if j == len(body) || i < len(subject) && subject[i] <= body[j] {
			add(subject[i], subjectWeight)
			i++
		} else {
			add(body[j], bodyWeight)
			j++
		}
	}
	return out
}

func (f *featurizer) customer(id string) uint64 {
	if id == "" {
		return 0
	}
	return maphash.String(f.seed, "\x01"+id)
}
