package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// mixedText is a ticket of about 600 bytes in several languages and scripts.
const mixedText = `Hello team, our PAYMENT failed again!!! Plaćanje karticom ne radi već ` +
	`treći dan. Не ради плаћање ни на сајту, грешка 502. Płatność nie działa, ` +
	`dostaję błąd przy fakturze. Maksu ei toimi – lasku on erääntynyt. Die ` +
	`Zahlung wurde abgelehnt, ZAHLUNGSFEHLER im Kundenkonto. Je n'arrive pas ` +
	`à payer la facture, l'application plante. El pago falló y la tarjeta fue ` +
	`rechazada. O pagamento não funciona, cobrança duplicada. Il pagamento non ` +
	`è andato a buon fine, perché? Please refund the double charge ASAP. ` +
	`Molim vas hitno, račun je blokiran. Kiitos avusta!`

// asciiText is about 600 bytes of plain English.
const asciiText = `Hello team, our payment failed again and the customer is very upset. ` +
	`They tried three different cards and every attempt was declined with a ` +
	`generic error message. The invoice for March is still open and the ` +
	`account shows a double charge from last week. Could you please check the ` +
	`billing logs, refund the duplicate charge and tell us why the checkout ` +
	`page keeps failing? This is blocking the whole finance department and ` +
	`we need an answer today. Thanks a lot for your help, and sorry for the ` +
	`long message. Best regards from the support desk, ticket 48213, priority. ` +
	`Please escalate this issue to tier two.`

// bigText is about 8 KB of ticket text.
var bigText = func() string {
	var b strings.Builder
	for b.Len() < 8<<10-len(mixedText) {
		b.WriteString(mixedText)
		b.WriteByte('\n')
		b.WriteString(asciiText)
		b.WriteByte('\n')
	}
	return b.String()
}()

var realLists = []list{
	{"payment", []string{"payment", "invoice", "charg*", "plać*", "uplat*", "płatnoś*", "maksu*", "Zahlung*", "плаћањ*", "pago", "pagamento", "factur*"}},
	{"failure", []string{"fail*", "declined", "error", "ne radi", "nie działa", "ei toimi", "n'arrive pas", "non funziona", "não funciona", "abgelehnt"}},
	{"refund", []string{"refund*", "double charge", "duplicate charge", "cobrança duplicada", "povrat*"}},
}

var syllables = []string{"ka", "pla", "ni", "zah", "lung", "ma", "ksu", "tu", "re", "fa", "ctu", "pa", "go",
	"ć", "ž", "ło", "ää", "ше", "до", "ња", "lo", "ver", "sch", "ei", "ton", "mi", "ru", "be", "ço", "ão"}

// benchMatcher returns a matcher with the real lists and synthetic terms up
// to n terms in total: one-word terms, prefixes and phrases.
func benchMatcher(n int) *Matcher { return benchMatcherInfix(n, 0) }

// benchMatcherInfix is benchMatcher with infix synthetic terms among
// them: "*stem*" or "*ending", their share of the synthetic terms is infix
// (0 to 1).
func benchMatcherInfix(n int, infix float64) *Matcher {
	var b Builder
	count := 0
	for _, l := range realLists {
		for _, t := range l.terms {
			if err := b.Add(l.name, t); err != nil {
				panic(err)
			}
			count++
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		return w.String()
	}
	for i := 0; count < n; i++ {
		var term string
		if rng.Float64() < infix {
			if term = "*" + word(); rng.IntN(2) == 0 {
				term += "*"
			}
			if b.Add(fmt.Sprintf("list%02d", i%20), term) == nil {
				count++
			}
			continue
		}
		switch rng.IntN(4) {
		case 0:
			term = word() + "*"
		case 1:
			term = word() + " " + word()
		default:
			term = word()
		}
		if b.Add(fmt.Sprintf("list%02d", i%20), term) == nil {
			count++
		}
	}
	return b.Build()
}

func BenchmarkFold(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"ascii-600B", asciiText},
		{"mixed-600B", mixedText},
		{"8KB", bigText},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := AppendFold(make([]byte, 0, 2*len(bc.text)), bc.text)
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendFold(buf[:0], bc.text)
			}
		})
	}
}

func BenchmarkScan(b *testing.B) {
	for _, n := range []int{100, 10000} {
		m := benchMatcher(n)
		for _, bc := range []struct{ name, text string }{
			{"mixed-600B", mixedText},
			{"8KB", bigText},
		} {
			b.Run(fmt.Sprintf("terms=%d/%s", n, bc.name), func(b *testing.B) {
				var h Hits
				m.Scan(&h, bc.text)
				b.SetBytes(int64(len(bc.text)))
				b.ReportAllocs()
				for b.Loop() {
					h.Reset()
					m.Scan(&h, bc.text)
				}
			})
		}
	}
}

// BenchmarkScanInfix is BenchmarkScan with a tenth of the synthetic terms
// matching inside words ("*ausfall*", "*katko"), which walks a second trie
// from every byte of every word.
func BenchmarkScanInfix(b *testing.B) {
	for _, n := range []int{100, 10000} {
		m := benchMatcherInfix(n, 0.1)
		for _, bc := range []struct{ name, text string }{
			{"mixed-600B", mixedText},
			{"8KB", bigText},
		} {
			b.Run(fmt.Sprintf("terms=%d/%s", n, bc.name), func(b *testing.B) {
				var h Hits
				m.Scan(&h, bc.text)
				b.SetBytes(int64(len(bc.text)))
				b.ReportAllocs()
				for b.Loop() {
					h.Reset()
					m.Scan(&h, bc.text)
				}
			})
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchMatcher(10000)
	}
}
