package bench

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// Lists are the term lists of the default pack, read from its lists.yaml at
// start, in the form the alternatives use: the term lower-cased, with a
// trailing "*" (any ending) removed, since a substring test already accepts
// any ending.
type Lists map[string][]string

// LoadLists reads the term lists of the embedded default pack.
func LoadLists() (Lists, error) {
	data, err := fs.ReadFile(rules.Default(), "lists.yaml")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Lists map[string][]string `yaml:"lists"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("default lists.yaml: %w", err)
	}
	out := make(Lists, len(doc.Lists))
	for name, terms := range doc.Lists {
		for _, t := range terms {
			out[name] = append(out[name], strings.ToLower(strings.TrimSuffix(t, "*")))
		}
	}
	for _, name := range listNames {
		if len(out[name]) == 0 {
			return nil, fmt.Errorf("default lists.yaml: no list %q", name)
		}
	}
	return out, nil
}

// The lists the translated rules mention, in a fixed order; the
// hand-written Go refers to them by index.
const (
	lPayment = iota
	lFailure
	lNotWorking
	lVagueSymptom
	lHelp
	lOutage
	lWorkStopped
	lDataLoss
	lLoginFailure
	lBlocked
	lSecurity
	lAccount
	lBilling
	lRefund
	lWrong
	lDoubleCharge
	lCancel
	lLegal
	lAnger
	lFollowUp
	lGettingStarted
	lTechnical
	lDetails
	lThanks
	lRequest
	lResolved
	lFeatureWish
	numLists
)

var listNames = [numLists]string{
	"payment", "failure", "not_working", "vague_symptom", "help", "outage",
	"work_stopped", "data_loss", "login_failure", "blocked", "security",
	"account", "billing", "refund", "wrong", "double_charge", "cancel",
	"legal", "anger", "follow_up", "getting_started", "technical", "details",
	"thanks", "request", "resolved", "feature_wish",
}

// Rule is one rule of the default pack as the alternatives implement it.
// When is written once in a small neutral form and translated to expr and
// CEL: M(list) means "the text mentions a term of list", HASQ "the text
// contains a question mark", DIGITS3 "the text has a run of three digits";
// the rest (&&, ||, !, ==, in, <, words(), shouting(), exclamations()) reads
// the same in both languages.
type Rule struct {
	Name  string
	When  string
	Score float64
	Level string // floor, or ""
	Queue string
}

// The macros of the default pack, inlined into the rules as the engine
// inlines them.
const (
	paymentProblem = `(M(payment) && (M(failure) || M(not_working)))`
	moneyWords     = `(M(payment) || M(billing) || M(refund))`
	accountWords   = `(M(account) || M(login_failure))`
	wish           = `M(feature_wish)`
	troubleWords   = `(M(failure) || M(not_working) || M(vague_symptom) || M(outage)` +
		` || M(work_stopped) || M(data_loss) || M(login_failure) || M(blocked)` +
		` || M(security) || M(double_charge) || M(wrong) || M(cancel)` +
		` || M(legal) || M(anger) || M(follow_up))`
	hasDetails = `(M(details) || DIGITS3)`
)

// Rules are the rules of rules/default/pack.yaml that a lone ticket can
// trigger, in file order: all but the aging rules (close-to-breach,
// overdue), which need the deadline the other rules give, and the cluster
// rules (trend, incident, duplicate), which need a queue of tickets.
var Rules = []Rule{
	{"payment-failure", paymentProblem, 60, "critical", "billing"},
	{"double-charge", `M(double_charge)`, 60, "critical", "billing"},
	{"account-blocked-by-payment", `M(blocked) && ` + moneyWords, 60, "critical", "billing"},
	{"account-blocked", `M(blocked) && ` + accountWords + ` && !` + moneyWords, 60, "critical", "account"},
	{"account-compromised", `M(security)`, 60, "critical", "account"},
	{"cannot-log-in", `M(login_failure)`, 60, "critical", "account"},
	{"service-outage", `M(outage)`, 60, "critical", "technical"},
	{"work-stopped", `M(work_stopped)`, 60, "critical", "technical"},
	{"data-loss", `M(data_loss)`, 60, "critical", "technical"},
	{"contract-at-risk", `M(cancel)`, 60, "critical", ""},
	{"legal-threat", `M(legal)`, 60, "critical", ""},
	{"angry-customer", `M(anger)`, 60, "critical", ""},
	{"new-customer-lost", `isNew && !` + wish + ` && !M(cancel)` +
		` && (M(getting_started) || M(not_working) || M(vague_symptom)` +
		` || (M(help) && !M(thanks)) || HASQ)`, 45, "high", ""},
	{"chasing-reply", `M(follow_up)`, 20, "", ""},
	{"wrong-invoice", moneyWords + ` && M(wrong)`, 25, "", "billing"},
	{"refund-request", `M(refund)`, 15, "", "billing"},
	{"flagged", `flagged`, 15, "", ""},
	{"premium-customer", `tier in ["premium", "enterprise", "vip"]`, 10, "", ""},
	{"shouting-subject", `shouting(subject) > 0.7 && words(subject) >= 2`, 5, "", ""},
	{"many-exclamations", `exclamations(text) >= 3`, 5, "", ""},
	{"vague-request", `words(text) < 20` +
		` && (M(not_working) || M(vague_symptom) || (M(help) && !M(thanks)))` +
		` && !` + hasDetails + ` && !M(getting_started) && !M(resolved)` +
		` && !M(anger) && !M(follow_up)`, 0, "", ""},
	{"thanks-only", `words(text) < 15 && M(thanks) && !HASQ && !M(request)` +
		` && (!` + troubleWords + ` || (M(resolved) && !M(not_working)))`, -40, "", ""},
	{"feature-request", wish, -30, "", "product"},
	{"route-billing", moneyWords + ` && !` + wish, 0, "", "billing"},
	{"route-account", accountWords + ` && !` + wish, 0, "", "account"},
	{"route-technical", `(M(technical) || M(outage)` +
		` || ((M(failure) || M(not_working)) && !` + moneyWords + ` && !` + accountWords + `))` +
		` && !` + wish, 0, "", "technical"},
	{"desk-bcs", `language in ["hr", "bs", "sr", "sh", "cnr"]`, 0, "", ""},
	{"desk-de", `language == "de"`, 0, "", ""},
	{"desk-pl", `language == "pl"`, 0, "", ""},
	{"desk-fi", `language == "fi"`, 0, "", ""},
	{"desk-es", `language == "es"`, 0, "", ""},
	{"desk-fr", `language == "fr"`, 0, "", ""},
	{"desk-pt", `language == "pt"`, 0, "", ""},
	{"desk-it", `language == "it"`, 0, "", ""},
	{"desk-en", `language == "en"`, 0, "", ""},
}

var mentionRE = regexp.MustCompile(`M\((\w+)\)`)

// translate writes a neutral When in expr (cel false) or CEL (cel true).
// The text a mention searches is t: the lower-cased text.
func translate(when string, cel bool) string {
	if cel {
		when = mentionRE.ReplaceAllString(when, `$1.exists(w, t.contains(w))`)
		when = strings.ReplaceAll(when, "HASQ", `text.contains("?")`)
		return strings.ReplaceAll(when, "DIGITS3", `text.matches("[0-9]{3,}")`)
	}
	when = mentionRE.ReplaceAllString(when, `any($1, {t contains #})`)
	when = strings.ReplaceAll(when, "HASQ", `(text contains "?")`)
	return strings.ReplaceAll(when, "DIGITS3", `(text matches "[0-9]{3,}")`)
}

// Result is what every alternative decides for a ticket: the rules that
// matched (bit i is Rules[i]), the score, the level and the queue.
type Result struct {
	Mask  uint64
	Score float64
	Level string
	Queue string
}

// Hits returns the names of the matching rules in file order.
func (r Result) Hits() []string {
	var out []string
	for i, rule := range Rules {
		if r.Mask&(1<<i) != 0 {
			out = append(out, rule.Name)
		}
	}
	return out
}

// settle turns the matching rules into score, level and queue as the
// engine does: the sum of points; the first level the score reaches,
// raised to the highest floor; the queue of the highest-scoring matching
// rule with one, the first on ties.
func settle(mask uint64) Result {
	r := Result{Mask: mask}
	floor, best := 3, 0.0
	for i := range Rules {
		if mask&(1<<i) == 0 {
			continue
		}
		rule := &Rules[i]
		r.Score += rule.Score
		if l := levelRank(rule.Level); l < floor {
			floor = l
		}
		if rule.Queue != "" && (r.Queue == "" || rule.Score > best) {
			r.Queue, best = rule.Queue, rule.Score
		}
	}
	l := 3
	switch {
	case r.Score >= 80:
		l = 0
	case r.Score >= 40:
		l = 1
	case r.Score >= 0:
		l = 2
	}
	r.Level = levelNames[min(l, floor)]
	return r
}

var levelNames = [...]string{"critical", "high", "normal", "low"}

func levelRank(name string) int {
	for i, n := range levelNames {
		if n == name {
			return i
		}
	}
	return len(levelNames)
}

// newCustomer is the default pack's settings.new_customer.
const newCustomer = 720 * time.Hour

// Facts are the per-ticket values every alternative reads, prepared by the
// host once per ticket as the engine prepares its Env.
type Facts struct {
	Subject, Text, Language, Tier string
	Flagged, New                  bool
}

// NewFacts prepares t for the alternatives: the text is the subject and the
// body joined by a line break, as the engine joins them.
func NewFacts(t *urgency.Ticket, now time.Time) Facts {
	text := t.Subject + "\n" + t.Body
	switch {
	case t.Subject == "":
		text = t.Body
	case t.Body == "":
		text = t.Subject
	}
	return Facts{
		Subject:  t.Subject,
		Text:     text,
		Language: t.Language,
		Tier:     t.Customer.Tier,
		Flagged:  t.Flagged,
		New:      !t.Customer.Since.IsZero() && now.Sub(t.Customer.Since) < newCustomer,
	}
}
