package match

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only separators", " \t\n.,;!? -- ", ""},
		{"ascii", "  Payment FAILED,\tplease   help!! ", "payment failed please help"},
		{"digits", "Order #A-1234 on 2024-05-01", "order a 1234 on 2024 05 01"},
		{"german umlauts", "Größe Übung Ärger", "grosse ubung arger"},
		{"german eszett", "Straße STRASSE ẞ", "strasse strasse ss"},
		{"croatian", "Plaćanje čekanje žurba šifra Đuro đak", "placanje cekanje zurba sifra djuro djak"},
		{"croatian upper", "PLAĆANJE ČŽŠĐ", "placanje czsdj"},
		{"polish", "Płatność nie działa, źle łączy Ćma Ż", "platnosc nie dziala zle laczy cma z"},
		{"finnish", "Maksu ei toimi, tyttö sääntö Åbo", "maksu ei toimi tytto saanto abo"},
		{"spanish", "Señor, ¿cómo está? ¡Pagó!", "senor como esta pago"},
		{"french", "Ça échoue, où est l'élève? Œuvre à noël", "ca echoue ou est l eleve oeuvre a noel"},
		{"portuguese", "Não consigo pagar, ação cartão", "nao consigo pagar acao cartao"},
		{"italian", "Perché non funziona? È già così", "perche non funziona e gia cosi"},
		{"nordic letters", "Ørsted Æble Þór Íslendingur Ðð", "orsted aeble thor islendingur dd"},
		{"dotless and dotted i", "İstanbul ılık", "istanbul ilik"},
		{"serbian cyrillic", "плаћање", "placanje"},
		{"serbian cyrillic upper", "ПЛАЋАЊЕ", "placanje"},
		{"ljubljana", "Љубљана", "ljubljana"},
		{"dj cyrillic", "ђак", "djak"},
		{"dj latin", "Đak", "djak"},
		{"serbian alphabet", "абвгдђежзијклљмнњопрстћуфхцчџш", "abvgddjezzijklljmnnjoprstcufhccdzs"},
		{"serbian sentence", "Не ради плаћање картицом, џеп", "ne radi placanje karticom dzep"},
		{"other cyrillic", "ы э ю я й ь ъ ё ѓ ќ ѕ є і ї", "y e ju ja j e g k dz je i ji"},
		{"russian", "Оплата не проходит, ошибка", "oplata ne prohodit osibka"},
		{"ukrainian", "Україна", "ukrajina"},
		{"greek keeps script", "Σίσυφος", "σισυφοσ"},
		{"fullwidth", "ＰＡＹＭＥＮＴ　ｆａｉｌｅｄ１２", "payment failed12"},
		{"ligatures", "ﬁnance ﬂow ﬀ Ĳssel", "finance flow ff ijssel"},
		{"digraph letters", "ǅ ǈ ǋ", "dz lj nj"},
		{"compatibility", "½ ⑴ ㎏ № ™ x²", "1 2 1 kg no tm x2"},
		{"decomposed input", "pla\u0107anje c\u030cek e\u0301le\u0300ve", "placanje cek eleve"},
		{"decomposed cyrillic", "и\u0306од И\u0306 і\u0308жак", "jod j jizak"},
		{"leading mark", "\u0301abc \u0301", "abc"},
		{"apostrophes", "l'application n’arrive pas dell‘ ʼn", "l application n arrive pas dell n"},
		{"hyphen", "e-mail", "e mail"},
		{"punctuation", "a.b,c;d:e/f\\g(h)i[j]k{l}m<n>o\"p“q”r«s»t—u–v…w", "a b c d e f g h i j k l m n o p q r s t u v w"},
		{"soft hyphen joins", "pay\u00adment", "payment"},
		{"zero width space splits", "pay\u200bment", "pay ment"},
		{"zero width joiner ignored", "pa\u200dy", "pay"},
		{"invalid utf8", "a\xffb\xc3", "a b"},
		{"invalid only", "\xff\xfe", ""},
		{"truncated sequence", "caf\xc3 ok", "caf ok"},
		{"replacement char", "a\uFFFDb", "a b"},
		{"cjk and hangul kept", "漢字 한국어", "漢字 한국어"},
		{"emoji separates", "pay😀ment", "pay ment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fold(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, Fold(got), "idempotent")
			assert.Equal(t, tt.want, string(AppendFold(nil, tt.in)))
		})
	}
}

