package urgency

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Ticket is one support request as the host received it. Its JSON form is
// one object per line in the files the command line reads:
//
//	{"id":"T-1","subject":"...","body":"...","channel":"email","language":"de",
//	 "created_at":"2026-11-22T09:00:00Z","flagged":false,
//	 "customer":{"id":"C-7","tier":"premium","since":"2026-11-01T00:00:00Z"},
//	 "fields":{"product":"shop"}}
//
// Service levels read three more, all optional (see [StatusChange]):
//
//	{"status":"pending","history":[{"at":"2026-11-22T09:00:00Z","status":"open"},
//	 {"at":"2026-11-22T09:40:00Z","status":"pending"}],"first_reply_at":"2026-11-22T09:30:00Z"}
type Ticket struct {
	ID        string         `json:"id"`
	Subject   string         `json:"subject,omitempty"`
	Body      string         `json:"body,omitempty"`
	Channel   string         `json:"channel,omitempty"`  // e.g. email, chat, phone, web
	Language  string         `json:"language,omitempty"` // e.g. de, sr, pl; may be empty
	CreatedAt time.Time      `json:"created_at"`
	Flagged   bool           `json:"flagged,omitempty"` // marked important by customer, channel or agent
	Customer  Customer       `json:"customer"`
	Fields    map[string]any `json:"fields,omitempty"` // host-defined custom fields

	// Status is the host's status name now, e.g. open, pending, solved;
	// "" for the last status of History, or open.
	Status string `json:"status,omitempty"`
	// History is the ticket's status changes in time order. Without an
	// entry at CreatedAt the ticket is open from CreatedAt to the first.
	// Service clocks stop while the status is one of the pack's
	// settings.pause.
	History []StatusChange `json:"history,omitempty"`
	// FirstReplyAt is when an agent first answered; zero for not yet.
	// From then on the ticket is due for resolution.
	FirstReplyAt time.Time `json:"first_reply_at,omitzero"`
}

// Customer is who sent a ticket.
type Customer struct {
	ID    string    `json:"id,omitempty"`
	Tier  string    `json:"tier,omitempty"` // e.g. premium, standard
	Since time.Time `json:"since,omitzero"` // zero when unknown
}

// LineError is a ticket line that could not be decoded.
type LineError struct {
	Line int
	Err  error
}

// Error returns "line N: message".
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// ticketJSON is a ticket as a line holds it: the custom fields are decoded
// on their own, keeping their numbers as written (json.Number).
type ticketJSON struct {
	Ticket
	Fields json.RawMessage `json:"fields,omitempty"`
}

// The keys of a ticket line and of its customer, as encoding/json matches
// them: without regard to case.
// They are read from the json tags, so that a field added to Ticket is
// a key of the line at once.
var (
	ticketKeys   = jsonKeys(reflect.TypeFor[Ticket]())
	customerKeys = jsonKeys(reflect.TypeFor[Customer]())
	lineObjects  = map[string][]string{"customer": customerKeys, "history": jsonKeys(reflect.TypeFor[StatusChange]())}
)

func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// unknownKeysIn returns the keys of the object b that are not among keys,
// with those of the objects under the keys of subs (or of each object in
// a list under one) that are not among the keys subs gives them, sorted;
// b is valid JSON. It reads b in place, allocating only for keys with
// escapes.
func unknownKeysIn(b []byte, keys []string, subs map[string][]string) (unknown []string) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil // not an object: decoding the ticket said so
	}
	for i++; ; {
		i = skipSpace(b, i)
		switch b[i] {
		case '}':
			slices.Sort(unknown)
			return unknown
		case ',':
			i++
			continue
		}
		start := i
		i = skipString(b, i)
		key := b[start:i]
		i = skipSpace(b, i) + 1 // the colon
		i = skipSpace(b, i)
		value := i
		i = skipValue(b, i)
		name := keyName(key)
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(name, k) }) {
			unknown = append(unknown, name)
		}
		for sub, subKeys := range subs {
			if sub == "" || !strings.EqualFold(name, sub) {
				continue
			}
			if b[value] == '[' {
				unknown = append(unknown, unknownInList(b[value:i], subKeys)...)
			} else {
				unknown = append(unknown, unknownKeysIn(b[value:i], subKeys, nil)...)
			}
		}
	}
}

// unknownInList returns the unknown keys of the objects in the JSON list b.
func unknownInList(b []byte, keys []string) (unknown []string) {
	for i := 1; i < len(b); {
		i = skipSpace(b, i)
		switch {
		case i >= len(b) || b[i] == ']':
			return unknown
		case b[i] == ',':
			i++
			continue
		}
		end := skipValue(b, i)
		if b[i] == '{' {
			unknown = append(unknown, unknownKeysIn(b[i:end], keys, nil)...)
		}
		if end == i {
			end++
		}
		i = end
	}
	return unknown
}

// keyName is the text of the JSON string s, as encoding/json decodes it.
func keyName(s []byte) string {
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s[1 : len(s)-1])
	}
	var name string
	_ = json.Unmarshal(s, &name)
	return name
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the JSON string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

func unknownError(keys []string) error {
	if len(keys) == 1 {
		return fmt.Errorf("unknown field %s", excerpt(keys[0]))
	}
	return fmt.Errorf("unknown field %s (and %d more)", excerpt(keys[0]), len(keys)-1)
}

// excerpt quotes s, or its start when it is long: a message quotes no
// more than that of what a line holds.
func excerpt(s string) string {
	if c, cut := clip(s, 60); cut {
		return strconv.Quote(c) + "…"
	}
	return strconv.Quote(s)
}

