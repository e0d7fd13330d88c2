package rules_test

import (
	"bytes"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// cases is testdata/default_cases.yaml: what the default pack must decide
// for the sample tickets, written from support practice, not from output.
type cases struct {
	Now    time.Time `yaml:"now"`
	Expect []struct {
		ID       string   `yaml:"id"`
		Level    string   `yaml:"level"`
		Queue    *string  `yaml:"queue"`
		Rules    []string `yaml:"rules"`
		NotRules []string `yaml:"not_rules"`
		Tags     []string `yaml:"tags"`
	} `yaml:"expect"`
}

func TestDefaultPackOnSampleTickets(t *testing.T) {
	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)

	data, err := os.ReadFile("../testdata/default_cases.yaml")
	require.NoError(t, err)
	var cs cases
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&cs))
	require.NotEmpty(t, cs.Expect)

	tickets := readTickets(t, "../testdata/tickets.jsonl")
	byID := make(map[string]urgency.Assessment)
	for _, tk := range tickets {
		a := eng.Assess(tk, cs.Now)
		assert.Empty(t, a.Errors, "ticket %s: no rule may fail at run time", tk.ID)
		byID[tk.ID] = a
	}
	covered := make(map[string]bool)
	for _, c := range cs.Expect {
		t.Run(c.ID, func(t *testing.T) {
			a, ok := byID[c.ID]
			require.True(t, ok, "no ticket %s", c.ID)
			got := a.Rules()
			for _, r := range got {
				covered[r] = true
			}
			for _, r := range c.Rules {
				assert.Contains(t, got, r, "why: %v", a.Why())
			}
			for _, r := range c.NotRules {
				assert.NotContains(t, got, r, "why: %v", a.Why())
			}
			for _, tag := range c.Tags {
				assert.Contains(t, a.Tags, tag)
			}
			if c.Level != "" {
				assert.Equal(t, c.Level, a.Level, "why: %v", a.Why())
			}
			if c.Queue != nil {
				assert.Equal(t, *c.Queue, a.Queue, "why: %v", a.Why())
			}
		})
	}
	// Every rule that does not need other tickets (clusters) is exercised.
	for _, r := range eng.Rules() {
		if slices.Contains([]string{"trend", "incident", "duplicate"}, r.Name) {
			continue
		}
		assert.True(t, covered[r.Name], "rule %s is not exercised by any sample ticket", r.Name)
	}
}

// TestDefaultPackLanguages checks the tier-1 and tier-2 concepts in every
// language the pack claims, including Serbian in both scripts, with
// wording the sample tickets do not use.
func TestDefaultPackLanguages(t *testing.T) {
	eng, err := urgency.LoadFS(rules.Default())
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		lang, subject, body, rule string
	}{
		{"en", "Card declined", "My payment failed twice this morning.", "payment-failure"},
		{"de", "Zahlung abgelehnt", "Die Kreditkarte wurde abgelehnt, die Zahlung ist fehlgeschlagen.", "payment-failure"},
		{"hr", "Plaćanje odbijeno", "Kartica je odbijena, plaćanje nije uspjelo.", "payment-failure"},
		{"sr", "Плаћање одбијено", "Картица је одбијена, плаћање није успело.", "payment-failure"},
		{"sr", "Placanje odbijeno", "Kartica je odbijena, placanje nije uspelo.", "payment-failure"},
		{"pl", "Płatność odrzucona", "Karta została odrzucona, płatność nie powiodła się.", "payment-failure"},
		{"fi", "Maksu hylättiin", "Kortti hylättiin ja maksu epäonnistui.", "payment-failure"},
		{"es", "Pago rechazado", "La tarjeta fue rechazada y el pago falló.", "payment-failure"},
		{"fr", "Paiement refusé", "La carte a été refusée, le paiement a échoué.", "payment-failure"},
		{"pt", "Pagamento recusado", "O cartão foi recusado e o pagamento falhou.", "payment-failure"},
		{"it", "Pagamento rifiutato", "La carta è stata rifiutata, il pagamento non è riuscito.", "payment-failure"},
		{"en", "Can't log in", "I cannot log in since yesterday.", "cannot-log-in"},
		{"de", "Anmeldung", "Ich kann mich nicht anmelden.", "cannot-log-in"},
		{"bs", "Prijava", "Ne mogu se prijaviti na račun.", "cannot-log-in"},
		{"sr", "Пријава", "Не могу да се пријавим.", "cannot-log-in"},
		{"pl", "Logowanie", "Nie mogę się zalogować.", "cannot-log-in"},
		{"fi", "Kirjautuminen", "En pääse kirjautumaan sisään.", "cannot-log-in"},
		{"es", "Acceso", "No puedo iniciar sesión.", "cannot-log-in"},
		{"fr", "Connexion", "Je n'arrive pas à me connecter.", "cannot-log-in"},
		{"pt", "Acesso", "Não consigo entrar na minha conta.", "cannot-log-in"},
		{"it", "Accesso", "Non riesco ad accedere.", "cannot-log-in"},
		{"en", "Cancel", "We will cancel our subscription.", "contract-at-risk"},
		{"de", "Kündigung", "Wir kündigen den Vertrag.", "contract-at-risk"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.subject, func(t *testing.T) {
			a := eng.Assess(urgency.Ticket{ID: "x", Subject: tt.subject, Body: tt.body, Language: tt.lang, CreatedAt: now}, now)
			assert.Contains(t, a.Rules(), tt.rule, "why: %v", a.Why())
			assert.Equal(t, "critical", a.Level)
		})
	}
}

func readTickets(t *testing.T, path string) []urgency.Ticket {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := urgency.NewTicketReader(f)
	var out []urgency.Ticket
	for {
		tk, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, tk)
	}
}
