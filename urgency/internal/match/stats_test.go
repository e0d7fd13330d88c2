package match

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"separators only", " ,.!? \n", 0},
		{"ascii", "Payment failed, please help!", 4},
		{"digits", "error 502 at 10:30", 5},
		{"mixed letters and digits", "abc123 x9", 2},
		{"apostrophe splits", "don't l'application n’arrive", 6},
		{"hyphen splits", "e-mail", 2},
		{"accents", "Plaćanje ne radi, façade", 4},
		{"cyrillic", "Не ради плаћање", 3},
		{"combining mark inside word", "pla\u0107anje e\u0301", 2},
		{"soft hyphen inside word", "pay\u00adment", 1},
		{"cjk run", "漢字 テスト", 2},
		{"invalid utf8", "a\xffb", 2},
		{"emoji", "ok👍ok", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Words(tt.in))
		})
	}
}

func TestShouting(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want float64
	}{
		{"empty", "", 0},
		{"no long words", "OK EU I", 0},
		{"all caps", "PAYMENT FAILED", 1},
		{"lower", "payment failed", 0},
		{"half", "PAYMENT invoice", 0.5},
		{"short words ignored", "OK I AM fine", 0},
		{"title case", "Hello World", 2.0 / 10},
		{"digits not letters", "ABC1 abc AB1", 0.5},
		{"two letters plus digits ignored", "AB12345", 0},
		{"polish caps", "PŁATNOŚĆ NIE DZIAŁA", 1},
		{"cyrillic caps", "НЕ РАДИ ПЛАЋАЊЕ", 1},
		{"uncased letters ignored", "漢字漢字 ABC", 1},
		{"only uncased", "漢字漢字", 0},
		{"combining marks", "E\u0301TE\u0301", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Shouting(tt.in), 1e-9)
		})
	}
}

func TestExclamations(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"none", "why?", 0},
		{"ascii", "help!!! now!", 4},
		{"fullwidth", "助けて！！", 2},
		{"double", "urgent‼", 2},
		{"mixed", "a! b！ c‼", 4},
		{"inverted not counted", "¡Hola!", 1},
		{"invalid utf8", "\xff!\xef\xbc!", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Exclamations(tt.in))
		})
	}
}
