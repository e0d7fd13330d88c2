package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triagekit/triage/urgency"
)

// newGenCmd writes made-up tickets for load tests and benchmarks: the
// same seed gives the same tickets, byte for byte.
func newGenCmd(s *streams) *cobra.Command {
	var n int
	var seed uint64
	var nowFlag string
	c := &cobra.Command{
		Use:   "gen",
		Short: "Write made-up tickets for load tests",
		Long: `gen writes made-up tickets as JSON Lines on standard output: mostly lone
tickets in a dozen languages, now and then a burst of the same problem
from many customers. The same seed gives the same tickets, byte for byte.`,
		Example: `  urgency gen -n 50000 > load.jsonl
  urgency gen -n 1000 --seed 7 | urgency rank --format json`,
		Args: maxArgs(0, "takes no arguments, only flags"),
		RunE: func(_ *cobra.Command, _ []string) error {
			stdout, stderr := s.out, s.errOut
			if n < 0 {
				return usagef("-n must not be negative, not %d", n)
			}
			now, err := time.Parse(time.RFC3339, nowFlag)
			if err != nil {
				return usagef("-now %q is not an RFC 3339 time like 2026-11-22T10:00:00Z", nowFlag)
			}
			w := bufio.NewWriterSize(stdout, 64<<10)
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			g := newGenerator(n, seed, now)
			for range n {
				if err := enc.Encode(g.next()); err != nil {
					fmt.Fprintf(stderr, "urgency gen: %v\n", err)
					return exitCode(exitFindings)
				}
			}
			if err := w.Flush(); err != nil {
				fmt.Fprintf(stderr, "urgency gen: %v\n", err)
				return exitCode(exitFindings)
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVarP(&n, "n", "n", 1000, "how many `tickets` to write")
	f.Uint64Var(&seed, "seed", 1, "random `seed`: the same seed gives the same tickets")
	f.StringVar(&nowFlag, "now", fixedGenNow, "`time` in RFC 3339 that no ticket is created after: the tickets start n × 20s before it")
	return c
}

// fixedGenNow is the default bound of the generated tickets' times: the
// "now" of the sample tickets, so that runs are comparable.
const fixedGenNow = "2026-11-22T10:00:00Z"

// meanGap is the mean time between two tickets outside bursts.
const meanGap = 20 * time.Second

// generator makes a stream of tickets in order of creation: mostly lone
// tickets in a dozen languages, of every length from a chat line to a
// pasted log, from customers of whom a few write often; now and then a
// burst of the same problem from many customers within an hour, which the
// queue groups into a cluster.
type generator struct {
	rng       *rand.Rand
	i         int
	t         time.Time
	now       time.Time
	customers int
	burst     burst
}

type burst struct {
	left  int // tickets still to come
	issue int
	lang  string
	code  string
}

func newGenerator(n int, seed uint64, now time.Time) *generator {
	return &generator{
		rng:       rand.New(rand.NewPCG(seed, 0x7269616765)),
		t:         now.Add(-time.Duration(n) * meanGap),
		now:       now,
		customers: max(n/20, 50),
	}
}

func (g *generator) next() urgency.Ticket {
	r := g.rng
	g.i++
	if g.burst.left == 0 && r.IntN(400) == 0 {
		g.burst = burst{left: 5 + r.IntN(40), issue: burstIssues[r.IntN(len(burstIssues))],
			lang: g.language(), code: fmt.Sprintf("E%d", 500+r.IntN(400))}
	}
	inBurst := g.burst.left > 0 && r.IntN(3) > 0
	gap := meanGap
	if g.burst.left > 0 {
		gap = meanGap / 2
	}
	g.t = g.t.Add(time.Duration(r.ExpFloat64() * float64(gap)).Round(time.Second))
	created := g.t
	if created.After(g.now) {
		created = g.now
	}
	cust, company := g.customer(inBurst)
	t := urgency.Ticket{
		ID:        fmt.Sprintf("G-%07d", g.i),
		Channel:   pick(r, channels),
		CreatedAt: created,
		Flagged:   r.IntN(40) == 0,
		Customer:  cust,
	}
	if r.IntN(2) == 0 {
		t.Fields = map[string]any{"product": pick(r, products)}
	}
	if inBurst {
		g.burst.left--
		t.Language = g.burst.lang
		t.Subject, t.Body = g.text(g.burst.issue, t.Language, g.burst.code, t.Channel, company)
		return t
	}
	t.Language = g.language()
	t.Subject, t.Body = g.text(r.IntN(len(issues)), t.Language, "", t.Channel, company)
	if r.IntN(10) == 0 {
		t.Language = "" // hosts do not always know it
	}
	return t
}

// customer picks a customer and its company's name: a few write often,
// most now and then; in a burst each ticket is most likely from another
// customer.
func (g *generator) customer(inBurst bool) (urgency.Customer, string) {
	r := g.rng
	var id int
	if inBurst {
		id = r.IntN(g.customers)
	} else {
		id = int(math.Pow(r.Float64(), 2) * float64(g.customers))
	}
	// Tier and sign-up date derive from the ID, so they stay the same
	// for a customer over the whole stream.
	h := rand.New(rand.NewPCG(uint64(id), 0x637573746f6d6572))
	c := urgency.Customer{ID: fmt.Sprintf("C-%05d", id), Tier: tiers[h.IntN(len(tiers))]}
	if h.IntN(50) == 0 {
		c.Tier = "vip"
	}
	if h.IntN(8) > 0 {
		c.Since = g.now.Add(-time.Duration(h.IntN(4*365*24)) * time.Hour).Truncate(time.Hour)
	}
	var company strings.Builder
	for i := range 2 + h.IntN(2) {
		s := syllables[h.IntN(len(syllables))]
		if i == 0 {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		company.WriteString(s)
	}
	return c, company.String()
}

func (g *generator) language() string {
	x := g.rng.IntN(100)
	for _, l := range languages {
		if x < l.share {
			return l.code
		}
		x -= l.share
	}
	return "en"
}

// text writes a subject and a body about issue: a chat line, a short
// message, a long one, or now and then a pasted log of many kilobytes.
// Lone tickets name the part of the product they are about, which keeps
// reports of the same kind of problem apart unless they come in a burst.
func (g *generator) text(issue int, lang, code, channel, company string) (string, string) {
	r := g.rng
	p := phrases[lang]
	is := issues[issue][lang]
	subject := is[0]
	feature := pick(r, features)
	if code != "" {
		subject += " (" + code + ")"
	} else {
		subject += " – " + feature + " " + g.word()
	}
	var b strings.Builder
	if channel != "chat" || r.IntN(2) == 0 {
		b.WriteString(pick(r, p.open))
		b.WriteByte(' ')
	}
	b.WriteString(is[1])
	if code != "" {
		fmt.Fprintf(&b, " %s: %s.", p.code, code)
	}
	// Made-up words stand in for what makes each report its own: names
	// of sites, shops, projects, people and products.
	b.WriteString(" (")
	b.WriteString(feature)
	for range 2 + r.IntN(8) {
		b.WriteString(", ")
		b.WriteString(g.word())
	}
	b.WriteString(")")
	var sentences int
	switch x := r.IntN(100); {
	case x < 40:
		sentences = 0
	case x < 80:
		sentences = 1 + r.IntN(3)
	case x < 97:
		sentences = 4 + r.IntN(12)
	default:
		sentences = 4
		g.log(&b, 20+r.IntN(300))
	}
	for range sentences {
		b.WriteByte(' ')
		b.WriteString(pick(r, p.filler))
	}
	if r.IntN(4) == 0 {
		b.WriteByte(' ')
		b.WriteString(pick(r, p.anger))
	}
	if channel != "chat" {
		b.WriteString("\n\n")
		b.WriteString(pick(r, p.close))
		b.WriteString("\n")
		b.WriteString(company)
	}
	if r.IntN(20) == 0 {
		subject = strings.ToUpper(subject) + "!!!"
	}
	return subject, b.String()
}

// word makes up a word of two or three syllables.
func (g *generator) word() string {
	var b strings.Builder
	for range 2 + g.rng.IntN(2) {
		b.WriteString(pick(g.rng, syllables))
	}
	return b.String()
}

// log pastes lines of a log, as customers do.
func (g *generator) log(b *strings.Builder, lines int) {
	r := g.rng
	ts := g.t.Add(-time.Duration(lines) * time.Second)
	b.WriteString("\n\n")
	for i := range lines {
		ts = ts.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
		fmt.Fprintf(b, "%s %s [%s] request=%08x %s\n", ts.Format("2006-01-02T15:04:05.000Z"),
			pick(r, logLevels), pick(r, logSources), r.Uint32(), logMessages[(i+r.IntN(3))%len(logMessages)])
	}
	b.WriteString("\n")
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	channels  = []string{"email", "email", "email", "email", "web", "web", "web", "chat", "chat", "phone", "api"}
	tiers     = []string{"standard", "standard", "standard", "standard", "standard", "standard", "standard", "premium", "premium", "enterprise"}
	syllables = []string{"nor", "vik", "tes", "sa", "line", "bra", "do", "kor", "an", "mel", "ta", "quin", "ro", "sel", "dar", "fen", "lo", "mi", "ra", "zet", "ku", "bel", "tor", "is", "va", "gro", "pel", "um", "hal", "den"}
	features  = []string{"invoice PDF", "dashboard", "mobile app", "Android app", "iOS app", "webhooks", "CSV import", "CSV export",
		"single sign-on", "SSO", "API keys", "team invitations", "user roles", "audit log", "calendar sync", "Outlook plugin",
		"Slack integration", "Zapier", "reports", "quarterly report", "tax settings", "VAT number", "currency settings",
		"price list", "discount codes", "gift cards", "shipping labels", "warehouse sync", "barcode scanner", "POS terminal",
		"time tracking", "timesheets", "project templates", "Kanban board", "Gantt chart", "file upload", "attachments",
		"notifications", "email digest", "two-factor codes", "password reset", "custom domain", "SSL certificate", "DNS records",
		"backup", "data retention", "GDPR export", "sandbox", "staging", "rate limits"}
	products    = []string{"shop", "billing", "mobile", "api", "reports"}
	logLevels   = []string{"INFO", "INFO", "INFO", "WARN", "ERROR"}
	logSources  = []string{"gateway", "auth", "billing-worker", "sync", "web-1", "web-2"}
	logMessages = []string{
		"upstream responded 502 after 30012ms",
		"retrying payment authorization (attempt 2/3)",
		"token refresh failed: invalid_grant",
		"connection reset by peer",
		"job sync-accounts finished in 1834ms",
		"cache miss for key tenant:settings",
		"slow query: SELECT * FROM invoices WHERE customer_id = ? (2210ms)",
	}
)

// languages and their shares of the tickets, in percent.
var languages = []struct {
	code  string
	share int
}{{"en", 40}, {"de", 18}, {"hr", 9}, {"sr", 6}, {"pl", 8}, {"fr", 7}, {"es", 7}, {"it", 5}}

// burstIssues are the issues that come in bursts: an outage or a failing
// payment or login path hits many customers at once.
var burstIssues = []int{0, 2, 3}

// issues are the problems customers write about, each as a subject and a
// sentence per language.
var issues = []map[string][2]string{
	{ // 0: payment fails
		"en": {"Payment failed at checkout", "Our card payment fails at the last step of checkout and the order is not placed."},
		"de": {"Zahlung fehlgeschlagen", "Die Zahlung mit Kreditkarte wird beim letzten Schritt abgelehnt."},
		"hr": {"Plaćanje karticom ne prolazi", "Plaćanje karticom ne prolazi, javlja se greška kod zadnjeg koraka."},
		"sr": {"Плаћање не пролази", "Плаћање картицом не пролази већ други дан."},
		"pl": {"Płatność nie przechodzi", "Płatność kartą nie przechodzi, zamówienie nie zostało złożone."},
		"fr": {"Paiement refusé", "Le paiement par carte est refusé à la dernière étape de la commande."},
		"es": {"El pago no funciona", "El pago con tarjeta falla en el último paso y el pedido no se realiza."},
		"it": {"Pagamento non riuscito", "Il pagamento con carta non va a buon fine all'ultimo passaggio."},
	},
	{ // 1: charged twice
		"en": {"Charged twice this month", "We were charged twice for the same subscription this month."},
		"de": {"Doppelt abgebucht", "Der Betrag wurde diesen Monat doppelt abgebucht."},
		"hr": {"Naplaćeno dva puta", "Pretplata nam je ovaj mjesec naplaćena dva puta."},
		"sr": {"Наплаћено два пута", "Претплата је наплаћена два пута са исте картице."},
		"pl": {"Podwójne obciążenie", "Zostaliśmy obciążeni dwa razy za ten sam abonament."},
		"fr": {"Prélevé deux fois", "Nous avons été prélevés deux fois pour le même abonnement."},
		"es": {"Cobro duplicado", "Nos han cobrado dos veces la misma suscripción."},
		"it": {"Addebito doppio", "Ci è stato addebitato due volte lo stesso abbonamento."},
	},
	{ // 2: cannot log in
		"en": {"Cannot log in", "Nobody on our team can log in since this morning, the login page says the password is wrong."},
		"de": {"Login nicht möglich", "Seit heute früh kann sich niemand mehr anmelden, das Passwort wird abgelehnt."},
		"hr": {"Ne mogu se prijaviti", "Od jutros se nitko iz tima ne može prijaviti, lozinka se odbija."},
		"sr": {"Не могу да се пријавим", "Од јутрос не могу да се пријавим на налог."},
		"pl": {"Nie mogę się zalogować", "Od rana nikt z zespołu nie może się zalogować."},
		"fr": {"Impossible de se connecter", "Depuis ce matin personne ne peut se connecter, le mot de passe est refusé."},
		"es": {"No puedo iniciar sesión", "Desde esta mañana nadie del equipo puede iniciar sesión."},
		"it": {"Impossibile accedere", "Da stamattina nessuno riesce ad accedere, la password viene rifiutata."},
	},
	{ // 3: down
		"en": {"Site is down", "The whole site is down for us, every page gives an error and our work has stopped."},
		"de": {"Seite nicht erreichbar", "Die ganze Seite ist nicht erreichbar, wir können nicht arbeiten."},
		"hr": {"Stranica ne radi", "Cijela stranica ne radi, ne možemo raditi."},
		"sr": {"Сајт не ради", "Цео сајт не ради, не можемо да радимо."},
		"pl": {"Strona nie działa", "Cała strona nie działa, nie możemy pracować."},
		"fr": {"Le site est en panne", "Tout le site est en panne, nous ne pouvons plus travailler."},
		"es": {"El sitio no funciona", "Todo el sitio está caído y no podemos trabajar."},
		"it": {"Il sito non funziona", "Tutto il sito è fuori servizio, non possiamo lavorare."},
	},
	{ // 4: refund
		"en": {"Refund request", "Please refund the last invoice, we cancelled before the renewal."},
		"de": {"Bitte um Rückerstattung", "Bitte erstatten Sie die letzte Rechnung, wir hatten vor der Verlängerung gekündigt."},
		"hr": {"Povrat novca", "Molim povrat novca za zadnji račun, otkazali smo prije obnove."},
		"sr": {"Повраћај новца", "Молим повраћај новца за последњи рачун."},
		"pl": {"Prośba o zwrot", "Proszę o zwrot pieniędzy za ostatnią fakturę."},
		"fr": {"Demande de remboursement", "Merci de rembourser la dernière facture, nous avions résilié avant."},
		"es": {"Solicitud de reembolso", "Por favor, reembolsen la última factura, cancelamos antes de la renovación."},
		"it": {"Richiesta di rimborso", "Vi chiedo il rimborso dell'ultima fattura, avevamo disdetto prima."},
	},
	{ // 5: how to
		"en": {"How do I export reports?", "How can I export the monthly report as a spreadsheet?"},
		"de": {"Frage zum Export", "Wie kann ich den Monatsbericht als Tabelle exportieren?"},
		"hr": {"Pitanje o izvozu", "Kako mogu izvesti mjesečni izvještaj u tablicu?"},
		"sr": {"Питање о извозу", "Како могу да извезем месечни извештај?"},
		"pl": {"Pytanie o eksport", "Jak mogę wyeksportować raport miesięczny?"},
		"fr": {"Question sur l'export", "Comment exporter le rapport mensuel en tableur ?"},
		"es": {"Pregunta sobre exportar", "¿Cómo puedo exportar el informe mensual a una hoja de cálculo?"},
		"it": {"Domanda sull'esportazione", "Come posso esportare il report mensile in un foglio di calcolo?"},
	},
	{ // 6: feature wish
		"en": {"Suggestion: dark mode", "It would be nice to have a dark mode in the app."},
		"de": {"Vorschlag: Dunkelmodus", "Es wäre schön, wenn die App einen Dunkelmodus hätte."},
		"hr": {"Prijedlog: tamni način", "Bilo bi lijepo imati tamni način rada u aplikaciji."},
		"sr": {"Предлог: тамни режим", "Било би лепо имати тамни режим у апликацији."},
		"pl": {"Sugestia: tryb ciemny", "Byłoby miło mieć tryb ciemny w aplikacji."},
		"fr": {"Suggestion : mode sombre", "Ce serait bien d'avoir un mode sombre dans l'application."},
		"es": {"Sugerencia: modo oscuro", "Estaría bien tener un modo oscuro en la aplicación."},
		"it": {"Suggerimento: tema scuro", "Sarebbe bello avere un tema scuro nell'app."},
	},
	{ // 7: cancel
		"en": {"Cancel our subscription", "We want to cancel our subscription at the end of the month."},
		"de": {"Kündigung", "Wir möchten unser Abo zum Monatsende kündigen."},
		"hr": {"Otkaz pretplate", "Želimo otkazati pretplatu na kraju mjeseca."},
		"sr": {"Отказ претплате", "Желимо да откажемо претплату."},
		"pl": {"Rezygnacja z abonamentu", "Chcemy zrezygnować z abonamentu z końcem miesiąca."},
		"fr": {"Résiliation", "Nous souhaitons résilier notre abonnement à la fin du mois."},
		"es": {"Cancelar suscripción", "Queremos cancelar nuestra suscripción a final de mes."},
		"it": {"Disdetta abbonamento", "Vogliamo disdire l'abbonamento a fine mese."},
	},
	{ // 8: follow-up
		"en": {"Still no answer", "I wrote last week about this and still have no answer."},
		"de": {"Immer noch keine Antwort", "Ich habe letzte Woche geschrieben und noch keine Antwort erhalten."},
		"hr": {"Još nema odgovora", "Pisao sam prošli tjedan i još nemam odgovor."},
		"sr": {"Још нема одговора", "Писао сам прошле недеље и још немам одговор."},
		"pl": {"Nadal brak odpowiedzi", "Pisałem w zeszłym tygodniu i nadal nie mam odpowiedzi."},
		"fr": {"Toujours pas de réponse", "J'ai écrit la semaine dernière et je n'ai toujours pas de réponse."},
		"es": {"Sigo sin respuesta", "Escribí la semana pasada y sigo sin respuesta."},
		"it": {"Ancora nessuna risposta", "Ho scritto la settimana scorsa e non ho ancora risposta."},
	},
	{ // 9: data gone
		"en": {"Data missing after sync", "After the last sync half of our customer records are gone."},
		"de": {"Daten nach Sync verschwunden", "Nach der letzten Synchronisierung sind die Hälfte unserer Kundendaten weg."},
		"hr": {"Podaci nestali", "Nakon zadnje sinkronizacije nestala je polovica podataka."},
		"sr": {"Подаци су нестали", "После синхронизације нестала је половина података."},
		"pl": {"Dane zniknęły", "Po ostatniej synchronizacji zniknęła połowa danych klientów."},
		"fr": {"Données disparues", "Après la dernière synchronisation, la moitié de nos données ont disparu."},
		"es": {"Datos perdidos", "Después de la última sincronización se perdieron la mitad de los datos."},
		"it": {"Dati spariti", "Dopo l'ultima sincronizzazione metà dei dati dei clienti sono spariti."},
	},
}

// phraseSet is what surrounds the issue in a message of one language.
type phraseSet struct {
	open, filler, anger, close []string
	code                       string
}

var phrases = map[string]phraseSet{
	"en": {
		open:   []string{"Hi,", "Hello,", "Good morning,", "Dear support,"},
		filler: []string{"We tried again with another browser.", "This started after the update yesterday.", "Our accountant needs this for the month end.", "I attached a screenshot.", "The account is on the team plan.", "Could you please look into it?", "It worked fine last week."},
		anger:  []string{"This is unacceptable.", "Please fix this today, this is urgent!"},
		close:  []string{"Thanks,\nAnna", "Best regards,\nJohn Miller", "Kind regards"},
		code:   "The error code is",
	},
	"de": {
		open:   []string{"Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,"},
		filler: []string{"Wir haben es mit einem anderen Browser versucht.", "Das Problem besteht seit dem Update gestern.", "Unsere Buchhaltung braucht das zum Monatsende.", "Ein Screenshot ist angehängt.", "Können Sie sich das bitte ansehen?", "Letzte Woche lief noch alles."},
		anger:  []string{"Das ist nicht akzeptabel.", "Bitte dringend beheben!"},
		close:  []string{"Viele Grüße\nJonas", "Mit freundlichen Grüßen\nKatrin Weber"},
		code:   "Fehlercode",
	},
	"hr": {
		open:   []string{"Poštovani,", "Pozdrav,", "Dobar dan,"},
		filler: []string{"Probali smo i s drugim preglednikom.", "Problem je počeo nakon jučerašnjeg ažuriranja.", "Računovodstvu ovo treba do kraja mjeseca.", "Šaljem snimku zaslona.", "Molim vas da provjerite."},
		anger:  []string{"Ovo je neprihvatljivo.", "Molim hitno rješenje!"},
		close:  []string{"Hvala,\nIvana", "Lijep pozdrav,\nMarko Horvat"},
		code:   "Kod greške",
	},
	"sr": {
		open:   []string{"Поштовани,", "Здраво,"},
		filler: []string{"Пробали смо и са другим прегледачем.", "Проблем је почео после јучерашњег ажурирања.", "Молим вас да проверите."},
		anger:  []string{"Ово је неприхватљиво.", "Хитно!"},
		close:  []string{"Хвала,\nМилан", "Срдачан поздрав"},
		code:   "Код грешке",
	},
	"pl": {
		open:   []string{"Dzień dobry,", "Witam,"},
		filler: []string{"Próbowaliśmy w innej przeglądarce.", "Problem zaczął się po wczorajszej aktualizacji.", "Księgowość potrzebuje tego na koniec miesiąca.", "Proszę o sprawdzenie."},
		anger:  []string{"To jest nie do przyjęcia.", "Proszę o pilną pomoc!"},
		close:  []string{"Pozdrawiam,\nPiotr", "Z poważaniem,\nAnna Nowak"},
		code:   "Kod błędu",
	},
	"fr": {
		open:   []string{"Bonjour,", "Madame, Monsieur,"},
		filler: []string{"Nous avons essayé avec un autre navigateur.", "Le problème a commencé après la mise à jour d'hier.", "Notre comptable en a besoin pour la fin du mois.", "Pouvez-vous vérifier ?"},
		anger:  []string{"C'est inacceptable.", "Merci de corriger cela en urgence !"},
		close:  []string{"Cordialement,\nClaire", "Merci,\nLuc Martin"},
		code:   "Code d'erreur",
	},
	"es": {
		open:   []string{"Hola,", "Buenos días,"},
		filler: []string{"Probamos con otro navegador.", "El problema empezó después de la actualización de ayer.", "Nuestro contable lo necesita para fin de mes.", "¿Pueden revisarlo?"},
		anger:  []string{"Esto es inaceptable.", "¡Por favor, es urgente!"},
		close:  []string{"Gracias,\nLucía", "Saludos,\nJavier García"},
		code:   "Código de error",
	},
	"it": {
		open:   []string{"Buongiorno,", "Salve,"},
		filler: []string{"Abbiamo provato con un altro browser.", "Il problema è iniziato dopo l'aggiornamento di ieri.", "Potete verificare?"},
		anger:  []string{"È inaccettabile.", "Per favore, è urgente!"},
		close:  []string{"Grazie,\nGiulia", "Cordiali saluti,\nMarco Rossi"},
		code:   "Codice di errore",
	},
}