// decodeTicket reads one line. It decodes in place (json.Unmarshal, not a
// json.Decoder, which copies the whole line into a buffer of its own that
// grows by doubling): a line of n bytes costs about n again for its text.
func decodeTicket(b []byte) (Ticket, error) {
	t, err := decodeJSON(b)
	if err != nil {
		return Ticket{}, err
	}
	if t.ID == "" {
		return Ticket{}, errors.New(`missing "id"`)
	}
	if len(t.ID) > MaxIDBytes {
		return Ticket{}, fmt.Errorf(`"id" is longer than %d bytes`, MaxIDBytes)
	}
	if len(t.Customer.ID) > MaxIDBytes {
		return Ticket{}, fmt.Errorf(`"customer.id" is longer than %d bytes`, MaxIDBytes)
	}
	if t.CreatedAt.IsZero() {
		return Ticket{}, errors.New(`missing "created_at"`)
	}
	if err := checkTime("created_at", t.CreatedAt); err != nil {
		return Ticket{}, err
	}
	if !t.Customer.Since.IsZero() {
		if err := checkTime("customer.since", t.Customer.Since); err != nil {
			return Ticket{}, err
		}
	}
	if !t.FirstReplyAt.IsZero() {
		if err := checkTime("first_reply_at", t.FirstReplyAt); err != nil {
			return Ticket{}, err
		}
	}
	for i, h := range t.History {
		if h.At.IsZero() {
			continue // reported below
		}
		if err := checkTime(fmt.Sprintf("history[%d].at", i), h.At); err != nil {
			return Ticket{}, err
		}
	}
	if err := t.checkService(); err != nil {
		return Ticket{}, err
	}
	for k, v := range t.Fields {
		n, err := plainNumbers(v)
		if err != nil {
			return Ticket{}, fmt.Errorf("field %s: %v", excerpt(k), err)
		}
		t.Fields[k] = n
	}
	return t, nil
}

// decodeJSON decodes the JSON of a ticket line, refusing keys a ticket does
// not have, as a json.Decoder with DisallowUnknownFields and UseNumber
// would.
func decodeJSON(b []byte) (Ticket, error) {
	var tj ticketJSON
	if err := json.Unmarshal(b, &tj); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) && strings.HasSuffix(syn.Error(), "after top-level value") {
			// The line holds a whole value and more: what is wrong
			// with the value is said first.
			if _, err := decodeJSON(b[:syn.Offset-1]); err != nil {
				return Ticket{}, err
			}
			return Ticket{}, errors.New("more than one JSON value on the line")
		}
		if syn != nil && (syn.Error() == "unexpected end of JSON input" ||
			// json.Unmarshal ends the input with a space; the line has
			// none at its end.
			syn.Offset >= int64(len(b)) && strings.HasPrefix(syn.Error(), "invalid character ' '")) {
			return Ticket{}, errors.New("invalid JSON: the line ends too early")
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			typ.Field = strings.TrimPrefix(typ.Field, "Ticket.") // the embedded struct
		}
		return Ticket{}, jsonError(err)
	}
	if unknown := unknownKeysIn(b, ticketKeys, lineObjects); len(unknown) > 0 {
		return Ticket{}, unknownError(unknown)
	}
	t := tj.Ticket
	if len(tj.Fields) > 0 {
		d := json.NewDecoder(bytes.NewReader(tj.Fields))
		d.UseNumber()
		if err := d.Decode(&t.Fields); err != nil {
			return Ticket{}, jsonError(fieldsError(err))
		}
	}
	return t, nil
}

// fieldsError names the field of an error in decoding the custom fields,
// which are decoded on their own.
func fieldsError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		typ.Field = strings.TrimSuffix("fields."+typ.Field, ".")
	}
	return err
}

// checkTime rejects a time outside the years MinYear to MaxYear (UTC), or
// with a UTC offset RFC 3339 cannot write (encoding/json reads +24:00 but
// cannot write it back). Times within the bounds keep every deadline, one
// response time (at most 292 years) after creation, a valid RFC 3339 time
// in any time zone.
func checkTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < MinYear || y > MaxYear {
		return fmt.Errorf("field %q: %s is outside the years %d to %d", field, t.Format(time.RFC3339), MinYear, MaxYear)
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return fmt.Errorf("field %q: the UTC offset of %s is not within -23:59 to +23:59", field, t.Format(time.RFC3339))
	}
	return nil
}

// plainNumbers turns the json.Numbers the decoder keeps into the numbers
// rules compare with: int when the number is whole and fits, float64
// otherwise, so fields.seats > 100 works on a ticket read from JSON.
func plainNumbers(v any) (any, error) {
	var err error
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 0); err == nil {
			return int(i), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("the number %s is too large", v)
		}
		return f, nil
	case map[string]any:
		for k, e := range v {
			if v[k], err = plainNumbers(e); err != nil {
				return nil, err
			}
		}
	case []any:
		for i, e := range v {
			if v[i], err = plainNumbers(e); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// jsonError rewrites encoding/json's messages, which name Go types, into
// the ticket format's own words.
func jsonError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return fmt.Errorf("a ticket must be a JSON object, not %s", typ.Value)
		}
		return fmt.Errorf("field %q: expected %s, got %s", typ.Field, jsonKind(typ.Type.Kind().String(), typ.Type.String()), typ.Value)
	}
	if strings.Contains(err.Error(), "Time.UnmarshalJSON: input is not a JSON string") {
		return errors.New("invalid time: not a string; use RFC 3339, e.g. 2026-11-22T09:30:00Z")
	}
	var tm *time.ParseError
	if errors.As(err, &tm) {
		return fmt.Errorf("invalid time %s: use RFC 3339, e.g. 2026-11-22T09:30:00Z", excerpt(tm.Value))
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the line ends too early")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(kind, typ string) string {
	switch {
	case typ == "time.Time":
		return "an RFC 3339 time"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return kind
}
