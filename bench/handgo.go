package bench

import "strings"

// Go is the policy written by hand in Go: the text is lower-cased once per
// ticket and each list is searched term by term with strings.Contains, the
// first time a rule asks for it; the answer is kept for the other rules.
type Go struct {
	lists [numLists][]string
}

// NewGo prepares the lists.
func NewGo(lists Lists) *Go {
	g := &Go{}
	for i, name := range listNames {
		g.lists[i] = lists[name]
	}
	return g
}

// mentions answers "does the text mention list l", searching at most once
// per list and ticket.
type mentions struct {
	g    *Go
	t    string
	seen [numLists]int8 // 0 not searched, 1 found, -1 not found
}

func (m *mentions) has(l int) bool {
	if m.seen[l] == 0 {
		m.seen[l] = -1
		for _, term := range m.g.lists[l] {
			if strings.Contains(m.t, term) {
				m.seen[l] = 1
				break
			}
		}
	}
	return m.seen[l] > 0
}

// hasDigits3 reports whether s has a run of three ASCII digits.
func hasDigits3(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run == 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// Assess runs every rule on f. A Go is safe for concurrent use.
func (g *Go) Assess(f *Facts) Result {
	m := mentions{g: g, t: strings.ToLower(f.Text)}
	money := func() bool { return m.has(lPayment) || m.has(lBilling) || m.has(lRefund) }
	account := func() bool { return m.has(lAccount) || m.has(lLoginFailure) }
	helpNoThanks := func() bool { return m.has(lHelp) && !m.has(lThanks) }
	wish := m.has(lFeatureWish)
	words := -1
	nWords := func() int {
		if words < 0 {
			words = Words(f.Text)
		}
		return words
	}
	trouble := func() bool {
		for _, l := range [...]int{lFailure, lNotWorking, lVagueSymptom, lOutage, lWorkStopped,
			lDataLoss, lLoginFailure, lBlocked, lSecurity, lDoubleCharge, lWrong, lCancel,
			lLegal, lAnger, lFollowUp} {
			if m.has(l) {
				return true
			}
		}
		return false
	}
	hasQ := strings.Contains(f.Text, "?")

	hits := [...]bool{
		m.has(lPayment) && (m.has(lFailure) || m.has(lNotWorking)),
		m.has(lDoubleCharge),
		m.has(lBlocked) && money(),
		m.has(lBlocked) && account() && !money(),
		m.has(lSecurity),
		m.has(lLoginFailure),
		m.has(lOutage),
		m.has(lWorkStopped),
		m.has(lDataLoss),
		m.has(lCancel),
		m.has(lLegal),
		m.has(lAnger),
		f.New && !wish && !m.has(lCancel) && (m.has(lGettingStarted) || m.has(lNotWorking) ||
			m.has(lVagueSymptom) || helpNoThanks() || hasQ),
		m.has(lFollowUp),
		money() && m.has(lWrong),
		m.has(lRefund),
		f.Flagged,
		f.Tier == "premium" || f.Tier == "enterprise" || f.Tier == "vip",
		Shouting(f.Subject) > 0.7 && Words(f.Subject) >= 2,
		Exclamations(f.Text) >= 3,
		nWords() < 20 && (m.has(lNotWorking) || m.has(lVagueSymptom) || helpNoThanks()) &&
			!(m.has(lDetails) || hasDigits3(f.Text)) && !m.has(lGettingStarted) &&
			!m.has(lResolved) && !m.has(lAnger) && !m.has(lFollowUp),
		nWords() < 15 && m.has(lThanks) && !hasQ && !m.has(lRequest) &&
			(!trouble() || (m.has(lResolved) && !m.has(lNotWorking))),
		wish,
		money() && !wish,
		account() && !wish,
		(m.has(lTechnical) || m.has(lOutage) ||
			((m.has(lFailure) || m.has(lNotWorking)) && !money() && !account())) && !wish,
		f.Language == "hr" || f.Language == "bs" || f.Language == "sr" || f.Language == "sh" || f.Language == "cnr",
		f.Language == "de",
		f.Language == "pl",
		f.Language == "fi",
		f.Language == "es",
		f.Language == "fr",
		f.Language == "pt",
		f.Language == "it",
		f.Language == "en",
	}
	var mask uint64
	for i, hit := range hits {
		if hit {
			mask |= 1 << i
		}
	}
	return settle(mask)
}
