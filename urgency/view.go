package urgency

import "time"

// createdOr is the time a ticket's deadline and age count from: its
// creation, or now for a ticket that gives none.
func createdOr(t *Ticket, now time.Time) time.Time {
	if t.CreatedAt.IsZero() {
		return now
	}
	return t.CreatedAt
}

// aloneFacts are the cluster facts of a ticket assessed alone: a cluster
// of one, as old as the ticket.
func aloneFacts(t *Ticket, now time.Time) ClusterFacts {
	return ClusterFacts{ID: t.ID, Size: 1, Customers: 1, Age: nonNegative(now.Sub(createdOr(t, now)))}
}

// facts are the cluster facts rules see for a ticket of c at time now.
func (c *Cluster) facts(now time.Time) ClusterFacts {
	return ClusterFacts{
		ID: c.ID, Size: c.Size, Customers: c.Customers, Age: nonNegative(now.Sub(c.FirstSeen)),
		Span: c.LastSeen.Sub(c.FirstSeen),
	}
}

// textOf is a ticket's subject and body as rules and features read them:
// clipped to MaxTextBytes each. cut tells whether either was clipped.
func textOf(t *Ticket) (subject, body string, cut bool) {
	subject, cutSubject := clip(t.Subject, MaxTextBytes)
	body, cutBody := clip(t.Body, MaxTextBytes)
	return subject, body, cutSubject || cutBody
}

// scanned is what the list scan of a ticket's clipped subject and body
// found, kept from computing its cluster features so that its
// assessments do not fold and scan the text again: the terms' global ids,
// the subject's first. A part whose text the features read masked (an
// e-mail address, a URL) is not known here, and rules scan it themselves.
type scanned struct {
	found   []int32
	subject int32 // found[:subject] are the subject's
	known   uint8 // 1: the subject's are known, 2: the body's
}

const (
	knownSubject uint8 = 1 << iota
	knownBody
)
