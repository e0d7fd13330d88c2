package rules_test

import (
	"slices"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
	"github.com/triagekit/triage/urgency/urgencytest"
)

// TestDefaultPack runs the default pack's own test files,
// default/*_test.yaml, and checks that together they exercise every rule
// and the tier-1 concepts and everyday signals in every language the pack
// claims.
func TestDefaultPack(t *testing.T) {
	results := urgencytest.Run(t, "default")
	require.NotEmpty(t, results)

	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	exercised := make(map[string]bool)
	// seen[concept][language] is true when a tested ticket in that
	// language matched the concept's rule.
	seen := make(map[string]map[string]bool)
	for _, res := range results {
		assert.Equal(t, eng.Version(), res.Suite.Engine.Version(), "%s must test the default pack", res.Suite.File)
		tested := make(map[string]bool)
		for _, c := range res.Suite.Cases {
			tested[c.ID] = true
		}
		for r := range res.Exercised {
			exercised[r] = true
		}
		for _, a := range res.Ranked {
			if !tested[a.Ticket.ID] {
				continue
			}
			lang := a.Ticket.Language
			if lang == "sr" && cyrillic(a.Ticket.Subject+a.Ticket.Body) {
				lang = "sr-Cyrl"
			}
			for _, r := range a.Rules() {
				if seen[r] == nil {
					seen[r] = make(map[string]bool)
				}
				seen[r][lang] = true
			}
		}
	}
	for _, r := range eng.Rules() {
		assert.True(t, exercised[r.Name], "rule %s is not exercised by any test case", r.Name)
	}
	languages := []string{"en", "de", "hr", "bs", "sr", "sr-Cyrl", "pl", "fi", "es", "fr", "pt", "it"}
	concepts := []string{
		"payment-failure", "cannot-log-in", "service-outage", "contract-at-risk",
		// The everyday signals and the bottom of the queue.
		"data-breach", "said-urgent", "business-impact", "service-disruption",
		"problem-report", "serious-problem", "can-wait",
		"information-request", "change-request",
	}
	for _, concept := range concepts {
		for _, lang := range languages {
			if lang == "bs" && concept != "cannot-log-in" || lang == "hr" && concept == "cannot-log-in" {
				continue // Bosnian and Croatian share the BCS lists; one of them per concept
			}
			assert.True(t, seen[concept][lang], "no test case shows %s in %s", concept, lang)
		}
	}
}

func cyrillic(s string) bool {
	return slices.ContainsFunc([]rune(s), func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) })
}
