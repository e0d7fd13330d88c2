package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/triagekit/triage/urgency"
)

// benchNow is "now" for the benchmark tickets.
var benchNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// typical is the ~600-byte Croatian ticket with a German quote of
// urgency/bench_test.go: the non-ASCII text the default pack sees every
// day.
var typical = urgency.Ticket{
	ID:      "T-1",
	Subject: "Plaćanje karticom ne prolazi već treći put",
	Body: "Poštovani, pokušavam platiti mjesečnu pretplatu već od jutra, ali svaki put " +
		"dobijem poruku da je transakcija odbijena. Kartica je ispravna, u banci kažu da " +
		"s njihove strane nema problema. Račun broj 2026-11-0042 dospijeva danas i bojim se " +
		"da će nam servis biti isključen. Kolega iz Beča kaže da mu piše \"Zahlung " +
		"fehlgeschlagen\" na istoj stranici. Molim vas hitno javite što da radimo, " +
		"cijeli tim čeka. Hvala, Ivana Horvat, voditeljica nabave.",
	Channel:   "email",
	Language:  "hr",
	CreatedAt: benchNow.Add(-40 * time.Minute),
	Customer:  urgency.Customer{ID: "C-1", Tier: "standard", Since: benchNow.Add(-400 * 24 * time.Hour)},
}

// typicalEN is a ~600-byte plain ASCII English ticket, on which every
// implementation matches the same rules.
var typicalEN = urgency.Ticket{
	ID:      "T-2",
	Subject: "Payment failed again - card declined",
	Body: "Hi, our monthly payment failed again this morning and the bank says the card " +
		"was declined on your side. The card is valid and has enough funds, and the same " +
		"card works everywhere else. Invoice 2026-11-0042 is due today and I am worried " +
		"that our service will be switched off before the end of the day. A colleague in " +
		"the Vienna office sees the same message on the checkout page. Could you please " +
		"check what is going on and tell us what to do? The whole team is waiting for " +
		"this. Thanks, Ivana Horvat, head of purchasing.",
	Channel:   "email",
	Language:  "en",
	CreatedAt: benchNow.Add(-40 * time.Minute),
	Customer:  urgency.Customer{ID: "C-2", Tier: "standard", Since: benchNow.Add(-400 * 24 * time.Hour)},
}

// sized returns typical with its text cut or grown to about n bytes of
// subject and body: grown with a pasted log in German and Croatian, as in
// urgency/bench_test.go.
func sized(n int) urgency.Ticket {
	t := typical
	t.ID = fmt.Sprintf("T-%d", n)
	want := n - len(t.Subject) - 1
	if want <= len(t.Body) {
		cut := strings.LastIndexByte(t.Body[:want], ' ')
		t.Body = t.Body[:cut]
		return t
	}
	var b strings.Builder
	b.WriteString(t.Body)
	for i := 0; b.Len() < want; i++ {
		fmt.Fprintf(&b, "\n[%02d:%02d] Gateway antwortet mit Fehler, Verbindung zurückgesetzt; "+
			"korisnik %d ponovo pokušava, zahtjev odbijen, šaljemo izvještaj podrške.", i/60, i%60, i)
	}
	t.Body = b.String()[:want]
	for !strings.HasSuffix(t.Body, " ") && len(t.Body) > 0 {
		t.Body = t.Body[:len(t.Body)-1] // end on a whole word and rune
	}
	return t
}

// BenchmarkCompare scores the same tickets with the same policy in five
// ways: a the engine with the default pack; b the rules as expr programs
// (b2 with the text lower-cased once by the host); c as CEL programs; d as
// hand-written Go; e the floor, lower-casing the text once and reading it
// once. Two more rows put the floor in context: e-nfkd folds with
// golang.org/x/text (NFKD, lower case, marks dropped) and reads once;
// e-bytes only reads the raw bytes once.
func BenchmarkCompare(b *testing.B) {
	im := newImpls(b)
	tickets := []struct {
		name string
		t    urgency.Ticket
	}{
		{"typical-600B", typical},
		{"typical-en-600B", typicalEN},
		{"text=200B", sized(200)},
		{"text=2KB", sized(2 << 10)},
		{"text=20KB", sized(20 << 10)},
	}
	for _, tc := range tickets {
		tk := tc.t
		size := int64(len(tk.Subject) + len(tk.Body))
		run := func(name string, fn func()) {
			b.Run(tc.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(size)
				for b.Loop() {
					fn()
				}
			})
		}
		run("a-engine", func() { im.eng.Assess(tk, benchNow) })
		run("b-expr", func() {
			f := NewFacts(&tk, benchNow)
			if _, err := im.expr.Assess(&f); err != nil {
				b.Fatal(err)
			}
		})
		run("b2-expr-prelowered", func() {
			f := NewFacts(&tk, benchNow)
			if _, err := im.exprLower.Assess(&f); err != nil {
				b.Fatal(err)
			}
		})
		run("c-cel", func() {
			f := NewFacts(&tk, benchNow)
			if _, err := im.cel.Assess(&f); err != nil {
				b.Fatal(err)
			}
		})
		run("d-go", func() {
			f := NewFacts(&tk, benchNow)
			im.hand.Assess(&f)
		})
		run("e-floor", func() { LowerScan(tk.Subject, tk.Body) })
		var nfkd NFKD
		run("e-nfkd", func() { nfkd.Scan(tk.Subject, tk.Body) })
		run("e-bytes", func() { ScanBytes(tk.Subject, tk.Body) })
	}
}