func TestFoldEquivalences(t *testing.T) {
	tests := []struct {
		name string
		in   []string
	}{
		{"placanje", []string{"placanje", "plaćanje", "PLAĆANJE", "плаћање", "ПЛАЋАЊЕ", "plac\u0301anje"}},
		{"dzep", []string{"džep", "џеп", "DŽEP", "Џеп", "ǆep"}},
		{"ljubljana", []string{"Ljubljana", "Љубљана", "ǈubǉana"}},
		{"djak", []string{"đak", "ђак", "Đak", "ĐAK", "djak"}},
		{"zahlung", []string{"Zahlung", "ZAHLUNG", "ｚａｈｌｕｎｇ"}},
		{"strasse", []string{"Straße", "STRASSE", "strasse", "STRAẞE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.in[1:] {
				assert.Equal(t, Fold(tt.in[0]), Fold(s), "%q", s)
			}
		})
	}
}

func TestAppendFold(t *testing.T) {
	t.Run("appends without separator", func(t *testing.T) {
		got := AppendFold([]byte("prefix"), "  Hello, World ")
		assert.Equal(t, "prefixhello world", string(got))
	})
	t.Run("keeps existing trailing space", func(t *testing.T) {
		got := AppendFold([]byte("x "), "...")
		assert.Equal(t, "x ", string(got))
	})
	t.Run("no allocation with capacity", func(t *testing.T) {
		s := "Plaćanje ne radi — ПЛАЋАЊЕ НЕ РАДИ, Zahlung fehlgeschlagen! ＯＫ ﬁ ½"
		buf := make([]byte, 0, 4*len(s))
		allocs := testing.AllocsPerRun(100, func() {
			buf = AppendFold(buf[:0], s)
		})
		assert.Zero(t, allocs)
	})
	t.Run("fold returns input when folded", func(t *testing.T) {
		allocs := testing.AllocsPerRun(100, func() {
			_ = Fold("already folded text")
		})
		assert.Zero(t, allocs)
	})
}

// TestFoldAllRunes checks every rune against the reference computation
// that builds the tables, and that the result is a fixed point.
func TestFoldAllRunes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		got := Fold(string(r))
		want := strings.Join(strings.Fields(foldRuneSlow(r)), " ")
		require.Equal(t, want, got, "%U %q", r, string(r))
		require.Equal(t, got, Fold(got), "%U %q not idempotent", r, string(r))
		requireFolded(t, got)
	}
}

// TestFoldDecomposed checks that canonically decomposed input folds like
// the precomposed character, for every precomposed character up to
// U+FFFF.
func TestFoldDecomposed(t *testing.T) {
	for r := rune(utf8.RuneSelf); r <= 0xffff; r++ {
		d := norm.NFD.String(string(r))
		if d == string(r) || isHanOrHangul(r) {
			continue
		}
		require.Equal(t, Fold(string(r)), Fold(d), "%U %q", r, string(r))
	}
}

// requireFolded checks the output invariants of Fold.
func requireFolded(t testing.TB, s string) {
	t.Helper()
	if s == "" {
		return
	}
	require.True(t, utf8.ValidString(s), "invalid UTF-8 in %q", s)
	require.NotEqual(t, ' ', rune(s[0]), "leading space in %q", s)
	require.NotEqual(t, ' ', rune(s[len(s)-1]), "trailing space in %q", s)
	require.NotContains(t, s, "  ", "double space in %q", s)
	for _, r := range s {
		if r == ' ' {
			continue
		}
		require.True(t, unicode.IsLetter(r) || unicode.IsNumber(r), "%U in %q", r, s)
		require.False(t, unicode.IsUpper(r) || unicode.IsTitle(r), "%U in %q", r, s)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"", "Plaćanje NE RADI", "плаћање", "Straße ﬁ ½", "l'app", "a\xffb", "c\u0301", "Ꭰ ǅ İ", "⑴x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		requireFolded(t, got)
		require.Equal(t, got, Fold(got))
		require.Equal(t, "x "+got, string(AppendFold([]byte("x "), s)))
	})
}
