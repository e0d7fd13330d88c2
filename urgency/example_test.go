package urgency_test

import (
	"errors"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

const supportPack = `version: 1
name: support
levels:
  - {name: critical, min_score: 80, respond_within: 1h}
  - {name: normal, min_score: 0, respond_within: 24h}
  - {name: low, respond_within: 72h}
lists:
  payment: [payment, invoice, "charg*", "plać*", "płatnoś*", "Zahlung*"]
  failure: ["fail*", declined, "ne radi", "nie działa"]
  thanks: [thanks, hvala, danke]
rules:
  - name: payment-failure
    when: mentions(text, "payment") && mentions(text, "failure")
    score: 60
    level: critical
    queue: billing
    tags: [payments]
  - name: thanks-only
    when: words(text) < 8 && mentions(text, "thanks")
    score: -30
`

func ExampleEngine_Assess() {
	eng, err := urgency.LoadFS(fstest.MapFS{"support.yaml": {Data: []byte(supportPack)}})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a := eng.Assess(urgency.Ticket{
		ID:        "T-1",
		Subject:   "PLAĆANJE NE RADI",
		Body:      "Kartica odbijena, molim hitno.",
		CreatedAt: now.Add(-20 * time.Minute),
	}, now)
	fmt.Println(a.Level, a.Queue, a.Tags, a.Due.Format(time.Kitchen))
	for _, line := range a.Why() {
		fmt.Println(line)
	}
	// Output:
	// critical billing [payments] 10:40AM
	// +60 payment-failure
	// score 60 reaches normal; rule payment-failure raises it to critical
	// due 2026-11-22T10:40:00Z: critical responds within 1h
}

func ExampleEngine_Rank() {
	eng, err := urgency.LoadFS(fstest.MapFS{"support.yaml": {Data: []byte(supportPack)}})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tickets := []urgency.Ticket{
		{ID: "T-1", Subject: "Danke!", Body: "Danke schön", CreatedAt: now.Add(-3 * time.Hour)},
		{ID: "T-2", Subject: "Question about exports", CreatedAt: now.Add(-2 * time.Hour)},
		{ID: "T-3", Subject: "Płatność nie działa", CreatedAt: now.Add(-time.Hour)},
		{ID: "T-4", Subject: "Another question", CreatedAt: now.Add(-4 * time.Hour)},
	}
	for i, a := range eng.Rank(tickets, now) {
		fmt.Println(i+1, a.Ticket.ID, a.Level, a.Score)
	}
	// Output:
	// 1 T-3 critical 60
	// 2 T-4 normal 0
	// 3 T-2 normal 0
	// 4 T-1 low -30
}

func ExampleLoadFS_defaultPack() {
	eng, err := urgency.LoadFS(rules.Default())
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a := eng.Assess(urgency.Ticket{
		ID:        "T-1",
		Subject:   "Не могу да платим",
		Body:      "Плаћање картицом не ради, картица је одбијена.",
		Language:  "sr",
		CreatedAt: now,
	}, now)
	fmt.Println(eng.Name(), a.Level, a.Queue)
	// Output:
	// default critical billing
}

func ExampleErrorList() {
	_, err := urgency.LoadFS(fstest.MapFS{"vip.yaml": {Data: []byte(`version: 1
name: vip
levels:
  - {name: low, respond_within: 24h}
rules:
  - name: vip-outage
    when: customer.teir == "premium" && mentions(text, "outage")
    level: critical
`)}})
	var list urgency.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// vip.yaml:7:20: rule "vip-outage": customer has no field teir (did you mean "tier"?)
	// vip.yaml:7:56: rule "vip-outage": unknown list "outage"
	// vip.yaml:8:12: rule "vip-outage": unknown level "critical" (the levels are low)
}

func ExampleEngine_Explain() {
	eng, err := urgency.LoadFS(fstest.MapFS{"support.yaml": {Data: []byte(supportPack)}})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	x := eng.Explain(urgency.Ticket{
		ID:        "T-2",
		Subject:   "Invoice",
		Body:      "Where can I download last month's invoice? Thanks",
		CreatedAt: now.Add(-2 * time.Hour),
	}, now)
	for _, line := range x.Lines() {
		fmt.Println(line)
	}
	// Output:
	// ticket T-2 "Invoice": normal, score 0, queue -
	// score 0 reaches normal
	// due 2026-11-23T08:00:00Z: normal responds within 1d
	// rules, in pack order:
	//   skipped      payment-failure  needs "failure": not mentioned
	//   not matched  thanks-only
	//       words(text) < 8 is false (words(text) is 10)
	//       mentions(text, "thanks") is true
}

// A ticket that waited on the customer for 40 minutes is due 40 minutes
// later; once answered, it is due for resolution.
func ExampleAssessment_Deadline() {
	eng, err := urgency.LoadFS(fstest.MapFS{"support.yaml": {Data: []byte(`version: 1
name: support
settings:
  pause: [pending, on-hold]
levels:
  - {name: critical, min_score: 80, respond_within: 1h, resolve_within: 8h}
  - {name: normal, respond_within: 24h}
rules:
  - {name: outage, when: 'subject contains "down"', score: 80}
`)}})
	if err != nil {
		panic(err)
	}
	at := func(hm string) time.Time {
		t, _ := time.Parse(time.RFC3339, "2026-11-22T"+hm+":00Z")
		return t
	}
	t := urgency.Ticket{ID: "T-7", Subject: "Shop down", CreatedAt: at("09:00"), Status: "open",
		History: []urgency.StatusChange{{At: at("09:10"), Status: "pending"}, {At: at("09:50"), Status: "open"}}}
	a := eng.Assess(t, at("10:00"))
	fmt.Println(a.Target, a.Paused, a.DueIn)
	fmt.Println(a.Deadline())

	t.FirstReplyAt = at("10:05")
	a = eng.Assess(t, at("10:30"))
	fmt.Printf("%s breached=%q %s\n", a.Target, a.Breached, a.DueIn)
	fmt.Println(a.Deadline())
	// Output:
	// first_reply false 40m0s
	// [first reply due 2026-11-22T10:40:00Z: critical responds within 1h, 40m paused]
	// resolution breached="" 7h10m0s
	// [resolution due 2026-11-22T17:40:00Z: critical resolves within 8h, 40m paused]
}
