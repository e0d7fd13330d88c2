package packfile

// Limits of a rule pack; package urgency documents them (urgency.MaxRules
// and the others are these).
const (
	// MaxFileSize is the largest rule file Read reads.
	MaxFileSize = 4 << 20
	// MaxRules is the most rules a pack may have, over all its files.
	MaxRules = 5000
	// MaxTerms is the most list terms a pack may have, over all lists.
	MaxTerms = 200_000
	// MaxStatusBytes is the longest status name settings.pause may hold.
	MaxStatusBytes = 64
)

// MaxAliasNodes bounds the values a file reaches through YAML aliases,
// every alias expanded, so that a file of nested aliases ("billion
// laughs") cannot expand exponentially. Values written out do not count.
const MaxAliasNodes = 100000
