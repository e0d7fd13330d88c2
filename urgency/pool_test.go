package urgency

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestPoolKeepsNoTicket: an evaluator back in the engine's pool holds no
// reference to the last ticket's text, fields or customer: a host's 30
// MiB e-mail is not kept alive by the engine after it was assessed or
// explained.
func TestPoolKeepsNoTicket(t *testing.T) {
	e := loadDefaultPack(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tk := Ticket{ID: "T-1", Subject: "payment failed", Body: strings.Repeat("the card was declined ", 64),
		Channel: "email", Fields: map[string]any{"order": "A-1"}, Customer: Customer{ID: "C-1", Tier: "premium"},
		CreatedAt: now.Add(-time.Hour)}
	for name, run := range map[string]func(){
		"assess":  func() { e.Assess(tk, now) },
		"explain": func() { e.Explain(tk, now) },
	} {
		t.Run(name, func(t *testing.T) {
			run()
			// Without the race detector, a goroutine gets back the
			// evaluator it put; with it, the pool may hand a new one.
			ev := e.pool.Get().(*evaluator)
			defer e.pool.Put(ev)
			assert.Empty(t, ev.env.Subject)
			assert.Empty(t, ev.env.Body)
			assert.Empty(t, ev.env.Text)
			assert.Nil(t, ev.env.Fields)
			assert.Empty(t, ev.env.Customer.ID)
			assert.Empty(t, ev.st.text)
		})
	}
}
